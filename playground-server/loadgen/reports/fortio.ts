// fortio-compatible JSON (fortio's periodic.RunnerResults + fhttp.HTTPRunnerResults field names), so
// fortio's report UI and tools that read fortio JSON can load our results. Durations are seconds as in
// fortio's stats.HistogramData; ActualDuration is nanoseconds (Go's time.Duration). Counted as fortio counts
// (fhttp/httprunner.go, periodic/periodic.go): DurationHistogram holds EVERY call — responses of any status and
// failures without a response —, ErrorsDurationHistogram the calls that were not OK (status outside 200–299,
// and socket errors), RetCodes each status with -1 for socket errors, so Σ RetCodes = DurationHistogram.Count.
// Durations are the corrected latency (from the intended start); the uncorrected one rides along under a name
// fortio ignores, and so do the playground's `Warnings` (percentiles the sample is too small for).
import { FORTIO_GRPC_ERROR, fortioGrpcRetCode, GRPC_HEALTH_CHECK } from '../grpc-client.js';
import { fortioGrpcRunType } from './fortio-grpc-run-type.js';
import { mergeHistograms, recordedBuckets, summarize, type Histogram } from '../histogram.js';
import { formatDuration } from '../options.js';
import { transportErrorCount, type LoadResult } from '../result.js';
import { runWarnings } from './run-warnings.js';

export interface FortioBucket {
  Start: number;
  End: number;
  Percent: number;
  Count: number;
}

export interface FortioHistogramData {
  Count: number;
  Min: number;
  Max: number;
  Sum: number;
  Avg: number;
  StdDev: number;
  Data: FortioBucket[] | null;
  Percentiles: { Percentile: number; Value: number }[] | null;
}

export interface FortioHttpRunnerResults {
  RunType: string;
  Labels: string;
  StartTime: string;
  RequestedQPS: string;
  RequestedDuration: string;
  ActualQPS: number;
  ActualDuration: number;
  NumThreads: number;
  Version: string;
  DurationHistogram: FortioHistogramData;
  ErrorsDurationHistogram: FortioHistogramData;
  Exactly: number;
  Jitter: boolean;
  Uniform: boolean;
  NoCatchUp: boolean;
  RunID: number;
  AccessLoggerInfo: string;
  ID: string;
  RetCodes: Record<string, number>;
  URL: string;
  SocketCount: number;
  AbortOn: number;
  UncorrectedDurationHistogram: FortioHistogramData;
  /** Not fortio's: caveats about the numbers (absent when none). */
  Warnings?: string[];
}

export const FORTIO_PERCENTILES = [50, 75, 90, 99, 99.9];
export const LOADGEN_VERSION = 'mesh-playground-loadgen 0.1.0';

const sec = (us: number): number => us / 1e6;

export function fortioHistogram(h: Histogram): FortioHistogramData {
  const s = summarize(h);
  if (s.count === 0) return { Count: 0, Min: 0, Max: 0, Sum: 0, Avg: 0, StdDev: 0, Data: null, Percentiles: null };
  const buckets = recordedBuckets(h);
  let cumulative = 0;
  const data: FortioBucket[] = buckets.map((b, i) => {
    cumulative += b.count;
    return {
      Start: sec(i === 0 ? Math.min(b.fromMicros, s.min) : b.fromMicros),
      End: sec(i === buckets.length - 1 ? s.max : b.toMicros + 1),
      Percent: (100 * cumulative) / s.count,
      Count: b.count,
    };
  });
  return {
    Count: s.count,
    Min: sec(s.min),
    Max: sec(s.max),
    Sum: sec(s.mean * s.count),
    Avg: sec(s.mean),
    StdDev: sec(s.stdDev),
    Data: data,
    Percentiles: FORTIO_PERCENTILES.map((p) => ({ Percentile: p, Value: sec(h.getValueAtPercentile(p)) })),
  };
}

/** fortio's result ID: YYYY-MM-DD-HHmmSS (UTC here). */
function fortioId(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function toFortioJson(r: LoadResult, labels = ''): FortioHttpRunnerResults {
  const retCodes: Record<string, number> = {};
  // fortio's RetCodes is map[int]int64: numeric codes only (an adapter's class keys such as wrk's '4xx-5xx' cannot
  // be written; its notes say so); -1 is fortio's code for socket errors.
  const grpc = r.wire?.protocol === 'grpc' ? r.wire : null;
  // gRPC runs key RetCodes as fortio's GRPCRunnerResults does (fortioGrpcRetCode): ServingStatus names for OK calls,
  // "ERROR" for every failed one, transport failures included.
  for (const [code, n] of Object.entries(r.statusCodes)) {
    if (!/^\d+$/.test(code)) continue;
    const key = grpc ? fortioGrpcRetCode(Number(code)) : code;
    retCodes[key] = (retCodes[key] ?? 0) + n;
  }
  const transportErrors = transportErrorCount(r);
  if (transportErrors > 0) {
    const key = grpc ? FORTIO_GRPC_ERROR : '-1';
    retCodes[key] = (retCodes[key] ?? 0) + transportErrors;
  }
  const warnings = runWarnings(r);
  return {
    RunType: 'HTTP',
    Labels: labels,
    StartTime: r.startTime.toISOString(),
    RequestedQPS: r.requestedRps === null ? 'max' : String(r.requestedRps),
    RequestedDuration: formatDuration(r.requestedDurationMs),
    ActualQPS: r.actualRps,
    ActualDuration: Math.round(r.actualDurationMs * 1e6),
    NumThreads: r.connections,
    Version: LOADGEN_VERSION,
    DurationHistogram: fortioHistogram(mergeHistograms([r.latency.corrected, r.latency.transportErrors])),
    ErrorsDurationHistogram: fortioHistogram(mergeHistograms([r.latency.statusErrors, r.latency.transportErrors])),
    Exactly: 0,
    Jitter: false,
    Uniform: false,
    NoCatchUp: false,
    RunID: 0,
    AccessLoggerInfo: '',
    ID: fortioId(r.startTime),
    RetCodes: retCodes,
    URL: r.url,
    SocketCount: r.connections,
    AbortOn: 0,
    UncorrectedDurationHistogram: fortioHistogram(r.latency.uncorrected),
    ...(warnings.length ? { Warnings: warnings } : {}),
    // fortio's HTTPOptions.H2: the run spoke HTTP/2 (its fast client speaks HTTP/1.1 only, so fortio writes false).
    ...(r.wire?.protocol === 'h2' ? { H2: true } : {}),
    // fortio's gRPC runner counts a thread per stream (NumThreads = connections × streams) and writes Destination.
    ...(grpc ? { RunType: fortioGrpcRunType(grpc.grpcMethod ?? GRPC_HEALTH_CHECK, grpc.grpcMessage), NumThreads: r.connections * grpc.streamsPerConnection, Destination: r.url, Streams: grpc.streamsPerConnection } : {}),
  };
}
