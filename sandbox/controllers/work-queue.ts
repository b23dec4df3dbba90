// The controllers' work queue: store watches only enqueue keys (store events are delivered inside the
// writer's call, so writing from a watch handler would reorder events for other watchers); keys are
// reconciled shortly after, once each, and retried with back-off when a write conflicts or fails.
import { StatusError } from '../apiserver/errors.js';

export type Reconcile = (key: string) => void | { requeueAfterMs: number };

const RETRY_BASE_MS = 20;
const RETRY_CAP_MS = 5000;

export class WorkQueue {
  private dirty = new Set<string>();
  private timers = new Map<string, NodeJS.Timeout>();
  private failures = new Map<string, number>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly reconcile: Reconcile,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Reconcile `key` again after a delay (the earliest pending delay wins). */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.dirty.clear();
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        const result = this.reconcile(key);
        this.failures.delete(key);
        if (result) this.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const conflictOrGone = err instanceof StatusError && (err.code === 409 || err.code === 404);
        if (!conflictOrGone && process.env.SANDBOX_DEBUG) console.error(`[${this.name}] ${key}: ${(err as Error).message}`);
        this.addAfter(key, Math.min(RETRY_BASE_MS * 2 ** Math.min(n - 1, 10), RETRY_CAP_MS));
      }
    }
  }
}

/** `namespace/name` keys. */
export const keyFor = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
