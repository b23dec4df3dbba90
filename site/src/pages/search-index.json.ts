// The site search's index, built at build time: lessons, operations and schemas.
import { getCollection } from 'astro:content';
import { SPECS, operationHref, schemaHref } from '../lib/openapi/spec-model.ts';
import type { SearchEntry } from '../client/site-chrome.ts';

export async function GET(): Promise<Response> {
  const lessons = await getCollection('lessons');
  const entries: SearchEntry[] = [
    ...lessons.map((l) => ({ kind: 'lesson' as const, title: l.data.title, text: `${l.data.summary} ${l.body ?? ''}`.slice(0, 4000), href: `/lessons/${l.id}/` })),
    ...SPECS.flatMap((s) => s.operations.map((op) => ({ kind: 'operation' as const, title: `${op.id} (${op.method} ${op.path})`, text: `${op.summary} ${op.description ?? ''} ${op.tags.join(' ')} ${s.title}`, href: operationHref(op) }))),
    ...SPECS.flatMap((s) => s.schemaNames.map((n) => ({ kind: 'schema' as const, title: n, text: `${s.title} schema ${JSON.stringify(s.doc.components?.schemas?.[n] ?? {}).slice(0, 500)}`, href: schemaHref(s.id, n) }))),
  ];
  return new Response(JSON.stringify(entries), { headers: { 'content-type': 'application/json' } });
}
