// The Linkerd lessons' server pieces through the REST API: a manifest in a served but not preferred version
// (gateway.networking.k8s.io/v1beta1, as Linkerd's docs write HTTPRoutes) applies, and the `route-metrics` check
// reads Linkerd's per-route counters from the client sidecars — failing before the route has traffic, passing
// after, and judging status, success rate and timeouts from what the mesh counted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, ndjson, rest, startFixture, type ServerFixture } from './fixture.js';
import { judgeRouteMetrics } from '../../playground-server/checks/linkerd-checks.js';

const ROUTE = `kind: HTTPRoute
apiVersion: gateway.networking.k8s.io/v1beta1
metadata:
  name: httpbin-default
  annotations:
    timeout.linkerd.io/request: 300ms
spec:
  parentRefs:
    - name: httpbin
      kind: Service
      group: core
      port: 8000
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: "/"
`;

describe('route-metrics: judged from outbound_http_route_* samples', () => {
  const s = (labels: Record<string, string>, value: number, name = 'outbound_http_route_request_statuses_total') => ({ name, labels: { parent_name: 'books', route_kind: 'HTTPRoute', route_name: 'books-create', ...labels }, value });
  test('success rate, status counts and retries, only for the named route', () => {
    const samples = [
      s({ http_status: '201', error: '' }, 6),
      s({ http_status: '500', error: '' }, 4),
      s({ http_status: '200', error: '', route_name: 'books-list' }, 50),
      s({}, 3, 'outbound_http_route_retry_requests_total'),
    ];
    const ok = judgeRouteMetrics(samples, { service: 'books', route: 'books-create', minRequests: 10, successRate: { max: 95 }, minRetries: 3 });
    assert.equal(ok.passed, true, ok.hint);
    assert.equal(ok.details.successRate, 60);
    const high = judgeRouteMetrics(samples, { service: 'books', route: 'books-create', successRate: { min: 90 } });
    assert.equal(high.passed, false);
    assert.match(high.hint, /success rate is 60%/);
    assert.equal(judgeRouteMetrics(samples, { service: 'books', route: 'books-create', status: '500', minRequests: 5 }).passed, false);
    assert.equal(judgeRouteMetrics(samples, { service: 'books', route: 'books-delete' }).passed, false, 'no requests on a route without samples');
  });
  test('"[default]" is the Service default route; a proxy error is a failure', () => {
    const samples = [s({ route_kind: 'default', route_name: 'http', http_status: '', error: 'REQUEST_TIMEOUT' }, 2), s({ route_kind: 'default', route_name: 'http', http_status: '200', error: '' }, 2)];
    const r = judgeRouteMetrics(samples, { service: 'books', route: '[default]', minTimeouts: 2, successRate: { max: 50 } });
    assert.equal(r.passed, true, r.hint);
    assert.equal(judgeRouteMetrics(samples, { service: 'books', route: 'http' }).passed, false, 'the default route is not named by its metric name');
  });
});

describe('route-metrics and v1beta1 manifests through the API', () => {
  let fx: ServerFixture;
  let token: string;
  before(async () => {
    fx = await startFixture();
    token = (await createSession(fx.url, ['httpbin'])).token;
  });
  after(async () => {
    await fx?.close();
  });
  const check = async (args: Record<string, unknown>) => {
    const r = await rest(fx.url, 'POST', '/api/session/checks/route-metrics', { token, body: { lesson: 'test', args } });
    assert.equal(r.status, 200, r.text);
    return r.body as { passed: boolean; hint: string };
  };
  const terminal = async (line: string) => {
    const r = await rest(fx.url, 'POST', '/api/session/terminal', { token, body: { line, timeoutSeconds: 30 } });
    assert.equal(r.status, 200, r.text);
    return ndjson(r.text).find((f) => f.result)?.result as { exitCode: number };
  };

  test('a gateway.networking.k8s.io/v1beta1 HTTPRoute applies; its timeout shows in the curl sidecar\'s route metrics', async () => {
    const args = { service: 'httpbin', route: 'httpbin-default', from: 'curl', minTimeouts: 1 };
    const before = await check(args);
    assert.equal(before.passed, false);
    assert.match(before.hint, /counted 0 requests/);

    const applied = await rest(fx.url, 'POST', '/api/session/resources', { token, body: { manifest: ROUTE } });
    assert.ok(applied.status < 300, applied.text);
    const got = await terminal('kubectl get httproutes.gateway.networking.k8s.io httpbin-default');
    assert.equal(got.exitCode, 0);

    let last = before;
    for (let i = 0; i < 20 && !last.passed; i++) {
      assert.ok([0, 22].includes((await terminal('curl http://httpbin:8000/delay/1')).exitCode));
      last = await check(args);
    }
    assert.equal(last.passed, true, last.hint);
    assert.match(last.hint, /httpbin-default of httpbin \(from curl\): \d+ requests?, success rate/);
    const slowOk = await check({ service: 'httpbin', route: 'httpbin-default', from: 'curl', successRate: { min: 100 } });
    assert.equal(slowOk.passed, false, 'a timed-out request is not a success');
  });

  test('bad arguments are refused with the field named', async () => {
    const r = await rest(fx.url, 'POST', '/api/session/checks/route-metrics', { token, body: { lesson: 'test', args: { service: 'Not A Name' } } });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /args\.service/);
  });
});
