// Strategic merge patch semantics (k8s.io/apimachinery strategicpatch) on built-in kinds' schemas.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../sandbox/apiserver/patch/strategic-merge.js';
import { BUILTIN_SCHEMAS } from '../../sandbox/apiserver/schema/builtin-schemas.js';

const POD = BUILTIN_SCHEMAS['/Pod'];
const DEPLOYMENT = BUILTIN_SCHEMAS['apps/Deployment'];
const SERVICE = BUILTIN_SCHEMAS['/Service'];

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'a', tier: 't' }, finalizers: ['x', 'y'] },
  spec: {
    containers: [
      { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80 }, { containerPort: 81 }] },
      { name: 'sidecar', image: 'proxy:1' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    imagePullSecrets: [{ name: 'reg' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
});

describe('strategic merge patch', () => {
  test('lists with a merge key merge item by item (containers, env, ports by containerPort)', () => {
    const out = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }], ports: [{ containerPort: 81, name: 'admin' }] }] } }, POD) as any;
    assert.equal(out.spec.containers.length, 2);
    assert.equal(out.spec.containers[0].image, 'app:2');
    assert.deepEqual(out.spec.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
    assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80 }, { containerPort: 81, name: 'admin' }]);
    assert.equal(out.spec.containers[1].image, 'proxy:1');
  });

  test('conditions merge by type; service ports by port; imagePullSecrets by name', () => {
    const out = applyStrategicMergePatch(pod(), { status: { conditions: [{ type: 'Ready', status: 'True' }] }, spec: { imagePullSecrets: [{ name: 'other' }] } }, POD) as any;
    assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
    assert.deepEqual(out.spec.imagePullSecrets, [{ name: 'reg' }, { name: 'other' }]);
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } };
    const s = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 443, targetPort: 9443 }] } }, SERVICE) as any;
    assert.deepEqual(s.spec.ports, [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 9443 }]);
  });

  test('lists without a merge strategy are replaced (args, tolerations)', () => {
    const base = { spec: { containers: [{ name: 'app', args: ['a', 'b'] }], tolerations: [{ key: 'k' }] } };
    const out = applyStrategicMergePatch(base, { spec: { containers: [{ name: 'app', args: ['c'] }], tolerations: [{ key: 'z' }] } }, POD) as any;
    assert.deepEqual(out.spec.containers[0].args, ['c']);
    assert.deepEqual(out.spec.tolerations, [{ key: 'z' }]);
  });

  test('null deletes a field; maps merge', () => {
    const out = applyStrategicMergePatch(pod(), { metadata: { labels: { tier: null, extra: 'e' } } }, POD) as any;
    assert.deepEqual(out.metadata.labels, { app: 'a', extra: 'e' });
  });

  test('$patch: delete removes a list item by key, or a whole map', () => {
    const out = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] }, status: { $patch: 'delete' } }, POD) as any;
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['app']);
    assert.deepEqual(out.spec.containers[0].env, [{ name: 'B', value: '2' }]);
    assert.equal(out.status, undefined);
  });

  test('$patch: replace replaces a map, or a whole list', () => {
    const map = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'replace', only: 'this' } } }, POD) as any;
    assert.deepEqual(map.metadata.labels, { only: 'this' });
    const list = applyStrategicMergePatch(pod(), { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 's:1' }] } }, POD) as any;
    assert.deepEqual(list.spec.containers, [{ name: 'solo', image: 's:1' }]);
  });

  test('$setElementOrder orders the merged list; server-only items keep their place', () => {
    const base = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    const out = applyStrategicMergePatch(base, { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }], containers: [{ name: 'c', image: 'c:2' }] } }, POD) as any;
    // As apimachinery's mergeSortedSlice: ordered items follow the order; 'b' (server-only) keeps its
    // place relative to them in the original list, so it stays ahead of 'c'.
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['b', 'c', 'a']);
    const full = applyStrategicMergePatch(base, { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'a' }] } }, POD) as any;
    assert.deepEqual(full.spec.containers.map((c: any) => c.name), ['c', 'b', 'a']);
    assert.equal(out.spec.containers[1].image, 'c:2');
    const added = applyStrategicMergePatch(base, { spec: { '$setElementOrder/containers': [{ name: 'new' }, { name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'new' }] } }, POD) as any;
    assert.deepEqual(added.spec.containers.map((c: any) => c.name), ['new', 'a', 'b', 'c']);
  });

  test('$retainKeys clears fields not listed (Deployment strategy, volume sources)', () => {
    const base = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const out = applyStrategicMergePatch(base, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT) as any;
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
    const vol = applyStrategicMergePatch(pod(), { spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } }, POD) as any;
    assert.deepEqual(vol.spec.volumes, [{ name: 'data', configMap: { name: 'cm' } }]);
  });

  test('$deleteFromPrimitiveList and merged primitive lists (finalizers)', () => {
    const out = applyStrategicMergePatch(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'], finalizers: ['z'] } }, POD) as any;
    assert.deepEqual(out.metadata.finalizers, ['y', 'z']);
  });

  test('the original is not modified and directives never reach the result', () => {
    const original = pod();
    const copy = structuredClone(original);
    const out = applyStrategicMergePatch(original, { spec: { containers: [{ name: 'new', image: 'n', env: [{ name: 'X', $patch: 'delete' }] }] } }, POD) as any;
    assert.deepEqual(original, copy);
    assert.deepEqual(out.spec.containers[2], { name: 'new', image: 'n', env: [] });
    assert.ok(!JSON.stringify(out).includes('$patch'));
  });

  test('an item without its merge key is a 400 error', () => {
    assert.throws(() => applyStrategicMergePatch(pod(), { spec: { containers: [{ image: 'x' }] } }, POD), (e: any) => e.code === 400 && /does not contain declared merge key: name/.test(e.message));
  });
});
