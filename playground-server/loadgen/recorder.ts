// What one generator observed: latency histograms (corrected and uncorrected; of the failed requests, non-2xx
// responses and failures without a response apart, as fortio's ErrorsDurationHistogram), status codes, errors,
// send accounting, and a per-second interval histogram for progress. Only requests whose intended start
// falls in the measured window are recorded; warm-up traffic is sent but not counted.
import { createLatencyHistogram, encodeHistogram, recordMicros, type Histogram } from './histogram.js';
import type { RequestErrorKind } from './http-client.js';

/** A send more than this late (after its intended start) counts as late. */
export const LATE_SEND_THRESHOLD_US = 1000;

export class RunRecorder {
  readonly corrected: Histogram = createLatencyHistogram();
  readonly uncorrected: Histogram = createLatencyHistogram();
  readonly errorLatency: Histogram = createLatencyHistogram();
  /** Non-2xx responses, from the intended start (fortio counts them as errors). */
  readonly statusErrors: Histogram = createLatencyHistogram();
  /** Failures without a response, from the intended start. */
  readonly transportErrors: Histogram = createLatencyHistogram();
  private interval: Histogram = createLatencyHistogram();
  private intervalResponses = 0;
  private intervalErrors = 0;

  readonly statusCodes = new Map<number, number>();
  readonly errors = new Map<string, number>();
  scheduled = 0;
  sent = 0;
  responses = 0;
  droppedSends = 0;
  lateSends = 0;
  maxSendDelayMicros = 0;
  cancelledRequests = 0;
  bytesRead = 0;
  /** performance.now() of the last measured completion. */
  lastDoneAt = 0;
  /** Once set, failures of in-flight requests are cancellations, not errors. */
  cancelling = false;

  /** Start of the measured window, performance.now() ms. */
  constructor(readonly measureStart: number) {}

  onScheduled(intendedAt: number): void {
    if (intendedAt >= this.measureStart) this.scheduled++;
  }

  onSend(intendedAt: number, sentAt: number): void {
    if (intendedAt < this.measureStart) return;
    this.sent++;
    const delay = (sentAt - intendedAt) * 1000;
    if (delay > LATE_SEND_THRESHOLD_US) this.lateSends++;
    if (delay > this.maxSendDelayMicros) this.maxSendDelayMicros = delay;
  }

  onDropped(intendedAt: number): void {
    if (intendedAt >= this.measureStart) this.droppedSends++;
  }

  onResponse(status: number, intendedAt: number, sentAt: number, doneAt: number, bytes: number): void {
    if (intendedAt < this.measureStart) return;
    this.responses++;
    this.intervalResponses++;
    this.bytesRead += bytes;
    this.statusCodes.set(status, (this.statusCodes.get(status) ?? 0) + 1);
    const corrected = (doneAt - intendedAt) * 1000;
    recordMicros(this.corrected, corrected);
    recordMicros(this.uncorrected, (doneAt - sentAt) * 1000);
    recordMicros(this.interval, corrected);
    if (status < 200 || status > 299) {
      recordMicros(this.statusErrors, corrected);
      this.intervalErrors++;
    }
    if (doneAt > this.lastDoneAt) this.lastDoneAt = doneAt;
  }

  onError(kind: RequestErrorKind, intendedAt: number, sentAt: number, doneAt: number): void {
    if (intendedAt < this.measureStart) return;
    if (this.cancelling) {
      this.cancelledRequests++;
      return;
    }
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    this.intervalErrors++;
    recordMicros(this.errorLatency, (doneAt - sentAt) * 1000);
    recordMicros(this.transportErrors, (doneAt - intendedAt) * 1000);
    if (doneAt > this.lastDoneAt) this.lastDoneAt = doneAt;
  }

  /** The interval since the previous call, for progress (errors: non-2xx responses and failures); resets the interval histogram. */
  takeInterval(): { responses: number; errors: number; histogram: string } {
    const out = { responses: this.intervalResponses, errors: this.intervalErrors, histogram: encodeHistogram(this.interval) };
    this.interval.reset();
    this.intervalResponses = 0;
    this.intervalErrors = 0;
    return out;
  }
}
