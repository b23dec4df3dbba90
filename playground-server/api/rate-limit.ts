// Per-session (or per anonymous caller) token buckets shared by REST and WebSocket, so a client cannot
// dodge its limit by switching transport. Buckets idle for a while are dropped to bound memory.
import { rateLimited, type ApiError } from './errors.js';

export interface RateLimitOptions {
  /** Sustained operations per second per caller. */
  perSecond: number;
  /** Bucket size: how many operations may arrive at once. */
  burst: number;
  /** Most buckets tracked at once (oldest dropped first). */
  maxKeys?: number;
  /** The limit's name in errors (default operationsPerSecond). */
  limit?: string;
  /** The error message for a caller who must wait `retry` seconds. */
  describe?: (retrySeconds: number) => string;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 50, burst: 100, maxKeys: 10_000 };

interface Bucket {
  tokens: number;
  updated: number;
}

export class TokenBucketLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMIT) {}

  take(key: string): void {
    const err = this.tryTake(key);
    if (err) throw err;
  }

  tryTake(key: string): ApiError | undefined {
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.opts.burst, updated: now };
      if (this.buckets.size >= (this.opts.maxKeys ?? 10_000)) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.updated) / 1000) * this.opts.perSecond);
      b.updated = now;
      this.buckets.delete(key); // re-insert: the Map's order is then least recently used first
    }
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      const retry = Math.max(1, Math.ceil((1 - b.tokens) / this.opts.perSecond));
      const message = this.opts.describe?.(retry) ?? `too many operations: the limit is ${this.opts.perSecond} per second (bursts of ${this.opts.burst}); retry in ${retry} s`;
      return rateLimited(this.opts.limit ?? 'operationsPerSecond', message, retry);
    }
    b.tokens -= 1;
    return undefined;
  }
}
