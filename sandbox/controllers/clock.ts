// The time a controller schedules by. The CronJob controller takes one so tests can move time forward
// instead of waiting for real minutes: `ManualClock.advance(ms)` fires what became due, in order.

export interface ControllerClock {
  now(): number;
  /** Calls `fn` once `ms` of this clock's time has passed; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: ControllerClock = {
  now: () => Date.now(),
  after(ms, fn) {
    // setTimeout holds at most ~24.8 days; a longer wait is re-armed when it ends.
    const MAX = 2 ** 31 - 1;
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      timer = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(left, MAX));
      timer.unref();
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when told to (tests). */
export class ManualClock implements ControllerClock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(private current = Date.now()) {}

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, ms), fn, id });
    return () => void (this.timers = this.timers.filter((t) => t.id !== id));
  }

  /** Moves time forward and runs every timer that fell due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
  }
}
