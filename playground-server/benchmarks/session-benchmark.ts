// A benchmark run from inside the session's namespace by the real load generator, as batch/v1 Jobs created
// through the Kubernetes API (generator-pods.ts) — the same path in the sandbox and on a real cluster: W Jobs
// `bench-<run>-<k>` share one open-model schedule (phase k, stride W, a common start time), their traffic leaves through the pod's network (its
// sidecar unless `sidecar: false`), and the server follows their logs through the Kubernetes API, merging
// per-second progress and the final HDR histograms exactly (the loadgen's own merge). The result is stored
// as the loadgen's result document (strict SMP + the playground extension beside it), so exports are the generator's own formats. Cancelling deletes the Jobs;
// each pod writes its partial result as it stops. Per-session limits: rate, duration, connections, generators.
// With `slo`, the run is an adaptive search (loadgen/adaptive.ts): one set of Jobs per step, every step kept.
import { randomBytes } from 'node:crypto';
import { ApiError, conflict, limitExceeded, notFound, validationFailed } from '../api/errors.js';
import type { OpParams, Schemas } from '../api/types.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { planGenerators, ProgressMerger } from '../loadgen/coordinator.js';
import type { Histogram } from '../loadgen/histogram.js';
import { loadWire, resolveOptions } from '../loadgen/options.js';
import type { GeneratorMessage, GeneratorReport } from '../loadgen/protocol.js';
import { fromResultDocument, toResultDocument, type ResultDocument } from '../loadgen/reports/smp.js';
import { mergeReports, outcomeOf, type IntervalStat, type LoadResult } from '../loadgen/result.js';
import { runWarnings } from '../loadgen/reports/run-warnings.js';
import { adaptiveSummary, attachSlo, chosenStep, findMaxRate, type AdaptiveResult } from '../loadgen/adaptive.js';
import { parseSlo, SloSyntaxError, type Slo } from '../loadgen/slo.js';
import { resolveSessionTarget } from '../requests/target-policy.js';
import type { ActiveSession } from '../sessions/active-session.js';
import type { PlaygroundStore } from '../storage/store.js';
import { generatorImage, runGeneratorJobs } from './generator-pods.js';
import { addControlPlane, detectEnvironment, meshOfPod, type ResultEnvironment, type ResultMesh } from './mesh-environment.js';

import { BENCHMARK_LIMITS } from './limits.js';
import { cpuPer1kSuccesses, readNamespaceCpu, type NamespaceCpu } from './namespace-usage.js';

export { BENCHMARK_LIMITS };
const REQUEST_TIMEOUT_MS = BENCHMARK_LIMITS.maxRequestTimeoutMs;
/** Time for the pods to be created, started and connected before the common start (slots are aligned to it). */
const GENERATOR_START_LEAD_MS = 2000;
/** How long before the measured window's end the namespace's CPU is read (metrics windows end at the read). */
const USAGE_READ_LEAD_MS = 250;
/** How long a generator pod may take to start before the run fails. */
const POD_START_TIMEOUT_MS = 30_000;
/** After the pods are deleted (cancel), how long their last lines (the partial results) may take to arrive. */
const DRAIN_AFTER_DELETE_MS = 10_000;
/** Slack after the run's planned end before the logs are cut. */
const RUN_SLACK_MS = 30_000;
/** How often a run checks the store for a cancel asked through another replica. */
export const CANCEL_POLL_MS = 1000;
/** Longest warm-up a session run may ask for (it is load like the measured window, only unrecorded). */
export const MAX_WARMUP_SECONDS = 10;

/** The stored form of a result: the result document `{ smp, playground }`, histograms included (reports/smp.ts). */
export type StoredLoadResult = ResultDocument;

export function checkLimits(p: OpParams<'startBenchmark'>): void {
  const rps = p.rps;
  const duration = p.durationSeconds ?? 5;
  const connections = p.connections ?? 4;
  const generators = p.generators ?? 1;
  if (rps !== undefined && rps > BENCHMARK_LIMITS.maxRps) throw limitExceeded('rps', `rps ${rps} is over the per-session limit of ${BENCHMARK_LIMITS.maxRps} requests per second`, { max: BENCHMARK_LIMITS.maxRps });
  if (duration > BENCHMARK_LIMITS.maxDurationSeconds) throw limitExceeded('durationSeconds', `durationSeconds ${duration} is over the per-session limit of ${BENCHMARK_LIMITS.maxDurationSeconds} s`, { max: BENCHMARK_LIMITS.maxDurationSeconds });
  if (connections > BENCHMARK_LIMITS.maxConnections) throw limitExceeded('connections', `connections ${connections} is over the per-session limit of ${BENCHMARK_LIMITS.maxConnections}`, { max: BENCHMARK_LIMITS.maxConnections });
  if (generators > BENCHMARK_LIMITS.maxGenerators) throw limitExceeded('generators', `generators ${generators} is over the per-session limit of ${BENCHMARK_LIMITS.maxGenerators} pods`, { max: BENCHMARK_LIMITS.maxGenerators });
  const warmup = p.warmupSeconds ?? 0;
  if (warmup > MAX_WARMUP_SECONDS) throw limitExceeded('warmupSeconds', `warmupSeconds ${warmup} is over the per-session limit of ${MAX_WARMUP_SECONDS} s`, { max: MAX_WARMUP_SECONDS });
  if (generators > connections) throw validationFailed([{ field: 'generators', message: `each generator needs at least one connection: generators ${generators} > connections ${connections}; raise connections or lower generators` }]);
  checkWire(p);
}

/** gRPC's method names, as the generator accepts them (loadgen/options.ts). */
const GRPC_METHOD = /^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/;

/** `protocol` and the fields that go with it: streams (h2, grpc), grpcMethod and a base64 body (grpc). */
function checkWire(p: OpParams<'startBenchmark'>): void {
  const protocol = p.protocol ?? 'http1';
  if (p.streams !== undefined && protocol === 'http1') throw validationFailed([{ field: 'streams', message: 'streams applies only to protocol h2 or grpc (HTTP/1.1 carries one request at a time per connection); set protocol or drop streams' }]);
  if (p.streams !== undefined && p.streams > BENCHMARK_LIMITS.maxStreams) throw limitExceeded('streams', `streams ${p.streams} is over the per-session limit of ${BENCHMARK_LIMITS.maxStreams} per connection`, { max: BENCHMARK_LIMITS.maxStreams });
  if (p.grpcMethod !== undefined && protocol !== 'grpc') throw validationFailed([{ field: 'grpcMethod', message: 'grpcMethod applies only to protocol grpc; set protocol: grpc or drop grpcMethod' }]);
  if (p.grpcMethod !== undefined && !GRPC_METHOD.test(p.grpcMethod)) throw validationFailed([{ field: 'grpcMethod', message: `grpcMethod must be /package.Service/Method, e.g. /grpc.health.v1.Health/Check (got ${JSON.stringify(p.grpcMethod)})` }]);
  if (protocol === 'grpc' && p.method !== undefined && p.method !== 'POST') throw validationFailed([{ field: 'method', message: `gRPC calls are POST requests; drop method (got ${p.method})` }]);
  if (protocol === 'grpc' && p.body !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(p.body)) throw validationFailed([{ field: 'body', message: 'with protocol grpc, body is the request message as base64 (protobuf bytes)' }]);
}

/** The method a gRPC run calls when the request names none (the generator's default too). */
const DEFAULT_GRPC_METHOD = '/grpc.health.v1.Health/Check';

/** Adaptive mode (`slo`): the first rate when `rps` is absent. */
export const ADAPTIVE_SESSION_START_RPS = 50;

/** The `slo` of a request, parsed; a bad one is a ValidationFailed naming the field. */
export function sessionSlo(p: OpParams<'startBenchmark'>): Slo | undefined {
  if (p.slo === undefined) return undefined;
  try {
    return parseSlo(p.slo);
  } catch (err) {
    if (err instanceof SloSyntaxError) throw validationFailed([{ field: 'slo', message: err.message }]);
    throw err;
  }
}

/** Steps of an adaptive search: at most maxAdaptiveSteps, and maxAdaptiveSeconds of load over all of them. */
export const adaptiveSteps = (durationSeconds: number): number =>
  Math.max(1, Math.min(BENCHMARK_LIMITS.maxAdaptiveSteps, Math.floor(BENCHMARK_LIMITS.maxAdaptiveSeconds / durationSeconds)));

function sloSearchOf(r: AdaptiveResult): Schemas['BenchmarkSloSearch'] {
  const s = adaptiveSummary(r) as Omit<Schemas['BenchmarkSloSearch'], 'objective'> & { slo: string };
  return { objective: s.slo, foundRps: s.foundRps, missedRps: s.missedRps, stoppedBecause: s.stoppedBecause, steps: s.steps };
}

const ms = (us: number) => Math.round(us) / 1000;

function latencyMs(h: Histogram): NonNullable<Schemas['BenchmarkSummary']['uncorrectedLatencyMs']> {
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: Math.round(h.mean) / 1000,
  };
}

export function summaryOf(r: LoadResult): Schemas['BenchmarkSummary'] {
  const o = outcomeOf(r);
  const warnings = runWarnings(r);
  return {
    requests: r.responses,
    errors: o.errors,
    successRate: o.successRate === null ? null : Math.round(o.successRate * 10000) / 10000,
    errorsByClass: o.byClass,
    transportErrors: o.transport,
    ...(warnings.length ? { warnings } : {}),
    actualRps: Math.round(r.actualRps * 100) / 100,
    latencyMs: latencyMs(r.latency.corrected),
    uncorrectedLatencyMs: latencyMs(r.latency.uncorrected),
    correctedForCoordinatedOmission: r.correctedForCoordinatedOmission,
    droppedSends: r.droppedSends,
    statusCodes: r.statusCodes,
  };
}

/** The loadgen's LoadResult of a stored result (also a row stored before the envelope), for its writers. */
export function toLoadResult(r: StoredLoadResult | unknown): LoadResult {
  return fromResultDocument(r);
}

/** The namespace's CPU per successful request over the measured window, or why it could not be had (MeshMark's compute input). */
function resourcesOf(usage: NamespaceCpu | string, measured: { startMs: number; endMs: number }, summary: Schemas['BenchmarkSummary']): NonNullable<Schemas['Benchmark']['resources']> {
  if (typeof usage === 'string') return { namespaceCpuMsPer1kSuccesses: null, reason: usage };
  const successRps = summary.actualRps * (summary.successRate ?? 0);
  const perK = cpuPer1kSuccesses(usage, measured.startMs, measured.endMs, successRps);
  const cores = Math.round(usage.cpuCores * 1000) / 1000;
  const windowSeconds = Math.round(usage.windowEndMs - usage.windowStartMs) / 1000;
  return typeof perK === 'string'
    ? { namespaceCpuMsPer1kSuccesses: null, namespaceCpuCores: cores, windowSeconds, reason: perK }
    : { namespaceCpuMsPer1kSuccesses: Math.round(perK * 10) / 10, namespaceCpuCores: cores, windowSeconds, pods: usage.pods };
}

/** The ServiceAccount of the `from` Deployment: the generator pods' mesh identity. */
async function identityOf(kube: KubeHttp, namespace: string, from: string, signal: AbortSignal): Promise<string> {
  try {
    const d = await kube.json<{ spec?: { template?: { spec?: { serviceAccountName?: string } } } }>({ path: `/apis/apps/v1/namespaces/${namespace}/deployments/${from}`, signal });
    return d.spec?.template?.spec?.serviceAccountName || 'default';
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw notFound('UnknownWorkload', `there is no Deployment "${from}" in your namespace; the generator pods run as its ServiceAccount (default "curl")`, { field: 'from' });
    throw err;
  }
}

/** What arrived from the generators' logs. */
class GeneratorLines {
  readonly reports = new Map<number, GeneratorReport>();
  readonly failures: string[] = [];
  constructor(
    private readonly generators: number,
    private readonly progress: ProgressMerger,
  ) {}

  /** One log line of generator `k`; lines that are not protocol messages are ignored. */
  take(k: number, line: string): void {
    let m: GeneratorMessage;
    try {
      m = JSON.parse(line) as GeneratorMessage;
    } catch {
      return;
    }
    if (!m || typeof m !== 'object') return;
    try {
      if (m.type === 'progress' && m.generatorId === k && typeof m.histogram === 'string') this.progress.add(m);
      else if (m.type === 'result' && m.generatorId === k) this.reports.set(k, m);
      else if (m.type === 'error') this.failures.push(`generator ${k}: ${String(m.message)}`);
    } catch (err) {
      this.failures.push(`generator ${k} sent an unreadable ${m.type} line: ${(err as Error).message}`);
    }
  }

  missing(): number[] {
    return Array.from({ length: this.generators }, (_, k) => k).filter((k) => !this.reports.has(k));
  }
}

type Detected = { mesh?: ResultMesh; environment?: ResultEnvironment };

/** The mesh a generator pod's injected proxy names (plus its control plane) and the cluster's environment; never throws. */
async function detectMeshAndEnvironment(kube: KubeHttp, namespace: string, pod: string, signal: AbortSignal): Promise<Detected> {
  try {
    const created = await kube.json<Parameters<typeof meshOfPod>[0]>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods/${pod}`, signal });
    const [mesh, environment] = await Promise.all([addControlPlane(kube, meshOfPod(created ?? {}), signal), detectEnvironment(kube, signal)]);
    return { mesh, environment };
  } catch {
    return {};
  }
}

/** What detection found, also shown on the Benchmark (mesh name and version, the cluster's Kubernetes version). */
async function detectedFor(benchmark: Schemas['Benchmark'], detecting: Promise<Detected> | undefined): Promise<Detected> {
  const detected = (await detecting) ?? {};
  if (detected.mesh) benchmark.mesh = { name: detected.mesh.name, version: detected.mesh.version };
  if (detected.environment?.kubernetesVersion) benchmark.kubernetesVersion = detected.environment.kubernetesVersion;
  return detected;
}

/** The stored document: strict SMP (with the mesh's and environment's ids) and the extension beside it. */
function resultDocument(result: LoadResult, id: string, detected: Detected): ResultDocument {
  const document = toResultDocument(result, { id, ...(detected.mesh ? { meshConfigId: `${detected.mesh.name}-${detected.mesh.version || 'unknown'}` } : {}), ...(detected.environment?.kubernetesVersion ? { envId: `kubernetes-${detected.environment.kubernetesVersion}` } : {}) });
  if (detected.mesh) document.playground.mesh = detected.mesh;
  if (detected.environment) document.playground.environment = detected.environment;
  return document;
}

export async function runSessionBenchmark(
  session: ActiveSession,
  store: PlaygroundStore,
  params: OpParams<'startBenchmark'>,
  emit: (e: Schemas['BenchmarkProgress']) => Promise<void>,
  signal: AbortSignal,
): Promise<Schemas['Benchmark']> {
  checkLimits(params);
  const slo = sessionSlo(params);
  // Another replica's run shows only in the store (one left by a replica that stopped is marked interrupted when its lease runs out).
  const elsewhere = (await store.benchmarks(session.id)).find((r) => r.benchmark.status === 'running');
  // This replica's own run is checked after the await, right before it claims the slot (no await between).
  if (session.runningBenchmark) throw conflict('BenchmarkRunning', `benchmark ${session.runningBenchmark.id} is still running; one run at a time per session (cancel it or wait)`, { limit: 'concurrentRuns', value: 1 });
  if (elsewhere)
    throw conflict('BenchmarkRunning', `benchmark ${elsewhere.benchmark.id} is still running, started through another server replica; one run at a time per session (wait for it to finish)`, { limit: 'concurrentRuns', value: 1 });
  const abort = new AbortController();
  const runId = randomBytes(6).toString('hex');
  const id = `b-${runId}`;
  session.runningBenchmark = { id, abort };
  const onAbort = () => abort.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const durationSeconds = params.durationSeconds ?? 5;
  const warmupMs = (params.warmupSeconds ?? 0) * 1000;
  const connections = params.connections ?? 4;
  const generators = params.generators ?? 1;
  const sidecar = params.sidecar ?? true;
  const from = params.from ?? 'curl';
  const protocol = params.protocol ?? 'http1';
  const streams = protocol === 'http1' ? undefined : (params.streams ?? 1);
  const grpcMethod = protocol === 'grpc' ? (params.grpcMethod ?? DEFAULT_GRPC_METHOD) : undefined;
  const benchmark: Schemas['Benchmark'] = {
    id,
    status: 'running',
    ...(params.label ? { label: params.label } : {}),
    url: params.url,
    from,
    connections,
    rps: params.rps ?? null,
    durationSeconds,
    ...(warmupMs ? { warmupSeconds: warmupMs / 1000 } : {}),
    generators,
    sidecar,
    protocol,
    ...(streams !== undefined ? { streams } : {}),
    ...(grpcMethod !== undefined ? { grpcMethod } : {}),
    startedAt: new Date().toISOString(),
    finishedAt: null,
    summary: null,
    error: null,
  };
  const { kube, namespace } = session;
  let cancelPoll: NodeJS.Timeout | undefined;
  try {
    const target = await resolveSessionTarget(kube, namespace, params.url, abort.signal);
    const serviceAccount = await identityOf(kube, namespace, from, abort.signal);
    // Owned by this replica while it runs: its lease keeps other replicas from marking the run interrupted.
    await store.saveBenchmark({ sessionId: session.id, benchmark, result: null, owner: session.replica ?? null });
    // A cancel asked through another replica reaches this one through the store.
    cancelPoll = setInterval(() => {
      store.benchmarkCancelRequested(session.id, id).then((asked) => asked && abort.abort(), () => undefined);
    }, CANCEL_POLL_MS);
    cancelPoll.unref();

    const method = protocol === 'grpc' ? 'POST' : (params.method ?? 'GET');
    const image = generatorImage();
    let detecting: Promise<Detected> | undefined;
    /** One set of generator Jobs at `rps`, followed to the end and merged (null: no generator reported). */
    const runStep = async (rps: number | null, jobRunId: string): Promise<{ result: LoadResult | null; failures: string[]; missing: number[]; usage: Promise<NamespaceCpu | string>; measured: { startMs: number; endMs: number } }> => {
      const options = resolveOptions({ url: target.url, method, headers: params.headers ?? {}, body: params.body, rps, durationMs: durationSeconds * 1000, warmupMs, timeoutMs: REQUEST_TIMEOUT_MS, connections, workers: generators, protocol, streams, grpcMethod });
      const startAtEpochMs = Date.now() + GENERATOR_START_LEAD_MS;
      const specs = planGenerators(options).map((s) => ({ ...s, startAtEpochMs }));
      const runEndsAt = startAtEpochMs + warmupMs + durationSeconds * 1000 + REQUEST_TIMEOUT_MS;
      // The namespace's CPU is read just before the measured window ends, so the metrics window can lie inside it.
      const measured = { startMs: startAtEpochMs + warmupMs, endMs: startAtEpochMs + warmupMs + durationSeconds * 1000 };
      const usage = new Promise<NamespaceCpu | string>((resolve) => {
        const timer = setTimeout(() => resolve(readNamespaceCpu(kube, namespace, abort.signal)), Math.max(0, measured.endMs - USAGE_READ_LEAD_MS - Date.now()));
        abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve('the run was cancelled before the namespace\'s CPU was read')), { once: true });
      });
      let totals = { responses: 0, errors: 0 };
      let emitting = Promise.resolve();
      const progress = new ProgressMerger(generators, (i: IntervalStat) => {
        totals = { responses: totals.responses + i.responses, errors: totals.errors + i.errors };
        const event = { elapsedSeconds: i.second, requests: totals.responses, errors: totals.errors, rps: i.responses, p99Ms: ms(i.p99Micros) };
        emitting = emitting.then(() => emit(event)).catch(() => undefined);
      });
      const lines = new GeneratorLines(generators, progress);
      const failures = await runGeneratorJobs({
        kube,
        namespace,
        runId: jobRunId,
        specs,
        serviceAccount,
        sidecar,
        image,
        runEndsAt,
        podStartTimeoutMs: POD_START_TIMEOUT_MS,
        slackMs: RUN_SLACK_MS,
        drainAfterDeleteMs: DRAIN_AFTER_DELETE_MS,
        onLine: (k, line) => lines.take(k, line),
        // The first generator pod as admission left it: its injected proxy says which mesh the load goes through.
        onPod: (k, pod) => {
          if (k === 0 && !detecting) detecting = detectMeshAndEnvironment(kube, namespace, pod, abort.signal);
        },
        cancel: abort.signal,
      });
      lines.failures.push(...failures);
      await emitting;
      const reports = [...lines.reports.values()].sort((a, b) => a.generatorId - b.generatorId);
      if (!reports.length) return { result: null, failures: lines.failures, missing: lines.missing(), usage, measured };
      const missing = lines.missing();
      const notes = [
        `generated inside namespace ${namespace} by ${generators} generator Job(s) bench-${jobRunId}-*, ${sidecar ? 'through their sidecars' : 'without sidecars (direct to the Service)'}`,
        ...(missing.length ? [`generators ${missing.join(', ')} sent no result; their requests are not in the histograms`] : []),
      ];
      const result = mergeReports(reports, { engine: 'builtin', url: target.url, method, requestedRps: options.rps, warmupMs, requestedDurationMs: durationSeconds * 1000, timeoutMs: REQUEST_TIMEOUT_MS, intervals: progress.intervals, notes });
      if (protocol !== 'http1') result.wire = loadWire(options);
      if (abort.signal.aborted) result.cancelled = true;
      return { result, failures: lines.failures, missing, usage, measured };
    };

    if (slo) {
      // Adaptive mode: every step is a run of its own; a step whose generators failed fails the search.
      let n = 0;
      const search = await findMaxRate({
        slo,
        startRps: params.rps ?? Math.min(ADAPTIVE_SESSION_START_RPS, BENCHMARK_LIMITS.maxRps),
        maxRps: BENCHMARK_LIMITS.maxRps,
        maxSteps: adaptiveSteps(durationSeconds),
        signal: abort.signal,
        run: async (rps) => {
          const step = await runStep(rps, `${runId}-${++n}`);
          if (!step.result || (!abort.signal.aborted && (step.failures.length || step.missing.length)))
            throw new ApiError(502, 'GeneratorFailed', `adaptive step ${n} at ${rps} rps: ${step.failures[0] ?? `generators ${step.missing.join(', ')} sent no result`}`);
          return step.result;
        },
      });
      benchmark.finishedAt = new Date().toISOString();
      benchmark.slo = sloSearchOf(search);
      const chosen = chosenStep(search);
      benchmark.status = search.stoppedBecause === 'cancelled' ? 'cancelled' : 'completed';
      if (!chosen) {
        benchmark.error = search.stoppedBecause === 'cancelled' ? 'cancelled before the first step ended' : null;
        await store.saveBenchmark({ sessionId: session.id, benchmark, result: null });
        return benchmark;
      }
      const result = chosen.result;
      result.notes.push(`adaptive search for ${slo.text}: ${search.foundRps !== null ? `${search.foundRps} rps met it` : 'no rate tried met it'} (${search.steps.length} steps, stopped: ${search.stoppedBecause}); this is the run at ${chosen.rps} rps`);
      if (search.stoppedBecause === 'cancelled') result.cancelled = true;
      benchmark.summary = summaryOf(result);
      const detected = await detectedFor(benchmark, detecting);
      await store.saveBenchmark({ sessionId: session.id, benchmark, result: attachSlo(resultDocument(result, id, detected), search) });
      return benchmark;
    }

    const step = await runStep(params.rps ?? null, runId);
    benchmark.finishedAt = new Date().toISOString();
    const cancelled = abort.signal.aborted;
    const result = step.result;
    if (!result) {
      benchmark.status = cancelled ? 'cancelled' : 'failed';
      benchmark.error = cancelled ? 'cancelled before any generator reported a result' : (step.failures[0] ?? 'the load generators ended without a result');
      await store.saveBenchmark({ sessionId: session.id, benchmark, result: null });
      return benchmark;
    }
    benchmark.summary = summaryOf(result);
    benchmark.resources = resourcesOf(await step.usage, step.measured, benchmark.summary);
    if (cancelled || result.cancelled) benchmark.status = 'cancelled';
    else if (step.failures.length || step.missing.length) {
      benchmark.status = 'failed';
      benchmark.error = step.failures[0] ?? `generators ${step.missing.join(', ')} sent no result`;
    } else benchmark.status = 'completed';
    const detected = await detectedFor(benchmark, detecting);
    await store.saveBenchmark({ sessionId: session.id, benchmark, result: resultDocument(result, id, detected) });
    return benchmark;
  } catch (err) {
    benchmark.status = abort.signal.aborted ? 'cancelled' : 'failed';
    benchmark.finishedAt = new Date().toISOString();
    benchmark.error = (err as Error).message;
    await store.saveBenchmark({ sessionId: session.id, benchmark, result: null }).catch(() => undefined);
    if (abort.signal.aborted) return benchmark;
    throw err;
  } finally {
    clearInterval(cancelPoll);
    signal.removeEventListener('abort', onAbort);
    if (session.runningBenchmark?.id === id) session.runningBenchmark = undefined;
  }
}
