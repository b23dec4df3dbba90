// One error shape for every transport (REST body, WS `error` frame, NDJSON `error` line), mirroring the
// Kubernetes Status: a `code` (HTTP status), a `reason` a program can switch on, a `message` a person can
// act on, and `details` (e.g. the offending fields).
import type { components } from '../../openapi/generated/playground.js';

export type ErrorBody = components['schemas']['Error'];

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
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
export const badRequest = (reason: string, message: string, details?: Record<string, unknown>) => new ApiError(400, reason, message, details);
export const sessionRequired = () =>
  new ApiError(401, 'SessionRequired', 'start a session first (createSession), or resume one with its token (resumeSession)');
export const forbidden = (reason: string, message: string, details?: Record<string, unknown>) => new ApiError(403, reason, message, details);
export const notFound = (reason: string, message: string, details?: Record<string, unknown>) => new ApiError(404, reason, message, details);
export const conflict = (reason: string, message: string, details?: Record<string, unknown>) => new ApiError(409, reason, message, details);
export const limitExceeded = (limit: string, message: string, extra: Record<string, unknown> = {}) =>
  new ApiError(422, 'LimitExceeded', message, { limit, ...extra });
export const rateLimited = (limit: string, message: string, retryAfterSeconds: number) =>
  new ApiError(429, 'RateLimited', message, { limit, retryAfterSeconds });

/**
 * Addresses of the server's own infrastructure (the API server's URL and host:port, as Node's socket errors
 * and client libraries print them) are replaced before a message leaves the server; the server log keeps them.
 */
export function redactAddresses(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '<cluster address>')
    .replace(/\[[0-9a-f:.]+\](:\d+)?/gi, '<cluster address>')
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

interface KubeStatusLike {
  code?: number;
  reason?: string;
  message?: string;
  details?: Record<string, unknown>;
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
  const reason = typeof status.reason === 'string' && /^[A-Z][A-Za-z]+$/.test(status.reason) ? status.reason : e.code === 404 ? 'NotFound' : 'ClusterError';
  const message = `the cluster refused: ${redactAddresses(status.message ?? `HTTP ${e.code}`)}`;
  return new ApiError(e.code, reason, message, status.details ? { kubernetes: status.details } : undefined);
}
