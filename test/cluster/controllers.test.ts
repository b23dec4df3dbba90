// The controllers on a real (in-process) sandbox: rolling updates inside maxSurge/maxUnavailable, rollback
// reusing the old ReplicaSet, readiness gating Endpoints, named target ports, garbage collection and
// namespace deletion.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import type { Deployment, Endpoints, ReplicaSet } from '../../sandbox/runtime/kinds.js';
import { isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'ctl';

function deployment(name: string, replicas: number, env: string, extra: Partial<Deployment['spec']> = {}, container: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'playground/httpbin:v1', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'MARK', value: env }], ...container }] },
      },
      ...extra,
    },
  };
}

describe('controllers', () => {
  let c: ClusterFixture;
  const t = (group: string, plural: string) => c.sandbox.api.type(group, plural);
  const podsOf = (app: string) => c.pods(NS, (p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
  const rsOf = (name: string) => (c.sandbox.api.list(t('apps', 'replicasets'), NS).items as ReplicaSet[]).filter((r) => r.metadata.name!.startsWith(`${name}-`));
  const setEnv = (name: string, value: string) => {
    const d = c.sandbox.api.get(t('apps', 'deployments'), NS, name) as Deployment;
    (d.spec.template.spec.containers[0].env as { name: string; value: string }[])[0].value = value;
    c.sandbox.api.update(t('apps', 'deployments'), d);
  };
  const rolledOut = (name: string) => {
    const d = c.sandbox.api.get(t('apps', 'deployments'), NS, name) as Deployment;
    const s = d.status ?? {};
    const want = d.spec.replicas ?? 1;
    return s.observedGeneration === d.metadata.generation && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want;
  };

  before(async () => {
    c = await startCluster({ serveApi: false, mesh: false });
    c.sandbox.api.create(t('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await waitFor('the default ServiceAccount', () => c.sandbox.api.tryGet(t('', 'serviceaccounts'), NS, 'default'));
  });
  after(async () => {
    await c?.close();
  });

  test('a rolling update never exceeds maxSurge nor drops below maxUnavailable', async () => {
    c.sandbox.api.create(t('apps', 'deployments'), deployment('web', 4, 'one', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await waitFor('web rolled out', () => rolledOut('web'));
    const first = rsOf('web');
    assert.equal(first.length, 1);
    assert.equal(first[0].metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

    let maxPods = 0;
    let minReady = Infinity;
    const unwatch = c.sandbox.api.watch(t('', 'pods'), NS, undefined, () => {
      const pods = podsOf('web');
      maxPods = Math.max(maxPods, pods.length);
      minReady = Math.min(minReady, pods.filter(isReady).length);
    });
    try {
      setEnv('web', 'two');
      await waitFor('web rolled out again', () => rolledOut('web') && rsOf('web').length === 2 && podsOf('web').length === 4);
    } finally {
      unwatch();
    }
    assert.ok(maxPods <= 5, `at most replicas + maxSurge pods (saw ${maxPods})`);
    assert.ok(minReady >= 4, `never fewer ready than replicas - maxUnavailable (saw ${minReady})`);
    const [oldRS, newRS] = [...rsOf('web')].sort((a, b) => Number(a.metadata.annotations!['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations!['deployment.kubernetes.io/revision']));
    assert.equal(oldRS.spec.replicas, 0);
    assert.equal(newRS.spec.replicas, 4);
    assert.equal(newRS.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    for (const p of podsOf('web')) assert.ok(p.metadata.name.startsWith(`${newRS.metadata.name}-`) && /-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(p.metadata.name), p.metadata.name);
    const d = c.sandbox.api.get(t('apps', 'deployments'), NS, 'web') as Deployment;
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const progressing = d.status?.conditions?.find((x) => x.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(d.status?.conditions?.find((x) => x.type === 'Available')?.status, 'True');
  });

  test('going back to an earlier template reuses its ReplicaSet as the newest revision', async () => {
    const before = rsOf('web').map((r) => r.metadata.name).sort();
    setEnv('web', 'one');
    await waitFor('web rolled back', () => rolledOut('web') && rsOf('web').find((r) => r.spec.replicas === 4)?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3');
    assert.deepEqual(rsOf('web').map((r) => r.metadata.name).sort(), before, 'no third ReplicaSet');
  });

  test('scaling creates and removes pods', async () => {
    const d = c.sandbox.api.get(t('apps', 'deployments'), NS, 'web') as Deployment;
    d.spec.replicas = 2;
    c.sandbox.api.update(t('apps', 'deployments'), d);
    await waitFor('two web pods', () => rolledOut('web') && podsOf('web').length === 2);
  });

  test('only ready pods are Endpoints addresses; named targetPorts resolve per pod', async () => {
    const api = c.sandbox.api;
    api.create(t('apps', 'deployments'), deployment('gated', 1, 'x', {}, { readinessProbe: { httpGet: { path: '/status/503', port: 'http' }, periodSeconds: 1, failureThreshold: 1 } }));
    api.create(t('', 'services'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gated', namespace: NS }, spec: { selector: { app: 'gated' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    api.create(t('', 'services'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });

    const gated = await waitFor('gated endpoints listed as not ready', () => {
      const ep = api.tryGet(t('', 'endpoints'), NS, 'gated') as Endpoints | undefined;
      return ep?.subsets?.[0]?.notReadyAddresses?.length === 1 ? ep : undefined;
    });
    assert.equal(gated.subsets![0].addresses, undefined);
    assert.deepEqual(gated.subsets![0].ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    const pod = podsOf('gated')[0];
    assert.equal(isReady(pod), false);
    assert.equal(gated.subsets![0].notReadyAddresses![0].targetRef?.name, pod.metadata.name);

    const web = await waitFor('web endpoints with two ready addresses', () => {
      const ep = api.tryGet(t('', 'endpoints'), NS, 'web') as Endpoints | undefined;
      return ep?.subsets?.[0]?.addresses?.length === 2 ? ep : undefined;
    });
    assert.deepEqual(web.subsets![0].addresses!.map((a) => a.targetRef?.name).sort(), podsOf('web').map((p) => p.metadata.name).sort());
    const slices = api.list(t('discovery.k8s.io', 'endpointslices'), NS).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
    assert.equal(slices.length, 1);
    assert.equal((slices[0].endpoints as unknown[]).length, 2);
    assert.equal(slices[0].metadata.ownerReferences?.[0].kind, 'Service');

    await waitFor('an Unhealthy event for the failing readiness probe', () =>
      api.list(t('', 'events'), NS).items.some((e) => e.reason === 'Unhealthy' && String(e.message).startsWith('Readiness probe failed: HTTP probe failed with statuscode: 503')),
    );
  });

  test('deleting a Deployment deletes its ReplicaSets and pods', async () => {
    c.sandbox.api.delete(t('apps', 'deployments'), NS, 'gated');
    await waitFor('gated ReplicaSets and pods gone', () => rsOf('gated').length === 0 && podsOf('gated').length === 0);
  });

  test('deleting a namespace deletes its contents, then the namespace', async () => {
    const api = c.sandbox.api;
    const runningBefore = c.sandbox.runtime.podCount;
    assert.ok(runningBefore >= 2);
    api.delete(t('', 'namespaces'), undefined, NS);
    const ns = api.tryGet(t('', 'namespaces'), undefined, NS);
    assert.ok(!ns || ns.metadata.deletionTimestamp, 'marked for deletion at once');
    await waitFor('the namespace to be gone', () => !api.tryGet(t('', 'namespaces'), undefined, NS));
    assert.equal(api.list(t('', 'pods'), NS).items.length, 0);
    assert.equal(api.list(t('apps', 'deployments'), NS).items.length, 0);
    await waitFor('the runtime to stop the pods', () => c.sandbox.runtime.podCount === 0);
    assert.throws(() => api.create(t('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: NS } }), /namespaces "ctl" not found/);
  });
});
