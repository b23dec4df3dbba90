// Reads a fortio HTTP result JSON (fortio's own or ours) by fortio's field semantics (fhttp/httprunner.go,
// periodic/periodic.go, stats/stats.go): DurationHistogram holds every call, ErrorsDurationHistogram the calls
// that were not OK (status outside 200–299 — fortio also passes 418 — and socket errors, RetCode -1), durations
// in seconds, ActualDuration in nanoseconds, RetCodes a map from status to count. Documents older than
// ErrorsDurationHistogram are counted from RetCodes the same way. Every field read is checked; a wrong one is
// an error naming it.

export interface FortioReading {
  runType: string;
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
  /** Status → count; '-1' is a socket error. */
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

export function readFortioResult(input: unknown): FortioReading {
  const d = obj(input, 'document');
  const runType = str(d.RunType, 'RunType');
  if (runType !== 'HTTP') throw new FortioFormatError('RunType', `only HTTP results can be read (got "${runType.slice(0, 40)}")`);
  const duration = histogram(d.DurationHistogram, 'DurationHistogram');
  const retCodesIn = obj(d.RetCodes ?? {}, 'RetCodes');
  const retCodes: Record<string, number> = {};
  for (const [k, v] of Object.entries(retCodesIn)) {
    if (!/^-?\d{1,3}$/.test(k)) throw new FortioFormatError(`RetCodes.${k.slice(0, 20)}`, 'keys are HTTP status codes (or -1 for socket errors)');
    retCodes[k] = int(v, `RetCodes.${k}`);
  }
  const inconsistencies: string[] = [];
  const retSum = Object.values(retCodes).reduce((a, b) => a + b, 0);
  if (retSum !== duration.Count) inconsistencies.push(`Σ RetCodes ${retSum} ≠ DurationHistogram.Count ${duration.Count}`);
  const notOk = Object.entries(retCodes).reduce((n, [k, v]) => n + (fortioCodeIsOk(Number(k)) ? 0 : v), 0);
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
  const percentiles: Record<string, number> = {};
  for (const p of duration.Percentiles) percentiles[`p${p.Percentile}`] = msOf(p.Value);
  return {
    runType,
    labels: str(d.Labels, 'Labels', true),
    version: str(d.Version, 'Version', true),
    url: str(d.URL, 'URL', true),
    startTime: start,
    requestedQps,
    actualQps: num(d.ActualQPS, 'ActualQPS'),
    actualDurationMs: int(d.ActualDuration, 'ActualDuration') / 1e6,
    threads: int(d.NumThreads, 'NumThreads'),
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
