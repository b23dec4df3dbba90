// The in-mesh client a request is sent from: a ready pod of a `playground/curl` Deployment in the session,
// reached through the Kubernetes pods proxy (`pods/<pod>:8080/proxy/fetch`) with the session's token.
import { ApiError, badRequest, notFound } from '../api/errors.js';
import type { KubeHttp } from '../kube/kube-http.js';

export const CLIENT_IMAGE = 'playground/curl';
export const CLIENT_PORT = 8080;

interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; image?: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export interface ClientPod {
  workload: string;
  pod: string;
}

const isReady = (p: PodLike) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const runsClient = (p: PodLike) => (p.spec?.containers ?? []).some((c) => (c.image ?? '').replace(/^docker\.io\//, '').split(':')[0] === CLIENT_IMAGE);

export async function pickClientPod(kube: KubeHttp, namespace: string, workload: string, signal?: AbortSignal): Promise<ClientPod> {
  let deployment: { spec?: { selector?: { matchLabels?: Record<string, string> } } };
  try {
    deployment = await kube.json({ path: `/apis/apps/v1/namespaces/${namespace}/deployments/${workload}`, signal });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw notFound('UnknownWorkload', `there is no Deployment "${workload}" in your namespace; send from "curl" or deploy a ${CLIENT_IMAGE} workload`, { field: 'from' });
    throw err;
  }
  const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await kube.json<{ items: PodLike[] }>({ path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: selector || undefined }, signal });
  const clients = pods.items.filter(runsClient);
  if (!clients.length) throw badRequest('NotAClientWorkload', `Deployment "${workload}" does not run ${CLIENT_IMAGE}, so it cannot send requests for you; use "curl"`, { field: 'from' });
  const ready = clients.filter(isReady);
  if (!ready.length) throw new ApiError(503, 'WorkloadNotReady', `no pod of "${workload}" is ready yet; wait for it (kubectl rollout status deploy/${workload})`, { field: 'from' });
  return { workload, pod: ready[Math.floor(Math.random() * ready.length)].metadata.name };
}

/** The pods-proxy path of a pod's port. */
export const podProxyPath = (namespace: string, pod: string, port: number, path: string) =>
  `/api/v1/namespaces/${namespace}/pods/${pod}:${port}/proxy${path.startsWith('/') ? path : `/${path}`}`;
