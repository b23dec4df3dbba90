// @kubernetes/client-node against the full sandbox (HTTPS, token, CA from the kubeconfig): an informer
// sees a pod added, modified as the runtime starts it, and deleted — in that order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'informer-test';

describe('a client-node informer on the sandbox', () => {
  let c: ClusterFixture;
  before(async () => {
    c = await startCluster({ mesh: false });
    c.sandbox.api.create(c.sandbox.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    await c?.close();
  });

  test('sees add, modify and delete of a pod in order', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/pods`, () => core.listNamespacedPod({ namespace: NS }));
    const seen: { type: string; name: string; phase?: string; rv?: string }[] = [];
    const record = (type: string) => (pod: k8s.V1Pod) =>
      seen.push({ type, name: pod.metadata?.name ?? '', phase: pod.status?.phase, rv: pod.metadata?.resourceVersion });
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    const errors: unknown[] = [];
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      await core.createNamespacedPod({
        namespace: NS,
        body: { metadata: { name: 'watched' }, spec: { containers: [{ name: 'sleep', image: 'playground/sleep:v1' }] } },
      });
      await waitFor('the informer to see the pod Running', () => seen.some((e) => e.type === 'update' && e.phase === 'Running'));
      await core.deleteNamespacedPod({ name: 'watched', namespace: NS });
      await waitFor('the informer to see the delete', () => seen.some((e) => e.type === 'delete'));

      const mine = seen.filter((e) => e.name === 'watched');
      assert.equal(mine[0].type, 'add');
      assert.equal(mine[mine.length - 1].type, 'delete');
      assert.ok(mine.slice(1, -1).every((e) => e.type === 'update'), JSON.stringify(mine));
      assert.equal(mine.filter((e) => e.type === 'add').length, 1);
      const rvs = mine.map((e) => Number(e.rv));
      assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b), 'resourceVersions only grow');
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
