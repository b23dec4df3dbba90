// CPU time a generator spends, for "CPU per 1,000 requests" in every result. A generator that owns its process
// (`playground generator`, --transport process, inline in the CLI) counts the whole process (process.cpuUsage():
// its thread and V8's GC threads); one in a worker thread counts its own thread from the kernel's per-thread
// accounting (Linux /proc/thread-self/schedstat, ns on CPU; V8's shared GC threads are not in it). Elsewhere a
// worker-thread generator reports no CPU figure rather than a process-wide one that is not its own.
import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** CPU microseconds the calling thread has used, from the kernel's scheduler statistics; null when unavailable. */
export function threadCpuMicros(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1000 : null;
  } catch {
    return null;
  }
}

export interface CpuClock {
  /** Whether this clock counts the whole process or only the generator's thread. */
  wholeProcess: boolean;
  /** Microseconds of CPU used so far. */
  read(): number;
}

/** The clock for a generator running on this thread, or null when its CPU cannot be told apart. */
export function generatorCpuClock(): CpuClock | null {
  if (isMainThread) {
    return {
      wholeProcess: true,
      read: () => {
        const u = process.cpuUsage();
        return u.user + u.system;
      },
    };
  }
  if (threadCpuMicros() === null) return null;
  return { wholeProcess: false, read: () => threadCpuMicros() ?? 0 };
}
