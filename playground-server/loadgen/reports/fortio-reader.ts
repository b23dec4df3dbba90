// Reads a fortio result JSON (fortio's own or ours), HTTP or gRPC, by fortio's field semantics (fhttp/httprunner.go,
// fgrpc/grpcrunner.go, periodic/periodic.go, stats/stats.go): DurationHistogram holds every call,
// ErrorsDurationHistogram the calls that were not OK, durations in seconds, ActualDuration in nanoseconds.
// - HTTP (RunType "HTTP"): RetCodes maps status to count; not OK is a status outside 200–299 (fortio also passes
//   418) or a socket error (RetCode -1). HTTPOptions.H2 says the run spoke HTTP/2 (fortio's default is HTTP/1.1).
// - gRPC (RunType "GRPC Health for '<svc>'", "GRPC Ping…", "Custom GRPC Method <m> and Payload <p>…"): RetCodes maps
//   the health ServingStatus name of each answered call to its count ("SERVING" for an OK ping or custom call) and
//   "ERROR" counts every failed call, whatever its gRPC status; only SERVING is OK. NumThreads is connections ×
//   Streams, Destination the target.
// Documents older than ErrorsDurationHistogram are counted from RetCodes the same way (gRPC ones keyed by ServingStatus
// ordinal too: GRPC_RET_CODE). Every field read is checked; a wrong one is an error naming it.
import { FORTIO_GRPC_ERROR, FORTIO_GRPC_PING, GRPC_HEALTH_CHECK, HEALTH_STATUS_NAMES } from '../grpc-client.js';

export interface FortioReading {
  runType: string;
  /** What the run spoke: http1 unless HTTPOptions.H2 says h2; grpc for fortio's gRPC runner. */
  protocol: 'http1' | 'h2' | 'grpc';
  /** gRPC: the method called (`/package.Service/Method`), from the RunType. */
  grpcMethod?: string;
  /** gRPC: streams per connection (fortio's Streams, 1 when absent). */
  streams?: number;
  /** Connections: NumThreads (HTTP), NumThreads / Streams (gRPC: fortio counts a thread per stream). */
  connections: number;
  labels: string;
  version: string;
  url: string;
  startTime: Date;
  requestedQps: number | null;
  actualQps: number;
  actualDurationMs: number;
  threads: number;
  /** Every call (DurationHistogram.Count). */
  calls: number;
  /** Calls that were not OK. */
  errors: number;
  successes: number;
  successRate: number | null;
  /** HTTP: status → count, '-1' a socket error. gRPC: ServingStatus name or "ERROR" → count. */
  retCodes: Record<string, number>;
  /** Latency in ms over every call: min, average, max, stddev and fortio's percentiles (p50 → value). */
  latencyMs: { min: number; average: number; max: number; stdDev: number; percentiles: Record<string, number> };
  /** fortio's histogram buckets in ms (coarse, fortio's own bucketing; not an HDR histogram). */
  buckets: { startMs: number; endMs: number; count: number }[];
  /** Where the document breaks fortio's own invariants (e.g. Σ RetCodes ≠ DurationHistogram.Count). */
  inconsistencies: string[];
}

export class FortioFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** fortio's codeIsOK. */
export const fortioCodeIsOk = (code: number): boolean => (code >= 200 && code <= 299) || code === 418;

const obj = (v: unknown, field: string): Record<string, unknown> => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FortioFormatError(field, 'expected an object');
  return v as Record<string, unknown>;
};
const num = (v: unknown, field: string, min = 0): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new FortioFormatError(field, `expected a number ≥ ${min}`);
  return v;
};
const int = (v: unknown, field: string): number => {
  const n = num(v, field);
  if (!Number.isInteger(n)) throw new FortioFormatError(field, 'expected a whole number');
  return n;
};
const str = (v: unknown, field: string, optional = false): string => {
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') throw new FortioFormatError(field, 'expected a string');
  return v;
};

interface Histo {
  Count: number;
  Min: number;
  Max: number;
  Avg: number;
  StdDev: number;
  Data: { Start: number; End: number; Count: number }[];
  Percentiles: { Percentile: number; Value: number }[];
}

function histogram(v: unknown, field: string): Histo {
  const h = obj(v, field);
  const data = h.Data === null || h.Data === undefined ? [] : h.Data;
  if (!Array.isArray(data)) throw new FortioFormatError(`${field}.Data`, 'expected an array of buckets or null');
  const pct = h.Percentiles === null || h.Percentiles === undefined ? [] : h.Percentiles;
  if (!Array.isArray(pct)) throw new FortioFormatError(`${field}.Percentiles`, 'expected an array or null');
  return {
    Count: int(h.Count, `${field}.Count`),
    Min: num(h.Min, `${field}.Min`),
    Max: num(h.Max, `${field}.Max`),
    Avg: num(h.Avg, `${field}.Avg`),
    StdDev: num(h.StdDev, `${field}.StdDev`),
    Data: data.map((b, i) => {
      const o = obj(b, `${field}.Data[${i}]`);
      return { Start: num(o.Start, `${field}.Data[${i}].Start`), End: num(o.End, `${field}.Data[${i}].End`), Count: int(o.Count, `${field}.Data[${i}].Count`) };
    }),
    Percentiles: pct.map((p, i) => {
      const o = obj(p, `${field}.Percentiles[${i}]`);
      return { Percentile: num(o.Percentile, `${field}.Percentiles[${i}].Percentile`), Value: num(o.Value, `${field}.Percentiles[${i}].Value`) };
    }),
  };
}

const msOf = (seconds: number): number => seconds * 1000;

/**
 * fortio's gRPC RetCodes keys: ServingStatus names and "ERROR"; documents from before fortio#290 (fortio < 1.0) key
 * the ServingStatus ordinal ("1" is SERVING) and -1 for a failed call, read here as the names.
 */
const GRPC_RET_CODE = /^(?:[A-Z][A-Z_]{0,39}|-?\d{1,3})$/;
const grpcRetCodeName = (k: string): string => (k === '-1' ? FORTIO_GRPC_ERROR : /^\d+$/.test(k) ? (HEALTH_STATUS_NAMES[Number(k)] ?? k) : k);

/** The method a fortio gRPC RunType names (fgrpc/grpcrunner.go RunGRPCTest), or null when it is not a gRPC one. */
export function grpcMethodOfRunType(runType: string): string | null {
  if (/^GRPC Health for '/.test(runType)) return GRPC_HEALTH_CHECK;
  if (/^GRPC Ping(?: |$)/.test(runType)) return FORTIO_GRPC_PING;
  const custom = /^Custom GRPC Method (\S{1,256}) and Payload /.exec(runType);
  if (custom) return custom[1].startsWith('/') ? custom[1] : `/${custom[1]}`;
  return null;
}

export function readFortioResult(input: unknown): FortioReading {
  const d = obj(input, 'document');
  const runType = str(d.RunType, 'RunType');
  const grpcMethod = runType === 'HTTP' ? null : grpcMethodOfRunType(runType);
  if (runType !== 'HTTP' && grpcMethod === null) {
    throw new FortioFormatError('RunType', `expected "HTTP" or one of fortio's gRPC run types ("GRPC Health for '…'", "GRPC Ping…", "Custom GRPC Method … and Payload …"); got "${runType.slice(0, 40)}"`);
  }
  const grpc = grpcMethod !== null;
  const duration = histogram(d.DurationHistogram, 'DurationHistogram');
  const retCodesIn = obj(d.RetCodes ?? {}, 'RetCodes');
  const retCodes: Record<string, number> = {};
  for (const [k, v] of Object.entries(retCodesIn)) {
    if (grpc ? !GRPC_RET_CODE.test(k) : !/^-?\d{1,3}$/.test(k)) {
      throw new FortioFormatError(`RetCodes.${k.slice(0, 20)}`, grpc ? 'keys of a gRPC result are health serving status names (SERVING, NOT_SERVING, …) or ERROR' : 'keys are HTTP status codes (or -1 for socket errors)');
    }
    const key = grpc ? grpcRetCodeName(k) : k;
    retCodes[key] = (retCodes[key] ?? 0) + int(v, `RetCodes.${k}`);
  }
  const inconsistencies: string[] = [];
  const retSum = Object.values(retCodes).reduce((a, b) => a + b, 0);
  if (retSum !== duration.Count) inconsistencies.push(`Σ RetCodes ${retSum} ≠ DurationHistogram.Count ${duration.Count}`);
  const isOk = (k: string): boolean => (grpc ? k === 'SERVING' || k === 'OK' : fortioCodeIsOk(Number(k)));
  const notOk = Object.entries(retCodes).reduce((n, [k, v]) => n + (isOk(k) ? 0 : v), 0);
  let errors = notOk;
  if (d.ErrorsDurationHistogram !== undefined && d.ErrorsDurationHistogram !== null) {
    errors = histogram(d.ErrorsDurationHistogram, 'ErrorsDurationHistogram').Count;
    if (errors !== notOk) inconsistencies.push(`ErrorsDurationHistogram.Count ${errors} ≠ non-OK RetCodes ${notOk}`);
  }
  const requested = str(d.RequestedQPS, 'RequestedQPS');
  const requestedQps = requested === 'max' ? null : Number(requested);
  if (requestedQps !== null && !(Number.isFinite(requestedQps) && requestedQps > 0)) throw new FortioFormatError('RequestedQPS', `expected "max" or a rate > 0 (got "${requested.slice(0, 20)}")`);
  const start = new Date(str(d.StartTime, 'StartTime'));
  if (Number.isNaN(start.getTime())) throw new FortioFormatError('StartTime', 'expected an RFC 3339 time');
  if (d.H2 !== undefined && typeof d.H2 !== 'boolean') throw new FortioFormatError('H2', 'expected true or false');
  const threads = int(d.NumThreads, 'NumThreads');
  let streams: number | undefined;
  if (grpc) {
    streams = d.Streams === undefined ? 1 : int(d.Streams, 'Streams');
    if (streams < 1) throw new FortioFormatError('Streams', 'expected a whole number ≥ 1');
  }
  const percentiles: Record<string, number> = {};
  for (const p of duration.Percentiles) percentiles[`p${p.Percentile}`] = msOf(p.Value);
  return {
    runType,
    protocol: grpc ? 'grpc' : d.H2 === true ? 'h2' : 'http1',
    ...(grpcMethod !== null ? { grpcMethod, streams } : {}),
    connections: streams && threads % streams === 0 ? threads / streams : threads,
    labels: str(d.Labels, 'Labels', true),
    version: str(d.Version, 'Version', true),
    url: str(d.URL, 'URL', true) || str(d.Destination, 'Destination', true),
    startTime: start,
    requestedQps,
    actualQps: num(d.ActualQPS, 'ActualQPS'),
    actualDurationMs: int(d.ActualDuration, 'ActualDuration') / 1e6,
    threads,
    calls: duration.Count,
    errors,
    successes: duration.Count - errors,
    successRate: duration.Count === 0 ? null : (duration.Count - errors) / duration.Count,
    retCodes,
    latencyMs: { min: msOf(duration.Min), average: msOf(duration.Avg), max: msOf(duration.Max), stdDev: msOf(duration.StdDev), percentiles },
    buckets: duration.Data.map((b) => ({ startMs: msOf(b.Start), endMs: msOf(b.End), count: b.Count })),
    inconsistencies,
  };
}
