// Which failed attempts a route retries: statuses always by the list; with `on` conditions (Istio retryOn, Linkerd's
// retry annotations) Envoy's meanings of 5xx / gateway-error / connect-failure / reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RetryPolicy } from '../../sandbox/mesh/config/snapshot.js';
import { AttemptError } from '../../sandbox/mesh/proxy/attempt-error.js';
import { failureOf, retriesFailure, retriesStatus, tryTimeoutMs } from '../../sandbox/mesh/proxy/retry-policy.js';

const policy = (on?: RetryPolicy['on'], codes: number[] = []): RetryPolicy => ({ attempts: 2, backoffMs: 0, codes: new Set(codes), on });
const errno = (code: string) => Object.assign(new Error(code), { code });

test('without conditions (Gateway API): listed statuses and every connection failure or timeout', () => {
  const p = policy(undefined, [503]);
  assert.equal(retriesStatus(p, 503), true);
  assert.equal(retriesStatus(p, 500), false);
  for (const f of ['connect-failure', 'reset', 'timeout'] as const) assert.equal(retriesFailure(p, f), true, f);
});

test('5xx covers every 5xx status and every failure; gateway-error only 502/503/504', () => {
  const any = policy({ any5xx: true });
  assert.deepEqual([500, 502, 503, 599, 404, 429].map((s) => retriesStatus(any, s)), [true, true, true, true, false, false]);
  assert.equal(retriesFailure(any, 'timeout'), true);
  const gw = policy({ gatewayError: true });
  assert.deepEqual([500, 502, 503, 504].map((s) => retriesStatus(gw, s)), [false, true, true, true]);
  assert.equal(retriesFailure(gw, 'reset'), true);
});

test('connect-failure and reset are distinct; a per-try timeout needs 5xx or gateway-error', () => {
  const cf = policy({ connectFailure: true });
  assert.equal(retriesFailure(cf, 'connect-failure'), true);
  assert.equal(retriesFailure(cf, 'reset'), false);
  assert.equal(retriesFailure(cf, 'timeout'), false);
  assert.equal(retriesStatus(cf, 503), false);
  assert.equal(retriesFailure(policy({ reset: true }), 'reset'), true);
});

test('gRPC conditions match the grpc-status of a trailers-only answer', () => {
  const g = policy({ grpc: new Set([14]) });
  assert.equal(retriesStatus(g, 200, 14), true);
  assert.equal(retriesStatus(g, 200, 5), false);
  assert.equal(retriesStatus(g, 200), false);
});

test('failures are classified from the socket error; a try timeout is the shorter of per-try and backend', () => {
  assert.equal(failureOf(errno('ECONNREFUSED')), 'connect-failure');
  assert.equal(failureOf(errno('ECONNRESET')), 'reset');
  assert.equal(failureOf(new AttemptError(504, 'backend request timeout', true)), 'timeout');
  const rule = { label: 'r', kind: 'VirtualService' as const, routeNamespace: 'ns', routeName: 'r', backends: [], totalWeight: 0 };
  assert.equal(tryTimeoutMs({ ...rule, backendTimeoutMs: 500, retry: { ...policy(), perTryTimeoutMs: 200 } }), 200);
  assert.equal(tryTimeoutMs({ ...rule, backendTimeoutMs: 100, retry: { ...policy(), perTryTimeoutMs: 200 } }), 100);
  assert.equal(tryTimeoutMs({ ...rule, retry: { ...policy(), perTryTimeoutMs: 200 } }), 200);
  assert.equal(tryTimeoutMs(rule), undefined);
});
