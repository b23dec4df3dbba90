// The outbound stack's retry layer (sandbox/mesh/proxy/outbound/retry.ts): how many tries a request gets, the backoff,
// and that an answer or a failure is tried again only under the route's listed conditions — Gateway API status codes,
// Istio's retryOn (connect-failure, gateway-error, gRPC statuses) — with the retry limit marked when the last try
// still failed retryably. The HTTP/1 and HTTP/2 pipelines both decide with these functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledRule, RetryPolicy } from '../../sandbox/mesh/config/snapshot.js';
import { AttemptError } from '../../sandbox/mesh/proxy/attempt-error.js';
import type { RetryOutcome } from '../../sandbox/mesh/proxy/route-metrics.js';
import type { Target } from '../../sandbox/mesh/proxy/outbound/balance.js';
import { attemptErrorOf, backoffMs, grpcStatusOf, maxAttemptsOf, retryAfterAnswer, retryAfterFailure, routeErrorOf } from '../../sandbox/mesh/proxy/outbound/retry.js';

const rule = (retry?: Partial<RetryPolicy>): CompiledRule => ({
  label: 'r', kind: 'HTTPRoute', routeNamespace: 'ns', routeName: 'r', backends: [], totalWeight: 0,
  retry: retry && { attempts: 2, backoffMs: 25, codes: new Set(), ...retry },
});
const fresh = (): RetryOutcome => ({ retries: 0, limitExceeded: false });
const errno = (code: string) => Object.assign(new Error(code), { code });

/** Drives the decisions as the pipelines' loops do: one answer (a status) or failure (an Error) per try. */
function run(r: CompiledRule, tries: (number | Error)[], replayable = true): { tries: number; outcome: RetryOutcome } {
  const outcome = fresh();
  const max = maxAttemptsOf(r, replayable);
  let attempt = 1;
  for (; attempt <= max; attempt++) {
    if (attempt > 1) outcome.retries++;
    const t = tries[attempt - 1];
    const again = typeof t === 'number' ? retryAfterAnswer(r, outcome, attempt, max, t, undefined) : retryAfterFailure(r, outcome, attempt, max, t);
    if (!again) break;
  }
  return { tries: Math.min(attempt, max), outcome };
}

test('Gateway API codes: only the listed statuses are retried, up to attempts + 1 tries; the limit is marked', () => {
  const r = rule({ codes: new Set([503]) });
  assert.equal(maxAttemptsOf(r, true), 3, '`attempts` counts retries');
  assert.deepEqual(run(r, [503, 200]), { tries: 2, outcome: { retries: 1, limitExceeded: false } });
  assert.deepEqual(run(r, [500, 200]), { tries: 1, outcome: { retries: 0, limitExceeded: false } }, '500 is not listed');
  assert.deepEqual(run(r, [404]), { tries: 1, outcome: { retries: 0, limitExceeded: false } });
  assert.deepEqual(run(r, [503, 503, 503]), { tries: 3, outcome: { retries: 2, limitExceeded: true } });
  assert.deepEqual(run(r, [503, 503, 500]), { tries: 3, outcome: { retries: 2, limitExceeded: false } }, 'the last answer was not retryable');
  // Without conditions every connection failure and per-try timeout is retried (Gateway API).
  assert.deepEqual(run(r, [errno('ECONNREFUSED'), errno('ECONNRESET'), new AttemptError(504, 'per-try timeout', true)]), { tries: 3, outcome: { retries: 2, limitExceeded: true } });
});

test('no retry policy, or a body that cannot be sent again: one try, nothing marked', () => {
  assert.equal(maxAttemptsOf(rule(), true), 1);
  assert.deepEqual(run(rule(), [503]), { tries: 1, outcome: { retries: 0, limitExceeded: false } });
  assert.deepEqual(run(rule(), [errno('ECONNREFUSED')]), { tries: 1, outcome: { retries: 0, limitExceeded: false } });
  const r = rule({ codes: new Set([503]) });
  assert.equal(maxAttemptsOf(r, false), 1, 'a streamed body is not replayed');
  assert.deepEqual(run(r, [503], false), { tries: 1, outcome: { retries: 0, limitExceeded: false } });
});

test('Istio retryOn connect-failure: refused connections only — not resets, per-try timeouts or 5xx answers', () => {
  const r = rule({ on: { connectFailure: true } });
  assert.deepEqual(run(r, [errno('ECONNREFUSED'), 200]).tries, 2);
  assert.deepEqual(run(r, [errno('ECONNRESET')]).tries, 1);
  assert.deepEqual(run(r, [new AttemptError(504, 'per-try timeout', true)]).tries, 1);
  assert.deepEqual(run(r, [503]).tries, 1);
});

test('gateway-error: 502/503/504 and failures of any kind; 500 is not', () => {
  const r = rule({ on: { gatewayError: true } });
  for (const s of [502, 503, 504]) assert.equal(run(r, [s, 200]).tries, 2, String(s));
  assert.equal(run(r, [500]).tries, 1);
  assert.equal(run(r, [new AttemptError(504, 'per-try timeout', true), 200]).tries, 2);
});

test('gRPC conditions read the grpc-status of a trailers-only answer', () => {
  const r = rule({ on: { grpc: new Set([14]) } });
  assert.equal(retryAfterAnswer(r, fresh(), 1, 3, 200, grpcStatusOf('14')), true);
  assert.equal(retryAfterAnswer(r, fresh(), 1, 3, 200, grpcStatusOf('13')), false);
  assert.equal(retryAfterAnswer(r, fresh(), 1, 3, 200, grpcStatusOf(undefined)), false);
  assert.deepEqual([grpcStatusOf(['4']), grpcStatusOf('x'), grpcStatusOf(undefined)], [4, undefined, undefined]);
});

test('backoff doubles from the minimum; failures are named as the caller and the route metrics see them', () => {
  const r = rule({ codes: new Set([503]) });
  assert.deepEqual([2, 3, 4].map((a) => backoffMs(r, a)), [25, 50, 100]);
  const target = { endpoint: { ip: '127.1.0.7', port: 9080 }, serviceNamespace: 'ns', service: 's' } as Target;
  const e = attemptErrorOf(errno('ECONNREFUSED'), target);
  assert.deepEqual([e.status, e.message, e.retryable], [502, 'connection to 127.1.0.7:9080 failed: ECONNREFUSED', true]);
  const own = new AttemptError(504, 'backend request timeout of 5ms exceeded', true);
  assert.equal(attemptErrorOf(own, target), own);
  assert.deepEqual([504, 503, 502, 500].map((s) => routeErrorOf(new AttemptError(s, '', false))), ['RESPONSE_HEADERS_TIMEOUT', 'FAIL_FAST', 'IO', 'UNEXPECTED']);
});
