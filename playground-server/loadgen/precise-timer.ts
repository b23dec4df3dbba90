// Sub-millisecond wake-ups without spinning. setTimeout rounds up to whole milliseconds (and often
// fires 1–3 ms late), which at 1000+ rps would make every send late; spinning on setImmediate burns a
// core the target needs. Instead a tiny helper thread sleeps in Atomics.wait (a futex: no CPU while
// waiting, ~0.1 ms precision) and posts a message, which wakes this thread's event loop like any I/O.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

// Plain JS so the helper needs no TypeScript loader. Deadlines are epoch milliseconds (timeOrigin + now),
// which both threads read from the same clock.
const TICKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const cell = new Int32Array(new SharedArrayBuffer(4));
const EARLY_MS = 0.08; // the message hop costs about this much; wake that much early
parentPort.on('message', (deadline) => {
  const wait = deadline - EARLY_MS - (performance.timeOrigin + performance.now());
  if (wait > 0) Atomics.wait(cell, 0, 0, wait);
  parentPort.postMessage(deadline);
});
`;

/** Wakes its owner at (close to) a requested performance.now() time. One outstanding wake-up at a time. */
export class PreciseTimer {
  private worker: Worker | null = null;
  private callback: (() => void) | null = null;
  private pendingDeadline = 0;
  private coarse: NodeJS.Timeout | null = null;
  private online = false;

  /** Call `fn` at performance.now() ≈ `at`. Replaces any earlier request that has not fired yet. */
  wakeAt(at: number, fn: () => void): void {
    this.callback = fn;
    this.clearCoarse();
    // Far-off wake-ups use a plain timer and then hand over to the helper for the last stretch.
    const now = performance.now();
    if (at - now > 20) {
      this.coarse = setTimeout(() => {
        this.coarse = null;
        if (this.callback === fn) this.wakeAt(at, fn);
      }, at - now - 10);
      this.pendingDeadline = -1;
      return;
    }
    const w = this.ensureWorker();
    const deadline = performance.timeOrigin + at;
    this.pendingDeadline = deadline;
    w.ref();
    w.postMessage(deadline);
  }

  /** Start the helper thread now (it takes tens of ms to boot), so the first wake-up is on time. */
  async prepare(): Promise<void> {
    const w = this.ensureWorker();
    await new Promise<void>((resolve) => {
      if (this.online) resolve();
      else w.once('online', () => resolve());
    });
  }

  cancel(): void {
    this.clearCoarse();
    this.callback = null;
    this.pendingDeadline = 0;
  }

  async close(): Promise<void> {
    this.clearCoarse();
    this.callback = null;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private clearCoarse(): void {
    if (this.coarse) clearTimeout(this.coarse);
    this.coarse = null;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(TICKER_SOURCE, { eval: true });
    w.once('online', () => (this.online = true));
    w.unref();
    w.on('message', (deadline: number) => {
      if (deadline !== this.pendingDeadline) return; // superseded request
      this.pendingDeadline = 0;
      w.unref(); // nothing outstanding: do not keep the process alive
      const fn = this.callback;
      this.callback = null;
      fn?.();
    });
    this.worker = w;
    return w;
  }
}
