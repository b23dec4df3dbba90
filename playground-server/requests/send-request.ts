// sendRequest: validate the target, pick the client pod, and have it send the request through its sidecar.
import { ApiError } from '../api/errors.js';
import type { OpParams, OpResult } from '../api/types.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { CLIENT_PORT, pickClientPod, podProxyPath } from './client-workload.js';
import { resolveSessionTarget } from './target-policy.js';

/**
 * The sandbox mesh's opt-in debug headers: a request carrying `x-mesh-debug: 1` gets response headers naming
 * the endpoint pod, the attempts made and the peer's verified identity (null when a mesh does not report them).
 */
export const MESH_DEBUG_REQUEST = { name: 'x-mesh-debug', value: '1' };
export const MESH_HEADERS = { servedBy: 'x-mesh-endpoint', attempts: 'x-mesh-attempts', peerIdentity: 'x-mesh-peer-identity' };

interface FetchAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  bodyTruncated?: boolean;
  latencyMs?: number;
  error?: string;
  code?: string;
}

export async function sendFromWorkload(session: ActiveSession, params: OpParams<'sendRequest'>, signal: AbortSignal): Promise<OpResult<'sendRequest'>> {
  const send = await workloadSender(session, params.url, params.from ?? 'curl', signal);
  return send(params, signal);
}

/**
 * Resolve the target and the client pod once, then send as many requests as asked (lesson checks send a
 * hundred to measure a split); each answer or failure is the same as sendFromWorkload's.
 */
export async function workloadSender(
  session: ActiveSession,
  url: string,
  fromWorkload: string,
  signal: AbortSignal,
): Promise<(params: Omit<OpParams<'sendRequest'>, 'url' | 'from'>, signal: AbortSignal) => Promise<OpResult<'sendRequest'>>> {
  const target = await resolveSessionTarget(session.kube, session.namespace, url, signal);
  const from = await pickClientPod(session.kube, session.namespace, fromWorkload, signal);
  return async (params, signal) => {
    const timeoutMs = params.timeoutMs ?? 10_000;
    const res = await session.kube.call({
      method: 'POST',
      path: podProxyPath(session.namespace, from.pod, CLIENT_PORT, '/fetch'),
      body: { method: params.method ?? 'GET', url: target.url, headers: { ...(params.headers ?? {}), [MESH_DEBUG_REQUEST.name]: MESH_DEBUG_REQUEST.value }, body: params.body, timeoutMs },
      timeoutMs: timeoutMs + 5000,
      signal,
    });
    let answer: FetchAnswer;
    try {
      answer = JSON.parse(res.body.toString('utf8')) as FetchAnswer;
    } catch {
      throw new ApiError(502, 'WorkloadUnreachable', `the client pod ${from.pod} did not answer through the pods proxy (HTTP ${res.status})`);
    }
    if (res.status >= 400 || answer.error) {
      const why = answer.error ?? (answer as { message?: string }).message ?? `HTTP ${res.status}`;
      const message = `${from.pod} could not complete ${params.method ?? 'GET'} ${target.url}: ${why}`;
      if (answer.code === 'ETIMEDOUT' || res.status === 504) throw new ApiError(504, 'UpstreamTimeout', message, { from, target: target.url });
      throw new ApiError(502, 'UpstreamFailed', message, { from, target: target.url });
    }
    const headers = answer.headers ?? {};
    const attempts = headers[MESH_HEADERS.attempts];
    return {
      status: answer.status ?? 0,
      headers,
      body: answer.body ?? '',
      bodyTruncated: answer.bodyTruncated ?? false,
      latencyMs: answer.latencyMs ?? 0,
      from,
      servedBy: headers[MESH_HEADERS.servedBy] ?? null,
      retries: attempts !== undefined && /^\d+$/.test(attempts) ? Math.max(0, Number(attempts) - 1) : null,
      peerIdentity: headers[MESH_HEADERS.peerIdentity] ?? null,
    };
  };
}
