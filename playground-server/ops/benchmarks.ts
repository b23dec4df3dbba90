// Benchmarks: start (streams progress), cancel, get, list, compare, export (strict SMP, fortio, or the playground
// result document `{ smp, playground }` as stored), and the terminal's `bench` built-in, all over the same run and store.
import type { Dispatcher } from '../api/dispatcher.js';
import { notFound, validationFailed } from '../api/errors.js';
import { importResult, ImportFormatError } from '../benchmarks/import-result.js';
import type { OpParams, Schemas } from '../api/types.js';
import { runSessionBenchmark, toLoadResult } from '../benchmarks/session-benchmark.js';
import { comparisonMeshMark, withMeshMarks } from '../benchmarks/session-meshmark.js';
import { toFortioJson } from '../loadgen/reports/fortio.js';
import { asResultDocument, type ResultDocument } from '../loadgen/reports/smp.js';
import type { Builtin } from '../terminal/builtins.js';
import { sessionOf, type OpDeps } from './deps.js';

/** 'success 80% (2xx: 80, 5xx: 20; no response: timeout 1)' */
function successLine(s: Schemas['BenchmarkSummary']): string {
  const rate = s.successRate === null || s.successRate === undefined ? 'n/a' : `${Math.round(s.successRate * 10000) / 100}%`;
  const classes = Object.entries(s.errorsByClass ?? {}).map(([k, v]) => `${k}: ${v}`);
  const transport = Object.entries(s.transportErrors ?? {}).map(([k, v]) => `${k} ${v}`);
  return `success ${rate} (${classes.join(', ') || 'no responses'}${transport.length ? `; no response: ${transport.join(', ')}` : ''})`;
}

export function registerBenchmarkOps(d: Dispatcher, deps: OpDeps): Record<string, Builtin> {
  const load = async (sessionId: string, id: string) => {
    const rec = await deps.store.benchmark(sessionId, id);
    if (!rec) throw notFound('UnknownBenchmark', `no benchmark "${id}" in this session (listBenchmarks shows them)`);
    return rec;
  };

  d.register('startBenchmark', async (params, ctx) => runSessionBenchmark(sessionOf(ctx), deps.store, params, (e) => ctx.emit(e), ctx.signal));

  d.register('cancelBenchmark', async (params, ctx) => {
    const session = sessionOf(ctx);
    const rec = await load(session.id, params.id);
    if (session.runningBenchmark?.id === params.id) {
      session.runningBenchmark.abort.abort();
      // The run records its own final state; wait briefly for it.
      for (let i = 0; i < 100 && session.runningBenchmark?.id === params.id; i++) await new Promise((r) => setTimeout(r, 50));
      return (await load(session.id, params.id)).benchmark;
    }
    // Running through another replica: ask it through the store (it polls every CANCEL_POLL_MS), then wait briefly.
    if (rec.benchmark.status === 'running' && (await deps.store.requestBenchmarkCancel(session.id, params.id))) {
      let latest = rec;
      for (let i = 0; i < 200 && latest.benchmark.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        latest = await load(session.id, params.id);
      }
      return latest.benchmark;
    }
    return rec.benchmark;
  });

  /** The session's runs, each meshed one with its MeshMark against the latest un-meshed run of its URL. */
  const scored = async (sessionId: string) => withMeshMarks((await deps.store.benchmarks(sessionId)).map((r) => r.benchmark));

  d.register('getBenchmark', async (params, ctx) => {
    const session = sessionOf(ctx);
    await load(session.id, params.id);
    return (await scored(session.id)).find((b) => b.id === params.id)!;
  });

  d.register('listBenchmarks', async (_params, ctx) => ({ items: await scored(sessionOf(ctx).id) }));

  d.register('compareBenchmarks', async (params, ctx) => {
    const session = sessionOf(ctx);
    const [a, b] = [(await load(session.id, params.a)).benchmark, (await load(session.id, params.b)).benchmark];
    const deltas: Record<string, Record<string, number | null>> = {};
    if (a.summary && b.summary) {
      const sa = a.summary;
      const sb = b.summary;
      deltas.actualRps = { a: sa.actualRps, b: sb.actualRps, delta: sb.actualRps - sa.actualRps, ratio: sa.actualRps ? sb.actualRps / sa.actualRps : null };
      // An imported SMP result carries no counts: its side is null and so is the difference, never a fake 0.
      deltas.errors = sa.errors === null || sb.errors === null ? { a: sa.errors, b: sb.errors, delta: null, ratio: null } : { a: sa.errors, b: sb.errors, delta: sb.errors - sa.errors, ratio: sa.errors ? sb.errors / sa.errors : null };
      // On the summaries' percentiles (no histograms needed), so an imported run compares too; a percentile one
      // side lacks (an SMP import has no p99.9) is null, not invented.
      for (const k of ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const) {
        const [va, vb] = [sa.latencyMs[k], sb.latencyMs[k]];
        deltas[`latency.${k}`] = va === null || vb === null ? { a: va, b: vb, delta: null, ratio: null } : { a: va, b: vb, delta: Math.round((vb - va) * 1000) / 1000, ratio: va ? Math.round((vb / va) * 1000) / 1000 : null };
      }
    }
    const meshmark = comparisonMeshMark(a, b);
    return { a, b, ...(meshmark ? { meshmark } : {}), deltas };
  });

  d.register('importBenchmark', async (params, ctx) => {
    const session = sessionOf(ctx);
    let run;
    try {
      run = importResult(params.format, params.document, params.label);
    } catch (e) {
      if (e instanceof ImportFormatError) throw validationFailed([{ field: e.field, message: e.message.slice(e.field.length + 2) }]);
      throw e;
    }
    await deps.store.saveBenchmark({ sessionId: session.id, benchmark: run.benchmark, result: run.result });
    return run.benchmark;
  });

  d.register('exportBenchmark', async (params, ctx) => {
    const rec = await load(sessionOf(ctx).id, params.id);
    if (!rec.result) throw notFound('NoResult', `benchmark "${params.id}" has no result to export (status: ${rec.benchmark.status})`);
    if (rec.benchmark.imported && rec.benchmark.imported.format !== 'playground')
      throw notFound('NoResult', `benchmark "${params.id}" was imported as ${rec.benchmark.imported.format} without histograms; export the original document instead`);
    let stored: ResultDocument;
    try {
      stored = asResultDocument(rec.result);
      if (!stored.playground.histogram) throw new Error('no histograms');
    } catch {
      throw notFound('NoResult', `benchmark "${params.id}" was stored without its histograms (by an older version); run it again to export it`);
    }
    const format = params.format ?? 'smp';
    // smp: the strict SMP message as stored; playground: the whole stored envelope (every module's additions kept).
    const document = format === 'fortio' ? toFortioJson(toLoadResult(stored), rec.benchmark.label ?? '') : format === 'playground' ? stored : stored.smp;
    return { format, document: JSON.parse(JSON.stringify(document)) as Record<string, unknown> };
  });

  const bench: Builtin = async (args, { session, out, signal }) => {
    const p: OpParams<'startBenchmark'> = { url: '' };
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const zeroOrMore = () => {
        const v = Number(args[++i]);
        if (!Number.isInteger(v) || v < 0) throw Object.assign(new Error(`${a} needs a whole number of seconds (0 or more)`), { usage: true });
        return v;
      };
      const value = () => {
        const v = Number(args[++i]);
        if (!Number.isInteger(v) || v < 1) throw Object.assign(new Error(`${a} needs a positive integer`), { usage: true });
        return v;
      };
      if (a === '-c' || a === '--connections') p.connections = value();
      else if (a === '-g' || a === '--generators') p.generators = value();
      else if (a === '--no-sidecar') p.sidecar = false;
      // The wire flags of `playground bench` (loadgen/bench-flags.ts); combinations are checked by the run, naming the field.
      else if (a === '--h2') p.protocol = 'h2';
      else if (a === '--grpc') p.protocol = 'grpc';
      else if (a === '--streams') p.streams = value();
      else if (a === '--grpc-method') p.grpcMethod = args[++i] ?? '';
      else if (a === '--rps' || a === '-q' || a === '--qps') p.rps = value();
      else if (a === '-t' || a === '--duration') p.durationSeconds = value();
      else if (a === '--warmup') p.warmupSeconds = zeroOrMore();
      else if (a === '--slo') p.slo = args[++i] ?? ''; // validated by the run (loadgen/slo.ts), as startBenchmark's slo
      else if (a.startsWith('-')) throw Object.assign(new Error(`bench: unsupported option ${a}`), { usage: true });
      else p.url = a;
    }
    if (!p.url) {
      await out.line('stderr', 'bench: which URL? e.g. bench -c 4 --rps 100 -t 5 [--warmup 1] [-g 2] [--no-sidecar] [--h2 [--streams N] | --grpc [--grpc-method /pkg.Svc/Method]] [--slo \'p99<=10ms\'] http://httpbin:8000/get');
      return { exitCode: 2 };
    }
    const b: Schemas['Benchmark'] = await runSessionBenchmark(session, deps.store, p, (e) => out.line('stdout', `${e.elapsedSeconds}s  ${e.requests} requests  ${e.errors} errors  p99 ${e.p99Ms}ms`), signal);
    const s = b.summary;
    if (s) {
      const l = s.latencyMs;
      await out.line('stdout', `${b.id} ${b.status}: ${s.requests} requests, ${s.actualRps} rps, p50 ${l.p50}ms p90 ${l.p90}ms p99 ${l.p99}ms p99.9 ${l.p999}ms max ${l.max}ms, ${s.errors} errors`);
      await out.line('stdout', `  ${successLine(s)}`);
      if (b.slo) await out.line('stdout', `  adaptive search for ${b.slo.objective}: ${b.slo.foundRps === null ? 'no rate tried met it' : `${b.slo.foundRps} rps met it (a lower bound: one noisy step ends the ramp)`}; ${b.slo.steps.length} steps, stopped: ${b.slo.stoppedBecause}`);
      for (const w of s.warnings ?? []) await out.line('stdout', `  warning: ${w}`);
      // An open-loop run also knows each request's actual send: the latency a generator that waited would report.
      const u = s.uncorrectedLatencyMs;
      if (s.correctedForCoordinatedOmission && u)
        await out.line('stdout', `  uncorrected (from each actual send, coordinated omission not corrected): p50 ${u.p50}ms p90 ${u.p90}ms p99 ${u.p99}ms${s.droppedSends ? `; ${s.droppedSends} scheduled sends never made` : ''}`);
    } else await out.line('stderr', `${b.id} ${b.status}${b.error ? `: ${b.error}` : ''}`);
    return { exitCode: b.status === 'completed' ? 0 : 1 };
  };
  const benchWithUsage: Builtin = async (args, ctx) => {
    try {
      return await bench(args, ctx);
    } catch (err) {
      if ((err as { usage?: boolean }).usage) {
        await ctx.out.line('stderr', (err as Error).message);
        return { exitCode: 2 };
      }
      throw err;
    }
  };
  return { bench: benchWithUsage };
}
