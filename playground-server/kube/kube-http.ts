// Raw requests to a Kubernetes API server (the same one kubectl talks to): JSON calls that turn a Status
// into the playground's error shape, and streams (watch, pods proxy, tap). @kubernetes/client-node still
// loads every kubeconfig (all its auth methods) and runs port-forwards (kube/port-forward.ts); its 1.x
// generated clients are not used for the rest because, checked against 1.4.0:
// - KubernetesObjectApi.patch (server-side apply) serializes built-in kinds through their typed models, which
//   drops fields the model does not know (a learner's `replicsa: 3` never reaches the server), and it takes
//   no fieldValidation parameter, so the API server could not answer a typo with its Strict-validation error;
// - the pods/services proxy calls resolve with the whole response as one string (no streaming, no body to
//   send), so tap streams and in-mesh requests cannot go through them.
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { ApiError, fromClusterStatus, redactAddresses, type KubeStatusLike } from '../api/errors.js';

export interface KubeRequest {
  method?: string;
  /** Absolute API path, e.g. /api/v1/namespaces/x/pods. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Whole-request deadline (headers and body); default 30 s. */
  timeoutMs?: number;
  /** Most response bytes read by call()/json(); default 8 MiB. */
  maxBytes?: number;
}

export interface KubeResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export const DEFAULT_KUBE_TIMEOUT_MS = 30_000;
export const DEFAULT_KUBE_MAX_BYTES = 8 * 1024 * 1024;

/** Adds credentials (and TLS options) to one request. */
export type RequestAuthorizer = (opts: RequestOptions) => Promise<void> | void;

export class KubeHttp {
  constructor(
    readonly server: URL,
    private readonly authorize: RequestAuthorizer,
    private readonly agent?: HttpAgent | HttpsAgent,
  ) {}

  /** Open a request and resolve with the response head; the caller reads (or destroys) the body. */
  async open(req: KubeRequest): Promise<IncomingMessage> {
    const url = new URL(req.path, this.server);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers: OutgoingHttpHeaders = { accept: req.accept ?? 'application/json', ...(req.headers ?? {}) };
    if (payload !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const opts: RequestOptions = { method: req.method ?? 'GET', headers };
    if (this.agent) opts.agent = this.agent;
    await this.authorize(opts);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(url, opts, resolve);
      const timeoutMs = req.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
      const timer = setTimeout(() => r.destroy(new ApiError(504, 'ClusterTimeout', `the cluster did not answer ${opts.method} ${req.path} within ${timeoutMs} ms`)), timeoutMs);
      r.once('response', () => clearTimeout(timer));
      r.once('close', () => clearTimeout(timer));
      r.once('error', (err) => {
        clearTimeout(timer);
        // The socket error names the API server's address: it stays in the log (cause), not in the answer.
        reject(err instanceof ApiError ? err : Object.assign(new ApiError(503, 'ClusterUnavailable', `the cluster (Kubernetes API server) is not answering${networkCode(err)}; try again shortly`), { cause: err }));
      });
      if (req.signal) {
        if (req.signal.aborted) r.destroy(new ApiError(499, 'Cancelled', 'the operation was cancelled'));
        else req.signal.addEventListener('abort', () => r.destroy(new ApiError(499, 'Cancelled', 'the operation was cancelled')), { once: true });
      }
      r.end(payload);
    });
  }

  /** A whole response, size-capped. */
  async call(req: KubeRequest): Promise<KubeResponse> {
    const res = await this.open(req);
    const limit = req.maxBytes ?? DEFAULT_KUBE_MAX_BYTES;
    const timeoutMs = req.timeoutMs ?? DEFAULT_KUBE_TIMEOUT_MS;
    return new Promise<KubeResponse>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const timer = setTimeout(() => res.destroy(new ApiError(504, 'ClusterTimeout', `the response to ${req.path} did not finish within ${timeoutMs} ms`)), timeoutMs);
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          res.destroy(new ApiError(502, 'ResponseTooLarge', `the response to ${req.path} is larger than ${limit} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.once('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof ApiError ? err : Object.assign(new ApiError(502, 'ClusterError', `reading the cluster's answer failed${networkCode(err)}`), { cause: err }));
      });
      res.once('close', () => {
        clearTimeout(timer);
        if (!res.complete) reject(new ApiError(502, 'ClusterError', `the cluster closed the response to ${req.path} early`));
      });
    });
  }

  /** A JSON call; a non-2xx answer becomes an ApiError carrying the Status's reason and message. */
  async json<T>(req: KubeRequest): Promise<T> {
    const res = await this.call(req);
    if (res.status >= 400) throw statusError(res);
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new ApiError(502, 'ClusterError', `the cluster answered ${req.path} with something that is not JSON`);
    }
  }
}

export function statusError(res: KubeResponse): ApiError {
  let status: KubeStatusLike = {};
  try {
    status = JSON.parse(res.body.toString('utf8')) as KubeStatusLike;
  } catch {
    status = { message: res.body.toString('utf8').slice(0, 300) };
  }
  return fromClusterStatus(res.status, status, redactAddresses(status.message ?? `the cluster answered HTTP ${res.status}`));
}

/** " (ECONNREFUSED)" — the error's code, which names no address. */
function networkCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? ` (${code})` : '';
}
