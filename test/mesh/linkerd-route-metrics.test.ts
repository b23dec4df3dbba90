// Linkerd's per-route families through real sidecars, with answers the test controls: a Service annotated for
// retries counts every try per backend, the retries, and the request whose retry limit was reached on its default
// route (`route_kind="default"`, `route_name="http"`); a policy.linkerd.io HTTPRoute's response timeout makes each
// try a RESPONSE_HEADERS_TIMEOUT, retried, then the caller's 504.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { MeshHarness, type TestPod } from './harness.js';
import { SIDECAR_ADMIN_PORT } from '../../sandbox/mesh/constants.js';

let h: MeshHarness;
let client: TestPod;
const slowTimers = new Set<NodeJS.Timeout>();

before(async () => {
  h = await MeshHarness.start();
  h.service('flaky', 8080, { app: 'flaky' });
  await h.pod({
    name: 'flaky-1', app: 'flaky', port: 8080,
    handler: (req, res) => {
      if (req.url === '/slow') {
        const t = setTimeout(() => (slowTimers.delete(t), res.end('late')), 2000);
        slowTimers.add(t);
        res.once('close', () => (clearTimeout(t), slowTimers.delete(t)));
        return;
      }
      res.writeHead(req.url === '/fail' ? 503 : 200).end('x');
    },
  });
  client = await h.pod({ name: 'client-1', app: 'client', port: 8081 });
});

after(async () => {
  for (const t of slowTimers) clearTimeout(t);
  await h.stop();
});

interface Sample { name: string; labels: Record<string, string>; value: number }
const scrapeText = (pod: TestPod) =>
  new Promise<string>((resolve, reject) => {
    get({ host: pod.podIP, port: SIDECAR_ADMIN_PORT, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
// (This parser keeps no labels on histograms: those are read from the text.)
const scrape = async (pod: TestPod): Promise<Sample[]> =>
  parsePrometheusTextFormat(await scrapeText(pod)).flatMap((f) => (f.metrics as { labels?: Record<string, string>; value?: string }[]).map((m) => ({ name: f.name, labels: m.labels ?? {}, value: Number(m.value ?? 0) })));
const sum = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

test("a Service's retry annotations: every try per backend, the retries, and the limit reached, on its default route", async () => {
  const t = h.type('', 'services');
  const svc = h.api.get(t, 'default', 'flaky');
  h.api.update(t, { ...svc, metadata: { ...svc.metadata, annotations: { 'retry.linkerd.io/http': '503', 'retry.linkerd.io/limit': '2' } } });
  await h.cp.settled();
  const reply = await h.send(client, 'flaky:8080', '/fail');
  assert.equal(reply.status, 503);
  const ok = await h.send(client, 'flaky:8080', '/ok');
  assert.equal(ok.status, 200);

  const m = await scrape(client);
  const route = { parent_name: 'flaky', parent_namespace: 'default', parent_port: '8080', route_kind: 'default', route_name: 'http', route_group: '' };
  assert.equal(sum(m, 'outbound_http_route_request_statuses_total', { ...route, http_status: '503', error: '' }), 1);
  assert.equal(sum(m, 'outbound_http_route_request_statuses_total', { ...route, http_status: '200' }), 1);
  assert.equal(sum(m, 'outbound_http_route_retry_requests_total', route), 2, 'limit 2: two retries');
  assert.equal(sum(m, 'outbound_http_route_retry_limit_exceeded_total', route), 1);
  assert.equal(sum(m, 'outbound_http_route_retry_successes_total', route), 0);
  assert.equal(sum(m, 'outbound_http_route_backend_requests_total', { ...route, backend_name: 'flaky', backend_kind: 'Service' }), 4, '3 tries + 1');
  assert.equal(sum(m, 'outbound_http_route_backend_response_statuses_total', { ...route, backend_name: 'flaky', http_status: '503' }), 3);
  assert.match(await scrapeText(client), /\noutbound_http_route_request_duration_seconds_count\{parent_group="core",parent_kind="Service",parent_namespace="default",parent_name="flaky",parent_port="8080",parent_section_name="",route_group="",route_kind="default",route_namespace="",route_name="http",hostname=""\} 2\n/);
  h.api.update(t, { ...h.api.get(t, 'default', 'flaky'), metadata: { ...h.api.get(t, 'default', 'flaky').metadata, annotations: {} } });
  await h.cp.settled();
});

test('a policy.linkerd.io HTTPRoute with timeout.linkerd.io/response: each try times out and is retried, then the caller gets 504', async () => {
  h.apply('policy.linkerd.io', 'httproutes', {
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'HTTPRoute',
    metadata: { name: 'slow-route', namespace: 'default', annotations: { 'timeout.linkerd.io/response': '100ms', 'retry.linkerd.io/http': '5xx' } },
    spec: { parentRefs: [{ group: 'core', kind: 'Service', name: 'flaky', port: 8080 }], rules: [{ matches: [{ path: { type: 'Exact', value: '/slow' } }] }] },
  });
  await h.cp.settled();
  const reply = await h.send(client, 'flaky:8080', '/slow');
  assert.equal(reply.status, 504, reply.body);
  assert.match(reply.body, /backend request timeout of 100ms/);

  const m = await scrape(client);
  const route = { parent_name: 'flaky', route_group: 'policy.linkerd.io', route_kind: 'HTTPRoute', route_name: 'slow-route', route_namespace: 'default' };
  assert.equal(sum(m, 'outbound_http_route_request_statuses_total', { ...route, http_status: '', error: 'RESPONSE_HEADERS_TIMEOUT' }), 1);
  assert.equal(sum(m, 'outbound_http_route_backend_response_statuses_total', { ...route, error: 'RESPONSE_HEADERS_TIMEOUT' }), 2, 'the first try and its one retry');
  assert.equal(sum(m, 'outbound_http_route_retry_limit_exceeded_total', route), 1);
  const row = (await h.cp.statOutbound({ namespace: 'default', fromDeployment: 'client', toService: 'flaky' })).find((r) => r.route === 'slow-route')!;
  assert.deepEqual([row.type, row.group, row.requests, row.timeoutRate, row.retries, row.successRate], ['HTTPRoute', 'policy.linkerd.io', 1, 1, 1, 0]);
  h.remove('policy.linkerd.io', 'httproutes', 'default', 'slow-route');
});
