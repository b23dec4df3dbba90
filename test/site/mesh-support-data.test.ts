// The mesh support page's data cannot drift from the registry the mesh reads: the shipped
// site/src/data/mesh-support.json is exactly what `npm run mesh-support:site` writes from MESH_API_SUPPORT now, it
// matches the page's contract, and a file that drifts from the contract is refused naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MESH_SUPPORT_JSON, meshSupportJsonText } from '../../scripts/mesh-support-site.ts';
import { MeshSupportDataError, parseMeshSupportData } from '../../site/src/lib/mesh-support/data-contract.ts';
import { MESH_API_SUPPORT, type KindSupport } from '../../sandbox/mesh/support/index.js';
import { kindLevel } from '../../sandbox/mesh/support/site-data.js';

test('the shipped mesh support data is what the registry produces now', () => {
  const shipped = readFileSync(MESH_SUPPORT_JSON, 'utf8');
  assert.ok(
    shipped === meshSupportJsonText(),
    'site/src/data/mesh-support.json differs from the support registry (sandbox/mesh/support): run `npm run mesh-support:site` and commit the file',
  );
});

test('the data lists every registry kind under its API, with its fields, and matches the page\'s contract', () => {
  const data = parseMeshSupportData(JSON.parse(meshSupportJsonText()), 'generated');
  const listed = data.apis.flatMap((a) => a.kinds.map((k) => `${a.api} ${k.group}/${k.kind} ${k.fields.length}`));
  assert.deepEqual(listed.sort(), MESH_API_SUPPORT.map((k) => `${k.api} ${k.group}/${k.kind} ${k.fields.length}`).sort());
  assert.deepEqual(data.apis.map((a) => a.api).slice(0, 2), ['Gateway API', 'SMI'], 'the portable APIs come first');
  const envoyFilter = data.apis.find((a) => a.api === 'Istio')!.kinds.find((k) => k.kind === 'EnvoyFilter')!;
  assert.equal(envoyFilter.support, 'none');
  assert.deepEqual(envoyFilter.versions, ['v1alpha3']);
  const httpRoute = data.apis.find((a) => a.api === 'Gateway API')!.kinds.find((k) => k.kind === 'HTTPRoute')!;
  assert.equal(httpRoute.support, 'partial');
  assert.equal(httpRoute.fields.find((f) => f.path === 'spec.rules[].sessionPersistence')?.support, 'none');
});

test('a file that drifts from the contract is refused, naming the field and the command that regenerates it', () => {
  const doc = JSON.parse(meshSupportJsonText()) as { apis: { kinds: { fields: { support: string }[]; summry?: string }[] }[] };
  doc.apis[0].kinds[0].fields[1].support = 'some';
  doc.apis[0].kinds[1].summry = 'typo';
  assert.throws(
    () => parseMeshSupportData(doc, 'broken.json'),
    (err: unknown) => {
      assert.ok(err instanceof MeshSupportDataError);
      assert.match(err.message, /^broken\.json does not match the mesh support page's data contract/);
      assert.match(err.message, /\/apis\/0\/kinds\/0\/fields\/1\/support: must be one of "full", "partial", "none"/);
      assert.match(err.message, /\/apis\/0\/kinds\/1: unknown field "summry"/);
      assert.match(err.message, /npm run mesh-support:site/);
      return true;
    },
  );
});

test('a kind is full only when every listed field is, none when the whole kind is not read, partial otherwise', () => {
  const k = (fields: KindSupport['fields']): KindSupport => ({ api: 'Istio', group: 'example.io', kind: 'Thing', versions: ['v1'], summary: 's', docs: 'https://example.io', warnOnApply: true, fields });
  assert.equal(kindLevel(k([{ path: 'spec.a', support: 'full' }, { path: 'spec.b', support: 'full' }])), 'full');
  assert.equal(kindLevel(k([{ path: 'spec.a', support: 'full' }, { path: 'spec.b', support: 'none' }])), 'partial');
  assert.equal(kindLevel(k([{ path: 'spec', support: 'none' }])), 'none');
  assert.equal(kindLevel(k([])), 'partial', 'a kind with nothing listed yet claims nothing in full');
});
