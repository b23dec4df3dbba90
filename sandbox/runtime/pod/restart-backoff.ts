// The kubelet's back-off for one container: restarts after a crash (immediately the first time, then 10 s doubling
// to the 5 min cap, starting over once an instance ran 10 min) and image pulls or container configs that failed
// (10 s doubling to the cap), plus the timers that wait them out. Durations come from the runtime's config so tests
// can shorten them. Upstream: pkg/kubelet/kubelet.go (backOffPeriod, MaxContainerBackOff) and flowcontrol.Backoff.

/** A container that ran this long is healthy again: its back-off starts over (kubelet: 2 × the 5 min cap). */
export const BACKOFF_RESET_AFTER_MS = 10 * 60 * 1000;

export interface BackoffConfig {
  /** First restart back-off after the immediate first restart (kubelet: 10 s). */
  restartBackoffBaseMs: number;
  /** Restart and image-pull back-off cap (kubelet: 300 s). */
  backoffCapMs: number;
  /** First image-pull back-off (kubelet: 10 s). */
  imagePullBackoffBaseMs: number;
}

/** The n-th back-off (n ≥ 1) from `base`, doubling, capped. */
export function backoffDelay(n: number, base: number, cap: number): number {
  return Math.min(base * 2 ** Math.max(0, n - 1), cap);
}

/** Go's time.Duration form, as kubelet messages print it: 10s, 2m40s, 5m0s. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 ? `${ms}ms` : `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60}s`;
}

/** One container's back-off counters. */
export class RestartBackoff {
  private crashes = 0;
  private pullFailures = 0;

  constructor(private readonly config: BackoffConfig) {}

  /**
   * How long to wait before restarting an instance that ended: 0 the first time (or when `now` says so, as
   * for a changed spec), else the doubling back-off. An instance that ran long enough resets the count first.
   */
  nextRestartDelay(runningSinceMs: number, options: { immediately?: boolean; now?: number } = {}): number {
    if ((options.now ?? Date.now()) - runningSinceMs > BACKOFF_RESET_AFTER_MS) this.crashes = 0;
    this.crashes++;
    if (options.immediately || this.crashes === 1) return 0;
    return backoffDelay(this.crashes - 1, this.config.restartBackoffBaseMs, this.config.backoffCapMs);
  }

  /** A container could not be created (CreateContainerError): counts as a crash. */
  nextCreateRetryDelay(): number {
    return backoffDelay(++this.crashes, this.config.restartBackoffBaseMs, this.config.backoffCapMs);
  }

  /** An image pull or the container's config (CreateContainerConfigError) failed. */
  nextPullRetryDelay(): number {
    return backoffDelay(++this.pullFailures, this.config.imagePullBackoffBaseMs, this.config.backoffCapMs);
  }

  /** The image resolved, or the spec names another one: the pull back-off starts over. */
  resetPullBackoff(): void {
    this.pullFailures = 0;
  }
}

/** A container's pending back-off timers; cleared when it restarts for another reason or its pod stops. */
export class BackoffTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms` unless cleared first, or unless `cancelled()` says the pod has stopped by then. */
  after(ms: number, fn: () => void, cancelled: () => boolean): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!cancelled()) fn();
    }, ms);
    this.timers.add(timer);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
