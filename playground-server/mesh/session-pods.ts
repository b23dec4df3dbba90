// The session's pods as the mesh views need them: which are meshed (carry a proxy sidecar), which
// Deployment owns each, and whether they are running.
import type { KubeHttp } from '../kube/kube-http.js';

/** Sidecar container names of the meshes the playground knows (the sandbox's, Linkerd's, Istio's). */
export const PROXY_CONTAINERS = ['mesh-proxy', 'linkerd-proxy', 'istio-proxy'];
/** The proxy's admin port (metrics, tap), Linkerd's convention, which the sandbox mesh follows. */
export const PROXY_ADMIN_PORT = 4191;

export interface PodLike {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[]; deletionTimestamp?: string };
  spec?: { serviceAccountName?: string; containers?: { name: string; image?: string }[] };
  status?: { phase?: string };
}

export interface SessionPod {
  name: string;
  deployment: string | undefined;
  meshed: boolean;
  running: boolean;
}

/** The Deployment of a pod: its ReplicaSet's name without the pod-template-hash suffix. */
export function deploymentOf(pod: PodLike): string | undefined {
  const rs = pod.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (!rs) return undefined;
  if (hash && rs.endsWith(`-${hash}`)) return rs.slice(0, -hash.length - 1);
  return rs.replace(/-[a-z0-9]+$/, '');
}

export async function sessionPods(kube: KubeHttp, namespace: string, signal?: AbortSignal): Promise<SessionPod[]> {
  const list = await kube.json<{ items: PodLike[] }>({ path: `/api/v1/namespaces/${namespace}/pods`, signal });
  return list.items.map((p) => ({
    name: p.metadata.name,
    deployment: deploymentOf(p),
    meshed: (p.spec?.containers ?? []).some((c) => PROXY_CONTAINERS.includes(c.name)),
    running: p.status?.phase === 'Running' && !p.metadata.deletionTimestamp,
  }));
}
