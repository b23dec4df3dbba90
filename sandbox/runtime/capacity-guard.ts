// The sandbox node protecting its own process: before a pod's containers start, the runtime asks whether the
// process has headroom — open file descriptors against the soft RLIMIT_NOFILE, resident memory against a
// budget, and a hard cap on pods — and a pod that does not fit stays Pending (FailedScheduling, as a full
// node leaves it) until there is room. Pods already running are never touched; deletion always works.
// The checks are cheap: /proc/self/fd is counted at most once per FD_COUNT_CACHE_MS, and pods started since
// the last count are added at an estimated FDS_PER_POD_ESTIMATE each so a burst cannot slip past a stale count.
import { readdirSync, readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

/** Most pods one sandbox process runs at once (pods beyond wait Pending: `Too many pods`). */
export const DEFAULT_MAX_PODS = 2000;
/** File descriptors kept free for the API server, kubectl connections, logs and running pods' sockets. */
export const FD_MARGIN = 256;
/** The resident memory the sandbox process may grow to before it refuses new pods (RSS). */
export const DEFAULT_MEMORY_BUDGET_BYTES = 4 * 1024 ** 3;
/** Memory kept free below the budget (and below V8's heap limit) for requests already in flight. */
export const MEMORY_MARGIN_BYTES = 256 * 1024 ** 2;
/** How long a /proc/self/fd count is reused. */
export const FD_COUNT_CACHE_MS = 1000;
/** File descriptors a newly started pod is assumed to take until the next count (listeners, agents, logs). */
export const FDS_PER_POD_ESTIMATE = 8;
/** How often pods left Pending for lack of room are tried again. */
export const DEFAULT_CAPACITY_RETRY_MS = 5000;

export interface CapacityOptions {
  maxPods?: number;
  memoryBudgetBytes?: number;
}

export type Refusal = { kind: 'pods' | 'fds' | 'memory'; message: string };

const MiB = 1024 * 1024;
const unschedulable = (why: string) => `0/1 nodes are available: 1 ${why}.`;

export class CapacityGuard {
  readonly maxPods: number;
  readonly memoryBudgetBytes: number;
  private readonly fdLimit: number | undefined;
  private fdCount = 0;
  private fdCountedAt = -Infinity;
  private startedSinceCount = 0;

  constructor(opts: CapacityOptions = {}) {
    this.maxPods = opts.maxPods ?? DEFAULT_MAX_PODS;
    this.memoryBudgetBytes = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
    this.fdLimit = softFdLimit();
  }

  /** Why one more pod cannot start now, or undefined when it can. */
  check(runningPods: number): Refusal | undefined {
    if (runningPods >= this.maxPods) return { kind: 'pods', message: unschedulable('Too many pods') };
    const fds = this.openFds();
    if (fds !== undefined && this.fdLimit !== undefined && fds + FD_MARGIN >= this.fdLimit)
      return { kind: 'fds', message: unschedulable(`node is out of file descriptors (${fds} of ${this.fdLimit} in use)`) };
    const { rss, heapUsed } = process.memoryUsage();
    if (rss + MEMORY_MARGIN_BYTES >= this.memoryBudgetBytes)
      return { kind: 'memory', message: unschedulable(`node is out of memory (${Math.round(rss / MiB)} MiB of ${Math.round(this.memoryBudgetBytes / MiB)} MiB in use)`) };
    const heapLimit = getHeapStatistics().heap_size_limit;
    if (heapUsed + MEMORY_MARGIN_BYTES >= heapLimit)
      return { kind: 'memory', message: unschedulable(`node is out of memory (${Math.round(heapUsed / MiB)} MiB of ${Math.round(heapLimit / MiB)} MiB heap in use)`) };
    return undefined;
  }

  /** A pod was admitted: counted against the cached descriptor count until the next real count. */
  started(): void {
    this.startedSinceCount++;
  }

  private openFds(): number | undefined {
    const now = Date.now();
    if (now - this.fdCountedAt >= FD_COUNT_CACHE_MS) {
      try {
        this.fdCount = readdirSync('/proc/self/fd').length;
      } catch {
        return undefined; // not Linux: no descriptor check
      }
      this.fdCountedAt = now;
      this.startedSinceCount = 0;
    }
    return this.fdCount + this.startedSinceCount * FDS_PER_POD_ESTIMATE;
  }
}

/** The soft `Max open files` of this process (/proc/self/limits), if known and finite. */
function softFdLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
