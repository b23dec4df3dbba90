// Layer 3 of the outbound stack, retries and timeouts (linkerd2-proxy's route `retry` and `timeout` layers): how many
// tries a request gets, the backoff between them, whether an answer or a failure is tried again (retry-policy.ts holds
// the conditions: Gateway API codes, Istio retryOn, Linkerd's annotations), each try's timeout, and how a failure is
// named in the route metrics. The HTTP/1 and HTTP/2 pipelines run their loops with these decisions.
import type { CompiledRule } from '../../config/snapshot.js';
import { AttemptError } from '../attempt-error.js';
import { failureOf, retriesFailure, retriesStatus } from '../retry-policy.js';
import type { RetryOutcome, RouteError } from '../route-metrics.js';
import type { Target } from './balance.js';

export { tryTimeoutMs } from '../retry-policy.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Tries a request gets: the route's retries + 1 when its body can be sent again, else 1. */
export function maxAttemptsOf(rule: CompiledRule, replayable: boolean): number {
  return rule.retry && replayable ? rule.retry.attempts + 1 : 1;
}

/** The wait before try `attempt` (2, 3, …): exponential from the route's minimum backoff. */
export function backoffMs(rule: CompiledRule, attempt: number): number {
  return (rule.retry?.backoffMs ?? 0) * 2 ** (attempt - 2);
}

/**
 * After an answer with this status (and gRPC status of a trailers-only answer): whether try `attempt` of
 * `maxAttempts` is followed by another. A retryable answer on the last try marks the retry limit exceeded.
 */
export function retryAfterAnswer(rule: CompiledRule, outcome: RetryOutcome, attempt: number, maxAttempts: number, status: number, grpcStatus: number | undefined): boolean {
  const retryable = maxAttempts > 1 && retriesStatus(rule.retry!, status, grpcStatus);
  if (attempt < maxAttempts && retryable) return true;
  if (retryable) outcome.limitExceeded = true;
  return false;
}

/**
 * After a try failed without an answer (connect failure, reset, per-try timeout): whether the request may be tried
 * again (the loop still stops at `maxAttempts`, marking the retry limit exceeded).
 */
export function retryAfterFailure(rule: CompiledRule, outcome: RetryOutcome, attempt: number, maxAttempts: number, err: unknown): boolean {
  if (rule.retry && !retriesFailure(rule.retry, failureOf(err))) return false;
  if (rule.retry && maxAttempts > 1 && attempt === maxAttempts) outcome.limitExceeded = true;
  return true;
}

/** A try's failure as the caller would get it: the AttemptError itself, else 502 naming the endpoint. */
export function attemptErrorOf(err: unknown, target: Target): AttemptError {
  return err instanceof AttemptError ? err : new AttemptError(502, `connection to ${target.endpoint.ip}:${target.endpoint.port} failed: ${(err as Error).message}`, true);
}

/** A gRPC status from a trailers-only answer's headers, for `retryOn` gRPC conditions. */
export function grpcStatusOf(value: string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value === undefined || !Number.isInteger(n) ? undefined : n;
}

/** How a failed request or try is labelled in the route metrics (Linkerd's `error` label values). */
export function routeErrorOf(e: AttemptError): RouteError {
  if (e.status === 504) return 'RESPONSE_HEADERS_TIMEOUT';
  if (e.status === 503) return 'FAIL_FAST';
  if (e.status === 502) return 'IO';
  return 'UNEXPECTED';
}
