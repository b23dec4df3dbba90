// The mesh reference cannot drift from the CRDs the sandbox serves: the shipped site/src/data/mesh-reference.json is
// exactly what `npm run gen:mesh-reference` writes now, every served CRD has a page in the built site (`npm run build`
// writes dist/site; PLAYGROUND_SITE_DIR names another build), and every field of its schema appears on that page —
// counted by a walk of the raw CRD schema written here, independent of the walk that renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrdDocuments } from '../../sandbox/index.js';
import { MESH_REFERENCE_JSON, compareKubeVersions, meshReferenceJsonText } from '../../scripts/gen-mesh-reference.ts';
import { kindHref, type MeshReferenceData } from '../../site/src/lib/reference/reference-model.ts';
import { parseReferenceExample, ReferenceExampleError } from '../../site/src/lib/reference/examples.ts';
import { flattenFields, schemaFields, type JsonSchema } from '../../site/src/lib/reference/schema-fields.ts';
import { sandboxFieldSupport } from '../../site/src/lib/reference/mesh-support-fields.ts';
import { parseMeshSupportData } from '../../site/src/lib/mesh-support/data-contract.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SITE = resolve(process.env.PLAYGROUND_SITE_DIR ?? join(ROOT, 'dist/site'));
const EXAMPLES = join(ROOT, 'site/src/data/reference-examples');

/** Every named property reachable from a schema (through list items and map values), as `a.b[].c` paths. */
function schemaPropertyPaths(s: unknown, prefix = ''): string[] {
  if (!s || typeof s !== 'object') return [];
  const node = s as JsonSchema;
  const out: string[] = [];
  for (const [name, sub] of Object.entries((node.properties ?? {}) as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push(path);
    let inner = sub as JsonSchema;
    let at = path;
    while (inner && !inner.properties && (inner.items || (inner.additionalProperties && typeof inner.additionalProperties === 'object'))) {
      if (inner.items) { inner = inner.items as JsonSchema; at += '[]'; } else { inner = inner.additionalProperties as JsonSchema; at += '.*'; }
    }
    out.push(...schemaPropertyPaths(inner, at));
  }
  return out;
}

const attrValues = (html: string, attr: string): string[] => [...html.matchAll(new RegExp(`${attr}="([^"]*)"`, 'g'))].map((m) => m[1].replace(/&amp;/g, '&'));

test('the shipped reference data is what the generator writes from the served CRDs now', () => {
  assert.ok(
    readFileSync(MESH_REFERENCE_JSON, 'utf8') === meshReferenceJsonText(),
    'site/src/data/mesh-reference.json differs from the CRDs the sandbox serves (sandbox/apiserver/crds): run `npm run gen:mesh-reference` and commit the file',
  );
});

test('every served CRD has a page in the built site with every field of its schema on it', () => {
  assert.ok(existsSync(join(SITE, 'docs/reference/index.html')), `no built reference in ${SITE}: run \`npm run build\` first (or set PLAYGROUND_SITE_DIR to a build)`);
  const data = JSON.parse(readFileSync(MESH_REFERENCE_JSON, 'utf8')) as MeshReferenceData;
  const index = readFileSync(join(SITE, 'docs/reference/index.html'), 'utf8');
  const crds = loadCrdDocuments();
  assert.ok(crds.length >= 30, `the sandbox serves ${crds.length} CRDs`);
  let total = 0;
  for (const crd of crds) {
    const { group, names } = crd.spec;
    const served = crd.spec.versions.filter((v) => v.served).map((v) => v.name);
    const preferred = [...served].sort(compareKubeVersions)[0];
    const k = data.kinds.find((x) => x.group === group && x.kind === names.kind);
    assert.ok(k, `${names.kind} (${group}) has no entry in the reference data`);
    assert.deepEqual(k.versions.map((v) => v.name), served, `${names.kind}: served versions`);
    assert.equal(k.shownVersion, preferred, `${names.kind}: the page shows the preferred version`);
    const href = kindHref(k);
    assert.ok(index.includes(`href="${href}"`), `the index links ${href}`);
    const file = join(SITE, href, 'index.html');
    assert.ok(existsSync(file), `${names.kind} (${group}) has no page at ${href}`);
    const html = readFileSync(file, 'utf8');
    const schema = crd.spec.versions.find((v) => v.name === preferred)!.schema!.openAPIV3Schema!;
    const expected = schemaPropertyPaths(schema);
    const onPage = attrValues(html, 'data-field-path');
    assert.equal(onPage.length, expected.length, `${names.kind} (${group}): ${onPage.length} fields on the page, ${expected.length} in the schema`);
    assert.deepEqual([...onPage].sort(), [...expected].sort(), `${names.kind}: the page's field paths are the schema's`);
    // Each field is addressable: one id per field, unique on the page (a deep link names exactly one).
    const ids = attrValues(html, 'id');
    for (const p of expected) assert.equal(ids.filter((id) => id === p.replace(/\[\]/g, '')).length, 1, `${names.kind}: #${p.replace(/\[\]/g, '')}`);
    assert.match(html, new RegExp(`data-field-count="${expected.length}"`));
    total += expected.length;
  }
  assert.equal(data.kinds.length, crds.length, 'one page per served CRD, no more');
  assert.ok(total > 1500, `${total} fields in all`);
});

test('a field shows its type, required mark, default, validation and CEL messages, and the upstream description', () => {
  const schema: JsonSchema = {
    properties: {
      spec: {
        type: 'object',
        required: ['mode'],
        'x-kubernetes-validations': [{ rule: 'self.mode != "B" || has(self.port)', message: 'port is required with mode B' }],
        properties: {
          mode: { type: 'string', enum: ['A', 'B'], default: 'A', description: 'How it works. More text follows.\n\nA second paragraph.' },
          port: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 },
          target: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          names: { type: 'array', maxItems: 8, items: { type: 'string', pattern: '^[a-z]+$' } },
          rules: { type: 'array', items: { type: 'object', oneOf: [{ not: { anyOf: [{ required: ['exact'] }, { required: ['prefix'] }] } }, { required: ['exact'] }, { required: ['prefix'] }], properties: { exact: { type: 'string' }, prefix: { type: 'string' } } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  };
  const fields = flattenFields(schemaFields(schema));
  const by = (p: string) => fields.find((f) => f.path === p)!;
  assert.deepEqual(fields.map((f) => f.path), ['spec', 'spec.mode', 'spec.port', 'spec.target', 'spec.names', 'spec.rules', 'spec.rules[].exact', 'spec.rules[].prefix', 'spec.labels']);
  assert.equal(by('spec.mode').required, true);
  assert.equal(by('spec.port').required, false);
  assert.deepEqual(by('spec.mode').facts, [{ label: 'default', value: '"A"' }, { label: 'enum', value: '"A", "B"' }]);
  assert.equal(by('spec.mode').description, 'How it works. More text follows.\n\nA second paragraph.');
  assert.equal(by('spec.port').type, 'integer (int32)');
  assert.deepEqual(by('spec.port').facts.map((f) => `${f.label} ${f.value}`), ['minimum 1', 'maximum 65535']);
  assert.equal(by('spec.target').type, 'int-or-string');
  assert.equal(by('spec.names').type, '[]string');
  assert.deepEqual(by('spec.names').facts.map((f) => `${f.label} ${f.value}`), ['max items 8', 'each item: pattern ^[a-z]+$']);
  assert.equal(by('spec.rules').type, '[]object');
  assert.deepEqual(by('spec.rules').facts.map((f) => `${f.label} ${f.value}`), ['each item: one of at most one of: exact, prefix']);
  assert.equal(by('spec.rules[].exact').anchor, 'spec.rules.exact');
  assert.equal(by('spec.labels').type, 'map[string]string');
  assert.deepEqual(by('spec').rules, [{ rule: 'self.mode != "B" || has(self.port)', message: 'port is required with mode B' }]);
});

test('the built HTTPRoute page has the example sections the try-it loader attaches to, and its facts', () => {
  const file = join(SITE, 'docs/reference/gateway.networking.k8s.io/httproute/index.html');
  assert.ok(existsSync(file), `no built HTTPRoute page in ${SITE}: run \`npm run build\` first`);
  const html = readFileSync(file, 'utf8');
  const section = /<section class="kind-example" data-kind-example data-api-version="gateway.networking.k8s.io\/v1" data-kind="HTTPRoute" data-plural="httproutes" data-namespaced="true" id="example-split-reviews">\s*<h3>[^<]+<\/h3>[\s\S]*?<pre><code class="language-yaml">([\s\S]*?)<\/code><\/pre>\s*<\/section>/.exec(html);
  assert.ok(section, 'the split example follows the DOM contract');
  assert.match(section[1], /name: reviews-v2\s+port: 9080\s+weight: 10/);
  // A CEL rule's message, a default and the sandbox's support note are on the page.
  assert.match(html, /Hostname &#34;:&#34; or &#34;:&#34; char are not allowed|RequestHeaderModifier filter cannot be repeated/);
  assert.match(html, /<dt>default<\/dt><dd><code>1<\/code><\/dd>/, 'backendRefs[].weight defaults to 1');
  assert.match(html, /sandbox: none<\/span>/);
  assert.match(html, /data-mesh="istio"[\s\S]*?>yes</);
});

test('every example file parses, names its kind, and its kind has a page', () => {
  const data = JSON.parse(readFileSync(MESH_REFERENCE_JSON, 'utf8')) as MeshReferenceData;
  const files = readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 10, `${files.length} examples`);
  for (const f of files) {
    const e = parseReferenceExample(f.split('\\').join('/'), readFileSync(join(EXAMPLES, f), 'utf8'));
    const k = data.kinds.find((x) => x.group === e.group && x.kind === e.kind);
    assert.ok(k, `${f}: ${e.kind} (${e.group}) is not a served kind`);
    assert.equal(e.apiVersion, `${k.group}/${k.shownVersion}`, `${f}: examples use the version the page shows`);
  }
  assert.throws(() => parseReferenceExample('x.io/thing/a.yaml', 'apiVersion: x.io/v1\nkind: Thing\n'), ReferenceExampleError);
  assert.throws(() => parseReferenceExample('x.io/thing/a.yaml', '# title: T\napiVersion: y.io/v1\nkind: Thing\nmetadata: {name: a}\n'), /not a x.io thing/);
});

test('a field\'s sandbox badge comes from the support registry: the longest covering entry, none when nothing covers it', () => {
  const support = parseMeshSupportData(JSON.parse(readFileSync(join(ROOT, 'site/src/data/mesh-support.json'), 'utf8')), 'mesh-support.json');
  const kind = (group: string, k: string) => support.apis.flatMap((a) => a.kinds).find((x) => x.group === group && x.kind === k)!;
  const route = kind('gateway.networking.k8s.io', 'HTTPRoute');
  assert.deepEqual(sandboxFieldSupport(route, { path: 'spec.rules[].backendRefs[].weight' }), { label: 'sandbox: partial', level: 'partial', coveredBy: 'spec.rules[].backendRefs' });
  assert.equal(sandboxFieldSupport(route, { path: 'spec.rules[].sessionPersistence' })?.level, 'none');
  assert.match(sandboxFieldSupport(route, { path: 'spec.rules[].sessionPersistence' })?.note ?? '', /not pinned/);
  assert.equal(sandboxFieldSupport(route, { path: 'status.parents' }), undefined, 'no badge outside spec');
  assert.equal(sandboxFieldSupport(route, { path: 'spec' }), undefined, 'nothing covers it but its fields are listed: they carry the badges');
  const envoyFilter = kind('networking.istio.io', 'EnvoyFilter');
  assert.deepEqual(sandboxFieldSupport(envoyFilter, { path: 'spec.configPatches[].patch' }), { label: 'sandbox: none', level: 'none', coveredBy: 'spec' });
  assert.equal(sandboxFieldSupport(undefined, { path: 'spec.x' })?.level, 'none', 'a kind the registry does not list is not read');
});
