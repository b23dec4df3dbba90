// Server-side apply that creates an object needs `create` as well as `patch` (upstream's patch handler asks the
// authorizer again before it creates): a ServiceAccount holding only `patch` updates what exists and creates nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';

const NS = 'apply-create';
let f: Fixture;
let patcher: string;

const configMap = (name: string, value: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${NS}}
data: {key: ${value}}
`;

before(async () => {
  f = await startFixture({ namespaces: [NS] });
  patcher = (await f.serviceAccountKubeconfig(NS, 'patcher')).kubeconfig;
  f.grant(NS, 'patch-configmaps', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'patch'] }], { kind: 'ServiceAccount', name: 'patcher', namespace: NS });
});
after(() => f.close());

test('apply --server-side with only `patch`: a new object is Forbidden and not stored', async () => {
  const r = await f.kubectl(['apply', '--server-side', '-f', '-'], { input: configMap('fresh', 'one'), kubeconfig: patcher });
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /configmaps "fresh" is forbidden/);
  const admin = await f.kubectl(['get', 'configmap', 'fresh', '-n', NS]);
  assert.match(admin.stderr, /configmaps "fresh" not found/);
});

test('apply --server-side with only `patch`: an existing object is updated', async () => {
  const created = await f.kubectl(['apply', '--server-side', '-f', '-'], { input: configMap('existing', 'one') });
  assert.equal(created.code, 0, created.stderr);
  const r = await f.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: configMap('existing', 'two'), kubeconfig: patcher });
  assert.equal(r.code, 0, r.stderr);
  const value = await f.kubectl(['get', 'configmap', 'existing', '-n', NS, '-o', 'jsonpath={.data.key}']);
  assert.equal(value.stdout, 'two');
});

test('with `create` as well, the same apply creates the object', async () => {
  f.grant(NS, 'create-configmaps', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }], { kind: 'ServiceAccount', name: 'patcher', namespace: NS });
  const r = await f.kubectl(['apply', '--server-side', '-f', '-'], { input: configMap('fresh', 'one'), kubeconfig: patcher });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /configmap\/fresh serverside-applied/);
});
