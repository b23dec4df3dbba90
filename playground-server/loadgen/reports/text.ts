// Human-readable report: a summary, corrected vs uncorrected percentiles, and the full percentile
// spectrum in wrk2's / HdrHistogram's outputPercentileDistribution shape (Value, Percentile, TotalCount,
// 1/(1-Percentile)), values in milliseconds.
import { summarize, type Histogram } from '../histogram.js';
import { formatDuration } from '../options.js';
import { GRPC_OK_STATUS } from '../grpc-client.js';
import { outcomeClassOf, outcomeOf, SUCCESS_CLASSES, type IntervalStat, type LoadResult } from '../result.js';
import { runWarnings } from './run-warnings.js';

const fmtMs = (us: number): string => (us / 1000).toFixed(3);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function counts(rec: Record<string, number>): string {
  const parts = Object.entries(rec).map(([k, v]) => `${k}: ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** ' (5xx: 400)', ' (UNIMPLEMENTED: 3)' — the error classes among the responses. */
function classList(byClass: Record<string, number>): string {
  const errs = Object.entries(byClass).filter(([k]) => !SUCCESS_CLASSES.includes(k));
  return errs.length ? ` (${errs.map(([k, v]) => `${k}: ${v}`).join(', ')})` : '';
}

export function percentileSpectrum(h: Histogram): string {
  if (h.totalCount === 0) return '(no samples)\n';
  return h.outputPercentileDistribution(5, 1000);
}

export function progressLine(i: IntervalStat): string {
  return `[${String(i.second).padStart(4)}s] ${String(i.responses).padStart(7)} rps  p50 ${fmtMs(i.p50Micros).padStart(9)} ms  p99 ${fmtMs(i.p99Micros).padStart(9)} ms  errors ${i.errors}`;
}

const pct = (x: number): string => `${(100 * x).toFixed(x === 1 || x === 0 ? 0 : 2)}%`;

/** Requested rate and model, as the engine ran it (a throttled closed loop is not an open model). */
function rateLine(r: LoadResult): string {
  if (r.requestedRps === null) return 'max rate (closed model)';
  if (r.model === 'closed') return `${r.requestedRps} rps as a throttle (closed model: each connection waits for its response; not an open model)`;
  return `${r.requestedRps} rps (open model)`;
}

export function toText(r: LoadResult): string {
  const c = summarize(r.latency.corrected);
  const u = summarize(r.latency.uncorrected);
  const o = outcomeOf(r);
  const notMeasured = new Set(r.notMeasured ?? []);
  const lines: string[] = [];
  const rate = rateLine(r);
  const wire = r.wire ? (r.wire.protocol === 'grpc' ? `  [gRPC ${r.wire.grpcMethod} over HTTP/2, ${r.wire.streamsPerConnection} stream(s)/session]` : `  [HTTP/2, ${r.wire.streamsPerConnection} stream(s)/session]`) : '';
  lines.push(`Target      ${r.wire?.protocol === 'grpc' ? 'POST' : r.method} ${r.url}  [engine ${r.engine}]${wire}`);
  lines.push(`Requested   ${rate} for ${formatDuration(r.requestedDurationMs)} after ${formatDuration(r.warmupMs)} warm-up; ${plural(r.connections, 'connection')}, ${plural(r.generators, 'generator')}`);
  lines.push(`Achieved    ${r.actualRps.toFixed(1)} rps over ${formatDuration(r.actualDurationMs)}; ${r.responses} responses${r.cancelled ? ' (CANCELLED: partial result)' : ''}`);
  // gRPC runs speak of calls and of the status a gRPC user reads (OK; SERVING for the health check: outcomeClassOf).
  const grpc = r.wire?.protocol === 'grpc';
  const okName = grpc ? outcomeClassOf(String(GRPC_OK_STATUS), r.wire) : '2xx';
  const rateText = o.successRate === null ? 'no requests' : `${pct(o.successRate)} (${o.successes} of ${o.requests} ${grpc ? 'calls' : 'requests'} got ${grpc ? okName : 'a 2xx'})`;
  lines.push(`Success     ${rateText}`);
  lines.push(`Status      ${counts(o.byClass)}  [${counts(r.statusCodes)}]${notMeasured.has('statusCodes') ? ' (per-status codes not measured by this engine)' : ''}`);
  const transport = notMeasured.has('transportErrors') ? 'not measured by this engine' : counts(o.transport);
  lines.push(`Errors      ${o.errors}${notMeasured.has('transportErrors') ? '+' : ''}: ${o.statusErrors} non-${okName} ${grpc ? 'answer' : 'response'}${o.statusErrors === 1 ? '' : 's'}${classList(o.byClass)}; without a response: ${transport}`);
  if (notMeasured.has('sendSchedule')) lines.push(`Sends       ${r.sent} sent; late and dropped sends not measured by this engine (no schedule of intended sends)`);
  else lines.push(`Sends       scheduled ${r.scheduled}, sent ${r.sent}, late (>1 ms) ${r.lateSends}, dropped ${r.droppedSends}, max send delay ${fmtMs(r.maxSendDelayMicros)} ms`);
  if (r.cpuMsPer1kRequests !== undefined) lines.push(`CPU         ${r.cpuMsPer1kRequests.toFixed(1)} ms per 1,000 requests (the generators' own CPU)`);
  lines.push('');
  const colA = r.correctedForCoordinatedOmission ? 'corrected' : 'latency';
  lines.push(`Latency (ms)  ${colA.padStart(12)}  ${'uncorrected'.padStart(12)}`);
  const row = (name: string, a: number, b: number): string => `  ${name.padEnd(10)}  ${fmtMs(a).padStart(12)}  ${fmtMs(b).padStart(12)}`;
  lines.push(row('min', c.min, u.min), row('p50', c.p50, u.p50), row('p90', c.p90, u.p90), row('p99', c.p99, u.p99));
  lines.push(row('p99.9', c.p999, u.p999), row('p99.99', c.p9999, u.p9999), row('max', c.max, u.max), row('mean', c.mean, u.mean), row('stddev', c.stdDev, u.stdDev));
  lines.push('');
  lines.push(`Latency spectrum (${r.correctedForCoordinatedOmission ? 'corrected for coordinated omission' : 'uncorrected'}), ms:`);
  lines.push(percentileSpectrum(r.latency.corrected).trimEnd());
  for (const w of runWarnings(r)) lines.push(`warning: ${w}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
