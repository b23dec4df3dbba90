// What `kubectl top` shows, measured — the runtime's side of metrics.k8s.io (MetricsSource). Every pod runs
// inside this one Node.js process, so only the process can be measured; how each number is obtained:
//
// - Node CPU: process.cpuUsage() (user + system CPU time of the whole process, which also runs the API
//   server and controllers) over a window, divided by the window's wall time = cores in use. The window is
//   from the last sample (taken every METRICS_RESOLUTION_MS) to the request; if that is shorter than
//   MIN_WINDOW_MS, the previous complete window; right after start, the process's lifetime average.
// - Node memory: process.memoryUsage().rss (the process's resident set, as the kubelet reports a node's
//   working set).
// - Pod CPU: the node CPU of the same window, shared among the running pods in proportion to the bytes
//   through their accepted connections in that window (network/traffic-meter.ts; a meshed pod's sidecar and
//   app connections both count). A pod that served nothing in the window shows 0; when no pod served
//   anything, every pod shows 0. This is an attribution by traffic, not a per-pod measurement.
// - Pod memory: the resident set the process gained since the runtime started (before any pod), divided
//   evenly among the running pods: the average memory a pod costs, not a per-pod measurement.
// - Containers: a pod's CPU and memory are split evenly among its containers.
// Nothing is estimated from random or constant figures; a number that cannot be measured is reported as 0.
import type { MetricsSource, NodeUsage, PodUsage } from '../apiserver/handlers/metrics-handler.js';
import type { TrafficMeter } from './network/traffic-meter.js';
import type { PodRuntime } from './pod-runtime.js';

/** How often usage is sampled (metrics-server's default resolution is 15 s; the kubelet's window 10 s). */
export const METRICS_RESOLUTION_MS = 10_000;
/** A window shorter than this gives too noisy a rate: the previous window is used instead. */
export const MIN_WINDOW_MS = 1000;

interface Sample {
  at: number;
  cpuMicros: number;
  /** Each running pod's traffic total at the sample, by uid. */
  podBytes: Map<string, number>;
}

export interface NodeIdentity {
  name: string;
  labels(): Record<string, string>;
}

export class ResourceMetrics implements MetricsSource {
  private prev?: Sample;
  private last: Sample;
  private timer?: NodeJS.Timeout;
  private readonly baselineRss = process.memoryUsage().rss;

  constructor(
    private readonly runtime: PodRuntime,
    private readonly traffic: TrafficMeter,
    private readonly node: NodeIdentity,
  ) {
    this.last = this.sample();
  }

  start(): void {
    this.timer = setInterval(() => {
      this.prev = this.last;
      this.last = this.sample();
    }, METRICS_RESOLUTION_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): Sample {
    const { user, system } = process.cpuUsage();
    const podBytes = new Map<string, number>();
    for (const p of this.runtime.runningPods()) {
      const t = p.localHost ? this.traffic.of(p.localHost) : undefined;
      if (t) podBytes.set(p.uid, t.total());
    }
    return { at: Date.now(), cpuMicros: user + system, podBytes };
  }

  /** The window a request reports: [from, to] samples, per the rules at the top of this file. */
  private window(): { from: Sample; to: Sample } {
    const now = this.sample();
    if (now.at - this.last.at >= MIN_WINDOW_MS) return { from: this.last, to: now };
    if (this.prev) return { from: this.prev, to: this.last };
    // Just started: the whole life of the process so far.
    const uptimeMs = process.uptime() * 1000;
    return { from: { at: now.at - uptimeMs, cpuMicros: 0, podBytes: new Map() }, to: now };
  }

  private nodeCpuNanoCores(from: Sample, to: Sample): number {
    const wallMs = Math.max(1, to.at - from.at);
    // µs of CPU per ms of wall time → cores; × 1e9 nanocores.
    return ((to.cpuMicros - from.cpuMicros) / 1000 / wallMs) * 1e9;
  }

  nodes(): NodeUsage[] {
    const { from, to } = this.window();
    return [{ name: this.node.name, labels: this.node.labels(), timestamp: to.at, windowMs: to.at - from.at, cpuNanoCores: this.nodeCpuNanoCores(from, to), memoryBytes: process.memoryUsage().rss }];
  }

  pods(): PodUsage[] {
    const { from, to } = this.window();
    const nodeCpu = this.nodeCpuNanoCores(from, to);
    const pods = this.runtime.runningPods();
    const bytes = new Map(pods.map((p) => [p.uid, Math.max(0, (to.podBytes.get(p.uid) ?? 0) - (from.podBytes.get(p.uid) ?? 0))]));
    const totalBytes = [...bytes.values()].reduce((a, b) => a + b, 0);
    const memoryPerPod = pods.length ? Math.max(0, process.memoryUsage().rss - this.baselineRss) / pods.length : 0;
    return pods.map((p) => {
      const podCpu = totalBytes > 0 ? (nodeCpu * (bytes.get(p.uid) ?? 0)) / totalBytes : 0;
      const n = Math.max(1, p.containers.length);
      return {
        namespace: p.namespace,
        name: p.name,
        labels: p.labels,
        timestamp: to.at,
        windowMs: to.at - from.at,
        containers: p.containers.map((name) => ({ name, cpuNanoCores: podCpu / n, memoryBytes: memoryPerPod / n })),
      };
    });
  }
}
