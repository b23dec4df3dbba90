// An HTTP request sent from inside a pod, through that pod's own agent (so cluster DNS, the service
// proxy and, in a meshed pod, the sidecar all apply): the sandbox's `kubectl exec <pod> -- curl`.
import type { Agent } from 'node:http';
import { cappedExchange } from './capped-exchange.js';
import { badRequest } from '../apiserver/errors.js';

export interface PodRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface PodResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** True when the body was longer than RESPONSE_BODY_LIMIT and was cut. */
  truncated: boolean;
}

export const REQUEST_TIMEOUT_DEFAULT_MS = 10_000;
export const REQUEST_TIMEOUT_MAX_MS = 120_000;
export const REQUEST_BODY_LIMIT = 1024 * 1024;
export const RESPONSE_BODY_LIMIT = 1024 * 1024;

export class PodRequestError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Check a request from outside; throws a 400 StatusError naming the field. */
export function validatePodRequest(req: PodRequest): Required<Pick<PodRequest, 'method' | 'timeoutMs'>> & { url: URL } {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw badRequest(`url: "${req.url}" is not an absolute URL such as http://reviews:9080/reviews/0`);
  }
  if (url.protocol !== 'http:') throw badRequest(`url: only http:// is supported from inside a pod (got ${url.protocol}//)`);
  const method = (req.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]{1,16}$/.test(method)) throw badRequest(`method: "${req.method}" is not an HTTP method`);
  const timeoutMs = req.timeoutMs ?? REQUEST_TIMEOUT_DEFAULT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > REQUEST_TIMEOUT_MAX_MS)
    throw badRequest(`timeoutMs: must be between 1 and ${REQUEST_TIMEOUT_MAX_MS} (got ${req.timeoutMs})`);
  if (req.body !== undefined && Buffer.byteLength(req.body) > REQUEST_BODY_LIMIT)
    throw badRequest(`body: larger than the ${REQUEST_BODY_LIMIT}-byte limit`);
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || typeof v !== 'string' || /[\r\n]/.test(v))
      throw badRequest(`headers: "${k}" is not a valid header name/value`);
  }
  return { method, timeoutMs, url };
}

export async function sendFromPod(agent: Agent, req: PodRequest, from: string): Promise<PodResponse> {
  const { method, timeoutMs, url } = validatePodRequest(req);
  try {
    const res = await cappedExchange(agent, {
      method,
      url,
      timeoutMs,
      body: req.body,
      headers: { 'user-agent': 'curl/8.5.0', accept: '*/*', ...(req.headers ?? {}) },
      bodyLimit: RESPONSE_BODY_LIMIT,
    });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = v;
    return { status: res.status, headers, body: res.body, truncated: res.truncated };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new PodRequestError(`request from ${from} to ${req.url} failed: ${err.message}`, err.code);
  }
}
