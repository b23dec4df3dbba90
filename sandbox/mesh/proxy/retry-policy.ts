// Whether a failed attempt is retried, under a route's RetryPolicy. Without `on` conditions (Gateway API routes) the
// listed statuses and every connection failure or per-try timeout are retried; with them (Istio `retryOn`, Linkerd
// `retry.linkerd.io/http|grpc`) only what they name, with Envoy's meanings: `5xx` also covers connect failures, resets
// and timeouts (they surface as 503/504), `gateway-error` is 502/503/504 and those failures alike.
import type { CompiledRule, RetryPolicy } from '../config/snapshot.js';
import { AttemptError } from './attempt-error.js';

/** How an attempt failed without a response. */
export type AttemptFailure = 'connect-failure' | 'reset' | 'timeout';

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND']);

export function failureOf(err: unknown): AttemptFailure {
  if (err instanceof AttemptError) return err.status === 504 ? 'timeout' : 'connect-failure';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code && CONNECT_FAILURES.has(code) ? 'connect-failure' : 'reset';
}

/** Whether a response with this status (and gRPC status, from a trailers-only answer) is retried. */
export function retriesStatus(policy: RetryPolicy, status: number, grpcStatus?: number): boolean {
  if (policy.codes.has(status)) return true;
  const on = policy.on;
  if (!on) return false;
  if (on.any5xx && status >= 500 && status <= 599) return true;
  if (on.gatewayError && (status === 502 || status === 503 || status === 504)) return true;
  return grpcStatus !== undefined && !!on.grpc?.has(grpcStatus);
}

export function retriesFailure(policy: RetryPolicy, failure: AttemptFailure): boolean {
  const on = policy.on;
  if (!on) return true;
  if (on.any5xx || on.gatewayError) return true;
  if (failure === 'connect-failure') return !!on.connectFailure;
  if (failure === 'reset') return !!on.reset;
  return false; // a per-try timeout is retried only under 5xx / gateway-error, as Envoy's
}

/** The timeout of one try: the per-try timeout and the backend timeout, whichever is shorter. */
export function tryTimeoutMs(rule: CompiledRule): number | undefined {
  const a = rule.retry?.perTryTimeoutMs;
  const b = rule.backendTimeoutMs;
  return a && b ? Math.min(a, b) : a || b;
}
