// Which mesh and which environment a run measured, detected through the Kubernetes API only (the same on the
// sandbox and on a real cluster), recorded SMP-like: `mesh` follows SMP ServiceMeshConfig (mesh_type {type,
// version}, proxy_build, mesh_build), `environment` SMP EnvironmentConfig (kubernetes_version, nodes {type, cores,
// mem_mb}). Evidence: the proxy container the generator pod got injected (image and Linkerd/Istio annotations),
// the control-plane Deployments' images when readable (istiod, linkerd-destination), GET /version, the nodes when
// the caller may list them. Whatever cannot be read is left out and `detectedFrom` says what was used.
import type { KubeHttp } from '../kube/kube-http.js';

export interface ResultMesh {
  /** 'sandbox' (this project's mesh), 'istio', 'linkerd', or 'none' (the client had no sidecar). */
  name: string;
  /** SMP ServiceMesh.Type (INVALID_MESH for a mesh SMP has no value for, e.g. the sandbox mesh). */
  type: 'INVALID_MESH' | 'ISTIO' | 'LINKERD';
  version: string;
  /** SMP proxy_build / mesh_build: the proxy's and the control plane's images. */
  proxyBuild?: string;
  meshBuild?: string;
  detectedFrom: string[];
}

export interface ResultEnvironment {
  kubernetesVersion: string;
  nodes: { type: string; cores: number; memMb: number }[];
  detectedFrom: string[];
}

interface PodLike {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { name?: string; image?: string }[] };
}

const tagOf = (image: string): string => (image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : 'latest');

/** The mesh a pod's traffic goes through, from the proxy injected into it. */
export function meshOfPod(pod: PodLike): ResultMesh {
  const containers = pod.spec?.containers ?? [];
  const a = pod.metadata?.annotations ?? {};
  for (const c of containers) {
    const image = c.image ?? '';
    if (/(^|\/)playground\/mesh-proxy(:|$)/.test(image)) return { name: 'sandbox', type: 'INVALID_MESH', version: tagOf(image), proxyBuild: image, detectedFrom: [`generator pod container ${c.name} image ${image}`] };
    if (c.name === 'istio-proxy' || /\/proxyv2(:|$)/.test(image)) return { name: 'istio', type: 'ISTIO', version: tagOf(image), proxyBuild: image, detectedFrom: [`generator pod container ${c.name} image ${image}`] };
    if (c.name === 'linkerd-proxy' || /linkerd\/proxy(:|$)/.test(image)) {
      const version = a['linkerd.io/proxy-version'] || tagOf(image);
      return { name: 'linkerd', type: 'LINKERD', version, proxyBuild: image, detectedFrom: [`generator pod container ${c.name} image ${image}`] };
    }
  }
  return { name: 'none', type: 'INVALID_MESH', version: '', detectedFrom: ['generator pod has no mesh proxy (direct client)'] };
}

const CONTROL_PLANES: Record<string, { namespace: string; deployment: string }> = {
  istio: { namespace: 'istio-system', deployment: 'istiod' },
  linkerd: { namespace: 'linkerd', deployment: 'linkerd-destination' },
};

async function tryJson<T>(kube: KubeHttp, path: string, signal?: AbortSignal): Promise<T | undefined> {
  try {
    return await kube.json<T>({ path, signal, timeoutMs: 5000 });
  } catch {
    return undefined; // forbidden or absent: that evidence is simply not used
  }
}

/** Adds the control plane's image (SMP mesh_build) when its Deployment is readable. */
export async function addControlPlane(kube: KubeHttp, mesh: ResultMesh, signal?: AbortSignal): Promise<ResultMesh> {
  const cp = CONTROL_PLANES[mesh.name];
  if (!cp) return mesh;
  const d = await tryJson<{ spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }>(kube, `/apis/apps/v1/namespaces/${cp.namespace}/deployments/${cp.deployment}`, signal);
  const image = d?.spec?.template?.spec?.containers?.[0]?.image;
  return image ? { ...mesh, meshBuild: image, detectedFrom: [...mesh.detectedFrom, `deployment ${cp.namespace}/${cp.deployment} image ${image}`] } : mesh;
}

/** Parses a Kubernetes quantity of memory into MB (Ki/Mi/Gi or bytes). */
function memMb(q: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(q ?? '');
  if (!m) return 0;
  const f: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9 };
  return Math.round((Number(m[1]) * (m[2] ? f[m[2]] : 1)) / 1024 ** 2);
}

export async function detectEnvironment(kube: KubeHttp, signal?: AbortSignal): Promise<ResultEnvironment> {
  const detectedFrom: string[] = [];
  const v = await tryJson<{ gitVersion?: string }>(kube, '/version', signal);
  if (v?.gitVersion) detectedFrom.push('GET /version');
  type NodeList = { items?: { metadata?: { labels?: Record<string, string> }; status?: { capacity?: Record<string, string> } }[] };
  const nodes = await tryJson<NodeList>(kube, '/api/v1/nodes', signal);
  if (nodes?.items) detectedFrom.push('GET /api/v1/nodes');
  else detectedFrom.push('nodes not readable with the session\'s credentials');
  return {
    kubernetesVersion: v?.gitVersion ?? '',
    nodes: (nodes?.items ?? []).slice(0, 100).map((n) => ({
      type: n.metadata?.labels?.['node.kubernetes.io/instance-type'] ?? n.metadata?.labels?.['kubernetes.io/os'] ?? '',
      cores: Number.parseInt(n.status?.capacity?.cpu ?? '0', 10) || 0,
      memMb: memMb(n.status?.capacity?.memory),
    })),
    detectedFrom,
  };
}

/** SMP ServiceMeshConfig (protobuf JSON) of a detected mesh. */
export function toSmpServiceMeshConfig(m: ResultMesh, id: string): Record<string, unknown> {
  return { smpVersion: 'v0.0.1', id, labels: { name: m.name }, meshType: { type: m.type, version: m.version }, ...(m.proxyBuild ? { proxyBuild: m.proxyBuild } : {}), ...(m.meshBuild ? { meshBuild: m.meshBuild } : {}) };
}

/** SMP EnvironmentConfig (protobuf JSON) of a detected environment. */
export function toSmpEnvironmentConfig(e: ResultEnvironment, id: string): Record<string, unknown> {
  return { smpVersion: 'v0.0.1', id, kubernetesVersion: e.kubernetesVersion, nodes: e.nodes };
}
