// Golden metrics: the proxy's /metrics endpoint parses with a real Prometheus text parser and counts what
// happened; the control plane's stat view (linkerd viz stat / routes shape) reports N requests with the
// right success rate; the tap filters and bounds its buffer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { MeshHarness, type TestPod } from './harness.js';
import { SIDECAR_ADMIN_PORT } from '../../sandbox/mesh/constants.js';

let h: MeshHarness;
let web: TestPod;
let api: TestPod;

before(async () => {
  h = await MeshHarness.start();
  h.service('api', 8080, { app: 'api' });
  // 1 in 4 requests fails with a 500 (deterministic by path).
  api = await h.pod({ name: 'api-1', app: 'api', deployment: 'api', port: 8080, handler: (req, res) => res.writeHead(req.url?.endsWith('/fail') ? 500 : 200).end('x') });
  web = await h.pod({ name: 'web-1', app: 'web', deployment: 'web', port: 8081 });
});

after(async () => {
  await h.stop();
});

const scrape = (pod: TestPod) =>
  new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    get({ host: pod.podIP, port: SIDECAR_ADMIN_PORT, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });

test('after N requests, /metrics parses and counts them by status on both sides; the stat view agrees', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'api-route', namespace: 'default' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'api', port: 8080 }], rules: [{ name: 'all', backendRefs: [{ name: 'api', port: 8080 }] }] },
  });
  await h.cp.settled();
  const N = 120;
  const replies = await Promise.all(Array.from({ length: N }, (_, i) => h.send(web, 'api:8080', i % 4 === 0 ? '/fail' : '/ok')));
  assert.equal(replies.filter((r) => r.status === 500).length, N / 4);

  const server = await scrape(api);
  assert.equal(server.status, 200);
  assert.match(server.type, /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(server.body);
  const byName = new Map(families.map((f) => [f.name, f]));
  const inbound = byName.get('request_total')!.metrics.filter((m) => m.labels?.direction === 'inbound');
  assert.equal(inbound.reduce((n, m) => n + Number(m.value), 0), N);
  assert.equal(inbound[0].labels?.dst_deployment, 'api');
  assert.equal(inbound[0].labels?.tls, 'true');
  assert.equal(inbound[0].labels?.client_id, 'spiffe://cluster.local/ns/default/sa/web');
  const responses = byName.get('response_total')!.metrics;
  const failures = responses.filter((m) => m.labels?.classification === 'failure');
  assert.equal(failures.reduce((n, m) => n + Number(m.value), 0), N / 4);
  assert.ok(failures.every((m) => m.labels?.status_code === '500'));
  const latency = byName.get('response_latency_ms')!;
  assert.equal(latency.type, 'HISTOGRAM');
  // This parser keeps a histogram's buckets (not _count): the +Inf bucket is the count.
  assert.equal(latency.metrics.reduce((n, m) => n + Number(m.buckets?.['+Inf']), 0), N);
  assert.equal(byName.get('tcp_open_connections')!.type, 'GAUGE');

  const client = parsePrometheusTextFormat((await scrape(web)).body);
  const outbound = client.find((f) => f.name === 'request_total')!.metrics.filter((m) => m.labels?.direction === 'outbound');
  assert.equal(outbound.reduce((n, m) => n + Number(m.value), 0), N);
  assert.equal(outbound[0].labels?.route, 'api-route/all');
  assert.equal(outbound[0].labels?.authority, 'api.default.svc.cluster.local:8080');
  assert.equal(outbound[0].labels?.dst_deployment, 'api');

  const stat = (await h.cp.statDeployments('default'));
  const apiRow = stat.find((r) => r.name === 'api')!;
  assert.equal(apiRow.requests, N);
  assert.equal(apiRow.successRate, 0.75);
  assert.equal(apiRow.meshedPods, 1);
  assert.ok(apiRow.latencyP50Ms !== undefined && apiRow.latencyP99Ms! >= apiRow.latencyP50Ms);
  const text = (await h.cp.formatStat('default'));
  assert.match(text, /^NAME\s+MESHED\s+SUCCESS\s+RPS\s+LATENCY_P50\s+LATENCY_P95\s+LATENCY_P99\s+TCP_CONN\n/);
  assert.match(text, /\napi\s+1\/1\s+75\.00%\s+\d+\.\drps/);

  const routes = (await h.cp.statRoutes({ namespace: 'default', fromDeployment: 'web' }));
  assert.deepEqual(routes.map((r) => [r.route, r.service, r.requests, r.successRate]), [['api-route/all', 'api', N, 0.75]]);
  assert.match((await h.cp.formatRoutes({ namespace: 'default' })), /^ROUTE\s+SERVICE\s+SUCCESS/);
});

test('admin endpoints: /ready and /live answer, others 404', async () => {
  const status = (path: string) =>
    new Promise<number>((resolve, reject) => get({ host: api.podIP, port: SIDECAR_ADMIN_PORT, path }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
  assert.equal(await status('/ready'), 200);
  assert.equal(await status('/live'), 200);
  assert.equal(await status('/nope'), 404);
});

test('tap: filters by destination and path, and a slow consumer only loses the oldest events', async () => {
  const sub = h.cp.tap.subscribe({ toService: 'api', pathPrefix: '/ok', direction: 'outbound' }, { bufferSize: 5 });
  await Promise.all(Array.from({ length: 12 }, (_, i) => h.send(web, 'api:8080', i % 2 ? '/ok' : '/fail')));
  assert.equal(sub.dropped, 1, '6 matching events into a buffer of 5');
  const seen = [];
  for await (const e of sub) {
    seen.push(e);
    if (seen.length === 5) break;
  }
  assert.ok(seen.every((e) => e.path === '/ok' && e.destination.service === 'api' && e.status === 200 && e.route === 'api-route/all'));
  assert.equal(h.cp.tap.active, false, 'breaking out of the loop unsubscribes');
  assert.throws(() => h.cp.tap.subscribe({}, { bufferSize: 0 }), /bufferSize must be an integer from 1/);
});
