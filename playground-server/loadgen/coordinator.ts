// The coordinator: splits a load test across generators (inline, worker threads or child processes),
// starts them together once all are connected, merges their per-second progress and their final
// histograms exactly (bucket counts add; percentiles are computed from the merged histogram, never
// averaged), and returns one LoadResult. Aborting the signal cancels every generator and still returns
// the partial result.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createLatencyHistogram, decodeHistogram, type Histogram } from './histogram.js';
import { runGenerator } from './generator.js';
import { generatorProcessArgs, generatorWorker } from './generator-launch.js';
import { loadWire, resolveOptions, type LoadTestOptions, type ResolvedOptions } from './options.js';
import { GENERATOR_PROTOCOL, type CoordinatorMessage, type GeneratorMessage, type GeneratorProgress, type GeneratorReport, type GeneratorSpec } from './protocol.js';
import { mergeReports, type IntervalStat, type LoadResult } from './result.js';

export interface RunHooks {
  signal?: AbortSignal;
  /** One call per second of the measured window, once every generator has reported that second. */
  onProgress?: (interval: IntervalStat) => void;
}

/** Time allowed between "all ready" and the common start, so every generator sees "start" before it. */
const START_LEAD_MS = 50;

interface GeneratorHandle {
  ready: Promise<void>;
  result: Promise<GeneratorReport>;
  control(msg: CoordinatorMessage): void;
}

/** `notes` collects caveats for the result (e.g. generators compiled TypeScript at run time). */
type Launcher = (spec: GeneratorSpec, onProgress: (p: GeneratorProgress) => void, notes: Set<string>) => GeneratorHandle;

/** Split the test into one spec per generator: interleaved slots of one schedule, connections shared out. */
export function planGenerators(o: ResolvedOptions): GeneratorSpec[] {
  const specs: GeneratorSpec[] = [];
  for (let k = 0; k < o.workers; k++) {
    const connections = Math.floor(o.connections / o.workers) + (k < o.connections % o.workers ? 1 : 0);
    const spec: GeneratorSpec = {
      protocol: GENERATOR_PROTOCOL,
      generatorId: k,
      url: o.url,
      method: o.method,
      headers: o.headers,
      totalRps: o.rps,
      stride: o.workers,
      phase: k,
      connections,
      durationMs: o.durationMs,
      warmupMs: o.warmupMs,
      timeoutMs: o.timeoutMs,
    };
    if (o.body !== undefined) spec.body = o.body;
    if (o.insecure) spec.insecure = true;
    if (o.protocol !== 'http1') {
      spec.wire = o.protocol;
      spec.streams = o.streams;
      if (o.protocol === 'grpc') spec.grpcMethod = o.grpcMethod;
    }
    specs.push(spec);
  }
  return specs;
}

/** Dispatch a generator's messages into ready/result promises. */
function messageRouter(onProgress: (p: GeneratorProgress) => void) {
  let readyResolve!: () => void;
  let resultResolve!: (r: GeneratorReport) => void;
  let fail!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    fail = (e) => {
      rej(e);
      resultReject(e);
    };
  });
  let resultReject!: (e: Error) => void;
  const result = new Promise<GeneratorReport>((res, rej) => {
    resultResolve = res;
    resultReject = rej;
  });
  ready.catch(() => undefined);
  result.catch(() => undefined);
  const route = (m: GeneratorMessage): void => {
    if (m.type === 'ready') readyResolve();
    else if (m.type === 'progress') onProgress(m);
    else if (m.type === 'result') {
      readyResolve();
      resultResolve(m);
    } else if (m.type === 'error') fail(new Error(m.message));
  };
  return { ready, result, route, fail };
}

const inlineLauncher: Launcher = (spec, onProgress) => {
  const abort = new AbortController();
  let startResolve!: (at: number) => void;
  const started = new Promise<number>((r) => (startResolve = r));
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const result = runGenerator(spec, {
    signal: abort.signal,
    onProgress,
    onReady: () => {
      readyResolve();
      return started;
    },
  });
  return {
    ready: Promise.race([ready, result.then(() => undefined)]),
    result,
    control(msg) {
      if (msg.type === 'start') startResolve(msg.atEpochMs);
      else {
        abort.abort();
        startResolve(Date.now());
      }
    },
  };
};

const workerLauncher: Launcher = (spec, onProgress, notes) => {
  const router = messageRouter(onProgress);
  const { launch: worker, note } = generatorWorker(spec);
  if (note) notes.add(note);
  worker.on('message', router.route);
  worker.on('error', (e) => router.fail(e));
  worker.on('exit', (code) => router.fail(new Error(`generator ${spec.generatorId} exited (code ${code}) without a result`)));
  return { ready: router.ready, result: router.result, control: (msg) => worker.postMessage(msg) };
};

const processLauncher: Launcher = (spec, onProgress, notes) => {
  const router = messageRouter(onProgress);
  const { launch: args, note } = generatorProcessArgs();
  if (note) notes.add(note);
  const child = spawn(process.execPath, [...args, '--interactive'], {
    env: { ...process.env, LOADGEN_SPEC: JSON.stringify(spec) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let msg: GeneratorMessage;
    try {
      msg = JSON.parse(line) as GeneratorMessage;
    } catch {
      return; // not protocol output
    }
    router.route(msg);
  });
  child.on('exit', (code) => router.fail(new Error(`generator process ${spec.generatorId} exited (code ${code}) without a result`)));
  child.on('error', (e) => router.fail(e));
  return {
    ready: router.ready,
    result: router.result,
    control: (msg) => {
      if (child.stdin.writable) child.stdin.write(JSON.stringify(msg) + '\n');
    },
  };
};

const LAUNCHERS: Record<ResolvedOptions['transport'], Launcher> = { inline: inlineLauncher, worker: workerLauncher, process: processLauncher };

/** Merges per-second progress across generators; emits a second once all generators reported it. */
export class ProgressMerger {
  readonly intervals: IntervalStat[] = [];
  private readonly pending = new Map<number, { seen: number; responses: number; errors: number; h: Histogram }>();
  constructor(
    private readonly generators: number,
    private readonly emit?: (i: IntervalStat) => void,
  ) {}
  add(p: GeneratorProgress): void {
    let slot = this.pending.get(p.second);
    if (!slot) {
      slot = { seen: 0, responses: 0, errors: 0, h: createLatencyHistogram() };
      this.pending.set(p.second, slot);
    }
    slot.seen++;
    slot.responses += p.responses;
    slot.errors += p.errors;
    slot.h.add(decodeHistogram(p.histogram));
    if (slot.seen === this.generators) {
      this.pending.delete(p.second);
      const stat: IntervalStat = {
        second: p.second,
        responses: slot.responses,
        errors: slot.errors,
        p50Micros: slot.h.totalCount ? slot.h.getValueAtPercentile(50) : 0,
        p99Micros: slot.h.totalCount ? slot.h.getValueAtPercentile(99) : 0,
      };
      this.intervals.push(stat);
      this.emit?.(stat);
    }
  }
}

export async function runLoadTest(options: LoadTestOptions, hooks: RunHooks = {}): Promise<LoadResult> {
  const o = resolveOptions(options);
  const specs = planGenerators(o);
  const progress = new ProgressMerger(specs.length, hooks.onProgress);
  const launch = LAUNCHERS[o.transport];
  const notes = new Set<string>();
  const handles = specs.map((s) => launch(s, (p) => progress.add(p), notes));
  const broadcast = (msg: CoordinatorMessage): void => handles.forEach((h) => h.control(msg));
  const onAbort = (): void => broadcast({ type: 'abort' });
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await Promise.all(handles.map((h) => h.ready));
    } catch (err) {
      broadcast({ type: 'abort' });
      await Promise.allSettled(handles.map((h) => h.result));
      throw err;
    }
    if (hooks.signal?.aborted) broadcast({ type: 'abort' });
    else broadcast({ type: 'start', atEpochMs: Date.now() + (specs.length > 1 ? START_LEAD_MS : 0) });
    const reports = await Promise.all(handles.map((h) => h.result));
    const merged = mergeReports(reports, {
      engine: 'builtin',
      url: o.url,
      method: o.method,
      requestedRps: o.rps,
      warmupMs: o.warmupMs,
      requestedDurationMs: o.durationMs,
      timeoutMs: o.timeoutMs,
      intervals: progress.intervals,
      notes: [...notes],
    });
    if (o.protocol !== 'http1') merged.wire = loadWire(o);
    return merged;
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
}
