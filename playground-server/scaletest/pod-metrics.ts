// Data-plane CPU and memory from metrics.k8s.io (PodMetrics, what `kubectl top pod --containers` reads): the sidecar
// containers of the workload copies, summed and per copy, beside the application containers. What the numbers
// mean is the cluster's: metrics-server's window averages on a real cluster; on the embedded sandbox, whose pods
// share one process, CPU attributed to pods by their traffic and memory as the average a pod costs (see the
// sandbox's runtime/resource-metrics.ts) — the report says which cluster it was.
import type { KubeHttp } from '../kube/kube-http.js';
import type { ResourceSummary } from './report.js';
import { WORKLOAD_LABEL } from './workload.js';

/** Data-plane container names: the sandbox's, Istio's, Linkerd's. */
export const SIDECAR_CONTAINERS = ['mesh-proxy', 'istio-proxy', 'linkerd-proxy'] as const;

interface PodMetrics {
  metadata: { name: string };
  containers?: { name: string; usage?: { cpu?: string; memory?: string } }[];
}

const SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, E: 1e18, P: 1e15 };

/** A Kubernetes resource.Quantity as a number of base units (cores, bytes); NaN when it is not one. */
export function parseQuantity(q: string | undefined): number {
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(n|u|m|k|K|M|G|T|P|E|Ki|Mi|Gi|Ti)?$/.exec((q ?? '').trim());
  if (!m) return NaN;
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? NaN);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Sums the copies' PodMetrics into the report's figures (pure: unit-tested on known inputs). */
export function summarizePodMetrics(items: readonly PodMetrics[]): ResourceSummary {
  let dpCpu = 0;
  let dpMem = 0;
  let appCpu = 0;
  let appMem = 0;
  let sidecar: string | null = null;
  for (const pod of items)
    for (const c of pod.containers ?? []) {
      const cpu = parseQuantity(c.usage?.cpu) || 0;
      const mem = parseQuantity(c.usage?.memory) || 0;
      if ((SIDECAR_CONTAINERS as readonly string[]).includes(c.name)) {
        sidecar = c.name;
        dpCpu += cpu;
        dpMem += mem;
      } else {
        appCpu += cpu;
        appMem += mem;
      }
    }
  const pods = items.length;
  const MiB = 1024 * 1024;
  return {
    pods,
    dataPlaneCpuMillicores: round1(dpCpu * 1000),
    dataPlaneMemoryMiB: round1(dpMem / MiB),
    dataPlaneCpuMillicoresPerCopy: pods ? round1((dpCpu * 1000) / pods) : 0,
    dataPlaneMemoryMiBPerCopy: pods ? round1(dpMem / MiB / pods) : 0,
    appCpuMillicores: round1(appCpu * 1000),
    appMemoryMiB: round1(appMem / MiB),
    sidecarContainer: sidecar,
  };
}

export async function copiesPodMetrics(kube: KubeHttp, namespace: string, signal?: AbortSignal): Promise<ResourceSummary> {
  const list = await kube.json<{ items: PodMetrics[] }>({ path: `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`, query: { labelSelector: `${WORKLOAD_LABEL}=sample` }, signal });
  return summarizePodMetrics(list.items);
}
