// The mesh in the whole sandbox, driven by the real kubectl: injection (2/2 READY), HTTPRoute splits,
// retries, timeouts, TrafficTarget over mTLS with identities in the tap, golden metrics scraped from a
// sidecar and the stat view, and route status for bad input. Requests come from inside pods
// (runtime.requestFrom), through their sidecars.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startCluster, type ClusterFixture } from '../cluster/fixture.js';
import type { PodResponse } from '../../sandbox/runtime/request-from.js';
import type { TapEvent } from '../../sandbox/mesh/tap.js';

const NS = 'mesh-demo';
let c: ClusterFixture;
let productpage: string;
let sleep: string;

const ok = async (args: string[], input?: string) => {
  const r = await c.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};
const podOf = (prefix: string) => c.pods(NS).find((p) => p.metadata.name.startsWith(prefix))!.metadata.name;
const from = (pod: string, url: string, headers?: Record<string, string>) => c.sandbox.runtime.requestFrom(NS, pod, { url, headers, timeoutMs: 10_000 });
async function many(pod: string, url: string, n: number, concurrency = 16): Promise<PodResponse[]> {
  const out: PodResponse[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      out.push(await from(pod, url));
    }
  }));
  return out;
}
const versionShare = (rs: PodResponse[], v: string) => rs.filter((r) => r.status === 200 && JSON.parse(r.body).version === v).length / rs.length;
const route = (name: string, service: string, port: number, rules: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${NS}}
spec:
  parentRefs: [{group: "", kind: Service, name: ${service}, port: ${port}}]
  rules: ${rules}
`;

before(async () => {
  c = await startCluster();
  await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n  labels: {linkerd.io/inject: enabled}\n`);
  for (const m of ['bookinfo', 'httpbin', 'sleep']) await ok(['apply', '-n', NS, '-f', `sandbox/manifests/${m}.yaml`]);
  await c.sandbox.waitForReady(NS, 30_000);
  productpage = podOf('productpage-v1');
  sleep = podOf('sleep');
});

after(async () => {
  await c?.close();
});

test('pods in a namespace labelled for injection get the sidecar and show 2/2 READY', async () => {
  const out = await ok(['get', 'pods', '-n', NS]);
  const rows = out.trim().split('\n').slice(1);
  assert.ok(rows.length >= 8, out);
  for (const row of rows) assert.match(row, /\s2\/2\s+Running/, row);
  const containers = JSON.parse(await ok(['get', 'pod', productpage, '-n', NS, '-o', 'json'])).spec.containers.map((x: { name: string }) => x.name);
  assert.deepEqual(containers, ['productpage', 'mesh-proxy']);
});

test('a 90/10 HTTPRoute split between reviews-v1 and reviews-v2 holds within ±3 points; 0/100 sends all to v2', async () => {
  await ok(['apply', '-f', '-'], route('reviews-split', 'reviews', 9080, `[{backendRefs: [{name: reviews-v1, port: 9080, weight: 90}, {name: reviews-v2, port: 9080, weight: 10}]}]`));
  await c.sandbox.mesh!.controlPlane.settled();
  const rs = await many(productpage, 'http://reviews:9080/reviews/0', 2000, 24);
  assert.equal(rs.filter((r) => r.status !== 200).length, 0);
  const v1 = versionShare(rs, 'v1') * 100;
  assert.ok(Math.abs(v1 - 90) <= 3, `v1 share ${v1.toFixed(1)}%`);
  await ok(['apply', '-f', '-'], route('reviews-split', 'reviews', 9080, `[{backendRefs: [{name: reviews-v1, port: 9080, weight: 0}, {name: reviews-v2, port: 9080, weight: 100}]}]`));
  await c.sandbox.mesh!.controlPlane.settled();
  assert.equal(versionShare(await many(productpage, 'http://reviews:9080/reviews/0', 200), 'v2'), 1);
  await ok(['delete', 'httproute', 'reviews-split', '-n', NS]);
});

test('retry: httpbin failing 50% at random; attempts 3 on 5xx ≈ 93.75%, attempts 4 ≥ 95%, none ≈ 50%', async () => {
  const rate = async () => (await many(sleep, 'http://httpbin:8000/unstable?failure_rate=0.5', 800)).filter((r) => r.status === 200).length / 800;
  const none = await rate();
  assert.ok(Math.abs(none - 0.5) < 0.08, `no retry: ${(none * 100).toFixed(1)}%`);
  await ok(['apply', '-f', '-'], route('httpbin-retry', 'httpbin', 8000, `[{retry: {codes: [503], attempts: 3, backoff: 1ms}, backendRefs: [{name: httpbin, port: 8000}]}]`));
  await c.sandbox.mesh!.controlPlane.settled();
  const three = await rate();
  assert.ok(Math.abs(three - 0.9375) < 0.03, `attempts 3: ${(three * 100).toFixed(1)}%`);
  await ok(['apply', '-f', '-'], route('httpbin-retry', 'httpbin', 8000, `[{retry: {codes: [503], attempts: 4, backoff: 1ms}, backendRefs: [{name: httpbin, port: 8000}]}]`));
  await c.sandbox.mesh!.controlPlane.settled();
  const four = await rate();
  assert.ok(four >= 0.95, `attempts 4: ${(four * 100).toFixed(1)}%`);
  await ok(['delete', 'httproute', 'httpbin-retry', '-n', NS]);
});

test('timeout: timeouts.request 200ms against /delay/1 gives 504 and frees the caller', async () => {
  await ok(['apply', '-f', '-'], route('httpbin-timeout', 'httpbin', 8000, `[{timeouts: {request: 200ms}, backendRefs: [{name: httpbin, port: 8000}]}]`));
  await c.sandbox.mesh!.controlPlane.settled();
  const r = await from(sleep, 'http://httpbin:8000/delay/1');
  assert.equal(r.status, 504);
  assert.match(String(r.headers['l5d-proxy-error']), /timeout/);
  await ok(['delete', 'httproute', 'httpbin-timeout', '-n', NS]);
});

test('mTLS: identities in the tap; a TrafficTarget allowing only productpage → reviews gives others 403', async () => {
  const tap = c.sandbox.mesh!.controlPlane.tap.subscribe({ namespace: NS, direction: 'inbound', toDeployment: 'reviews-v1' }, { bufferSize: 50 });
  await many(productpage, 'http://reviews-v1:9080/reviews/0', 3, 1);
  const it = tap[Symbol.asyncIterator]();
  const { value } = (await it.next()) as { value: TapEvent };
  tap.close();
  assert.equal(value.tls, true);
  assert.equal(value.source.identity, `spiffe://cluster.local/ns/${NS}/sa/bookinfo-productpage`);
  assert.equal(value.destination.identity, `spiffe://cluster.local/ns/${NS}/sa/bookinfo-reviews`);
  assert.match(value.source.pod ?? '', /^productpage-v1-/);

  await ok(['apply', '-f', '-'], `
apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: {name: reviews-routes, namespace: ${NS}}
spec:
  matches: [{name: everything, pathRegex: ".*", methods: ["*"]}]
---
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: productpage-reviews, namespace: ${NS}}
spec:
  destination: {kind: ServiceAccount, name: bookinfo-reviews, namespace: ${NS}}
  rules: [{kind: HTTPRouteGroup, name: reviews-routes, matches: [everything]}]
  sources: [{kind: ServiceAccount, name: bookinfo-productpage, namespace: ${NS}}]
`);
  await c.sandbox.mesh!.controlPlane.settled();
  assert.equal((await from(sleep, 'http://reviews:9080/reviews/0')).status, 403);
  assert.equal((await from(productpage, 'http://reviews:9080/reviews/0')).status, 200);
  const page = await from(productpage, 'http://productpage:9080/productpage');
  assert.equal(page.status, 200, 'the whole page still works through the policy');
  await ok(['delete', 'traffictarget', 'productpage-reviews', '-n', NS]);
  await c.sandbox.mesh!.controlPlane.settled();
  assert.equal((await from(sleep, 'http://reviews:9080/reviews/0')).status, 200);
});

test('metrics: after N requests the stat view reports N with the right success rate; /metrics parses', async () => {
  const cp = c.sandbox.mesh!.controlPlane;
  const before = (await cp.statDeployments(NS)).find((r) => r.name === 'details-v1')!;
  const N = 60;
  const rs = await Promise.all(Array.from({ length: N }, (_, i) => from(sleep, i % 3 === 0 ? 'http://details:9080/nope/500' : 'http://details:9080/details/0')));
  const failed = rs.filter((r) => r.status >= 500).length;
  const after = (await cp.statDeployments(NS)).find((r) => r.name === 'details-v1')!;
  assert.equal(after.requests - before.requests, N);
  assert.equal(after.successes - before.successes, N - failed);
  assert.match((await cp.formatStat(NS)), /details-v1\s+1\/1\s+\d+\.\d\d%/);

  const pod = c.pods(NS).find((p) => p.metadata.name.startsWith('details-v1'))!;
  const text = await new Promise<string>((resolve, reject) =>
    get({ host: pod.status!.podIP!, port: 4191, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject),
  );
  const total = parsePrometheusTextFormat(text).find((f) => f.name === 'request_total')!.metrics
    .filter((m) => m.labels?.direction === 'inbound')
    .reduce((n, m) => n + Number(m.value), 0);
  assert.ok(total >= N, `request_total counts at least the ${N} requests (${total})`);
});

test('bad input: an HTTPRoute to a missing Service and one with an invalid match are reported in status', async () => {
  await ok(['apply', '-f', '-'], route('ghost', 'ratings', 9080, `[{matches: [{path: {type: PathPrefix, value: /ghost}}], backendRefs: [{name: no-such-service, port: 9080}]}, {backendRefs: [{name: ratings, port: 9080}]}]`));
  await ok(['apply', '-f', '-'], route('bad-match', 'details', 9080, `[{matches: [{path: {type: RegularExpression, value: "/details/("}}], backendRefs: [{name: details, port: 9080}]}]`));
  await c.sandbox.mesh!.controlPlane.settled();
  const status = async (name: string) => JSON.parse(await ok(['get', 'httproute', name, '-n', NS, '-o', 'json'])).status.parents[0].conditions as { type: string; status: string; reason: string }[];
  const ghost = await status('ghost');
  assert.deepEqual(ghost.find((x) => x.type === 'ResolvedRefs'), { ...ghost.find((x) => x.type === 'ResolvedRefs')!, status: 'False', reason: 'BackendNotFound' });
  const bad = await status('bad-match');
  assert.deepEqual(bad.find((x) => x.type === 'Accepted'), { ...bad.find((x) => x.type === 'Accepted')!, status: 'False', reason: 'UnsupportedValue' });
  // The sidecars are fine: the good rule serves, the broken backend answers 500.
  assert.equal((await from(sleep, 'http://ratings:9080/ratings/0')).status, 200);
  assert.equal((await from(sleep, 'http://ratings:9080/ghost')).status, 500);
  assert.equal((await from(productpage, 'http://details:9080/details/0')).status, 200);
  await ok(['delete', 'httproute', 'ghost', 'bad-match', '-n', NS]);
});
