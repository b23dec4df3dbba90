// The DestinationRule traffic policy's pieces on their own: the connection-pool circuit breaker driven event by
// event (no sockets, no clock), outlier detection on a driven clock, the trafficPolicy compiler and Istio's merge of a
// subset's policy over the rule's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, UNLIMITED, type Dispatch } from '../../sandbox/mesh/proxy/circuit-breaker.js';
import { OutlierDetector } from '../../sandbox/mesh/proxy/outlier-detector.js';
import { emptyCounters, EnvoyClusterStats } from '../../sandbox/mesh/proxy/envoy-cluster-stats.js';
import { compileTrafficPolicy } from '../../sandbox/mesh/control-plane/istio/traffic-policy-compiler.js';
import { trafficPolicyFor } from '../../sandbox/mesh/proxy/destination-rules.js';
import type { CompiledDestinationRule } from '../../sandbox/mesh/config/snapshot.js';

/** Connections as a fake: idle ones per endpoint, set by the test. */
function fakeView() {
  const idle = new Map<string, number>();
  return { idle, view: { hasIdle: (k: string) => (idle.get(k) ?? 0) > 0, evictIdleExcept: () => false } };
}

test('maxConnections 1, http1MaxPendingRequests 1: the first request opens the connection and waits for it, a second overflows (503 now)', () => {
  const counters = emptyCounters();
  const { view } = fakeView();
  const cb = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 1, maxRequests: UNLIMITED, maxRetries: UNLIMITED }, counters, view);
  const sent: Dispatch[] = [];
  assert.equal(typeof cb.admit('a', (how) => sent.push(how)), 'function');
  assert.deepEqual(sent, ['new'], 'the first request opens a connection');
  // Its connection is still connecting: the request is pending (Envoy counts it so), the queue of 1 is full.
  assert.equal(counters.upstream_rq_pending_active, 1);
  assert.equal(cb.admit('a', (how) => sent.push(how)), 'overflow');
  assert.equal(counters.upstream_rq_pending_overflow, 1);
  cb.connected(true);
  assert.equal(counters.upstream_rq_pending_active, 0);
  assert.equal(counters.upstream_rq_active, 1);
  // Now one request may wait for the busy connection; it does not open another (cx overflow counted).
  assert.equal(typeof cb.admit('a', (how) => sent.push(how)), 'function');
  assert.deepEqual(sent, ['new'], 'queued, not sent');
  assert.equal(counters.upstream_cx_overflow, 1);
  assert.equal(cb.admit('a', (how) => sent.push(how)), 'overflow');
  assert.equal(counters.upstream_rq_pending_overflow, 2);
  assert.equal(counters['circuit_breakers.default.rq_pending_open'], 1);
  assert.equal(counters['circuit_breakers.default.remaining_pending'], 0);
  assert.equal(counters.upstream_rq_pending_total, 2);
});

test('a queued request takes the connection when it goes idle, or opens a new one when it closes (maxRequestsPerConnection)', () => {
  const counters = emptyCounters();
  const { idle, view } = fakeView();
  const cb = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 2, maxRequests: UNLIMITED, maxRetries: UNLIMITED }, counters, view);
  const sent: string[] = [];
  // Sending on an idle connection takes it out of the pool at once (node's Agent does so synchronously).
  const d = (n: number) => (how: Dispatch) => {
    sent.push(`${n}:${how}`);
    if (how === 'reuse') idle.set('a', (idle.get('a') ?? 0) - 1);
  };
  cb.admit('a', d(1));
  cb.connected(true);
  cb.admit('a', d(2));
  cb.admit('a', d(3));
  assert.deepEqual(sent, ['1:new']);
  // Request 1 finishes and its connection goes back to the pool: request 2 reuses it.
  cb.finished();
  idle.set('a', 1);
  cb.freed();
  assert.deepEqual(sent, ['1:new', '2:reuse']);
  // Request 2 finishes and the connection closes instead (its last allowed request): request 3 opens a new one.
  cb.finished();
  assert.deepEqual(sent, ['1:new', '2:reuse'], 'still one connection open until it closes');
  cb.closed();
  assert.deepEqual(sent, ['1:new', '2:reuse', '3:new']);
  assert.equal(counters.upstream_cx_total, 2);
  assert.equal(counters.upstream_rq_pending_overflow, 0);
});

test('one request at a time never overflows, whatever the limits', () => {
  const counters = emptyCounters();
  const { idle, view } = fakeView();
  const cb = new CircuitBreaker({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: UNLIMITED }, counters, view);
  for (let i = 0; i < 50; i++) {
    let how: Dispatch | undefined;
    assert.notEqual(cb.admit('a', (h) => (how = h)), 'overflow');
    if (how === 'new') cb.connected(true);
    cb.finished();
    // Alternate: the connection closes (maxRequestsPerConnection 1) or stays idle for the next request.
    if (i % 2 === 0) cb.closed();
    idle.set('a', i % 2 === 0 ? 0 : 1);
  }
  assert.equal(counters.upstream_rq_pending_overflow, 0);
  assert.equal(counters.upstream_rq_total, 50);
});

test('http2MaxRequests bounds requests in flight; a withdrawn waiter leaves the queue', () => {
  const counters = emptyCounters();
  const { idle, view } = fakeView();
  const cb = new CircuitBreaker({ maxConnections: UNLIMITED, maxPendingRequests: UNLIMITED, maxRequests: 1, maxRetries: 1 }, counters, view);
  cb.admit('a', () => {});
  cb.connected(true);
  idle.set('a', 1);
  assert.equal(cb.admit('a', () => {}), 'overflow', 'an idle connection but one request in flight already');
  const retry = cb.startRetry();
  assert.ok(retry);
  assert.equal(cb.startRetry(), undefined, 'maxRetries 1: a second concurrent retry is refused');
  assert.equal(counters.upstream_rq_retry_overflow, 1);
  retry();
  assert.ok(cb.startRetry());
});

test('outlier detection: consecutive 5xx eject for baseEjectionTime × ejections, bounded by maxEjectionPercent', () => {
  let now = 0;
  const counters = emptyCounters();
  const od = new OutlierDetector({ consecutive5xxErrors: 2, intervalMs: 1000, baseEjectionTimeMs: 10_000, maxEjectionPercent: 50 }, counters, () => now);
  od.record('a', 500, 2);
  assert.equal(od.ejected('a'), false, 'one 5xx is not two');
  od.record('a', 200, 2);
  od.record('a', 500, 2);
  assert.equal(od.ejected('a'), false, 'a success resets the count');
  od.record('a', 503, 2);
  assert.equal(od.ejected('a'), true);
  assert.equal(counters['outlier_detection.ejections_enforced_total'], 1);
  assert.equal(counters['outlier_detection.ejections_active'], 1);
  // A second endpoint failing would eject 100% > 50%: not ejected (Envoy's ejections_overflow).
  od.record('b', 500, 2);
  od.record('b', 500, 2);
  assert.equal(od.ejected('b'), false);
  assert.equal(counters['outlier_detection.ejections_overflow'], 1);
  assert.deepEqual(od.healthy(['a', 'b'], (k) => k), ['b']);
  now = 9_999;
  assert.equal(od.ejected('a'), true);
  now = 10_000;
  assert.equal(od.ejected('a'), false, 'back after baseEjectionTime');
  assert.equal(counters['outlier_detection.ejections_active'], 0);
  // Ejected again at once: twice as long (baseEjectionTime × 2).
  od.record('a', 500, 2);
  od.record('a', 500, 2);
  now = 10_000 + 19_999;
  assert.equal(od.ejected('a'), true);
  now = 30_000;
  assert.equal(od.ejected('a'), false);
  // Healthy for many intervals: the multiplier decays back to one ejection's length.
  now = 100_000;
  od.record('a', 500, 2);
  od.record('a', 500, 2);
  now = 110_000;
  assert.equal(od.ejected('a'), false, 'after a long healthy spell, one base ejection time again');
});

test('consecutiveGatewayErrors ejects on 502/503/504 only; consecutive5xxErrors 0 disables the 5xx detector', () => {
  const counters = emptyCounters();
  const od = new OutlierDetector({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, intervalMs: 1000, baseEjectionTimeMs: 1000, maxEjectionPercent: 100 }, counters, () => 0);
  od.record('a', 500, 1);
  od.record('a', 500, 1);
  od.record('a', 500, 1);
  assert.equal(od.ejected('a'), false);
  od.record('a', 502, 1);
  od.record('a', 504, 1);
  assert.equal(od.ejected('a'), true);
  assert.equal(counters['outlier_detection.ejections_enforced_consecutive_gateway_failure'], 1);
});

test('compileTrafficPolicy: Istio circuit-breaking task policy, defaults, and what it reports', () => {
  const problems: string[] = [];
  const policy = compileTrafficPolicy(
    {
      connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
    },
    'spec.trafficPolicy',
    problems,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(policy, {
    connectionPool: { maxConnections: 1, maxPendingRequests: 1, maxRequestsPerConnection: 1 },
    outlierDetection: { consecutive5xxErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 180_000, maxEjectionPercent: 100 },
  });
  const defaults = compileTrafficPolicy({ outlierDetection: {}, loadBalancer: { simple: 'LEAST_CONN' }, tls: { mode: 'DISABLE' } }, 'spec.trafficPolicy', problems);
  assert.deepEqual(defaults, {
    outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 },
    loadBalancer: 'LEAST_REQUEST',
    tls: 'DISABLE',
  });
  const reported: string[] = [];
  const partial = compileTrafficPolicy(
    { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } }, tls: { mode: 'SIMPLE' }, connectionPool: { tcp: { maxConnections: -1, tcpKeepalive: { time: '1s' } } }, outlierDetection: { interval: 'soon' } },
    'spec.subsets[0].trafficPolicy',
    reported,
  );
  assert.deepEqual(partial, { outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 } });
  assert.equal(reported.length, 5, reported.join('\n'));
  assert.ok(reported.some((p) => p.startsWith('spec.subsets[0].trafficPolicy.loadBalancer.consistentHash is not supported')));
  assert.ok(reported.some((p) => p.includes('tls.mode: SIMPLE')));
  assert.ok(reported.some((p) => p.includes('maxConnections: must be a non-negative integer')));
  assert.ok(reported.some((p) => p.includes('tcpKeepalive is not supported')));
  assert.ok(reported.some((p) => p.includes('interval: invalid duration')));
});

test("trafficPolicyFor: a subset's fields replace the rule's one by one; a port's settings replace the rule's whole", () => {
  const rule: CompiledDestinationRule = {
    namespace: 'default',
    name: 'reviews',
    host: { namespace: 'default', service: 'reviews' },
    policy: { loadBalancer: 'RANDOM', connectionPool: { maxConnections: 10 } },
    portPolicies: new Map([[9080, { tls: 'DISABLE' }]]),
    subsets: new Map([
      ['v1', { labels: { version: 'v1' } }],
      ['v2', { labels: { version: 'v2' }, policy: { loadBalancer: 'ROUND_ROBIN' } }],
    ]),
  };
  assert.deepEqual(trafficPolicyFor(rule, 80, 'v1'), rule.policy);
  assert.deepEqual(trafficPolicyFor(rule, 80, 'v2'), { loadBalancer: 'ROUND_ROBIN', connectionPool: { maxConnections: 10 }, outlierDetection: undefined, tls: undefined });
  assert.deepEqual(trafficPolicyFor(rule, 9080, undefined), { tls: 'DISABLE' });
  assert.deepEqual(trafficPolicyFor(rule, 9080, 'v2'), { loadBalancer: 'ROUND_ROBIN', tls: 'DISABLE', connectionPool: undefined, outlierDetection: undefined });
});

test('Envoy /stats text and Istio Prometheus names for a cluster', () => {
  const stats = new EnvoyClusterStats();
  stats.cluster('outbound|8000||httpbin.default.svc.cluster.local').upstream_rq_pending_overflow = 21;
  const text = stats.statsText((l) => l.includes('pending'));
  assert.match(text, /^cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.upstream_rq_pending_overflow: 21$/m);
  assert.doesNotMatch(text, /upstream_cx_total/);
  assert.match(stats.prometheusText(), /^envoy_cluster_upstream_rq_pending_overflow\{cluster_name="outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local"\} 21$/m);
  assert.match(stats.prometheusText(), /^envoy_cluster_outlier_detection_ejections_enforced_total\{cluster_name="outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local"\} 0$/m);
});

test("support registry: the circuit-breaking task's DestinationRule is fully honoured; consistentHash and tls.sni are reported as unsupported fields", async () => {
  const { kindSupport, unsupportedFields } = await import('../../sandbox/mesh/support/index.js');
  const kind = kindSupport('networking.istio.io', 'DestinationRule');
  assert.ok(kind);
  const task = {
    spec: {
      host: 'httpbin',
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
        outlierDetection: { consecutiveErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
      },
    },
  };
  assert.deepEqual(unsupportedFields(kind, task), []);
  const other = { spec: { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } }, portLevelSettings: [{ port: { number: 9080 }, tls: { mode: 'DISABLE' } }] }, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'SIMPLE', sni: 'x' } } }] } };
  assert.deepEqual(
    unsupportedFields(kind, other).map((f) => f.path),
    ['spec.trafficPolicy.loadBalancer.consistentHash', 'spec.subsets[0].trafficPolicy.tls.sni'],
  );
});
