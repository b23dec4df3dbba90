// The scale-test report: what each step measured, and the verdict that says where the cluster stopped scaling and
// why. JSON is this shape (`format: mesh-playground.scale-test/v1`); toText is what the command prints.
import type { Thresholds } from './limits.js';

export const SCALE_REPORT_FORMAT = 'mesh-playground.scale-test/v1';

/** A sample of round-trips, ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadSummary {
  requestedRps: number;
  actualRps: number;
  requests: number;
  /** Non-2xx answers (by status class) plus requests that got no answer (by kind). */
  errors: number;
  errorPercent: number;
  statusClasses: Record<string, number>;
  transportErrors: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Per second of the step's load: answers, errors and p99. */
  timeline: { second: number; responses: number; errors: number; p99Ms: number }[];
}

/** metrics.k8s.io PodMetrics of the workload copies, at the end of the step's load. */
export interface ResourceSummary {
  pods: number;
  /** The sidecar (data-plane) containers: sum over the copies, and per copy. */
  dataPlaneCpuMillicores: number;
  dataPlaneMemoryMiB: number;
  dataPlaneCpuMillicoresPerCopy: number;
  dataPlaneMemoryMiBPerCopy: number;
  /** The application containers, summed. */
  appCpuMillicores: number;
  appMemoryMiB: number;
  /** The cluster's data-plane container name found (mesh-proxy, istio-proxy, linkerd-proxy), or null (no sidecars). */
  sidecarContainer: string | null;
}

export interface StepReport {
  copies: number;
  startedAt: string;
  api: {
    create: LatencySummary;
    list: LatencySummary;
    watch: LatencySummary;
    /** Per pod added in this step: Deployment created → pod seen Ready. */
    podStartup: LatencySummary;
  };
  /** Route write → first probe answered by the new route; `probeRoundTripMs` is the measurement's resolution. */
  configPush: { ms: number; probes: number; probeRoundTripMs: number } | null;
  load: LoadSummary | null;
  resources: ResourceSummary | null;
  /** Thresholds this step crossed, each as a sentence naming the figure and the limit. */
  breaches: string[];
  /** The step could not be completed (a timeout, a refusal): the message. */
  failure?: string;
}

export interface ScaleVerdict {
  /** True when every step stayed within every threshold. */
  scaled: boolean;
  /** The most copies that stayed within every threshold (0: not even the first step). */
  lastGoodCopies: number;
  /** The first step that did not, and why. */
  stoppedAt: number | null;
  reasons: string[];
  summary: string;
}

export interface ScaleReport {
  format: typeof SCALE_REPORT_FORMAT;
  generatedAt: string;
  cluster: { server: string; embedded: boolean; kubernetesVersion: string };
  settings: { steps: number[]; loadSeconds: number; rps: number; connections: number; apiSamples: number; workloadImage: string; namespace: string };
  /** How load was driven and how each figure was measured (read with the numbers). */
  method: string[];
  thresholds: Thresholds;
  steps: StepReport[];
  verdict: ScaleVerdict;
  cleanup: { deleted: boolean; message: string };
  interrupted: boolean;
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (!samples.length) return { count: 0, p50: 0, p99: 0, max: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  const r = (x: number) => Math.round(x * 10) / 10;
  return { count: s.length, p50: r(at(50)), p99: r(at(99)), max: r(s[s.length - 1]) };
}

/** The thresholds a step crossed (empty: within all of them). A sample of none is not judged. */
export function breachesOf(step: Omit<StepReport, 'breaches'>, t: Thresholds): string[] {
  const out: string[] = [];
  const { api, load, configPush } = step;
  if (step.failure) out.push(`the step failed: ${step.failure}`);
  if (api.create.count && api.create.p99 > t.maxCreateMs) out.push(`API create p99 ${api.create.p99} ms > ${t.maxCreateMs} ms (Kubernetes SLO: mutating calls p99 ≤ 1 s)`);
  if (api.list.count && api.list.p99 > t.maxListMs) out.push(`API LIST p99 ${api.list.p99} ms > ${t.maxListMs} ms (Kubernetes SLO: namespace LIST p99 ≤ 5 s)`);
  if (api.watch.count && api.watch.p99 > t.maxWatchMs) out.push(`API watch event p99 ${api.watch.p99} ms > ${t.maxWatchMs} ms`);
  if (api.podStartup.count && api.podStartup.p99 > t.maxPodStartupMs) out.push(`pod startup p99 ${api.podStartup.p99} ms > ${t.maxPodStartupMs} ms (Kubernetes SLO: stateless pod startup p99 ≤ 5 s)`);
  if (configPush && configPush.ms > t.maxConfigPushMs) out.push(`config push ${configPush.ms} ms > ${t.maxConfigPushMs} ms`);
  if (load) {
    if (load.errorPercent > t.maxErrorPercent) out.push(`errors ${load.errorPercent}% of requests > ${t.maxErrorPercent}%`);
    if (load.requests && load.latencyMs.p99 > t.maxP99Ms) out.push(`load p99 ${load.latencyMs.p99} ms > ${t.maxP99Ms} ms`);
    const throughput = load.requestedRps ? (100 * load.actualRps) / load.requestedRps : 100;
    if (throughput < t.minThroughputPercent) out.push(`achieved ${load.actualRps} rps = ${Math.round(throughput)}% of the requested ${load.requestedRps} rps < ${t.minThroughputPercent}%`);
  }
  return out;
}

export const copiesText = (n: number) => `${n} ${n === 1 ? 'copy' : 'copies'}`;

/** Where it stopped scaling: the first step with a breach, and the last step before it. */
export function verdictOf(steps: readonly StepReport[], plannedSteps: readonly number[], interrupted: boolean): ScaleVerdict {
  const firstBad = steps.findIndex((s) => s.breaches.length > 0);
  const good = firstBad < 0 ? steps : steps.slice(0, firstBad);
  const lastGoodCopies = good.length ? good[good.length - 1].copies : 0;
  if (firstBad >= 0) {
    const bad = steps[firstBad];
    return {
      scaled: false,
      lastGoodCopies,
      stoppedAt: bad.copies,
      reasons: bad.breaches,
      summary: `stopped scaling at ${copiesText(bad.copies)} (${lastGoodCopies ? `last within every threshold: ${copiesText(lastGoodCopies)}` : 'no step was within every threshold'}): ${bad.breaches.join('; ')}`,
    };
  }
  const planned = plannedSteps[plannedSteps.length - 1] ?? 0;
  if (interrupted || lastGoodCopies < planned)
    return {
      scaled: false,
      lastGoodCopies,
      stoppedAt: null,
      reasons: ['interrupted'],
      summary: lastGoodCopies ? `interrupted after ${copiesText(lastGoodCopies)}, all within every threshold; the steps after it were not run` : 'interrupted before the first step completed',
    };
  return { scaled: true, lastGoodCopies, stoppedAt: null, reasons: [], summary: `scaled to ${copiesText(lastGoodCopies)} within every threshold` };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function toText(r: ScaleReport): string {
  const lines: string[] = [];
  lines.push(`scale-test ${r.cluster.embedded ? 'of the embedded sandbox' : `of ${r.cluster.server}`} (Kubernetes ${r.cluster.kubernetesVersion}), namespace ${r.settings.namespace}`);
  lines.push(`workload ${r.settings.workloadImage} ×{${r.settings.steps.join(',')}}; load ${r.settings.rps} rps × ${r.settings.loadSeconds} s over ${r.settings.connections} connections per step`);
  lines.push('');
  lines.push(' copies | create p99 | list p99 | watch p99 | pod start p99 | push ms |    rps | err % | p50 ms | p99 ms | dp CPU m/copy | dp MiB/copy');
  for (const s of r.steps) {
    const l = s.load;
    const res = s.resources;
    lines.push(
      [
        pad(s.copies, 7),
        pad(s.api.create.p99, 10),
        pad(s.api.list.p99, 8),
        pad(s.api.watch.p99, 9),
        pad(s.api.podStartup.p99, 13),
        pad(s.configPush ? s.configPush.ms : '—', 7),
        pad(l ? l.actualRps : '—', 6),
        pad(l ? l.errorPercent : '—', 5),
        pad(l ? l.latencyMs.p50 : '—', 6),
        pad(l ? l.latencyMs.p99 : '—', 6),
        pad(res ? res.dataPlaneCpuMillicoresPerCopy : '—', 13),
        pad(res ? res.dataPlaneMemoryMiBPerCopy : '—', 11),
      ].join(' | '),
    );
    if (l?.timeline.length) lines.push(`        over time, per second: p99 ${l.timeline.map((i) => i.p99Ms).join(' ')} ms; errors ${l.timeline.map((i) => i.errors).join(' ')}`);
    if (s.failure) lines.push(`        failed: ${s.failure}`);
    for (const b of s.breaches) lines.push(`        ✗ ${b}`);
  }
  lines.push('');
  lines.push(`verdict: ${r.verdict.summary}`);
  const t = r.thresholds;
  lines.push(
    `thresholds: load p99 ≤ ${t.maxP99Ms} ms, errors ≤ ${t.maxErrorPercent}%, throughput ≥ ${t.minThroughputPercent}% of requested, config push ≤ ${t.maxConfigPushMs} ms, ` +
      `API create p99 ≤ ${t.maxCreateMs} ms, LIST p99 ≤ ${t.maxListMs} ms, watch p99 ≤ ${t.maxWatchMs} ms, pod startup p99 ≤ ${t.maxPodStartupMs} ms`,
  );
  for (const m of r.method) lines.push(`· ${m}`);
  lines.push(`cleanup: ${r.cleanup.message}`);
  return `${lines.join('\n')}\n`;
}
