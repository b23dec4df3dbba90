// A result document is an envelope: `{ smp, playground }`.
// - `smp` is a strict SMP PerformanceTestResult (service-mesh-performance protos/service_mesh_performance.proto)
//   in the protobuf JSON mapping — lowerCamelCase names, RFC 3339 timestamps, proto fields ONLY, so any
//   protobuf JSON parser (one that rejects unknown fields, too) accepts it as it is.
// - `playground` (PlaygroundExtension) sits BESIDE it and carries what SMP lacks: p75/p99.9/p99.99/stddev,
//   uncorrected latencies, the encoded HDR histograms, status codes and errors, send accounting, intervals.
// The stored benchmark document is this envelope; `fromResultDocument` reads it back with its histograms.
// Other modules that add data to a result add ONE optional, clearly named property to PlaygroundExtension.
import { randomUUID } from 'node:crypto';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, HISTOGRAM_ENCODING, HISTOGRAM_UNIT, summarize, type Histogram } from '../histogram.js';
import type { RunCounts } from '../protocol.js';
import type { MeshMark } from '../meshmark.js';
import type { AdaptiveSummary } from '../adaptive.js';
import { outcomeOf, type LoadResult, type NotMeasured, type RunOutcome } from '../result.js';
import { runWarnings } from './run-warnings.js';

export const SMP_VERSION = 'v0.0.1';

/** PerformanceTestResult.Latency, milliseconds. */
export interface SmpLatency {
  min: number;
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export type SmpTail = SmpLatency & { p75: number; p999: number; p9999: number; stdDev: number };

/** SMP PerformanceTestResult in protobuf JSON: proto fields only. */
export interface SmpPerformanceTestResult {
  smpVersion: string;
  id: string;
  labels: Record<string, string>;
  startTime: string;
  endTime: string;
  latenciesMs: SmpLatency;
  actualQps: number;
  detailsUri?: string;
  testId?: string;
  meshConfigId?: string;
  envId?: string;
}

/** A LoadResult as JSON: its run parameters and counts, latencies in ms, histograms encoded. */
export type PlaygroundExtension = Pick<
  LoadResult,
  'engine' | 'url' | 'method' | 'model' | 'requestedRps' | 'connections' | 'generators' | 'warmupMs' | 'requestedDurationMs' | 'actualDurationMs' | 'timeoutMs' | 'correctedForCoordinatedOmission' | 'intervals' | 'notes'
> &
  Omit<RunCounts, 'maxSendDelayMicros'> & {
    achievedRps: number;
    /** The tail SMP lacks, from the corrected histogram. */
    latenciesMs: SmpTail;
    uncorrectedLatenciesMs: SmpTail;
    histogram: {
      encoding: string;
      unit: string;
      corrected: string;
      uncorrected: string;
      errors: string;
      /** Non-2xx responses (from the intended start); absent in documents written before errors had classes. */
      statusErrors?: string;
      /** Failures without a response (from the intended start); absent in older documents. */
      transportErrors?: string;
    };
    maxSendDelayMs: number;
    /**
     * What the load spoke: http1, h2 or grpc (SMP has no field for it, so it lives here, never inside the strict
     * document). Absent in documents written before HTTP/2 load: http1.
     */
    protocol?: 'http1' | 'h2' | 'grpc';
    /** h2/grpc runs: streams per HTTP/2 connection and the gRPC method. */
    wire?: LoadResult['wire'];
    /** MeshMark of the run's mesh against an un-meshed baseline, when one was measured (lane overhead; meshmark.ts). */
    meshmark?: MeshMark;
    /** The adaptive search (`--slo`) this run was chosen by: the objective, the rate found, every step (adaptive.ts). */
    slo?: AdaptiveSummary;
    /** Generator CPU milliseconds per 1,000 requests, when every generator measured its CPU. */
    cpuMsPer1kRequests?: number;
    /** Successes (2xx), errors by status class and by transport failure kind, and the success rate. */
    outcome?: RunOutcome;
    /** What the engine could not measure (shown as "not measured", never as 0). */
    notMeasured?: NotMeasured[];
    /** What the wire outcomes say about the target ("not gRPC", …), percentiles the sample is too small for (run-warnings.ts). */
    warnings?: string[];
    /** The mesh the run went through (SMP ServiceMeshConfig-like), detected through the Kubernetes API. */
    mesh?: { name: string; type: string; version: string; proxyBuild?: string; meshBuild?: string; detectedFrom: string[] };
    /** The cluster the run measured (SMP EnvironmentConfig-like). */
    environment?: { kubernetesVersion: string; nodes: { type: string; cores: number; memMb: number }[]; detectedFrom: string[] };
  };

/** The stored and exported result document: strict SMP and, beside it, the playground's extension. */
export interface ResultDocument {
  smp: SmpPerformanceTestResult;
  playground: PlaygroundExtension;
}

const ms = (us: number): number => us / 1000;

function latencies(h: Histogram): SmpTail {
  const s = summarize(h);
  return {
    min: ms(s.min),
    average: ms(s.mean),
    p50: ms(s.p50),
    p75: ms(s.p75),
    p90: ms(s.p90),
    p99: ms(s.p99),
    p999: ms(s.p999),
    p9999: ms(s.p9999),
    max: ms(s.max),
    stdDev: ms(s.stdDev),
  };
}

export interface SmpIds {
  id?: string;
  testId?: string;
  meshConfigId?: string;
  envId?: string;
  detailsUri?: string;
  labels?: Record<string, string>;
}

/** The strict SMP PerformanceTestResult of a run (proto fields only). */
export function toSmpResult(r: LoadResult, ids: SmpIds = {}): SmpPerformanceTestResult {
  const { min, average, p50, p90, p99, max } = latencies(r.latency.corrected);
  const out: SmpPerformanceTestResult = {
    smpVersion: SMP_VERSION,
    id: ids.id ?? randomUUID(),
    labels: { engine: r.engine, model: r.model, url: r.url, ...ids.labels },
    startTime: r.startTime.toISOString(),
    endTime: r.endTime.toISOString(),
    latenciesMs: { min, average, p50, p90, p99, max },
    actualQps: r.actualRps,
  };
  for (const k of ['detailsUri', 'testId', 'meshConfigId', 'envId'] as const) if (ids[k]) out[k] = ids[k];
  return out;
}

/** What SMP lacks, for the envelope's `playground` side. */
export function toPlaygroundExtension(r: LoadResult): PlaygroundExtension {
  return {
    engine: r.engine,
    url: r.url,
    method: r.method,
    model: r.model,
    requestedRps: r.requestedRps,
    achievedRps: r.actualRps,
    connections: r.connections,
    generators: r.generators,
    warmupMs: r.warmupMs,
    requestedDurationMs: r.requestedDurationMs,
    actualDurationMs: r.actualDurationMs,
    timeoutMs: r.timeoutMs,
    correctedForCoordinatedOmission: r.correctedForCoordinatedOmission,
    latenciesMs: latencies(r.latency.corrected),
    uncorrectedLatenciesMs: latencies(r.latency.uncorrected),
    histogram: {
      encoding: HISTOGRAM_ENCODING,
      unit: HISTOGRAM_UNIT,
      corrected: encodeHistogram(r.latency.corrected),
      uncorrected: encodeHistogram(r.latency.uncorrected),
      errors: encodeHistogram(r.latency.errors),
      statusErrors: encodeHistogram(r.latency.statusErrors),
      transportErrors: encodeHistogram(r.latency.transportErrors),
    },
    outcome: outcomeOf(r),
    notMeasured: r.notMeasured ?? [],
    warnings: runWarnings(r),
    scheduled: r.scheduled,
    sent: r.sent,
    responses: r.responses,
    statusCodes: r.statusCodes,
    errors: r.errors,
    droppedSends: r.droppedSends,
    lateSends: r.lateSends,
    maxSendDelayMs: ms(r.maxSendDelayMicros),
    protocol: r.wire?.protocol ?? 'http1',
    ...(r.wire ? { wire: r.wire } : {}),
    ...(r.cpuMsPer1kRequests !== undefined ? { cpuMsPer1kRequests: r.cpuMsPer1kRequests } : {}),
    cancelled: r.cancelled,
    cancelledRequests: r.cancelledRequests,
    bytesRead: r.bytesRead,
    intervals: r.intervals,
    notes: r.notes,
  };
}

/** The result document (the stored form, and the `playground` export): `{ smp, playground }`. */
export function toResultDocument(r: LoadResult, ids: SmpIds = {}): ResultDocument {
  return { smp: toSmpResult(r, ids), playground: toPlaygroundExtension(r) };
}

/**
 * The envelope of a stored document. Rows written before the envelope existed hold one SMP object with the
 * extension inside it (`{…smp fields, playground}`); they are split here so old results still export.
 */
export function asResultDocument(doc: unknown): ResultDocument {
  if (!doc || typeof doc !== 'object') throw new Error('result document: not an object');
  const d = doc as Record<string, unknown>;
  if (d.smp && typeof d.smp === 'object' && d.playground && typeof d.playground === 'object') return d as unknown as ResultDocument;
  if (typeof d.smpVersion === 'string' && d.playground && typeof d.playground === 'object') {
    const { playground, ...smp } = d;
    return { smp: smp as unknown as SmpPerformanceTestResult, playground: playground as PlaygroundExtension };
  }
  throw new Error('result document: expected { smp, playground } (a strict SMP result alone has no histograms to read back)');
}

/** Read a result document back (e.g. from the results store), histograms included, so results can be merged again. */
export function fromResultDocument(input: ResultDocument | unknown): LoadResult {
  const { smp, playground: p } = asResultDocument(input);
  if (!p.histogram) throw new Error('result document: the playground extension has no histograms; only our own results can be read back');
  return {
    engine: p.engine,
    url: p.url,
    method: p.method,
    model: p.model,
    requestedRps: p.requestedRps,
    actualRps: smp.actualQps,
    connections: p.connections,
    generators: p.generators,
    startTime: new Date(smp.startTime),
    endTime: new Date(smp.endTime),
    warmupMs: p.warmupMs,
    requestedDurationMs: p.requestedDurationMs,
    actualDurationMs: p.actualDurationMs,
    timeoutMs: p.timeoutMs,
    scheduled: p.scheduled,
    sent: p.sent,
    responses: p.responses,
    statusCodes: p.statusCodes,
    errors: p.errors,
    droppedSends: p.droppedSends,
    lateSends: p.lateSends,
    maxSendDelayMicros: Math.round(p.maxSendDelayMs * 1000),
    ...(p.cpuMsPer1kRequests !== undefined ? { cpuMsPer1kRequests: p.cpuMsPer1kRequests } : {}),
    cancelled: p.cancelled,
    cancelledRequests: p.cancelledRequests,
    bytesRead: p.bytesRead,
    correctedForCoordinatedOmission: p.correctedForCoordinatedOmission,
    latency: {
      corrected: decodeHistogram(p.histogram.corrected),
      uncorrected: decodeHistogram(p.histogram.uncorrected),
      errors: decodeHistogram(p.histogram.errors),
      statusErrors: p.histogram.statusErrors ? decodeHistogram(p.histogram.statusErrors) : createLatencyHistogram(),
      transportErrors: p.histogram.transportErrors ? decodeHistogram(p.histogram.transportErrors) : createLatencyHistogram(),
    },
    intervals: p.intervals,
    notes: p.notes,
    ...(p.notMeasured?.length ? { notMeasured: p.notMeasured } : {}),
    ...(p.wire ? { wire: p.wire } : {}),
  };
}
