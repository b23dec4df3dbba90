// Linkerd's retry and timeout annotations (Linkerd 2.16+; linkerd.io reference/retries.md and reference/timeouts.md),
// parsed as Linkerd's policy controller parses them (policy-controller/k8s/index/src/outbound/index/http.rs
// parse_http_retry, grpc.rs parse_grpc_retry, index.rs parse_timeouts and parse_duration): on a Service they are the
// defaults of every route to it (and of its default route); on an HTTPRoute (either group) or a GRPCRoute they
// replace the Service's retry annotations as a whole when any retry annotation is present, and its timeout
// annotations as a whole when any timeout annotation is present. A bad value is reported and that group of
// annotations is ignored, as Linkerd's controller logs "Failed to parse …" and goes on without it.
import type { RetryPolicy } from '../../config/snapshot.js';
import { MAX_RETRY_ATTEMPTS } from '../../constants.js';

export const RETRY_HTTP_ANNOTATION = 'retry.linkerd.io/http';
export const RETRY_GRPC_ANNOTATION = 'retry.linkerd.io/grpc';
export const RETRY_LIMIT_ANNOTATION = 'retry.linkerd.io/limit';
export const RETRY_TIMEOUT_ANNOTATION = 'retry.linkerd.io/timeout';
export const TIMEOUT_REQUEST_ANNOTATION = 'timeout.linkerd.io/request';
export const TIMEOUT_RESPONSE_ANNOTATION = 'timeout.linkerd.io/response';
export const TIMEOUT_IDLE_ANNOTATION = 'timeout.linkerd.io/idle';

/** Every annotation this file reads (the support registry's list and the apply-time check use it). */
export const LINKERD_ROUTE_ANNOTATIONS = [
  RETRY_HTTP_ANNOTATION,
  RETRY_GRPC_ANNOTATION,
  RETRY_LIMIT_ANNOTATION,
  RETRY_TIMEOUT_ANNOTATION,
  TIMEOUT_REQUEST_ANNOTATION,
  TIMEOUT_RESPONSE_ANNOTATION,
  TIMEOUT_IDLE_ANNOTATION,
] as const;

/** Linkerd's proxy backs off from 25 ms (policy-controller grpc/src/outbound/http.rs convert_retry: min_backoff). */
export const LINKERD_RETRY_BACKOFF_MS = 25;

/** gRPC status names `retry.linkerd.io/grpc` accepts, and their codes (grpc/doc/statuscodes.md). */
export const GRPC_RETRY_CONDITIONS: Record<string, number> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

/** What a route or Service's annotations ask for; `undefined` groups were not set (or were invalid). */
export interface LinkerdRoutePolicy {
  /** From retry.linkerd.io/http + limit + timeout (HTTPRoutes, and a Service's HTTP routes). */
  httpRetry?: RetryPolicy;
  /** From retry.linkerd.io/grpc + limit + timeout (GRPCRoutes, and a Service's gRPC routes). */
  grpcRetry?: RetryPolicy;
  /** Set when any timeout.linkerd.io annotation is present and valid. */
  timeouts?: { requestMs?: number; responseMs?: number };
  /** What was wrong, one message per annotation (the control plane's problems and the apply-time warnings). */
  problems: string[];
}

type Annotations = Record<string, string> | undefined;

/**
 * Linkerd's duration: `<integer><ms|s|m|h|d>`, or a bare `0`; no fractions, no negative values, no compound values
 * (parse_duration in policy-controller/k8s/index/src/outbound/index.rs). Milliseconds, or the error Linkerd gives.
 */
export function parseLinkerdDuration(text: string): number | { error: string } {
  const s = text.trim();
  if (s.startsWith('-')) return { error: `duration value cannot be negative: '${s}'` };
  const m = /^(\d*?(?:\.\d*)?)([a-z]*)$/.exec(s);
  if (!m || !/\d/.test(m[1])) return { error: `${s} does not contain a timeout duration value` };
  if (m[1].includes('.')) return { error: 'fractional values not supported' };
  const magnitude = Number(m[1]);
  const unit = m[2];
  const mul: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (unit === '' && magnitude === 0) return 0;
  if (unit === '') return { error: `missing duration unit; did you mean '${magnitude}s' or '${magnitude}ms'?` };
  if (!(unit in mul)) return { error: `invalid duration unit ${unit} (expected one of 'ms', 's', 'm', 'h', or 'd')` };
  const ms = magnitude * mul[unit];
  if (!Number.isSafeInteger(ms)) return { error: `Timeout value ${s} overflows when converted to 'ms'` };
  return ms;
}

/** `retry.linkerd.io/http`: `5xx`, `gateway-error`, a code (`504`) or a range (`500-504`), comma-separated. */
export function parseHttpRetryConditions(value: string): { codes: Set<number>; any5xx: boolean; gatewayError: boolean } | { error: string } {
  const codes = new Set<number>();
  let any5xx = false;
  let gatewayError = false;
  const toCode = (s: string) => (/^\d+$/.test(s) && Number(s) >= 100 && Number(s) < 600 ? Number(s) : undefined);
  for (const cond of value.split(',')) {
    if (cond.toLowerCase() === '5xx') any5xx = true;
    else if (cond.toLowerCase() === 'gateway-error') gatewayError = true;
    else if (toCode(cond) !== undefined) codes.add(toCode(cond)!);
    else {
      const [start, end] = cond.split('-', 2).map(toCode);
      if (start === undefined || end === undefined || !cond.includes('-') || start > end) return { error: `invalid retry condition: ${value}` };
      for (let c = start; c <= end; c++) codes.add(c);
    }
  }
  return { codes, any5xx, gatewayError };
}

/** The limit and per-try timeout shared by HTTP and gRPC retries, or the first error. */
function retryCommon(a: Record<string, string>, problems: string[]): { limit?: number; timeoutMs?: number; ok: boolean } {
  let ok = true;
  let limit: number | undefined;
  let timeoutMs: number | undefined;
  const rawLimit = a[RETRY_LIMIT_ANNOTATION];
  if (rawLimit !== undefined) {
    // Linkerd parses a u16; 0 means "not set" (the default, 1, applies).
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) > 65_535) {
      problems.push(`${RETRY_LIMIT_ANNOTATION}: ${JSON.stringify(rawLimit)} is not a number from 0 to 65535`);
      ok = false;
    } else if (Number(rawLimit) > MAX_RETRY_ATTEMPTS) {
      problems.push(`${RETRY_LIMIT_ANNOTATION}: ${rawLimit} is more than the sandbox allows (${MAX_RETRY_ATTEMPTS}); ${MAX_RETRY_ATTEMPTS} is used`);
      limit = MAX_RETRY_ATTEMPTS;
    } else if (Number(rawLimit) > 0) limit = Number(rawLimit);
  }
  const rawTimeout = a[RETRY_TIMEOUT_ANNOTATION];
  if (rawTimeout !== undefined) {
    const ms = parseLinkerdDuration(rawTimeout);
    if (typeof ms !== 'number') {
      problems.push(`${RETRY_TIMEOUT_ANNOTATION}: ${ms.error}`);
      ok = false;
    } else if (ms > 0) timeoutMs = ms;
  }
  return { limit, timeoutMs, ok };
}

/**
 * An HTTP retry policy from the annotations, or undefined when none is set. Linkerd's conditions are status ranges;
 * `5xx` and `gateway-error` are kept as RetryPolicy.on conditions. A try that fails without a response (a connection
 * failure, or the per-try timeout "after which a request is cancelled and retried") is retried, as Linkerd documents.
 */
export function httpRetryPolicy(a: Record<string, string>, problems: string[]): RetryPolicy | undefined {
  const raw = a[RETRY_HTTP_ANNOTATION];
  const common = retryCommon(a, problems);
  let conditions: { codes: Set<number>; any5xx: boolean; gatewayError: boolean } | undefined;
  if (raw !== undefined) {
    const parsed = parseHttpRetryConditions(raw);
    if ('error' in parsed) {
      problems.push(`${RETRY_HTTP_ANNOTATION}: ${parsed.error} (expected a comma-separated list of 5xx, gateway-error, a status code such as 504 or a range such as 500-504)`);
      return undefined;
    }
    conditions = parsed;
  }
  if (!common.ok) return undefined;
  if (conditions === undefined && common.limit === undefined && common.timeoutMs === undefined) return undefined;
  const on = conditions && (conditions.any5xx || conditions.gatewayError) ? { any5xx: conditions.any5xx || undefined, gatewayError: conditions.gatewayError || undefined } : undefined;
  return {
    attempts: common.limit ?? 1,
    codes: conditions?.codes ?? new Set(),
    backoffMs: LINKERD_RETRY_BACKOFF_MS,
    ...(on ? { on } : {}),
    ...(common.timeoutMs ? { perTryTimeoutMs: common.timeoutMs } : {}),
  };
}

/** A gRPC retry policy: `retry.linkerd.io/grpc` names gRPC statuses (cancelled, deadline-exceeded, …). */
export function grpcRetryPolicy(a: Record<string, string>, problems: string[]): RetryPolicy | undefined {
  const raw = a[RETRY_GRPC_ANNOTATION];
  const common = retryCommon(a, []); // the HTTP parse reported these already
  let grpc: Set<number> | undefined;
  if (raw !== undefined) {
    grpc = new Set();
    for (const cond of raw.split(',')) {
      const code = GRPC_RETRY_CONDITIONS[cond.toLowerCase()];
      if (code === undefined) {
        problems.push(`${RETRY_GRPC_ANNOTATION}: Unknown grpc retry condition: ${cond} (expected ${Object.keys(GRPC_RETRY_CONDITIONS).join(', ')})`);
        return undefined;
      }
      grpc.add(code);
    }
  }
  if (!common.ok) return undefined;
  if (grpc === undefined && common.limit === undefined && common.timeoutMs === undefined) return undefined;
  return {
    attempts: common.limit ?? 1,
    codes: new Set(),
    backoffMs: LINKERD_RETRY_BACKOFF_MS,
    // Without a response there is nothing to read a gRPC status from: connection failures and resets are retried.
    on: { grpc: grpc ?? new Set(), connectFailure: true, reset: true },
    ...(common.timeoutMs ? { perTryTimeoutMs: common.timeoutMs } : {}),
  };
}

/** `timeout.linkerd.io/request` and `/response` (0 = none); `/idle` is parsed and reported as not enforced. */
export function routeTimeouts(a: Record<string, string>, problems: string[]): LinkerdRoutePolicy['timeouts'] {
  const present = [TIMEOUT_REQUEST_ANNOTATION, TIMEOUT_RESPONSE_ANNOTATION, TIMEOUT_IDLE_ANNOTATION].filter((k) => a[k] !== undefined);
  if (!present.length) return undefined;
  const out: { requestMs?: number; responseMs?: number } = {};
  for (const key of present) {
    const ms = parseLinkerdDuration(a[key]);
    if (typeof ms !== 'number') {
      problems.push(`${key}: ${ms.error}`);
      return undefined; // Linkerd drops every timeout of the object when one fails to parse
    }
    if (key === TIMEOUT_IDLE_ANNOTATION) problems.push(`${TIMEOUT_IDLE_ANNOTATION}: parsed but not enforced by the sandbox mesh (no stream idle timeout)`);
    else if (ms > 0) out[key === TIMEOUT_REQUEST_ANNOTATION ? 'requestMs' : 'responseMs'] = ms;
  }
  return out;
}

/** Everything an object's annotations ask for (a Service, an HTTPRoute of either group, or a GRPCRoute). */
export function linkerdRoutePolicy(annotations: Annotations): LinkerdRoutePolicy {
  const problems: string[] = [];
  const a = annotations ?? {};
  if (!LINKERD_ROUTE_ANNOTATIONS.some((k) => a[k] !== undefined)) return { problems };
  return { httpRetry: httpRetryPolicy(a, problems), grpcRetry: grpcRetryPolicy(a, problems), timeouts: routeTimeouts(a, problems), problems };
}

/** Problems worth a Warning on apply, for the object kind (retry.linkerd.io/http on a GRPCRoute is ignored, and so on). */
export function annotationWarnings(kind: 'Service' | 'HTTPRoute' | 'GRPCRoute', annotations: Annotations): string[] {
  const a = annotations ?? {};
  const policy = linkerdRoutePolicy(a);
  const out = [...policy.problems];
  if (kind === 'HTTPRoute' && a[RETRY_GRPC_ANNOTATION] !== undefined) out.push(`${RETRY_GRPC_ANNOTATION}: not valid on an HTTPRoute (use ${RETRY_HTTP_ANNOTATION}); ignored`);
  if (kind === 'GRPCRoute' && a[RETRY_HTTP_ANNOTATION] !== undefined) out.push(`${RETRY_HTTP_ANNOTATION}: not valid on a GRPCRoute (use ${RETRY_GRPC_ANNOTATION}); ignored`);
  return out;
}

/** The empty policy (nothing annotated). */
export const NO_LINKERD_POLICY: LinkerdRoutePolicy = Object.freeze({ problems: [] }) as LinkerdRoutePolicy;
