// The load of one step: the builtin engine as ONE generator pod in the test namespace (the sandbox's
// playground/loadgen image, or $PLAYGROUND_LOADGEN_IMAGE on a real cluster — a pod running `playground generator`),
// meshed like the workload, sending an open-model schedule to the `scale-all` Service (the mesh balances it across
// every copy). Its log is followed through the Kubernetes API (pods/log?follow) for per-second progress and the
// final result (exact HDR histograms); PodMetrics of the copies are sampled while it runs. The pod is deleted after.
import { followLog, waitForContainerStart } from '../benchmarks/pod-log.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { planGenerators, ProgressMerger } from '../loadgen/coordinator.js';
import { resolveOptions } from '../loadgen/options.js';
import { LOADGEN_CONTAINER, LOADGEN_IMAGE } from '../loadgen/pod-image.js';
import type { GeneratorMessage, GeneratorReport } from '../loadgen/protocol.js';
import { mergeReports, type LoadResult } from '../loadgen/result.js';
import { METRICS_SAMPLE_MS, SCALE_TIMEOUTS } from './limits.js';
import { copiesPodMetrics } from './pod-metrics.js';
import type { LoadSummary, ResourceSummary } from './report.js';
import { ALL_SERVICE, MANAGED_BY, MANAGED_BY_LABEL, SERVICE_PORT } from './workload.js';

/** Per-request timeout of the generator (within its own limit, benchmarks/limits.ts). */
export const LOAD_REQUEST_TIMEOUT_MS = 5000;
/** Sent on the schedule but not recorded: the generator's connections and JIT warm up first (fortio/wrk2 users expect it). */
export const LOAD_WARMUP_MS = 1000;

export const loadTarget = () => `http://${ALL_SERVICE}:${SERVICE_PORT}/get`;
const loadImage = () => process.env.PLAYGROUND_LOADGEN_IMAGE?.trim() || LOADGEN_IMAGE;

export interface LoadStepOptions {
  step: number;
  rps: number;
  connections: number;
  loadSeconds: number;
  signal?: AbortSignal;
}

/** µs → ms to 0.1 ms. */
const ms = (us: number) => Math.round(us / 100) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** The step's summary of a load result: errors are non-2xx answers plus requests without an answer. */
export function loadSummaryOf(r: LoadResult): LoadSummary {
  const statusClasses: Record<string, number> = {};
  let non2xx = 0;
  for (const [code, n] of Object.entries(r.statusCodes)) {
    const cls = `${String(code)[0]}xx`;
    statusClasses[cls] = (statusClasses[cls] ?? 0) + n;
    if (!String(code).startsWith('2')) non2xx += n;
  }
  const transport = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const errors = non2xx + transport;
  const attempted = r.responses + transport;
  const h = r.latency.corrected;
  const at = (p: number) => (h.totalCount ? ms(h.getValueAtPercentile(p)) : 0);
  return {
    requestedRps: r.requestedRps ?? 0,
    actualRps: round2(r.actualRps),
    requests: attempted,
    errors,
    errorPercent: attempted ? round2((100 * errors) / attempted) : 0,
    statusClasses,
    transportErrors: { ...r.errors },
    latencyMs: { p50: at(50), p90: at(90), p99: at(99), max: h.totalCount ? ms(h.maxValue) : 0 },
    timeline: r.intervals.map((i) => ({ second: i.second, responses: i.responses, errors: i.errors, p99Ms: ms(i.p99Micros) })),
  };
}

export async function runLoadStep(kube: KubeHttp, namespace: string, o: LoadStepOptions): Promise<{ load: LoadSummary; resources: ResourceSummary | null; notes: string[] }> {
  const options = resolveOptions({ url: loadTarget(), rps: o.rps, durationMs: o.loadSeconds * 1000, warmupMs: LOAD_WARMUP_MS, timeoutMs: LOAD_REQUEST_TIMEOUT_MS, connections: o.connections, workers: 1 });
  const [spec] = planGenerators(options);
  const pod = `scale-load-${o.step}`;
  const podPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  await kube.json({
    method: 'POST',
    path: podPath,
    signal: o.signal,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, labels: { app: 'scale-load', [MANAGED_BY_LABEL]: MANAGED_BY } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 5,
        activeDeadlineSeconds: Math.ceil((SCALE_TIMEOUTS.generatorStartMs + LOAD_WARMUP_MS + o.loadSeconds * 1000 + SCALE_TIMEOUTS.generatorSlackMs) / 1000),
        containers: [{ name: LOADGEN_CONTAINER, image: loadImage(), imagePullPolicy: 'IfNotPresent', command: ['node', 'bin/playground.js', 'generator'], env: [{ name: 'LOADGEN_SPEC', value: JSON.stringify(spec) }] }],
      },
    },
  });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let sampler: NodeJS.Timeout | undefined;
  try {
    await waitForContainerStart(kube, namespace, pod, LOADGEN_CONTAINER, Date.now() + SCALE_TIMEOUTS.generatorStartMs, stop.signal);
    const progress = new ProgressMerger(1);
    // Filled by the log and sampler callbacks.
    const got: { report?: GeneratorReport; failure?: string; resources: ResourceSummary | null; loadStarted: number } = { resources: null, loadStarted: 0 };
    const notes: string[] = [];
    // The last PodMetrics read while the load ran (at least one second into it).
    sampler = setInterval(() => {
      if (!got.loadStarted || Date.now() - got.loadStarted < 1000) return;
      copiesPodMetrics(kube, namespace, stop.signal).then(
        (r) => (got.resources = r),
        (err: Error) => notes.length < 1 && notes.push(`PodMetrics not read: ${err.message}`),
      );
    }, METRICS_SAMPLE_MS);
    const cut = setTimeout(() => stop.abort(), LOAD_WARMUP_MS + o.loadSeconds * 1000 + LOAD_REQUEST_TIMEOUT_MS + SCALE_TIMEOUTS.generatorSlackMs);
    try {
      await followLog(
        kube,
        namespace,
        pod,
        LOADGEN_CONTAINER,
        (line) => {
          let m: GeneratorMessage;
          try {
            m = JSON.parse(line) as GeneratorMessage;
          } catch {
            return;
          }
          if (!m || typeof m !== 'object') return;
          if (m.type === 'progress') {
            if (!got.loadStarted) got.loadStarted = Date.now() - 1000;
            progress.add(m);
          } else if (m.type === 'result') {
            got.report = m;
            clearInterval(sampler);
          } else if (m.type === 'error') got.failure = String(m.message);
        },
        stop.signal,
      );
    } finally {
      clearTimeout(cut);
    }
    const { report, failure } = got;
    if (!report) throw new Error(failure ? `the generator pod ${pod} failed: ${failure}` : `the generator pod ${pod} ended without a result`);
    const result = mergeReports([report], { engine: 'builtin', url: options.url, method: 'GET', requestedRps: o.rps, warmupMs: LOAD_WARMUP_MS, requestedDurationMs: o.loadSeconds * 1000, timeoutMs: LOAD_REQUEST_TIMEOUT_MS, intervals: progress.intervals });
    let resources = got.resources;
    if (!resources) {
      try {
        resources = await copiesPodMetrics(kube, namespace, o.signal);
        notes.push('PodMetrics read after the load ended (the run was shorter than a sample)');
      } catch (err) {
        notes.push(`PodMetrics not read: ${(err as Error).message}`);
      }
    }
    return { load: loadSummaryOf(result), resources, notes };
  } finally {
    clearInterval(sampler);
    o.signal?.removeEventListener('abort', onAbort);
    await kube.json({ method: 'DELETE', path: `${podPath}/${pod}`, timeoutMs: 10_000 }).catch(() => undefined);
  }
}
