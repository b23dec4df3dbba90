// The session's mesh topology from the Kubernetes API: Services and the workloads they select,
// Deployments (meshed or not), HTTPRoutes attached to Services (GAMMA) and SMI TrafficSplits, with weights.
import type { Schemas } from '../api/types.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { sessionPods } from './session-pods.js';

interface ServiceLike {
  metadata: { name: string };
  spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}
interface DeploymentLike {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string } } };
  status?: { availableReplicas?: number };
}
interface RouteLike {
  metadata: { name: string };
  spec?: {
    parentRefs?: { group?: string; kind?: string; name: string; port?: number }[];
    rules?: { matches?: Record<string, unknown>[]; backendRefs?: { name: string; port?: number; weight?: number }[] }[];
  };
}
interface SplitLike {
  metadata: { name: string };
  spec?: { service?: string; backends?: { service: string; weight?: number }[] };
}

const optionalList = <T>(kube: KubeHttp, path: string, signal: AbortSignal) => kube.json<{ items: T[] }>({ path, signal }).then((l) => l.items, () => [] as T[]);

export async function sessionTopology(kube: KubeHttp, namespace: string, signal: AbortSignal): Promise<Schemas['Topology']> {
  const [services, deployments, pods, routes, splits] = await Promise.all([
    kube.json<{ items: ServiceLike[] }>({ path: `/api/v1/namespaces/${namespace}/services`, signal }).then((l) => l.items),
    kube.json<{ items: DeploymentLike[] }>({ path: `/apis/apps/v1/namespaces/${namespace}/deployments`, signal }).then((l) => l.items),
    sessionPods(kube, namespace, signal),
    optionalList<RouteLike>(kube, `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes`, signal),
    optionalList<SplitLike>(kube, `/apis/split.smi-spec.io/v1alpha4/namespaces/${namespace}/trafficsplits`, signal),
  ]);
  const meshed = new Set(pods.filter((p) => p.meshed && p.deployment).map((p) => p.deployment!));
  const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> = {}) =>
    !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
  return {
    namespace,
    services: services.map((s) => ({
      name: s.metadata.name,
      ports: (s.spec?.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}) })),
      selector: s.spec?.selector ?? {},
      workloads: deployments.filter((d) => selects(s.spec?.selector, d.spec?.template?.metadata?.labels)).map((d) => d.metadata.name),
    })),
    workloads: deployments.map((d) => ({
      name: d.metadata.name,
      replicas: d.spec?.replicas ?? 1,
      available: d.status?.availableReplicas ?? 0,
      meshed: meshed.has(d.metadata.name),
      serviceAccount: d.spec?.template?.spec?.serviceAccountName ?? 'default',
      labels: d.spec?.template?.metadata?.labels ?? {},
    })),
    routes: routes.map((r) => ({
      kind: 'HTTPRoute',
      name: r.metadata.name,
      parents: (r.spec?.parentRefs ?? []).map((p) => `${p.kind ?? 'Gateway'}/${p.name}${p.port ? `:${p.port}` : ''}`),
      rules: (r.spec?.rules ?? []).map((rule) => ({
        ...(rule.matches ? { matches: rule.matches } : {}),
        backends: (rule.backendRefs ?? []).map((b) => ({ name: b.name, ...(b.port ? { port: b.port } : {}), weight: b.weight ?? 1 })),
      })),
    })),
    splits: splits.map((s) => ({
      name: s.metadata.name,
      service: s.spec?.service ?? '',
      backends: (s.spec?.backends ?? []).map((b) => ({ name: b.service, weight: b.weight ?? 0 })),
    })),
  };
}
