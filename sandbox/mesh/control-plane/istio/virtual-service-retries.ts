// Istio `retries` (HTTPRetry) → RetryPolicy, with Istio's default when a route sets none. Istio hands `retryOn` to
// Envoy as its retry_on (numbers become retriable_status_codes: pilot/pkg/networking/core/route/retry/retry.go
// ConvertPolicy/parseRetryOn); the sandbox honours Envoy's conditions as proxy/retry-policy.ts reads RetryPolicy.on.
import type { RetryPolicy } from '../../config/snapshot.js';
import { MAX_RETRY_ATTEMPTS } from '../../constants.js';
import { parseIstioDuration } from './istio-duration.js';

type Obj = Record<string, unknown>;

/** Envoy's retry base interval (25 ms, doubling), which Istio keeps unless `backoff` is set. */
const ENVOY_BASE_INTERVAL_MS = 25;

/** gRPC status names Envoy's retry_on knows (x-envoy-retry-grpc-on), with their codes. */
const GRPC_CONDITIONS: Record<string, number> = { cancelled: 1, 'deadline-exceeded': 4, 'resource-exhausted': 8, internal: 13, unavailable: 14 };

/** Envoy conditions that have no counterpart in the sandbox's data plane (accepted, reported, never matching). */
const UNSUPPORTED_CONDITIONS = new Set(['reset-before-request', 'envoy-ratelimited', 'retriable-headers', 'http3-post-connect-failure']);

/**
 * Istio's default when a route has no `retries`: 2 retries on connect-failure, refused-stream, unavailable, cancelled
 * and retriable-status-codes (with no codes listed, so no status is retried) — retry.go defaultRetryOn.
 */
export function istioDefaultRetryPolicy(): RetryPolicy {
  return parseRetryOn('connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', 2, [], 'default');
}

function parseRetryOn(text: string, attempts: number, problems: string[], field: string): RetryPolicy {
  const policy: RetryPolicy = { attempts, codes: new Set(), backoffMs: ENVOY_BASE_INTERVAL_MS, on: {} };
  const on = policy.on!;
  for (const raw of text.split(',')) {
    const c = raw.trim();
    if (!c) continue;
    if (/^\d{3}$/.test(c)) policy.codes.add(Number(c));
    else if (c === '5xx') on.any5xx = true;
    else if (c === 'gateway-error') on.gatewayError = true;
    else if (c === 'connect-failure') on.connectFailure = true;
    // A refused stream never reached the app: the sandbox treats it as a failed connection (its only such case).
    else if (c === 'refused-stream') on.connectFailure = true;
    else if (c === 'reset') on.reset = true;
    else if (c === 'retriable-4xx') policy.codes.add(409); // Envoy: retriable-4xx is 409 only
    else if (c === 'retriable-status-codes') continue; // the numeric codes listed
    else if (c in GRPC_CONDITIONS) (on.grpc ??= new Set()).add(GRPC_CONDITIONS[c]);
    else if (UNSUPPORTED_CONDITIONS.has(c)) problems.push(`${field}: retry condition ${JSON.stringify(c)} is not supported by the sandbox mesh; ignored`);
    else problems.push(`${field}: unknown retry condition ${JSON.stringify(c)} (Envoy's: 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, retriable-status-codes, a status code, or gRPC cancelled, deadline-exceeded, internal, resource-exhausted, unavailable); ignored`);
  }
  return policy;
}

/** `retries` → RetryPolicy; undefined = no retries (`attempts: 0` disables them, as Istio). */
export function compileIstioRetries(retries: Obj, field: string, problems: string[]): RetryPolicy | undefined {
  const attempts = retries.attempts ?? 0;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) {
    problems.push(`${field}.attempts: must be a non-negative integer`);
    return undefined;
  }
  if (attempts === 0) return undefined;
  if (attempts > MAX_RETRY_ATTEMPTS) problems.push(`${field}.attempts: the sandbox mesh retries at most ${MAX_RETRY_ATTEMPTS} times; using ${MAX_RETRY_ATTEMPTS}`);
  const retryOn = typeof retries.retryOn === 'string' ? retries.retryOn : undefined;
  // Without retryOn Istio keeps its default conditions (ConvertPolicy starts from the default policy).
  const policy = retryOn
    ? parseRetryOn(retryOn, Math.min(attempts, MAX_RETRY_ATTEMPTS), problems, `${field}.retryOn`)
    : { ...istioDefaultRetryPolicy(), attempts: Math.min(attempts, MAX_RETRY_ATTEMPTS) };
  if (retries.perTryTimeout !== undefined) {
    const ms = parseIstioDuration(retries.perTryTimeout);
    if (typeof ms !== 'number') problems.push(`${field}.perTryTimeout: ${ms.error}`);
    else if (ms > 0) policy.perTryTimeoutMs = ms;
  }
  if (retries.backoff !== undefined) {
    const ms = parseIstioDuration(retries.backoff);
    if (typeof ms !== 'number') problems.push(`${field}.backoff: ${ms.error}`);
    else policy.backoffMs = ms;
  }
  return policy;
}
