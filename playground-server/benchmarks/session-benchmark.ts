// A benchmark run from inside the session's namespace: the session's client workload runs the load loop
// (through its sidecar), reached through the pods proxy; progress streams back, and the result — counts
// plus the exact HDR histogram — becomes a loadgen LoadResult, so SMP and fortio exports are the
// load generator's own formats. Per-session limits: rate, duration, connections, one run at a time.
import { randomBytes } from 'node:crypto';
import { ApiError, conflict, limitExceeded } from '../api/errors.js';
import type { OpParams, Schemas } from '../api/types.js';
import { createLatencyHistogram, decodeHistogram } from '../loadgen/histogram.js';
import type { LoadResult } from '../loadgen/result.js';
import { CLIENT_PORT, pickClientPod, podProxyPath } from '../requests/client-workload.js';
import { resolveSessionTarget } from '../requests/target-policy.js';
import type { ActiveSession } from '../sessions/active-session.js';
import type { PlaygroundStore } from '../storage/store.js';

export const BENCHMARK_LIMITS = Object.freeze({ maxRps: 2000, maxDurationSeconds: 60, maxConnections: 64 });
const REQUEST_TIMEOUT_MS = 5000;

/** What the pod's `/load` streams (sandbox/apps/curl-load.ts). */
interface ProgressLine {
  type: 'progress';
  second: number;
  responses: number;
  errors: number;
  p50Micros: number;
  p99Micros: number;
}
interface ResultLine {
  type: 'result';
  startTime: string;
  endTime: string;
  sent: number;
  responses: number;
  statusCodes: Record<string, number>;
  errors: Record<string, number>;
  histogram: string;
  intervals: Omit<ProgressLine, 'type'>[];
  cancelled: boolean;
}

/** The stored form of a result: JSON, with the histogram encoded. */
export interface StoredLoadResult extends Omit<ResultLine, 'type'> {
  url: string;
  method: string;
  rps: number | null;
  connections: number;
  durationSeconds: number;
  pod: string;
  namespace: string;
}

export function checkLimits(p: OpParams<'startBenchmark'>): void {
  const rps = p.rps;
  const duration = p.durationSeconds ?? 5;
  const connections = p.connections ?? 4;
  if (rps !== undefined && rps > BENCHMARK_LIMITS.maxRps) throw limitExceeded('rps', `rps ${rps} is over the per-session limit of ${BENCHMARK_LIMITS.maxRps} requests per second`, { max: BENCHMARK_LIMITS.maxRps });
  if (duration > BENCHMARK_LIMITS.maxDurationSeconds) throw limitExceeded('durationSeconds', `durationSeconds ${duration} is over the per-session limit of ${BENCHMARK_LIMITS.maxDurationSeconds} s`, { max: BENCHMARK_LIMITS.maxDurationSeconds });
  if (connections > BENCHMARK_LIMITS.maxConnections) throw limitExceeded('connections', `connections ${connections} is over the per-session limit of ${BENCHMARK_LIMITS.maxConnections}`, { max: BENCHMARK_LIMITS.maxConnections });
}

const ms = (us: number) => Math.round(us) / 1000;

export function summaryOf(r: StoredLoadResult): Schemas['BenchmarkSummary'] {
  const h = decodeHistogram(r.histogram);
  const seconds = Math.max(0.001, (Date.parse(r.endTime) - Date.parse(r.startTime)) / 1000);
  const summary = {
    requests: r.responses,
    errors: Object.values(r.errors).reduce((a, b) => a + b, 0),
    actualRps: Math.round((r.responses / seconds) * 100) / 100,
    latencyMs: {
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
      mean: Math.round(h.mean) / 1000,
    },
    statusCodes: r.statusCodes,
  };
  h.destroy();
  return summary;
}

/** The loadgen's LoadResult, for its SMP and fortio writers. */
export function toLoadResult(r: StoredLoadResult): LoadResult {
  const h = decodeHistogram(r.histogram);
  const start = new Date(r.startTime);
  const end = new Date(r.endTime);
  return {
    engine: 'playground-curl',
    url: r.url,
    method: r.method,
    model: r.rps === null ? 'closed' : 'open',
    requestedRps: r.rps,
    actualRps: r.responses / Math.max(0.001, (end.getTime() - start.getTime()) / 1000),
    connections: r.connections,
    generators: 1,
    startTime: start,
    endTime: end,
    warmupMs: 0,
    requestedDurationMs: r.durationSeconds * 1000,
    actualDurationMs: end.getTime() - start.getTime(),
    timeoutMs: REQUEST_TIMEOUT_MS,
    scheduled: r.sent,
    sent: r.sent,
    responses: r.responses,
    statusCodes: r.statusCodes,
    errors: r.errors,
    droppedSends: 0,
    lateSends: 0,
    maxSendDelayMicros: 0,
    cancelled: r.cancelled,
    cancelledRequests: 0,
    bytesRead: 0,
    correctedForCoordinatedOmission: false,
    latency: { corrected: h, uncorrected: h, errors: createLatencyHistogram() },
    intervals: r.intervals.map((i) => ({ second: i.second, responses: i.responses, errors: i.errors, p50Micros: i.p50Micros, p99Micros: i.p99Micros })),
    notes: [`generated inside namespace ${r.namespace} by pod ${r.pod}, through its sidecar`],
  };
}

export async function runSessionBenchmark(
  session: ActiveSession,
  store: PlaygroundStore,
  params: OpParams<'startBenchmark'>,
  emit: (e: Schemas['BenchmarkProgress']) => Promise<void>,
  signal: AbortSignal,
): Promise<Schemas['Benchmark']> {
  checkLimits(params);
  if (session.runningBenchmark) throw conflict('BenchmarkRunning', `benchmark ${session.runningBenchmark.id} is still running; one run at a time per session (cancel it or wait)`, { limit: 'concurrentRuns', value: 1 });
  const abort = new AbortController();
  const id = `b-${randomBytes(6).toString('hex')}`;
  session.runningBenchmark = { id, abort };
  const onAbort = () => abort.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const durationSeconds = params.durationSeconds ?? 5;
  const connections = params.connections ?? 4;
  const benchmark: Schemas['Benchmark'] = {
    id,
    status: 'running',
    ...(params.label ? { label: params.label } : {}),
    url: params.url,
    from: params.from ?? 'curl',
    connections,
    rps: params.rps ?? null,
    durationSeconds,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    summary: null,
    error: null,
  };
  try {
    const target = await resolveSessionTarget(session.kube, session.namespace, params.url, abort.signal);
    const from = await pickClientPod(session.kube, session.namespace, params.from ?? 'curl', abort.signal);
    await store.saveBenchmark({ sessionId: session.id, benchmark, result: null });
    const res = await session.kube.open({
      method: 'POST',
      path: podProxyPath(session.namespace, from.pod, CLIENT_PORT, '/load'),
      body: { url: target.url, method: params.method ?? 'GET', headers: params.headers ?? {}, body: params.body, connections, rps: params.rps ?? null, durationMs: durationSeconds * 1000, timeoutMs: REQUEST_TIMEOUT_MS },
      accept: 'application/x-ndjson',
      signal: abort.signal,
      timeoutMs: durationSeconds * 1000 + 30_000,
    });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw new ApiError(502, 'WorkloadUnreachable', `the client pod ${from.pod} refused the load test: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
    }
    let result: ResultLine | undefined;
    let total = { responses: 0, errors: 0 };
    let buffer = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        buffer += chunk as string;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, nl)) as ProgressLine | ResultLine;
          buffer = buffer.slice(nl + 1);
          if (line.type === 'progress') {
            total = { responses: total.responses + line.responses, errors: total.errors + line.errors };
            await emit({ elapsedSeconds: line.second, requests: total.responses, errors: total.errors, rps: line.responses, p99Ms: ms(line.p99Micros) });
          } else if (line.type === 'result') result = line;
        }
        if (buffer.length > 4 * 1024 * 1024) throw new ApiError(502, 'WorkloadUnreachable', 'the load generator sent an oversized line');
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
    benchmark.finishedAt = new Date().toISOString();
    if (!result) {
      benchmark.status = abort.signal.aborted ? 'cancelled' : 'failed';
      benchmark.error = abort.signal.aborted ? 'cancelled before the first result' : 'the load generator ended without a result';
      await store.saveBenchmark({ sessionId: session.id, benchmark, result: null });
      return benchmark;
    }
    const stored: StoredLoadResult = { ...result, url: target.url, method: params.method ?? 'GET', rps: params.rps ?? null, connections, durationSeconds, pod: from.pod, namespace: session.namespace };
    delete (stored as { type?: string }).type;
    benchmark.status = result.cancelled || abort.signal.aborted ? 'cancelled' : 'completed';
    benchmark.summary = summaryOf(stored);
    await store.saveBenchmark({ sessionId: session.id, benchmark, result: stored });
    return benchmark;
  } catch (err) {
    benchmark.status = abort.signal.aborted ? 'cancelled' : 'failed';
    benchmark.finishedAt = new Date().toISOString();
    benchmark.error = (err as Error).message;
    await store.saveBenchmark({ sessionId: session.id, benchmark, result: null }).catch(() => undefined);
    if (abort.signal.aborted) return benchmark;
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (session.runningBenchmark?.id === id) session.runningBenchmark = undefined;
  }
}
