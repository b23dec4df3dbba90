// Table output: pod STATUS computed like kubectl's printer, column sets per kind, CRD printer columns,
// and rows carrying PartialObjectMetadata. Checked over REST and through kubectl get.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(() => f.close());

const running = { running: { startedAt: '2025-01-01T00:00:00Z' } };
function pod(name: string, status: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): void {
  const t = f.api.type('', 'pods');
  f.api.create(t, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...extra }, spec: { containers: [{ name: 'app', image: 'x' }] }, status });
}
const cs = (state: Record<string, unknown>, ready = false, restartCount = 0, lastState: Record<string, unknown> = {}) => ({ containerStatuses: [{ name: 'app', ready, restartCount, state, lastState }] });

describe('pod STATUS column', () => {
  test('each pod state prints as kubectl prints it', async () => {
    pod('running', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], ...cs(running, true) });
    pod('pending', { phase: 'Pending' });
    pod('creating', { phase: 'Pending', ...cs({ waiting: { reason: 'ContainerCreating' } }) });
    pod('pullbackoff', { phase: 'Pending', ...cs({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }) });
    pod('crashloop', { phase: 'Running', ...cs({ waiting: { reason: 'CrashLoopBackOff' } }, false, 4, { terminated: { exitCode: 1, finishedAt: new Date(Date.now() - 30_000).toISOString() } }) });
    pod('completed', { phase: 'Succeeded', ...cs({ terminated: { exitCode: 0, reason: 'Completed' } }) });
    pod('error', { phase: 'Failed', ...cs({ terminated: { exitCode: 2, reason: 'Error' } }) });
    pod('terminating', { phase: 'Running', ...cs(running, true) }, { finalizers: ['test/hold'] });
    f.api.delete(f.api.type('', 'pods'), 'default', 'terminating');

    const res = await f.request('GET', '/api/v1/namespaces/default/pods', { accept: TABLE });
    const table = res.json();
    assert.equal(table.kind, 'Table');
    assert.deepEqual(table.columnDefinitions.map((c: any) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    const status = Object.fromEntries(table.rows.map((r: any) => [r.cells[0], r.cells[2]]));
    assert.deepEqual(status, {
      completed: 'Completed', crashloop: 'CrashLoopBackOff', creating: 'ContainerCreating', error: 'Error', pending: 'Pending',
      pullbackoff: 'ImagePullBackOff', running: 'Running', terminating: 'Terminating',
    });
    const crash = table.rows.find((r: any) => r.cells[0] === 'crashloop');
    assert.match(crash.cells[3], /^4 \(3\ds ago\)$/);
    const run = table.rows.find((r: any) => r.cells[0] === 'running');
    assert.equal(run.cells[1], '1/1');
    assert.equal(run.object.kind, 'PartialObjectMetadata');
    assert.equal(run.object.metadata.name, 'running');

    const out = (await f.kubectl(['get', 'pods'])).stdout;
    assert.match(out, /crashloop\s+0\/1\s+CrashLoopBackOff\s+4 \(\d+s ago\)/);
    assert.match(out, /pullbackoff\s+0\/1\s+ImagePullBackOff\s+0/);
    assert.match(out, /terminating\s+1\/1\s+Terminating/);
  });

  test('includeObject=Object embeds whole objects; None omits them', async () => {
    const full = (await f.request('GET', '/api/v1/namespaces/default/pods/running?includeObject=Object', { accept: TABLE })).json();
    assert.equal(full.rows[0].object.kind, 'Pod');
    assert.equal(full.rows[0].object.spec.containers[0].name, 'app');
    const none = (await f.request('GET', '/api/v1/namespaces/default/pods/running?includeObject=None', { accept: TABLE })).json();
    assert.equal(none.rows[0].object, undefined);
  });
});

describe('other kinds', () => {
  test('services, endpoints, namespaces and CRD columns', async () => {
    const svc = f.api.type('', 'services');
    f.api.create(svc, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '127.0.100.1', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] } });
    f.api.create(f.api.type('', 'endpoints'), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.1.0.1' }, { ip: '127.1.0.2' }], ports: [{ port: 8080 }, { port: 8443 }] }] });
    const out = (await f.kubectl(['get', 'svc,ep,ns', '-o', 'wide'])).stdout;
    assert.match(out, /service\/web\s+ClusterIP\s+127\.0\.100\.1\s+<none>\s+80\/TCP,443\/TCP\s+\S+\s+app=web/);
    assert.match(out, /endpoints\/web\s+127\.1\.0\.1:8080,127\.1\.0\.1:8443,127\.1\.0\.2:8080 \+ 1 more\.\.\./);
    assert.match(out, /namespace\/default\s+Active/);
    f.api.create(f.api.type('access.smi-spec.io', 'traffictargets'), { apiVersion: 'access.smi-spec.io/v1alpha3', kind: 'TrafficTarget', metadata: { name: 'tt', namespace: 'default' }, spec: { destination: { kind: 'ServiceAccount', name: 'a' }, sources: [{ kind: 'ServiceAccount', name: 'b' }], rules: [] } });
    assert.match((await f.kubectl(['get', 'traffictargets'])).stdout, /^NAME\s+AGE\ntt\s+\d+s\n$/);
  });

  test('events and service accounts', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    f.api.create(f.api.type('', 'events'), { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' }, type: 'Warning', reason: 'Failed', message: 'Failed to pull image "nope:v9"', firstTimestamp: now, lastTimestamp: now, count: 3, source: { component: 'kubelet' } });
    f.api.create(f.api.type('', 'serviceaccounts'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reviews', namespace: 'default' } });
    const events = (await f.kubectl(['get', 'events'])).stdout;
    assert.match(events, /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(events, /\d+s\s+Warning\s+Failed\s+pod\/web-1\s+Failed to pull image "nope:v9"/);
    assert.match((await f.kubectl(['get', 'sa'])).stdout, /NAME\s+SECRETS\s+AGE\nreviews\s+0\s+\d+s/);
  });

  test('listing 500 pods as a Table returns every row', async () => {
    f.createNamespace('bulk');
    const t = f.api.type('', 'pods');
    for (let i = 0; i < 500; i++) f.api.create(t, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'bulk' }, spec: { containers: [{ name: 'a', image: 'x' }] }, status: { phase: 'Running' } });
    const table = (await f.request('GET', '/api/v1/namespaces/bulk/pods?limit=500', { accept: TABLE })).json();
    assert.equal(table.rows.length, 500);
    assert.equal((await f.kubectl(['get', 'pods', '-n', 'bulk', '--no-headers'])).stdout.trim().split('\n').length, 500);
  });
});
