// The request loops. Open model (constant arrival rate): request i has the intended start
//   startAt + (phase + i·stride) · (1000 / totalRps)   ms
// computed from the start, never from the previous send, so the schedule cannot drift. A request that
// finds every connection busy waits in a backlog and is sent as soon as one frees up; its latency is
// still measured from its intended start (the coordinated-omission correction). Closed model: every
// connection sends its next request as soon as the previous response arrives, for maximum throughput.
import { performance } from 'node:perf_hooks';
import type { ConnectionPool, HttpConnection, RequestErrorKind } from './http-client.js';
import { PreciseTimer } from './precise-timer.js';
import type { RunRecorder } from './recorder.js';

export interface SchedulePlan {
  /** performance.now() ms at which the schedule (warm-up first) starts. */
  startAt: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
}

export interface OpenLoopPlan extends SchedulePlan {
  totalRps: number;
  stride: number;
  phase: number;
}

/** Most intended sends allowed to wait for a connection; beyond it they are dropped (and counted). */
export const MAX_BACKLOG = 1_000_000;

/** A FIFO of intended start times in a ring buffer (no allocation per request). */
class IntendedBacklog {
  private readonly buf: Float64Array;
  private head = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }
  push(t: number): boolean {
    if (this.size === this.capacity) return false;
    this.buf[(this.head + this.size) % this.capacity] = t;
    this.size++;
    return true;
  }
  shift(): number {
    const t = this.buf[this.head];
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return t;
  }
}

export interface LoopHandle {
  /** Resolves when the schedule is over and every measured request finished (or the run was cancelled). */
  done: Promise<void>;
  events: {
    onResponse(conn: HttpConnection, status: number, sentAt: number, doneAt: number, bytes: number): void;
    onError(conn: HttpConnection, kind: RequestErrorKind, sentAt: number, doneAt: number): void;
  };
}

/**
 * What both loops share: `done` resolves once, on finish; an abort (or a signal already aborted at start)
 * stops the loop, marks the run cancelled, closes the requests in flight and finishes.
 */
function loopLifecycle(recorder: RunRecorder, getPool: () => ConnectionPool, signal: AbortSignal | undefined, loop: { stop(): void; cleanUp(): void }) {
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const finish = (): void => {
    if (finished) return;
    finished = true;
    signal?.removeEventListener('abort', abort);
    loop.cleanUp();
    resolveDone();
  };
  const abort = (): void => {
    if (finished) return;
    loop.stop();
    recorder.cancelling = true;
    getPool().abortInFlight('closed');
    finish();
  };
  signal?.addEventListener('abort', abort, { once: true });
  return {
    done,
    finish,
    abort,
    get finished(): boolean {
      return finished;
    },
  };
}

/** Pool events that record each outcome first, then let the loop carry on with the connection. */
function recordingEvents(recorder: RunRecorder, then: { response(conn: HttpConnection): void; error(conn: HttpConnection, kind: RequestErrorKind): void }): LoopHandle['events'] {
  return {
    onResponse(conn, status, sentAt, doneAt, bytes) {
      recorder.onResponse(status, conn.intendedAt, sentAt, doneAt, bytes);
      then.response(conn);
    },
    onError(conn, kind, sentAt, doneAt) {
      recorder.onError(kind, conn.intendedAt, sentAt, doneAt);
      then.error(conn, kind);
    },
  };
}

/** Slot arithmetic of the open model: slot j is intended at startAt + j·base, base = 1000/totalRps ms. */
export function openLoopWindow(plan: OpenLoopPlan): { base: number; warmupSlots: number; totalSlots: number; measureStart: number } {
  const base = 1000 / plan.totalRps;
  // Whole slots, computed once in integers so a float rounding can neither add nor drop a request.
  const warmupSlots = Math.ceil((plan.warmupMs * plan.totalRps) / 1000 - 1e-9);
  const totalSlots = Math.ceil(((plan.warmupMs + plan.durationMs) * plan.totalRps) / 1000 - 1e-9);
  return { base, warmupSlots, totalSlots, measureStart: plan.startAt + warmupSlots * base };
}

/** Wire a loop to a pool: the pool must be created with `handle.events` and opened before `start()`. */
export function openLoopScheduler(
  plan: OpenLoopPlan,
  recorder: RunRecorder,
  getPool: () => ConnectionPool,
  signal?: AbortSignal,
  timer: PreciseTimer = new PreciseTimer(),
): LoopHandle & { start(): void } {
  const { base, totalSlots } = openLoopWindow(plan);
  // This generator's slots are phase, phase+stride, phase+2·stride, ... (interleaved with the others').
  const total = Math.max(0, Math.ceil((totalSlots - plan.phase) / plan.stride));
  const intendedAt = (i: number): number => plan.startAt + (plan.phase + i * plan.stride) * base;
  const interval = base * plan.stride;
  // A backlog deeper than a timeout's worth of requests could only produce timeouts: drop beyond it.
  const capacity = Math.min(MAX_BACKLOG, Math.max(16, Math.ceil(plan.timeoutMs / interval + 1)));
  const backlog = new IntendedBacklog(capacity);
  let next = 0;
  let scheduleOver = false;
  const life = loopLifecycle(recorder, getPool, signal, {
    stop() {
      scheduleOver = true;
      timer.cancel();
      // Slots already due but not yet queued (every connection was busy) were intended too: dropped, like the queue.
      const now = performance.now();
      for (; next < total && intendedAt(next) <= now; next++) {
        recorder.onScheduled(intendedAt(next));
        recorder.onDropped(intendedAt(next));
      }
      while (backlog.size > 0) recorder.onDropped(backlog.shift());
    },
    cleanUp: () => void timer.close(),
  });
  const maybeFinish = (): void => {
    if (scheduleOver && backlog.size === 0 && getPool().busyCount === 0) life.finish();
  };

  const dispatch = (): void => {
    const pool = getPool();
    while (backlog.size > 0) {
      const conn = pool.take();
      if (!conn) return;
      const intended = backlog.shift();
      conn.send(intended);
      recorder.onSend(intended, conn.sentAt);
    }
  };

  // Whether the timer is set for the next slot. With every connection busy it is not: a slot that comes due then
  // could only wait in the backlog, so it is queued (with its intended time) when the next response or error
  // frees a connection — no wake-ups while the target is saturated or stalled.
  let armed = false;
  const tick = (): void => {
    armed = false;
    if (life.finished) return;
    const now = performance.now();
    while (next < total) {
      const intended = intendedAt(next);
      if (intended > now) break;
      recorder.onScheduled(intended);
      if (!backlog.push(intended)) recorder.onDropped(intended);
      next++;
    }
    dispatch();
    if (next >= total) {
      scheduleOver = true;
      maybeFinish();
    } else if (getPool().idleCount > 0) {
      armed = true;
      timer.wakeAt(intendedAt(next), tick);
    } else timer.cancel();
  };

  // A response is a moment the thread is awake anyway: send what has come due since (cheaper than a timer
  // wake-up, and on time even when responses keep the event loop busy), and set the timer again if it was not.
  const carryOn = (): void => {
    if (!scheduleOver && next < total && (!armed || intendedAt(next) <= performance.now())) tick();
    else if (backlog.size > 0) dispatch();
    else if (scheduleOver) maybeFinish();
  };
  const events = recordingEvents(recorder, {
    response(conn) {
      getPool().release(conn);
      carryOn();
    },
    error(conn) {
      getPool().release(conn);
      if (life.finished) return;
      carryOn();
    },
  });

  return {
    done: life.done,
    events,
    start() {
      if (signal?.aborted) return life.abort();
      armed = true;
      timer.wakeAt(intendedAt(0), tick);
    },
  };
}

export function closedLoopScheduler(plan: SchedulePlan, recorder: RunRecorder, getPool: () => ConnectionPool, signal?: AbortSignal): LoopHandle & { start(): void } {
  const end = plan.startAt + plan.warmupMs + plan.durationMs;
  let stopping = false;
  let endTimer: NodeJS.Timeout | null = null;
  const life = loopLifecycle(recorder, getPool, signal, {
    stop() {
      stopping = true;
    },
    cleanUp() {
      if (endTimer) clearTimeout(endTimer);
    },
  });
  const finish = life.finish;
  const sendNext = (conn: HttpConnection): void => {
    const now = performance.now();
    if (stopping || now >= end) {
      stopping = true;
      getPool().release(conn);
      if (getPool().busyCount === 0) finish();
      return;
    }
    recorder.onScheduled(now);
    conn.send(now);
    recorder.onSend(now, conn.sentAt);
  };
  const events = recordingEvents(recorder, {
    response: sendNext,
    error(conn, kind) {
      if (life.finished) return;
      // A refused connection fails instantly; pause briefly instead of spinning on reconnects.
      if (kind === 'connect') setTimeout(() => (life.finished ? undefined : sendNext(conn)), 10);
      else sendNext(conn);
    },
  });

  return {
    done: life.done,
    events,
    start() {
      if (signal?.aborted) return life.abort();
      const startIn = Math.max(0, plan.startAt - performance.now());
      setTimeout(() => {
        if (life.finished) return;
        // Stop even if every connection is stuck: requests still in flight then time out via the pool.
        endTimer = setTimeout(() => {
          stopping = true;
          if (getPool().busyCount === 0) finish();
        }, Math.max(0, end - performance.now()));
        const pool = getPool();
        for (let conn = pool.take(); conn; conn = pool.take()) sendNext(conn);
      }, startIn);
    },
  };
}
