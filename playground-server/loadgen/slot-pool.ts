// What the engine drives in a connection pool, whichever wire carries the requests: slots (HTTP/1.1 connections,
// HTTP/2 streams) taken while a request is in flight and given back after, a sweep that times out requests in
// flight too long (its period, a tenth of the timeout and at most 50 ms, bounds how late a timeout is noticed),
// and aborting every in-flight request when a run ends.
import type { RequestErrorKind } from './http-client.js';

export interface PoolSlot {
  busy: boolean;
  /** performance.now() when the slot's request was sent. */
  sentAt: number;
  abort(kind: RequestErrorKind): void;
}

export abstract class SlotPool<T extends PoolSlot> {
  readonly connections: T[] = [];
  private readonly idle: T[] = [];
  private sweeper: NodeJS.Timeout | null = null;

  constructor(protected readonly timeoutMs: number) {}

  protected addSlot(slot: T): void {
    this.connections.push(slot);
    this.idle.push(slot);
  }

  /** An idle slot, or undefined when all are busy. */
  take(): T | undefined {
    return this.idle.pop();
  }

  release(slot: T): void {
    this.idle.push(slot);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get busyCount(): number {
    return this.connections.length - this.idle.length;
  }

  /** Abort every in-flight request with `kind`; returns how many were aborted. */
  abortInFlight(kind: RequestErrorKind): number {
    let n = 0;
    for (const c of this.connections) {
      if (c.busy) {
        n++;
        c.abort(kind);
      }
    }
    return n;
  }

  protected startSweeping(): void {
    const period = Math.max(1, Math.min(50, this.timeoutMs / 10));
    this.sweeper = setInterval(() => this.sweepTimeouts(), period);
  }

  protected stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private sweepTimeouts(): void {
    const deadline = performance.now() - this.timeoutMs;
    for (const c of this.connections) if (c.busy && c.sentAt < deadline) c.abort('timeout');
  }
}
