// API-server round-trips as a client sees them, through the Kubernetes API only: creates (POST), namespace-scoped
// LISTs, and watch latency (a write → the event for it arriving on an open watch, what every controller and
// sidecar-config pusher waits on). Each figure is wall time around one request on a kept-alive connection.
import { ApiError } from '../api/errors.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { readJsonLines } from '../kube/stream-lines.js';
import { SCALE_TIMEOUTS } from './limits.js';
import { WATCH_CONFIGMAP } from './workload.js';

export const ns = (namespace: string) => encodeURIComponent(namespace);

/** The collection path of a kind the scale test writes. */
export function collectionPath(namespace: string, kind: string): string {
  switch (kind) {
    case 'Deployment':
      return `/apis/apps/v1/namespaces/${ns(namespace)}/deployments`;
    case 'Service':
      return `/api/v1/namespaces/${ns(namespace)}/services`;
    case 'ConfigMap':
      return `/api/v1/namespaces/${ns(namespace)}/configmaps`;
    case 'Pod':
      return `/api/v1/namespaces/${ns(namespace)}/pods`;
    default:
      throw new Error(`scale-test does not create ${kind}`);
  }
}

/** POSTs one object; resolves with the round-trip in ms. */
export async function timedCreate(kube: KubeHttp, namespace: string, obj: Record<string, unknown>, signal?: AbortSignal): Promise<number> {
  const t0 = performance.now();
  await kube.json({ method: 'POST', path: collectionPath(namespace, String(obj.kind)), body: obj, signal });
  return performance.now() - t0;
}

export interface PodLike {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export const isReady = (p: PodLike) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** LIST pods of the namespace (optionally by label); resolves with the pods and the round-trip. */
export async function timedListPods(kube: KubeHttp, namespace: string, labelSelector?: string, signal?: AbortSignal): Promise<{ ms: number; pods: PodLike[] }> {
  const t0 = performance.now();
  const list = await kube.json<{ items: PodLike[] }>({ path: collectionPath(namespace, 'Pod'), query: { labelSelector }, signal });
  return { ms: performance.now() - t0, pods: list.items };
}

/**
 * `samples` watch round-trips: a watch on one ConfigMap is opened from its resourceVersion, then each sample
 * patches the ConfigMap and times the patch's send → the MODIFIED event carrying the new value. The ConfigMap is
 * created on the first call (that create is timed too and returned).
 */
export async function watchRoundTrips(kube: KubeHttp, namespace: string, samples: number, signal?: AbortSignal): Promise<{ watchMs: number[]; createMs?: number }> {
  const path = collectionPath(namespace, 'ConfigMap');
  let createMs: number | undefined;
  let rv: string | undefined;
  try {
    const cm = await kube.json<{ metadata: { resourceVersion?: string } }>({ path: `${path}/${WATCH_CONFIGMAP}`, signal });
    rv = cm.metadata.resourceVersion;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
    const t0 = performance.now();
    const cm = await kube.json<{ metadata: { resourceVersion?: string } }>({ method: 'POST', path, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: WATCH_CONFIGMAP }, data: { seq: '0' } }, signal });
    createMs = performance.now() - t0;
    rv = cm.metadata.resourceVersion;
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutSeconds = Math.ceil((samples * SCALE_TIMEOUTS.watchEventMs) / 1000) + 5;
  const res = await kube.open({ path, query: { watch: 'true', resourceVersion: rv, fieldSelector: `metadata.name=${WATCH_CONFIGMAP}`, timeoutSeconds }, signal: stop.signal, timeoutMs: timeoutSeconds * 1000 });
  if ((res.statusCode ?? 0) >= 400) {
    res.destroy();
    throw new Error(`watch on configmaps answered HTTP ${res.statusCode}`);
  }
  type Event = { type: string; object?: { data?: Record<string, string> } };
  const events = readJsonLines<Event>(res, { maxLineChars: 1 << 20 });
  const watchMs: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const seq = `${Date.now()}-${i}`;
      const t0 = performance.now();
      const patched = kube.json({ method: 'PATCH', path: `${path}/${WATCH_CONFIGMAP}`, contentType: 'application/merge-patch+json', body: { data: { seq } }, signal });
      const deadline = setTimeout(() => stop.abort(), SCALE_TIMEOUTS.watchEventMs);
      try {
        for (;;) {
          const next = await events.next();
          if (next.done) throw new Error(`the watch ended before the event for write ${i + 1} of ${samples} arrived`);
          if (next.value.type === 'MODIFIED' && next.value.object?.data?.seq === seq) break;
        }
      } catch (err) {
        if (stop.signal.aborted && !signal?.aborted) throw new Error(`no watch event within ${SCALE_TIMEOUTS.watchEventMs} ms of a write`);
        throw err;
      } finally {
        clearTimeout(deadline);
      }
      watchMs.push(performance.now() - t0);
      await patched;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await events.return(undefined);
    res.destroy();
  }
  return { watchMs, createMs };
}
