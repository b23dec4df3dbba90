// The LoadResult of a run an external tool (wrk, hey) made: one generator with no schedule of intended sends (so
// late and dropped sends are NOT MEASURED — never a 0 it did not observe), latency from the actual send only, so
// `corrected` is the uncorrected histogram.
import { createLatencyHistogram, type Histogram } from '../histogram.js';
import type { ResolvedOptions } from '../options.js';
import type { RunCounts } from '../protocol.js';
import type { LoadModel, LoadResult, NotMeasured } from '../result.js';

/** What the tool's output tells about the measured window; the counts it has are RunCounts' own. */
export interface ToolRun extends Pick<RunCounts, 'statusCodes' | 'errors' | 'bytesRead' | 'cancelled'> {
  engine: string;
  /** The rate the tool was asked to hold (null: closed model). */
  requestedRps: number | null;
  start: Date;
  durationMs: number;
  /** Requests completed in the window: scheduled, sent and responded alike (the tool reports no difference). */
  requests: number;
  latency: Histogram;
  /** Latencies of the non-2xx responses (empty when the tool does not tell them apart). */
  statusErrors?: Histogram;
  /** The loop the tool ran: wrk and hey both wait for each response before the next send (closed), hey's -q only throttles. */
  model: LoadModel;
  notes: string[];
  notMeasured: NotMeasured[];
}

export function toolRunResult(o: ResolvedOptions, run: ToolRun): LoadResult {
  return {
    engine: run.engine,
    url: o.url,
    method: o.method,
    model: run.model,
    requestedRps: run.requestedRps,
    actualRps: run.requests / (run.durationMs / 1000),
    connections: o.connections,
    generators: 1,
    startTime: run.start,
    endTime: new Date(run.start.getTime() + run.durationMs),
    warmupMs: o.warmupMs,
    requestedDurationMs: o.durationMs,
    actualDurationMs: run.durationMs,
    timeoutMs: o.timeoutMs,
    scheduled: run.requests,
    sent: run.requests,
    responses: run.requests,
    statusCodes: run.statusCodes,
    errors: run.errors,
    droppedSends: 0,
    lateSends: 0,
    maxSendDelayMicros: 0,
    cancelled: run.cancelled,
    cancelledRequests: 0,
    bytesRead: run.bytesRead,
    correctedForCoordinatedOmission: false,
    latency: { corrected: run.latency, uncorrected: run.latency, errors: createLatencyHistogram(), statusErrors: run.statusErrors ?? createLatencyHistogram(), transportErrors: createLatencyHistogram() },
    intervals: [],
    notes: run.notes,
    notMeasured: run.notMeasured,
  };
}
