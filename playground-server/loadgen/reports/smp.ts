// SMP PerformanceTestResult (service-mesh-performance protos/service_mesh_performance.proto) in the
// protobuf JSON mapping: lowerCamelCase names, RFC 3339 timestamps. SMP's latencies stop at p99 and
// carry no histogram, so everything it lacks goes under one extra field, `playground`, which protobuf
// JSON readers ignore (ignoreUnknownFields) and our own reader turns back into a LoadResult.
import { randomUUID } from 'node:crypto';
import { decodeHistogram, encodeHistogram, HISTOGRAM_ENCODING, HISTOGRAM_UNIT, summarize, type Histogram } from '../histogram.js';
import type { RunCounts } from '../protocol.js';
import type { LoadResult } from '../result.js';
import type { MeshMark } from '../meshmark.js';

export const SMP_VERSION = 'v0.0.1';

export interface SmpLatency {
  min: number;
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

type SmpTail = SmpLatency & { p75: number; p999: number; p9999: number; stdDev: number };

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
    histogram: { encoding: string; unit: string; corrected: string; uncorrected: string; errors: string };
    maxSendDelayMs: number;
    /** MeshMark of the run's mesh against an un-meshed baseline, when one was measured (lane overhead; meshmark.ts). */
    meshmark?: MeshMark;
  };

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
  playground: PlaygroundExtension;
}

const ms = (us: number): number => us / 1000;

function latencies(h: Histogram) {
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

export function toSmpResult(r: LoadResult, ids: SmpIds = {}): SmpPerformanceTestResult {
  const corrected = latencies(r.latency.corrected);
  const { p75: _p75, p999: _p999, p9999: _p9999, stdDev: _sd, ...smpLatency } = corrected;
  const out: SmpPerformanceTestResult = {
    smpVersion: SMP_VERSION,
    id: ids.id ?? randomUUID(),
    labels: { engine: r.engine, model: r.model, url: r.url, ...ids.labels },
    startTime: r.startTime.toISOString(),
    endTime: r.endTime.toISOString(),
    latenciesMs: smpLatency,
    actualQps: r.actualRps,
    playground: {
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
      latenciesMs: corrected,
      uncorrectedLatenciesMs: latencies(r.latency.uncorrected),
      histogram: {
        encoding: HISTOGRAM_ENCODING,
        unit: HISTOGRAM_UNIT,
        corrected: encodeHistogram(r.latency.corrected),
        uncorrected: encodeHistogram(r.latency.uncorrected),
        errors: encodeHistogram(r.latency.errors),
      },
      scheduled: r.scheduled,
      sent: r.sent,
      responses: r.responses,
      statusCodes: r.statusCodes,
      errors: r.errors,
      droppedSends: r.droppedSends,
      lateSends: r.lateSends,
      maxSendDelayMs: ms(r.maxSendDelayMicros),
      cancelled: r.cancelled,
      cancelledRequests: r.cancelledRequests,
      bytesRead: r.bytesRead,
      intervals: r.intervals,
      notes: r.notes,
    },
  };
  for (const k of ['testId', 'meshConfigId', 'envId', 'detailsUri'] as const) if (ids[k]) out[k] = ids[k];
  return out;
}

/** Read a result back (e.g. from the results store), histograms included, so results can be merged again. */
export function fromSmpResult(doc: SmpPerformanceTestResult): LoadResult {
  const p = doc.playground;
  if (!p || !p.histogram) throw new Error('SMP result: no playground extension with histograms; only our own results can be read back');
  return {
    engine: p.engine,
    url: p.url,
    method: p.method,
    model: p.model,
    requestedRps: p.requestedRps,
    actualRps: doc.actualQps,
    connections: p.connections,
    generators: p.generators,
    startTime: new Date(doc.startTime),
    endTime: new Date(doc.endTime),
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
    cancelled: p.cancelled,
    cancelledRequests: p.cancelledRequests,
    bytesRead: p.bytesRead,
    correctedForCoordinatedOmission: p.correctedForCoordinatedOmission,
    latency: {
      corrected: decodeHistogram(p.histogram.corrected),
      uncorrected: decodeHistogram(p.histogram.uncorrected),
      errors: decodeHistogram(p.histogram.errors),
    },
    intervals: p.intervals,
    notes: p.notes,
  };
}
