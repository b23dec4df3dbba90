// One load generator: opens its connection pool, runs its share of the schedule, and reports counts and
// encoded histograms. It knows nothing of how it is hosted (inline, worker thread, process, Job pod).
import { performance } from 'node:perf_hooks';
import { generatorCpuClock } from './generator-cpu.js';
import { encodeHistogram } from './histogram.js';
import { ConnectionPool, type ConnectionEvents } from './http-client.js';
import { GRPC_HEALTH_CHECK, type GrpcCall } from './grpc-client.js';
import { H2Pool } from './h2-client.js';
import type { GeneratorProgress, GeneratorReport, GeneratorSpec } from './protocol.js';
import { GENERATOR_PROTOCOL } from './protocol.js';
import { PreciseTimer } from './precise-timer.js';
import { RunRecorder } from './recorder.js';
import { closedLoopScheduler, openLoopScheduler, openLoopWindow } from './scheduler.js';

export interface GeneratorHooks {
  signal?: AbortSignal;
  onProgress?: (p: GeneratorProgress) => void;
  /** Called once connected; resolves with the epoch ms to start at (distributed runs start together). */
  onReady?: () => Promise<number>;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

export class TargetUnreachableError extends Error {}

export async function runGenerator(spec: GeneratorSpec, hooks: GeneratorHooks = {}): Promise<GeneratorReport> {
  const template = { url: new URL(spec.url), method: spec.method, headers: spec.headers, body: spec.body, insecure: spec.insecure, connectTo: spec.connectTo };
  // The recorder needs the measured window's start, known only once the start time is agreed.
  let recorder: RunRecorder | null = null;
  let loop: ReturnType<typeof openLoopScheduler> | null = null;
  // The pool exists before the loop (it must connect first); its events reach the loop once there is one.
  const lazyEvents: ConnectionEvents = {
    onResponse: (conn, status, sentAt, doneAt, bytes) => loop?.events.onResponse(conn, status, sentAt, doneAt, bytes),
    onError: (conn, kind, sentAt, doneAt) => loop?.events.onError(conn, kind, sentAt, doneAt),
  };
  // The one dispatch point: HTTP/2 and gRPC use h2-client.ts's pool, which has ConnectionPool's shape.
  const pool: ConnectionPool =
    spec.wire === 'h2' || spec.wire === 'grpc'
      ? (new H2Pool(template, spec.connections, spec.streams ?? 1, lazyEvents, spec.timeoutMs, spec.wire === 'grpc' ? grpcCall(spec) : null) as unknown as ConnectionPool)
      : new ConnectionPool(template, spec.connections, lazyEvents, spec.timeoutMs);
  const getPool = (): ConnectionPool => pool;
  try {
    await pool.open();
  } catch (err) {
    pool.close();
    throw new TargetUnreachableError(`cannot connect to ${template.url.host}: ${(err as Error).message}`);
  }

  let progressTimer: NodeJS.Timeout | null = null;
  // The timer may block the thread briefly only while no response can arrive (see precise-timer.ts).
  const timer = new PreciseTimer(() => pool.busyCount > 0);
  try {
    const startEpoch = hooks.onReady ? await hooks.onReady() : (spec.startAtEpochMs ?? epochNow());
    const startAt = Math.max(performance.now(), startEpoch - performance.timeOrigin);
    const plan = { startAt, warmupMs: spec.warmupMs, durationMs: spec.durationMs, timeoutMs: spec.timeoutMs };
    const openPlan = spec.totalRps === null ? null : { ...plan, totalRps: spec.totalRps, stride: spec.stride, phase: spec.phase };
    // Open model: the window starts exactly at the first measured slot, so the count is exact.
    const measureStart = openPlan ? openLoopWindow(openPlan).measureStart : startAt + spec.warmupMs;
    recorder = new RunRecorder(measureStart);
    loop = openPlan ? openLoopScheduler(openPlan, recorder, getPool, hooks.signal, timer) : closedLoopScheduler(plan, recorder, getPool, hooks.signal);

    let second = 0;
    let emit: (() => void) | null = null;
    if (hooks.onProgress) {
      const onProgress = hooks.onProgress;
      const rec = recorder;
      emit = (): void => {
        second++;
        onProgress({ type: 'progress', generatorId: spec.generatorId, second, ...rec.takeInterval() });
      };
      // Intervals are aligned to the measured window's start, so generators' seconds line up for merging.
      const firstIn = Math.max(0, measureStart + 1000 - performance.now());
      const tick = emit;
      // The last second is emitted only once the run is over, so late responses still land in it.
      const lastTimedSecond = Math.ceil(spec.durationMs / 1000) - 1;
      const every = (): void => {
        tick();
        progressTimer = second < lastTimedSecond ? setTimeout(every, Math.max(0, measureStart + (second + 1) * 1000 - performance.now())) : null;
      };
      if (lastTimedSecond > 0) progressTimer = setTimeout(every, firstIn);
      rec.takeInterval(); // discard warm-up samples (none are recorded, but keep the interval clean)
    }

    // CPU over the measured window (sampled when it opens), per request measured: see generator-cpu.ts.
    const clock = generatorCpuClock();
    let cpuStart: number | null = null;
    const cpuSample = setTimeout(() => (cpuStart = clock?.read() ?? null), Math.max(0, measureStart - performance.now()));
    loop.start();
    await loop.done;
    clearTimeout(cpuSample);
    const cpuEnd = cpuStart === null ? null : (clock?.read() ?? null);
    const r = recorder;
    const cancelled = hooks.signal?.aborted === true;
    if (emit) {
      // Close the last (possibly partial) seconds so every generator reports the same seconds.
      if (progressTimer) clearTimeout(progressTimer);
      progressTimer = null;
      const lastSecond = cancelled ? Math.max(second, Math.ceil(Math.max(0, performance.now() - measureStart) / 1000)) : Math.ceil(spec.durationMs / 1000);
      while (second < lastSecond) emit();
    }
    const endAt = cancelled ? performance.now() : Math.max(r.lastDoneAt, measureStart + spec.durationMs);
    const uncorrected = encodeHistogram(r.uncorrected);
    return {
      type: 'result',
      protocol: GENERATOR_PROTOCOL,
      generatorId: spec.generatorId,
      model: spec.totalRps === null ? 'closed' : 'open',
      connections: spec.connections,
      requestedRps: spec.totalRps === null ? null : spec.totalRps / spec.stride,
      startEpochMs: performance.timeOrigin + startAt,
      measureStartEpochMs: performance.timeOrigin + measureStart,
      endEpochMs: performance.timeOrigin + Math.max(endAt, measureStart),
      scheduled: r.scheduled,
      sent: r.sent,
      responses: r.responses,
      statusCodes: Object.fromEntries([...r.statusCodes].map(([k, v]) => [String(k), v])),
      errors: Object.fromEntries(r.errors),
      droppedSends: r.droppedSends,
      lateSends: r.lateSends,
      maxSendDelayMicros: Math.round(r.maxSendDelayMicros),
      cancelledRequests: r.cancelledRequests,
      bytesRead: r.bytesRead,
      ...(cpuStart !== null && cpuEnd !== null ? { cpuMicros: Math.max(0, Math.round(cpuEnd - cpuStart)) } : {}),
      cancelled,
      histograms: {
        corrected: spec.totalRps === null ? uncorrected : encodeHistogram(r.corrected),
        uncorrected,
        errors: encodeHistogram(r.errorLatency),
        statusErrors: encodeHistogram(r.statusErrors),
        transportErrors: encodeHistogram(r.transportErrors),
      },
    };
  } finally {
    if (progressTimer) clearTimeout(progressTimer);
    pool.close();
    await timer.close();
  }
}

function grpcCall(spec: GeneratorSpec): GrpcCall {
  const method = spec.grpcMethod ?? GRPC_HEALTH_CHECK;
  return { method, message: Buffer.from(spec.body ?? '', 'base64'), health: method === GRPC_HEALTH_CHECK };
}
