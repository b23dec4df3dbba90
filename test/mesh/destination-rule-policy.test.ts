// DestinationRule traffic policies through real sidecars (real sockets, real mTLS): Istio's circuit-breaking
// settings overflow concurrent requests with Envoy's 503, outlier detection ejects a failing endpoint, ROUND_ROBIN
// alternates, tls DISABLE sends plaintext. DestinationRules are applied through the API and compiled by the
// control plane (test/cluster/istio-circuit-breaking.test.ts does the same with the real kubectl and fortio).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import { SIDECAR_ADMIN_PORT } from '../../sandbox/mesh/constants.js';
import { OVERFLOW_BODY } from '../../sandbox/mesh/proxy/circuit-breaker.js';

let h: MeshHarness;
let client: TestPod;
/** httpbin stand-in whose answers the test releases by hand, so "concurrent" does not depend on timing. */
const parked: ServerResponse[] = [];
let parkedWaiters: (() => void)[] = [];
let concurrentNow = 0;
let concurrentMax = 0;
const seenPaths: string[] = [];
const gated = (req: IncomingMessage, res: ServerResponse) => {
  seenPaths.push(req.url ?? '');
  concurrentNow++;
  concurrentMax = Math.max(concurrentMax, concurrentNow);
  res.once('close', () => concurrentNow--);
  req.resume();
  parked.push(res);
  for (const w of parkedWaiters.splice(0)) w();
};
const release = () => {
  for (const r of parked.splice(0)) r.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
};
const untilParked = async (n: number) => {
  for (let i = 0; i < 200 && parked.length < n; i++) await new Promise<void>((r) => { parkedWaiters.push(r); setTimeout(r, 50).unref(); });
  assert.equal(parked.length, n, `${n} request(s) reached the backend`);
};

async function applyRule(service: string, trafficPolicy: unknown, subsets: { name: string; labels: Record<string, string> }[] = []): Promise<void> {
  h.apply('networking.istio.io', 'destinationrules', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: service, namespace: 'default' },
    spec: { host: service, trafficPolicy, ...(subsets.length ? { subsets } : {}) },
  });
  await h.cp.settled();
  assert.ok(h.cp.snapshot.namespaces.get('default')?.destinationRules.get(`default/${service}`), 'the rule is compiled');
}

function admin(pod: TestPod, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: pod.podIP, port: SIDECAR_ADMIN_PORT, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const stat = (text: string, cluster: string, name: string) => {
  const line = text.split('\n').find((l) => l === `cluster.${cluster}.${name}` || l.startsWith(`cluster.${cluster}.${name}: `));
  return line === undefined ? undefined : Number(line.split(': ')[1]);
};

before(async () => {
  h = await MeshHarness.start();
  h.service('httpbin', 8000, { app: 'httpbin' });
  h.service('flaky', 8000, { app: 'flaky' });
  h.service('echo', 8000, { app: 'echo' });
  h.service('lonely', 8000, { app: 'lonely' });
  await h.pod({ name: 'httpbin-1', app: 'httpbin', port: 8000, handler: gated });
  await h.pod({ name: 'flaky-good', app: 'flaky', port: 8000, handler: whoami('flaky-good') });
  await h.pod({ name: 'flaky-bad', app: 'flaky', port: 8000, handler: (_req, res) => res.writeHead(500).end('broken\n') });
  await h.pod({ name: 'echo-1', app: 'echo', port: 8000, handler: whoami('echo-1') });
  await h.pod({ name: 'echo-2', app: 'echo', port: 8000, handler: whoami('echo-2') });
  await h.pod({ name: 'lonely-1', app: 'lonely', port: 8000, handler: (_req, res) => res.writeHead(503).end('down\n') });
  client = await h.pod({ name: 'fortio-1', app: 'fortio', port: 8080 });
});

after(async () => {
  release();
  await h.stop();
});

const CLUSTER = 'outbound|8000||httpbin.default.svc.cluster.local';

test("Istio's circuit-breaking policy: one connection, one pending request; the rest overflow with Envoy's 503 at once", async () => {
  await applyRule('httpbin', {
    connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
    outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
  });
  let answered = 0;
  const replies = Array.from({ length: 5 }, () => h.send(client, 'httpbin:8000', '/get').finally(() => answered++));
  // Three of five are refused while the backend still holds the first (and the second waits for the connection).
  await untilParked(1);
  for (let i = 0; i < 100 && answered < 3; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(answered, 3, 'the overflowing requests were answered without waiting for the backend');
  assert.equal(parked.length, 1);
  release();
  await untilParked(1);
  release();
  const all = await Promise.all(replies);
  const overflowed = all.filter((r) => r.status === 503);
  assert.equal(overflowed.length, 3, `statuses: ${all.map((r) => r.status).join(',')}`);
  assert.equal(all.filter((r) => r.status === 200).length, 2);
  for (const r of overflowed) {
    assert.equal(r.headers['x-envoy-overloaded'], 'true');
    assert.equal(r.body, OVERFLOW_BODY);
  }
  assert.equal(concurrentMax, 1, 'the backend never saw two requests at once from this client');

  const stats = await admin(client, '/stats?filter=pending');
  assert.equal(stat(stats, CLUSTER, 'upstream_rq_pending_overflow'), 3, stats);
  assert.equal(stat(stats, CLUSTER, 'upstream_rq_pending_total'), 2, stats);
  assert.equal(stat(stats, CLUSTER, 'upstream_cx_total'), undefined, 'filtered out');
  const metrics = await admin(client, '/metrics');
  assert.match(metrics, /^envoy_cluster_upstream_rq_pending_overflow\{cluster_name="outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local"\} 3$/m);
});

test('one request at a time (fortio -c 1) never overflows', async () => {
  for (let i = 0; i < 10; i++) {
    const reply = h.send(client, 'httpbin:8000', '/get');
    await untilParked(1);
    release();
    const r = await reply;
    assert.equal(r.status, 200, r.body);
  }
  const stats = await admin(client, '/stats');
  assert.equal(stat(stats, CLUSTER, 'upstream_rq_pending_overflow'), 3, 'unchanged since the concurrent burst');
  assert.ok((stat(stats, CLUSTER, 'upstream_cx_total') ?? 0) >= 12, 'maxRequestsPerConnection 1: a new connection per request');
});

test('a request waiting for a connection is withdrawn when its caller goes away (it never reaches the app)', async () => {
  const first = h.send(client, 'httpbin:8000', '/first');
  await untilParked(1);
  await assert.rejects(h.send(client, 'httpbin:8000', '/abandoned', { timeoutMs: 300 }), /client timeout/);
  let pending: number | undefined;
  for (let i = 0; i < 100 && pending !== 0; i++) {
    pending = stat(await admin(client, '/stats'), CLUSTER, 'upstream_rq_pending_active');
    if (pending !== 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(pending, 0, 'the abandoned request left the pending queue');
  release();
  assert.equal((await first).status, 200);
  const next = h.send(client, 'httpbin:8000', '/next');
  await untilParked(1);
  release();
  assert.equal((await next).status, 200);
  assert.ok(!seenPaths.includes('/abandoned'), `the app saw: ${seenPaths.join(' ')}`);
});

test('outlier detection ejects the endpoint that answered 5xx; traffic goes to the healthy one', async () => {
  await applyRule('flaky', { loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 50 } });
  const replies = [];
  for (let i = 0; i < 10; i++) replies.push(await h.send(client, 'flaky:8000', '/'));
  const failures = replies.filter((r) => r.status !== 200);
  assert.ok(failures.length <= 1, `at most the one 500 that ejected flaky-bad: ${replies.map((r) => r.status).join(',')}`);
  assert.ok(replies.slice(2).every((r) => r.status === 200 && JSON.parse(r.body).pod === 'flaky-good'));
  const stats = await admin(client, '/stats');
  assert.equal(stat(stats, 'outbound|8000||flaky.default.svc.cluster.local', 'outlier_detection.ejections_enforced_total'), failures.length);
});

test('every endpoint ejected: 503 "no healthy upstream" without calling any (Istio sets no panic threshold)', async () => {
  await applyRule('lonely', { outlierDetection: { consecutive5xxErrors: 1, baseEjectionTime: '3m', maxEjectionPercent: 100 } });
  const first = await h.send(client, 'lonely:8000', '/');
  assert.equal(first.status, 503);
  assert.equal(first.body, 'down\n', "the app's own 503");
  const second = await h.send(client, 'lonely:8000', '/');
  assert.equal(second.status, 503);
  assert.equal(second.body, 'no healthy upstream');
});

test('ROUND_ROBIN alternates; tls DISABLE sends plaintext (no client identity reaches the app)', async () => {
  await applyRule('echo', { loadBalancer: { simple: 'ROUND_ROBIN' } });
  const pods: string[] = [];
  for (let i = 0; i < 6; i++) pods.push(JSON.parse((await h.send(client, 'echo:8000', '/')).body).pod);
  for (let i = 2; i < 6; i++) assert.equal(pods[i], pods[i - 2], `strict alternation: ${pods.join(',')}`);
  assert.notEqual(pods[0], pods[1]);
  const mtls = JSON.parse((await h.send(client, 'echo:8000', '/')).body);
  assert.equal(mtls.headers['l5d-client-id'], 'spiffe://cluster.local/ns/default/sa/fortio', 'mTLS by default');
  await applyRule('echo', { tls: { mode: 'DISABLE' } });
  const plain = await h.send(client, 'echo:8000', '/', { headers: { 'x-mesh-debug': '1' } });
  assert.equal(JSON.parse(plain.body).headers['l5d-client-id'], undefined);
  assert.equal(plain.headers['x-mesh-peer-identity'], undefined);
});
