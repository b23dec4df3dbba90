// The CPU a session's namespace used while a run was measured, read through metrics.k8s.io PodMetrics (what
// `kubectl top pod` reads; a learner may read PodMetrics in their own namespace and nothing cluster-wide). It is
// one input of MeshMark's compute class: the CPU the namespace's pods (generators, targets, sidecars) spent per
// successful request. What the figure means is the cluster's: metrics-server's per-container measurement on a real
// cluster; on the embedded sandbox, whose pods share one process, the process's measured CPU attributed to pods
// by their traffic (sandbox runtime/resource-metrics.ts). A window that is not inside the measured window would
// mix in idle time or another run, so it is refused (the reason is kept).
import type { KubeHttp } from '../kube/kube-http.js';
import { parseQuantity } from '../scaletest/pod-metrics.js';

interface PodMetricsItem {
  metadata?: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: { cpu?: string } }[];
}

export interface NamespaceCpu {
  /** Cores the namespace's pods used, summed over pods, averaged over the metrics window. */
  cpuCores: number;
  /** The metrics window (the earliest start and latest end over the pods), epoch ms. */
  windowStartMs: number;
  windowEndMs: number;
  pods: number;
}

/** Go's time.Duration text as metrics-server writes it ("10.004s", "1m0s", "500ms") in ms; NaN if it is not one. */
export function parseGoDurationMs(text: string | undefined): number {
  const s = (text ?? '').trim();
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(s)) return NaN;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** Sums PodMetrics into the namespace's CPU and window (pure: unit-tested). Null when no pod reports a usable window. */
export function namespaceCpuOf(items: readonly PodMetricsItem[]): NamespaceCpu | null {
  let cpuCores = 0;
  let windowStartMs = Infinity;
  let windowEndMs = -Infinity;
  let pods = 0;
  for (const pod of items) {
    const end = Date.parse(pod.timestamp ?? '');
    const length = parseGoDurationMs(pod.window);
    if (!Number.isFinite(end) || !Number.isFinite(length)) continue;
    pods++;
    windowStartMs = Math.min(windowStartMs, end - length);
    windowEndMs = Math.max(windowEndMs, end);
    for (const c of pod.containers ?? []) cpuCores += parseQuantity(c.usage?.cpu) || 0;
  }
  return pods ? { cpuCores, windowStartMs, windowEndMs, pods } : null;
}

/** Reads the namespace's PodMetrics; `null` with the reason when metrics.k8s.io is not served or says nothing. */
export async function readNamespaceCpu(kube: KubeHttp, namespace: string, signal?: AbortSignal): Promise<NamespaceCpu | string> {
  try {
    const list = await kube.json<{ items?: PodMetricsItem[] }>({ path: `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`, signal });
    return namespaceCpuOf(list.items ?? []) ?? 'metrics.k8s.io listed no pod with a usage window';
  } catch (err) {
    return `metrics.k8s.io could not be read: ${(err as Error).message}`;
  }
}

/** A metrics window shorter than this, or than this share of the measured window, is too little of the run to weigh. */
const MIN_WINDOW_MS = 5000;
const MIN_WINDOW_SHARE = 0.5;

/**
 * The run's CPU per 1,000 successful requests from a usage window, when that window lies inside the measured
 * window [measuredStartMs, measuredEndMs] (1 s of slack for clock rounding) and covers enough of it (≥ 5 s and ≥ half);
 * otherwise the reason it cannot be used.
 */
export function cpuPer1kSuccesses(usage: NamespaceCpu, measuredStartMs: number, measuredEndMs: number, successRps: number): number | string {
  const SLACK_MS = 1000;
  if (usage.windowStartMs < measuredStartMs - SLACK_MS || usage.windowEndMs > measuredEndMs + SLACK_MS)
    return `the cluster's metrics window (${((usage.windowEndMs - usage.windowStartMs) / 1000).toFixed(1)} s) is not inside the run's measured window (${((measuredEndMs - measuredStartMs) / 1000).toFixed(1)} s): run longer than the metrics resolution`;
  const covered = usage.windowEndMs - usage.windowStartMs;
  if (covered < Math.max(MIN_WINDOW_MS, MIN_WINDOW_SHARE * (measuredEndMs - measuredStartMs)))
    return `the cluster's metrics window covers ${(covered / 1000).toFixed(1)} s of the ${((measuredEndMs - measuredStartMs) / 1000).toFixed(1)} s measured: too little of the run to weigh its CPU (run at least twice the metrics resolution)`;
  if (!(successRps > 0)) return 'no successful requests to share the CPU among';
  return (usage.cpuCores * 1000 * 1000) / successRps;
}
