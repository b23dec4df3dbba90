// Sub-millisecond wake-ups on the generator's own thread, without a helper thread and without spinning.
// setTimeout rounds to whole milliseconds (and fires up to ~1 ms after its time), which at 1000+ rps would make
// sends late. So: far from the deadline, sleep in the event loop (setTimeout, ending ≤ 1 ms before it); in the
// last millisecond, sleep in Atomics.wait (a futex: no CPU, ~0.05 ms precision) — for the whole remainder when
// no request is in flight, otherwise in slices of at most QUANTUM_MS with an I/O poll (setImmediate) between,
// so a response arriving meanwhile is timestamped at most QUANTUM_MS late. This replaced a helper thread that
// posted a message per wake-up: two thread hops per send cost ~100 µs of CPU per request and ~12 MB of RSS.
import { performance } from 'node:perf_hooks';

/** Longest the thread blocks while a response may be arriving (bounds the response timestamps' added error). */
export const QUANTUM_MS = 0.1;
/** Wake-ups further away than this sleep in the event loop first. */
const COARSE_BEYOND_MS = 2;

/** Wakes its owner at (close to) a requested performance.now() time. One outstanding wake-up at a time. */
export class PreciseTimer {
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));
  private callback: (() => void) | null = null;
  private at = 0;
  private coarse: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  /** `ioPending`: whether a response may arrive now (then the thread never blocks longer than QUANTUM_MS). */
  constructor(private readonly ioPending: () => boolean = () => true) {}

  /** Call `fn` at performance.now() ≈ `at`. Replaces any earlier request that has not fired yet. */
  wakeAt(at: number, fn: () => void): void {
    this.callback = fn;
    this.at = at;
    this.clear();
    this.arm();
  }

  /** Nothing to prepare (kept so callers need not know how the timer works). */
  async prepare(): Promise<void> {}

  cancel(): void {
    this.clear();
    this.callback = null;
  }

  async close(): Promise<void> {
    this.cancel();
  }

  private arm(): void {
    const remaining = this.at - performance.now();
    if (remaining >= COARSE_BEYOND_MS) {
      // setTimeout(n) fires n..n+1 ms later: ask for one ms less than the whole ms remaining.
      this.coarse = setTimeout(this.step, Math.floor(remaining) - 1);
    } else this.immediate = setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.coarse = null;
    this.immediate = null;
    const fn = this.callback;
    if (!fn) return;
    let remaining = this.at - performance.now();
    if (remaining >= COARSE_BEYOND_MS) return this.arm();
    if (remaining > 0) {
      Atomics.wait(this.cell, 0, 0, this.ioPending() ? Math.min(remaining, QUANTUM_MS) : remaining);
      remaining = this.at - performance.now();
    }
    if (remaining > 0.01) {
      this.immediate = setImmediate(this.step); // poll I/O, then sleep the rest
      return;
    }
    this.callback = null;
    fn();
  };

  private clear(): void {
    if (this.coarse) clearTimeout(this.coarse);
    if (this.immediate) clearImmediate(this.immediate);
    this.coarse = null;
    this.immediate = null;
  }
}
