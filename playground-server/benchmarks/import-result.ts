// Turns a result produced elsewhere — fortio's HTTPRunnerResults or GRPCRunnerResults JSON, a strict SMP PerformanceTestResult, or our
// own `{ smp, playground }` document — into a stored benchmark. The summary holds only what the source carries;
// what it lacks (histograms, coordinated-omission correction, p99.9, status codes) is said in summary.warnings.
import { randomBytes } from 'node:crypto';
import type { Schemas } from '../api/types.js';
import { FORTIO_GRPC_ERROR, GRPC_HEALTH_CHECK } from '../loadgen/grpc-client.js';
import { FortioFormatError, readFortioResult } from '../loadgen/reports/fortio-reader.js';
import { parseSmpMessage, SmpFormatError } from '../loadgen/reports/smp-proto.js';
import { fromResultDocument } from '../loadgen/reports/smp.js';
import { summaryOf } from './session-benchmark.js';

/** The largest document accepted, serialized as JSON. */
export const MAX_IMPORT_DOCUMENT_BYTES = 512 * 1024;

export type ImportFormat = Schemas['ImportBenchmarkRequest']['format'];

export class ImportFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface ImportedRun {
  benchmark: Schemas['Benchmark'];
  /** What the store keeps as the run's result: our document (exportable) or the source as given. */
  result: unknown;
}

type SmpProtocol = NonNullable<Schemas['Benchmark']['protocol']>;
const SMP_PROTOCOLS: readonly SmpProtocol[] = ['http1', 'h2', 'grpc'];

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const NO_HISTOGRAM = 'imported: no HDR histograms came with it, so it cannot be merged or exported as fortio; comparisons use the percentiles it carries';

function fromFortio(doc: unknown, id: string, label: string | undefined): ImportedRun {
  let f;
  try {
    f = readFortioResult(doc);
  } catch (e) {
    if (e instanceof FortioFormatError) throw new ImportFormatError(`document.${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
  const pick = (p: string, field: string): number => {
    const v = f.latencyMs.percentiles[p];
    if (v === undefined) throw new ImportFormatError('document.DurationHistogram.Percentiles', `the import needs ${field} (Percentile ${p.slice(1)}); run fortio with -p "50,90,99,99.9"`);
    return round3(v);
  };
  const byClass: Record<string, number> = {};
  const transport: Record<string, number> = {};
  const statusCodes: Record<string, number> = {};
  const health = f.grpcMethod === GRPC_HEALTH_CHECK;
  for (const [code, n] of Object.entries(f.retCodes)) {
    if (f.protocol === 'grpc') {
      // Classed as our own gRPC runs are (outcomeClassOf): an OK call is SERVING for the health check, OK otherwise
      // (fortio keys an OK ping or custom call SERVING); fortio's ERROR holds every failed call, whatever its status.
      const cls = code === 'SERVING' || code === 'OK' ? (health ? 'SERVING' : 'OK') : code;
      byClass[cls] = (byClass[cls] ?? 0) + n;
    } else if (code === '-1') transport.socket = (transport.socket ?? 0) + n;
    else {
      statusCodes[code] = n;
      byClass[`${code[0]}xx`] = (byClass[`${code[0]}xx`] ?? 0) + n;
    }
  }
  const warnings = [
    NO_HISTOGRAM,
    ...((f.retCodes[FORTIO_GRPC_ERROR] ?? 0) > 0 ? [`fortio's gRPC result counts every failed call as ${FORTIO_GRPC_ERROR}: their gRPC status (UNIMPLEMENTED, UNAVAILABLE, …) and whether they got an answer are not in the document`] : []),
    "fortio's latencies are from each actual send: not corrected for coordinated omission",
    ...(f.latencyMs.percentiles['p99.9'] === undefined ? ['p99.9: not in the document'] : []),
    ...f.inconsistencies.map((i) => `the document is inconsistent: ${i}`),
  ];
  const summary: Schemas['BenchmarkSummary'] = {
    requests: f.calls - (transport.socket ?? 0),
    errors: f.errors,
    successRate: f.successRate === null ? null : Math.round(f.successRate * 10000) / 10000,
    errorsByClass: byClass,
    transportErrors: transport,
    actualRps: Math.round(f.actualQps * 100) / 100,
    latencyMs: { p50: pick('p50', 'p50'), p90: pick('p90', 'p90'), p99: pick('p99', 'p99'), p999: f.latencyMs.percentiles['p99.9'] === undefined ? null : round3(f.latencyMs.percentiles['p99.9']), max: round3(f.latencyMs.max), mean: round3(f.latencyMs.average) },
    correctedForCoordinatedOmission: false,
    statusCodes,
    warnings,
  };
  return {
    benchmark: {
      id,
      status: 'completed',
      label: label ?? (f.labels || 'imported fortio run'),
      url: f.url,
      connections: f.connections,
      rps: f.requestedQps === null ? null : Math.round(f.requestedQps),
      durationSeconds: Math.round(f.actualDurationMs / 1000),
      startedAt: f.startTime.toISOString(),
      finishedAt: new Date(f.startTime.getTime() + f.actualDurationMs).toISOString(),
      summary,
      error: null,
      protocol: f.protocol,
      ...(f.protocol === 'grpc' ? { streams: f.streams ?? 1, ...(f.grpcMethod ? { grpcMethod: f.grpcMethod } : {}) } : {}),
      imported: { format: 'fortio', ...(f.version ? { tool: `fortio ${f.version}` } : { tool: 'fortio' }) },
    },
    result: { imported: 'fortio', document: doc },
  };
}

const tsIso = (t: unknown): string | null => {
  const o = t as { seconds?: string | number; nanos?: number } | null;
  if (!o || o.seconds === undefined) return null;
  const ms = Number(o.seconds) * 1000 + Math.floor((o.nanos ?? 0) / 1e6);
  return ms > 0 ? new Date(ms).toISOString() : null;
};

function fromSmp(doc: unknown, id: string, label: string | undefined): ImportedRun {
  let m: Record<string, unknown>;
  try {
    m = parseSmpMessage(doc);
  } catch (e) {
    if (e instanceof SmpFormatError) throw new ImportFormatError(`document${e.field.replace(/^PerformanceTestResult/, '')}`, e.message.slice(e.field.length + 2));
    throw e;
  }
  const l = m.latencies_ms as { min: number; average: number; p50: number; p90: number; p99: number; max: number } | null;
  if (!l) throw new ImportFormatError('document.latenciesMs', 'required: the import needs the latencies (p50, p90, p99, max, average)');
  const started = tsIso(m.start_time);
  if (!started) throw new ImportFormatError('document.startTime', 'required: an RFC 3339 timestamp');
  const ended = tsIso(m.end_time);
  const labels = (m.labels ?? {}) as Record<string, string>;
  // SMP has no protocol field; our exports label it. Without the label the run's protocol is not recorded.
  const protocol = labels.protocol;
  if (protocol !== undefined && !SMP_PROTOCOLS.includes(protocol as SmpProtocol)) throw new ImportFormatError('document.labels.protocol', `expected ${SMP_PROTOCOLS.join(', ')} (got "${protocol.slice(0, 20)}")`);
  const summary: Schemas['BenchmarkSummary'] = {
    requests: null,
    errors: null,
    successRate: null,
    actualRps: Math.round(Number(m.actual_qps) * 100) / 100,
    latencyMs: { p50: round3(l.p50), p90: round3(l.p90), p99: round3(l.p99), p999: null, max: round3(l.max), mean: round3(l.average) },
    statusCodes: {},
    warnings: [
      NO_HISTOGRAM,
      'SMP carries no request count, status codes or errors: requests and errors are not known (null, shown as —), success rate n/a',
      'SMP does not say whether latencies were corrected for coordinated omission: treated as not corrected',
      'p99.9: SMP has no p99.9',
    ],
  };
  const durationMs = ended ? Date.parse(ended) - Date.parse(started) : 0;
  return {
    benchmark: {
      id,
      status: 'completed',
      label: label ?? (labels.name || labels.label || 'imported SMP result'),
      url: labels.url ?? labels.endpoint ?? '',
      connections: 0,
      rps: null,
      durationSeconds: Math.max(0, Math.round(durationMs / 1000)),
      startedAt: started,
      finishedAt: ended,
      summary,
      error: null,
      ...(protocol !== undefined ? { protocol: protocol as SmpProtocol } : {}),
      imported: { format: 'smp', ...(labels.engine || labels.tool ? { tool: labels.engine || labels.tool } : {}) },
    },
    result: { imported: 'smp', document: doc },
  };
}

function fromPlayground(doc: unknown, id: string, label: string | undefined): ImportedRun {
  const d = doc as Record<string, unknown>;
  if (!d.smp || typeof d.smp !== 'object') throw new ImportFormatError('document.smp', 'required: the strict SMP message of a { smp, playground } document');
  if (!d.playground || typeof d.playground !== 'object') throw new ImportFormatError('document.playground', 'required: the playground extension (with its histograms)');
  try {
    parseSmpMessage(d.smp);
  } catch (e) {
    if (e instanceof SmpFormatError) throw new ImportFormatError(`document.smp${e.field.replace(/^PerformanceTestResult/, '')}`, e.message.slice(e.field.length + 2));
    throw e;
  }
  let r;
  try {
    r = fromResultDocument(doc);
  } catch (e) {
    throw new ImportFormatError('document.playground.histogram', e instanceof Error ? e.message : 'unreadable');
  }
  if (!(r.startTime instanceof Date) || Number.isNaN(r.startTime.getTime())) throw new ImportFormatError('document.smp.startTime', 'expected an RFC 3339 timestamp');
  const summary = summaryOf(r);
  summary.warnings = [...(summary.warnings ?? []), 'imported: a playground result document run elsewhere'];
  return {
    benchmark: {
      id,
      status: 'completed',
      label: label ?? 'imported playground run',
      url: String(r.url ?? ''),
      connections: r.connections,
      rps: r.requestedRps ?? null,
      durationSeconds: Math.round(r.actualDurationMs / 1000),
      startedAt: r.startTime.toISOString(),
      finishedAt: r.endTime.toISOString(),
      summary,
      error: null,
      // What the load spoke travels in the playground extension (strict SMP has no field for it).
      protocol: r.wire?.protocol ?? 'http1',
      ...(r.wire ? { streams: r.wire.streamsPerConnection, ...(r.wire.grpcMethod ? { grpcMethod: r.wire.grpcMethod } : {}) } : {}),
      imported: { format: 'playground', tool: `playground ${r.engine}` },
    },
    result: doc,
  };
}

/** Validate and convert; throws ImportFormatError naming the field. */
export function importResult(format: ImportFormat, document: unknown, label?: string): ImportedRun {
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new ImportFormatError('document', 'expected a JSON object');
  const size = Buffer.byteLength(JSON.stringify(document));
  if (size > MAX_IMPORT_DOCUMENT_BYTES) throw new ImportFormatError('document', `${size} bytes is over the ${MAX_IMPORT_DOCUMENT_BYTES}-byte limit`);
  const id = `b-${randomBytes(6).toString('hex')}`;
  if (format === 'fortio') return fromFortio(document, id, label);
  if (format === 'smp') return fromSmp(document, id, label);
  if (format === 'playground') return fromPlayground(document, id, label);
  throw new ImportFormatError('format', 'expected fortio, smp or playground');
}
