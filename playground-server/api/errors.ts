// One error shape for every transport (REST body, WS `error` frame, NDJSON `error` line), mirroring the
// Kubernetes Status: a `code` (HTTP status), a `reason` a program can switch on, a `message` a person can
// act on, and `details` (e.g. the offending fields). Reasons come from the catalogue in openapi/playground.yaml
// (`ErrorReason`): a reason that is not there does not compile; test/server/error-catalogue.test.ts checks
// each is thrown with the status the catalogue gives it.
import type { components } from '../../openapi/generated/playground.js';

export type ErrorBody = components['schemas']['Error'];
export type ErrorReason = components['schemas']['ErrorReason'];

/** Reasons the browser client makes itself (`x-client` in the catalogue): the server never sends them. */
export const CLIENT_ONLY_REASONS = ['Disconnected', 'HttpError'] as const satisfies readonly ErrorReason[];
/** Every reason the server may send. */
export type ServerErrorReason = Exclude<ErrorReason, (typeof CLIENT_ONLY_REASONS)[number]>;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: ServerErrorReason,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return this.details ? { code: this.code, reason: this.reason, message: this.message, details: this.details } : { code: this.code, reason: this.reason, message: this.message };
  }
}

export interface FieldError {
  field: string;
  message: string;
}

export const validationFailed = (fields: FieldError[]) =>
  new ApiError(400, 'ValidationFailed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
export const badRequest = (reason: ServerErrorReason, message: string, details?: Record<string, unknown>) => new ApiError(400, reason, message, details);
export const sessionRequired = () =>
  new ApiError(401, 'SessionRequired', 'start a session first (createSession), or resume one with its token (resumeSession)');
export const forbidden = (reason: ServerErrorReason, message: string, details?: Record<string, unknown>) => new ApiError(403, reason, message, details);
export const notFound = (reason: ServerErrorReason, message: string, details?: Record<string, unknown>) => new ApiError(404, reason, message, details);
export const conflict = (reason: ServerErrorReason, message: string, details?: Record<string, unknown>) => new ApiError(409, reason, message, details);
export const limitExceeded = (limit: string, message: string, extra: Record<string, unknown> = {}) =>
  new ApiError(422, 'LimitExceeded', message, { limit, ...extra });
export const rateLimited = (limit: string, message: string, retryAfterSeconds: number) =>
  new ApiError(429, 'TooManyRequests', message, { limit, retryAfterSeconds });

/**
 * Addresses of the server's own infrastructure (the API server's URL and host:port, as Node's socket errors
 * and client libraries print them) are replaced before a message leaves the server; the server log keeps them.
 */
export function redactAddresses(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '<cluster address>')
    // IPv6 in brackets has a colon; `[0]` is a field path's index (`spec.rules[0].weight`) and stays.
    .replace(/\[[0-9a-f.]*:[0-9a-f:.]*\](:\d+)?/gi, '<cluster address>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}:\d+\b/g, '<cluster address>')
    .replace(/\blocalhost:\d+\b/gi, '<cluster address>');
}

/** Node's socket error codes → what a learner can act on (the cluster is unreachable, not where it is). */
const NETWORK_ERRORS = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|certificate|self[- ]signed)\b/i;

/** Anything thrown inside a handler that is not an ApiError: never leak a stack or an address, say where it failed. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const kube = fromKubeStatus(err);
  if (kube) return kube;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (NETWORK_ERRORS.test(message) || (typeof code === 'string' && NETWORK_ERRORS.test(code)))
    return Object.assign(new ApiError(503, 'ClusterUnavailable', 'the cluster (Kubernetes API server) is not answering; try again shortly'), { cause: err });
  return Object.assign(new ApiError(500, 'InternalError', `the server failed to complete the operation: ${redactAddresses(message).slice(0, 500)}`), { cause: err });
}

/** A Kubernetes `Status` (metav1.Status) as a cluster answers it. */
export interface KubeStatusLike {
  code?: number;
  reason?: string;
  message?: string;
  details?: Record<string, unknown>;
}

/**
 * client-go's `metav1.StatusReason` values with the status each is answered with (k8s.io/apimachinery
 * pkg/apis/meta/v1/types.go; StatusReasonUnknown, "", has no entry). The catalogue marks the same entries
 * `x-kubernetes: true` with the same statuses (the catalogue test compares them).
 */
export const KUBERNETES_STATUS_REASONS = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServerTimeout: 500,
  StoreReadError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const satisfies Partial<Record<ServerErrorReason, number>>;
type KubernetesReason = keyof typeof KUBERNETES_STATUS_REASONS;

/** A status without a reason gets the one client-go gives it (reasonForCode in k8s.io/apimachinery pkg/api/errors/errors.go). */
const REASON_FOR_CODE: Readonly<Record<number, KubernetesReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const isKubernetesReason = (reason: unknown): reason is KubernetesReason => typeof reason === 'string' && Object.hasOwn(KUBERNETES_STATUS_REASONS, reason);

/**
 * A cluster's failure answer as an ApiError whose reason and code are a pair the catalogue holds: the Status's
 * own reason when it is client-go's and matches the code, else client-go's reason for the code, else
 * ClusterError (502) keeping the cluster's status in `details.clusterCode`.
 */
export function fromClusterStatus(httpStatus: number, status: KubeStatusLike, message: string): ApiError {
  const details: Record<string, unknown> = status.details ? { kubernetes: status.details } : {};
  let reason: ServerErrorReason;
  let code = httpStatus;
  if (isKubernetesReason(status.reason) && KUBERNETES_STATUS_REASONS[status.reason] === httpStatus) reason = status.reason;
  else if (REASON_FOR_CODE[httpStatus]) reason = REASON_FOR_CODE[httpStatus];
  else {
    reason = 'ClusterError';
    code = 502;
    details.clusterCode = httpStatus;
  }
  if (typeof status.reason === 'string' && status.reason && status.reason !== reason) details.clusterReason = status.reason.slice(0, 64);
  return new ApiError(code, reason, message, Object.keys(details).length ? details : undefined);
}

/** client-node's ApiException carries the API server's Status as a JSON string body. */
export function fromKubeStatus(err: unknown): ApiError | undefined {
  const e = err as { code?: unknown; body?: unknown };
  if (typeof e?.code !== 'number' || e.code < 400 || e.code > 599) return undefined;
  let status: KubeStatusLike = {};
  if (typeof e.body === 'string') {
    try {
      status = JSON.parse(e.body) as KubeStatusLike;
    } catch {
      status = { message: e.body.slice(0, 500) };
    }
  } else if (e.body && typeof e.body === 'object') status = e.body as KubeStatusLike;
  return fromClusterStatus(e.code, status, `the cluster refused: ${redactAddresses(status.message ?? `HTTP ${e.code}`)}`);
}
