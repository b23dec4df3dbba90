// The engine-neutral result of a load test, and the exact merge of generator reports into one.
import { createLatencyHistogram, decodeHistogram, type Histogram } from './histogram.js';
import type { GeneratorReport, RunCounts } from './protocol.js';
import { grpcOutcomeName, GRPC_HEALTH_CHECK } from './grpc-client.js';

export type LoadModel = 'open' | 'closed';

/** One second of the measured window, across all generators. */
export interface IntervalStat {
  second: number;
  responses: number;
  errors: number;
  p50Micros: number;
  p99Micros: number;
}

/** The counts (RunCounts) are every generator's summed; maxSendDelayMicros is the largest. */
export interface LoadResult extends RunCounts {
  engine: string;
  url: string;
  method: string;
  model: LoadModel;
  /**
   * HTTP/2 or gRPC runs (--h2/--grpc); absent for HTTP/1.1. gRPC statuses are pseudo-statuses (grpc-client.ts);
   * grpcMessage is the request message as base64 (absent when empty), which fortio's RunType names a part of.
   */
  wire?: { protocol: 'h2' | 'grpc'; streamsPerConnection: number; grpcMethod?: string; grpcMessage?: string };
  /** Requested arrival rate (open model); null for the closed model ("max"). */
  requestedRps: number | null;
  /** Responses per second over the measured window (SMP actual_qps, fortio ActualQPS). */
  actualRps: number;
  connections: number;
  generators: number;
  /** Start and end of the measured window (warm-up excluded). */
  startTime: Date;
  endTime: Date;
  warmupMs: number;
  requestedDurationMs: number;
  actualDurationMs: number;
  timeoutMs: number;
  /** Whether `corrected` is measured from intended start times (false for closed model and adapters). */
  correctedForCoordinatedOmission: boolean;
  latency: {
    /** Every response, any status, from each request's intended start (what a user arriving on schedule waits). Integer µs. */
    corrected: Histogram;
    /** Every response, any status, from the actual send (service time as the generator saw it). Integer µs. */
    uncorrected: Histogram;
    /** Time from the actual send until failure, for requests that got no response. Integer µs. */
    errors: Histogram;
    /** Responses with a non-2xx status (failed requests, as fortio counts them), measured like `corrected`. */
    statusErrors: Histogram;
    /** Requests that got no response, until failure, measured like `corrected` (from the intended start). */
    transportErrors: Histogram;
  };
  intervals: IntervalStat[];
  /** Caveats the engine wants the reader to know (e.g. what an adapter's output cannot tell). */
  notes: string[];
  /**
   * Generator CPU milliseconds per 1,000 requests (responses + errors) over the measured window: the sum of the
   * generators' cpuMicros over the requests. Absent when any generator could not measure its CPU.
   */
  cpuMsPer1kRequests?: number;
  /**
   * What this engine cannot measure, so outputs show "not measured" instead of a 0 it never observed: `sendSchedule`
   * (late and dropped sends: the tool has no schedule of intended sends), `transportErrors` (failures without a
   * response), `statusCodes` (per-status counts). Absent or empty: everything is measured.
   */
  notMeasured?: NotMeasured[];
}

export type NotMeasured = 'sendSchedule' | 'transportErrors' | 'statusCodes';

/** What the coordinator knows that the generator reports do not. */
export type MergeContext = Pick<LoadResult, 'engine' | 'url' | 'method' | 'requestedRps' | 'warmupMs' | 'requestedDurationMs' | 'timeoutMs' | 'intervals'> & { notes?: string[] };

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Merge generator reports: counts add, histograms add bucket by bucket (exact), the window spans all. */
export function mergeReports(reports: GeneratorReport[], ctx: MergeContext): LoadResult {
  if (reports.length === 0) throw new Error('mergeReports: no generator reports');
  const corrected = createLatencyHistogram();
  const uncorrected = createLatencyHistogram();
  const errorsH = createLatencyHistogram();
  const statusErrorsH = createLatencyHistogram();
  const transportErrorsH = createLatencyHistogram();
  const statusCodes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let start = Infinity;
  let end = 0;
  const sum = { scheduled: 0, sent: 0, responses: 0, droppedSends: 0, lateSends: 0, cancelledRequests: 0, bytesRead: 0, connections: 0 };
  let maxSendDelayMicros = 0;
  for (const r of reports) {
    corrected.add(decodeHistogram(r.histograms.corrected));
    uncorrected.add(decodeHistogram(r.histograms.uncorrected));
    errorsH.add(decodeHistogram(r.histograms.errors));
    if (r.histograms.statusErrors) statusErrorsH.add(decodeHistogram(r.histograms.statusErrors));
    if (r.histograms.transportErrors) transportErrorsH.add(decodeHistogram(r.histograms.transportErrors));
    addCounts(statusCodes, r.statusCodes);
    addCounts(errors, r.errors);
    start = Math.min(start, r.measureStartEpochMs);
    end = Math.max(end, r.endEpochMs);
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r[k];
    maxSendDelayMicros = Math.max(maxSendDelayMicros, r.maxSendDelayMicros);
  }
  const actualDurationMs = Math.max(1, end - start);
  const cpu = mergeCpu(reports);
  const model = reports[0].model;
  return {
    engine: ctx.engine,
    url: ctx.url,
    method: ctx.method,
    model,
    requestedRps: ctx.requestedRps,
    actualRps: sum.responses / (actualDurationMs / 1000),
    connections: sum.connections,
    generators: reports.length,
    startTime: new Date(start),
    endTime: new Date(end),
    warmupMs: ctx.warmupMs,
    requestedDurationMs: ctx.requestedDurationMs,
    actualDurationMs,
    timeoutMs: ctx.timeoutMs,
    scheduled: sum.scheduled,
    sent: sum.sent,
    responses: sum.responses,
    statusCodes,
    errors,
    droppedSends: sum.droppedSends,
    lateSends: sum.lateSends,
    maxSendDelayMicros,
    cancelled: reports.some((r) => r.cancelled),
    cancelledRequests: sum.cancelledRequests,
    bytesRead: sum.bytesRead,
    correctedForCoordinatedOmission: model === 'open',
    latency: { corrected, uncorrected, errors: errorsH, statusErrors: statusErrorsH, transportErrors: transportErrorsH },
    intervals: ctx.intervals,
    notes: ctx.notes ?? [],
    ...cpu,
  };
}

/** Generator CPU summed (present only when every generator measured it) and per 1,000 requests. */
function mergeCpu(reports: GeneratorReport[]): { cpuMicros?: number; cpuMsPer1kRequests?: number } {
  if (!reports.every((r) => typeof r.cpuMicros === 'number')) return {};
  const cpuMicros = reports.reduce((a, r) => a + (r.cpuMicros ?? 0), 0);
  const requests = reports.reduce((a, r) => a + r.responses + Object.values(r.errors).reduce((x, y) => x + y, 0), 0);
  // µs per request is numerically ms per 1,000 requests.
  return requests > 0 ? { cpuMicros, cpuMsPer1kRequests: cpuMicros / requests } : { cpuMicros };
}

/**
 * A request succeeded when it got a 2xx response. Everything else is an error, as fortio counts them (its
 * `codeIsOK`: 200–299; fortio also lets 418 pass, for its own echo server's tests — we do not): 1xx/3xx/4xx/5xx
 * responses and requests without a response (fortio's RetCode -1).
 */
export function isSuccessStatus(code: string): boolean {
  return /^2\d\d$/.test(code) || code === SUCCESS_ONLY_CLASS;
}

/** wrk's adapter can only tell "status < 400" from "≥ 400": its successes are this one class. */
export const SUCCESS_ONLY_CLASS = '1xx-3xx';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'other';

/** The class of a status key: '503' → '5xx'; a class key an adapter wrote ('4xx-5xx', '1xx-3xx') stays itself. */
export function statusClassOf(code: string): string {
  if (/^[1-5]\d\d$/.test(code)) return `${code[0]}xx`;
  if (/^[1-5]xx(-[1-5]xx)?$/.test(code)) return code;
  return 'other';
}

/**
 * The classes a success is counted in: 2xx (and wrk's '1xx-3xx') for HTTP; for gRPC the status OK, named SERVING for
 * the health check (grpc-client.ts grpcOutcomeName). The site's "Errors (by class)" column leaves out the same ones.
 */
export const SUCCESS_CLASSES: readonly string[] = ['2xx', SUCCESS_ONLY_CLASS, 'OK', 'SERVING'];

/**
 * The class a run's status key is counted in: for HTTP its status class (statusClassOf); for gRPC the name of the
 * outcome a gRPC user reads — OK/SERVING, the grpc-status name (UNIMPLEMENTED, UNAVAILABLE, …), the health serving
 * status (NOT_SERVING, …), or HTTP_<status> for a plain HTTP answer without a grpc-status.
 */
export function outcomeClassOf(code: string, wire?: LoadResult['wire']): string {
  if (wire?.protocol !== 'grpc' || !/^\d+$/.test(code)) return statusClassOf(code);
  return grpcOutcomeName(Number(code), (wire.grpcMethod ?? GRPC_HEALTH_CHECK) === GRPC_HEALTH_CHECK);
}

/** What became of the measured requests: successes, errors by status class and by transport failure kind. */
export interface RunOutcome {
  /** Requests that got a response or failed without one (cancelled in-flight requests excluded). */
  requests: number;
  successes: number;
  /** Non-2xx responses plus transport failures. */
  errors: number;
  /** successes / requests (1 when there were no requests, and null when nothing was measured). */
  successRate: number | null;
  /** Responses per status class ('2xx', '5xx', …; for gRPC 'OK', 'UNAVAILABLE', … — outcomeClassOf), successes included. */
  byClass: Record<string, number>;
  /** Non-2xx responses. */
  statusErrors: number;
  /** Failures without a response, per kind (connect, timeout, reset, closed, protocol). */
  transport: Record<string, number>;
  transportErrors: number;
}

export function outcomeOf(r: Pick<LoadResult, 'statusCodes' | 'errors'> & Partial<Pick<LoadResult, 'wire'>>): RunOutcome {
  const byClass: Record<string, number> = {};
  let responses = 0;
  let successes = 0;
  for (const [code, n] of Object.entries(r.statusCodes)) {
    const cls = outcomeClassOf(code, r.wire);
    byClass[cls] = (byClass[cls] ?? 0) + n;
    responses += n;
    if (isSuccessStatus(code)) successes += n;
  }
  const transportErrors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const requests = responses + transportErrors;
  return {
    requests,
    successes,
    errors: requests - successes,
    successRate: requests === 0 ? null : successes / requests,
    byClass,
    statusErrors: responses - successes,
    transport: { ...r.errors },
    transportErrors,
  };
}

/** Failed requests: non-2xx responses and failures without a response (fortio's ErrorsDurationHistogram count). */
export function totalErrors(r: Pick<LoadResult, 'statusCodes' | 'errors'>): number {
  return outcomeOf(r).errors;
}

/** Failures without any response (connect, timeout, reset, closed, protocol). */
export function transportErrorCount(r: Pick<LoadResult, 'errors'>): number {
  return Object.values(r.errors).reduce((a, b) => a + b, 0);
}
