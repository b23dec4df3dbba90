// Mesh config-push latency: from the write of a route (server-side apply, as `kubectl apply --server-side`) until
// traffic follows it — observed, not inferred: the client pod in the mesh sends a request to copy 0's Service
// through its sidecar (pods proxy → playground/curl's /fetch) again and again until the answer is the new rule's
// redirect. The figure is an upper bound by at most one probe round-trip, which is reported as its resolution.
import type { KubeHttp } from '../kube/kube-http.js';
import { podProxyPath } from '../requests/client-workload.js';
import { MAX_PUSH_PROBES, SCALE_TIMEOUTS } from './limits.js';
import { CLIENT_PORT, PUSH_ROUTE, SERVICE_PORT, copyName, pushHost, pushRoute } from './workload.js';

export const FIELD_MANAGER = 'playground-scale-test';

interface FetchAnswer {
  status?: number;
  headers?: Record<string, string>;
  error?: string;
}

/** One request from the client pod to copy 0's Service; the redirect's host, if it answered with one. */
async function probe(kube: KubeHttp, namespace: string, clientPod: string, signal?: AbortSignal): Promise<string | undefined> {
  const res = await kube.call({
    method: 'POST',
    path: podProxyPath(namespace, clientPod, CLIENT_PORT, '/fetch'),
    body: { method: 'GET', url: `http://${copyName(0)}:${SERVICE_PORT}/get`, headers: {}, timeoutMs: 5000 },
    timeoutMs: 10_000,
    signal,
  });
  let answer: FetchAnswer;
  try {
    answer = JSON.parse(res.body.toString('utf8')) as FetchAnswer;
  } catch {
    return undefined;
  }
  const location = answer.status === 302 ? answer.headers?.location : undefined;
  if (!location) return undefined;
  try {
    return new URL(location).hostname;
  } catch {
    return undefined;
  }
}

export async function applyPushRoute(kube: KubeHttp, namespace: string, step: number, signal?: AbortSignal): Promise<void> {
  await kube.json({
    method: 'PATCH',
    path: `/apis/gateway.networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/httproutes/${PUSH_ROUTE}`,
    query: { fieldManager: FIELD_MANAGER, force: 'true' },
    contentType: 'application/apply-patch+yaml',
    body: pushRoute(namespace, step),
    signal,
  });
}

/** Writes step `step`'s route and times until a probe shows it at work. */
export async function measureConfigPush(kube: KubeHttp, namespace: string, clientPod: string, step: number, signal?: AbortSignal): Promise<{ ms: number; probes: number; probeRoundTripMs: number }> {
  const want = pushHost(step);
  const t0 = performance.now();
  await applyPushRoute(kube, namespace, step, signal);
  const deadline = t0 + SCALE_TIMEOUTS.configPushMs;
  let probes = 0;
  let probeTime = 0;
  while (probes < MAX_PUSH_PROBES && performance.now() < deadline) {
    if (signal?.aborted) throw new Error('interrupted');
    const sent = performance.now();
    const host = await probe(kube, namespace, clientPod, signal);
    const now = performance.now();
    probes++;
    probeTime += now - sent;
    if (host === want) return { ms: Math.round(now - t0), probes, probeRoundTripMs: Math.round((probeTime / probes) * 10) / 10 };
  }
  throw new Error(`traffic did not follow the route change within ${SCALE_TIMEOUTS.configPushMs} ms (${probes} probes from ${clientPod} to ${copyName(0)})`);
}
