// Istio's observability pieces of the sidecar, unit by unit: Telemetry accessLogging resolution (workload over
// namespace over root namespace, `disabled`, unknown providers reported), Envoy's default access log line, and the
// standard metrics' Prometheus text. End to end (kubectl logs, pilot-agent) they run in test/lessons/observability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { accessLogEnabled } from '../../sandbox/mesh/control-plane/istio/telemetry-access-log.js';
import { envoyAccessLogLine } from '../../sandbox/mesh/proxy/access-log.js';
import { IstioStandardMetrics, istioBaseLabels, MAX_ISTIO_SERIES } from '../../sandbox/mesh/proxy/istio-metrics.js';

let created = 0;
function telemetry(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { namespace, name, creationTimestamp: `2026-01-01T00:00:${String(created++).padStart(2, '0')}Z` }, spec } as KubeObject;
}
const envoy = { accessLogging: [{ providers: [{ name: 'envoy' }] }] };
const off = { accessLogging: [{ disabled: true }] };
const pod = { namespace: 'shop', labels: { app: 'httpbin' } };

test('Telemetry accessLogging: off by default; root namespace, then namespace, then workload selector decide', () => {
  const problems: string[] = [];
  assert.equal(accessLogEnabled(pod, [], [], problems), false);
  assert.equal(accessLogEnabled(pod, [], [telemetry('istio-system', 'mesh-default', envoy)], problems), true, 'mesh-wide from the root namespace');
  assert.equal(accessLogEnabled(pod, [telemetry('shop', 'ns', off)], [telemetry('istio-system', 'mesh-default', envoy)], problems), false, 'the namespace overrides the mesh');
  const workloadOn = telemetry('shop', 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, ...envoy });
  assert.equal(accessLogEnabled(pod, [telemetry('shop', 'ns', off), workloadOn], [], problems), true, 'the workload overrides the namespace');
  assert.equal(accessLogEnabled({ namespace: 'shop', labels: { app: 'curl' } }, [telemetry('shop', 'ns', off), workloadOn], [], problems), false, 'a selector that does not match');
  assert.equal(accessLogEnabled(pod, [telemetry('shop', 'metrics-only', { metrics: [] })], [telemetry('istio-system', 'mesh-default', envoy)], problems), true, 'a Telemetry without accessLogging says nothing');
  assert.deepEqual(problems, []);
  assert.equal(accessLogEnabled(pod, [telemetry('shop', 'otel', { accessLogging: [{ providers: [{ name: 'otel' }] }] })], [], problems), false);
  assert.match(problems.join('\n'), /provider "otel" not available in the sandbox/);
});

test("Envoy's default access log line: Istio's field order, `-` for what is absent, no forged new lines", () => {
  const line = envoyAccessLogLine({
    startMs: Date.parse('2020-11-25T21:26:18.409Z'),
    method: 'GET',
    path: '/status/418',
    protocol: 'HTTP/1.1',
    status: 418,
    flags: '-',
    details: 'via_upstream',
    durationMs: 4.2,
    rawHeaders: ['User-Agent', 'curl/8.5.0', 'x-request-id', '84961386-6d84-929d-98bd-c5aee93b5c88\r\nforged'],
    authority: 'httpbin:8000',
    upstreamHost: '10.44.1.27:8080',
    upstreamCluster: 'outbound|8000||httpbin.foo.svc.cluster.local',
    route: 'default',
  });
  assert.equal(
    line,
    '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" - - 4 - "-" "curl/8.5.0" "84961386-6d84-929d-98bd-c5aee93b5c88??forged" "httpbin:8000" "10.44.1.27:8080" outbound|8000||httpbin.foo.svc.cluster.local - - - - default',
  );
});

test('istio_requests_total and istio_request_duration_milliseconds: one series per label set and response code, bounded', () => {
  const m = new IstioStandardMetrics();
  const base = istioBaseLabels({
    reporter: 'destination',
    source: { workload: 'curl', namespace: 'shop', principal: 'spiffe://cluster.local/ns/shop/sa/curl', labels: { app: 'curl' } },
    destination: { workload: 'productpage-v1', namespace: 'shop', principal: 'spiffe://cluster.local/ns/shop/sa/bookinfo-productpage', labels: { app: 'productpage', version: 'v1' } },
    destinationService: 'productpage.shop.svc.cluster.local',
    destinationServiceName: 'productpage',
    destinationServiceNamespace: 'shop',
    requestProtocol: 'http',
    mutualTls: true,
  });
  const set = m.seriesFor(base);
  for (let i = 0; i < 5; i++) set.record(200, '-', 3);
  m.seriesFor(base).record(404, '-', 700);
  const lines: string[] = [];
  m.exposition(lines);
  const text = lines.join('\n');
  assert.match(text, /^istio_requests_total\{reporter="destination",source_workload="curl",source_workload_namespace="shop",source_principal="spiffe:\/\/cluster\.local\/ns\/shop\/sa\/curl",.*destination_version="v1",destination_service="productpage\.shop\.svc\.cluster\.local",.*connection_security_policy="mutual_tls",response_code="200",response_flags="-"\} 5$/m);
  assert.match(text, /^istio_requests_total\{.*response_code="404".*\} 1$/m);
  assert.match(text, /^istio_request_duration_milliseconds_bucket\{.*response_code="200".*,le="5"\} 5$/m);
  assert.match(text, /^istio_request_duration_milliseconds_bucket\{.*response_code="404".*,le="500"\} 0$/m);
  assert.match(text, /^istio_request_duration_milliseconds_count\{.*response_code="404".*\} 1$/m);
  // A flood of distinct label sets (random authorities) stops at the bound instead of growing memory.
  for (let i = 0; i < MAX_ISTIO_SERIES + 50; i++) m.seriesFor(`${base},x="${i}"`).record(200, '-', 1);
  const after: string[] = [];
  m.exposition(after);
  assert.equal(after.filter((l) => l.startsWith('istio_requests_total{')).length, MAX_ISTIO_SERIES);
});
