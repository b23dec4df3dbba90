// The site search's index, built at build time: lessons and each of their steps (deep links to the heading), the
// docs pages' headings, operations, schemas, the conformance page's tests, the mesh support page's kinds and the
// mesh API reference's kinds (with their field paths).
import { getCollection } from 'astro:content';
import { SPECS, operationHref, schemaHref } from '../lib/openapi/spec-model.ts';
import type { SearchEntry } from '../client/search-match.ts';
import { lessonSections } from '../lib/lessons/lesson-outline.ts';
import { conformanceData } from '../lib/conformance/site-data.ts';
import { testAnchor } from '../lib/conformance/present.ts';
import { kindAnchor, meshSupportData } from '../lib/mesh-support/site-data.ts';
import { meshReferenceData } from '../lib/reference/reference-data.ts';
import { apiVersionOf, kindHref } from '../lib/reference/reference-model.ts';
import { flattenFields, schemaFields } from '../lib/reference/schema-fields.ts';

export async function GET(): Promise<Response> {
  const lessons = await getCollection('lessons');
  const entries: SearchEntry[] = [
    ...lessons.map((l) => ({ kind: 'lesson' as const, title: l.data.title, text: `${l.data.summary} ${l.data.apis.join(' ')} ${l.data.topic} ${l.body ?? ''}`.slice(0, 4000), href: `/lessons/${l.id}/` })),
    ...lessons.flatMap((l) =>
      lessonSections(l.body ?? '').map((s): SearchEntry => ({ kind: 'step', title: `${s.title} — ${l.data.title}`, text: s.text, href: `/lessons/${l.id}/#${s.slug}` })),
    ),
    ...docsHeadings(),
    ...SPECS.flatMap((s) => s.operations.map((op) => ({ kind: 'operation' as const, title: `${op.id} (${op.method} ${op.path})`, text: `${op.summary} ${op.description ?? ''} ${op.tags.join(' ')} ${s.title}`, href: operationHref(op) }))),
    ...SPECS.flatMap((s) => s.schemaNames.map((n) => ({ kind: 'schema' as const, title: n, text: `${s.title} schema ${JSON.stringify(s.doc.components?.schemas?.[n] ?? {}).slice(0, 500)}`, href: schemaHref(s.id, n) }))),
    ...conformanceEntries(),
    ...meshReferenceData().kinds.map((k): SearchEntry => ({ kind: 'page', title: `${k.kind} (${k.group}) — mesh API reference`, text: `${apiVersionOf(k)} ${k.plural} ${flattenFields(schemaFields(k.schema)).map((f) => f.anchor).join(' ')}`.slice(0, 1500), href: kindHref(k) })),
    ...meshSupportData().apis.flatMap((a) => a.kinds.map((k): SearchEntry => ({ kind: 'page', title: `${k.kind} (${a.api}): mesh support ${k.support}`, text: `${k.group} ${k.summary} ${k.fields.map((f) => `${f.path} ${f.note ?? ''}`).join(' ')}`.slice(0, 4000), href: `/docs/mesh-support/#${kindAnchor(k)}` }))),
  ];
  return new Response(JSON.stringify(entries), { headers: { 'content-type': 'application/json' } });
}

/** The docs pages' own section headings (their anchors are in the pages). */
function docsHeadings(): SearchEntry[] {
  const heading = (title: string, text: string, href: string): SearchEntry => ({ kind: 'heading', title, text, href });
  return [
    ...SPECS.map((s) => heading(`${s.title} — API reference`, `${s.summary ?? ''} ${s.tags.map((t) => t.name).join(' ')}`, `/docs/api/#spec-${s.id}`)),
    heading('Errors — API reference', 'every failure answers an Error whose reason a program can switch on; the error catalogue', '/docs/api/#errors'),
    heading('Error catalogue', 'each error reason with its HTTP status and meaning', '/docs/api/errors/'),
    ...meshSupportData().apis.map((a) => heading(`${a.api} — mesh support`, `${a.kinds.map((k) => k.kind).join(' ')} what the sandbox mesh honours`, `/docs/mesh-support/#${a.id}`)),
    heading('Terminal — playground', 'kubectl, curl, stat, tap, topology in your session', '/playground/#term-h'),
    heading('Manifest editor — playground', 'edit and apply YAML manifests', '/playground/#editor-h'),
    heading('Topology and golden metrics — playground', 'services, workloads, call edges, routes, splits, success rate, latency', '/playground/#topo-h'),
  ];
}

function conformanceEntries(): SearchEntry[] {
  const data = conformanceData();
  const page: SearchEntry = {
    kind: 'page',
    title: 'Conformance: Gateway API Mesh (GAMMA) and SMI',
    text: `conformance report ConformanceReport GAMMA mesh SMI playground conformance ${data.report.profiles.map((p) => `${p.name} ${p.summary ?? ''}`).join(' ')} ${data.smi.map((c) => c.capability).join(' ')}`,
    href: '/conformance/',
  };
  const tests = data.tests.map((t): SearchEntry => ({
    kind: 'conformance test',
    title: `${t.name} (${t.profile}, ${t.result})`,
    text: `${t.description} ${t.features.join(' ')} ${t.checks.join(' ')} ${t.reason ?? ''}`,
    href: `/conformance/#${testAnchor(t)}`,
  }));
  return [page, ...tests];
}
