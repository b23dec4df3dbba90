// `playground bench --mesh-overhead`: the same open-model load against httpbin three ways in an embedded
// sandbox (direct, through two sidecars in plaintext, through two sidecars with mTLS), reported the way
// Istio and Linkerd report overhead: p50/p90/p99 and their deltas against direct, plus CPU and memory.
// Everything runs in this one process, so CPU is process.cpuUsage() over each measured window: the
// sandbox's apps, sidecars and control plane plus the load generator's worker thread (the generator's
// share is about the same in every configuration at the same rate, so the ΔCPU column is the mesh's).
import { runLoadTest } from './coordinator.js';
import { summarize } from './histogram.js';
import { meshOverheadReport, type OverheadRow } from './mesh-overhead.js';
import { LOAD_FLAGS, parseFlags, parseFormat, parseLoadFlags, reportUsageError, UsageError, withinLoadLimits } from './bench-flags.js';
import { formatDuration, resolveOptions, type LoadTestOptions } from './options.js';
import { progressLine } from './reports/text.js';
import type { LoadResult } from './result.js';
import type { BenchIo } from './cli.js';
import { deployOverheadTarget, fullGc, OVERHEAD_LAYOUTS, startOverheadSandbox, type OverheadLayout, type OverheadTarget } from './overhead-sandbox.js';

export const MESH_OVERHEAD_USAGE = `Usage: playground bench --mesh-overhead [flags]

Starts an embedded sandbox, deploys httpbin and a sleep client three ways — direct (no sidecars), sidecars
(mTLS off via mesh.playground.dev/mtls: disabled) and sidecars+mTLS — runs the same load against each
(httpbin /get, from a worker thread, through the client's sidecar when meshed) and prints p50/p90/p99,
the deltas against direct, CPU and memory per configuration.

  --rps N|max          open model at N requests/s (default 1000); "max" for the closed model
  --duration D         measured duration per configuration (default 10s)
  --connections C, -c  keep-alive connections (default 32)
  --warmup D           warm-up before each measurement, excluded (default 2s; 0 for none)
  --timeout D          per-request timeout (default 5s)
  --format F           text (default) or json
`;

const DEFAULTS = { rps: 1000, durationMs: 10_000, connections: 32, warmupMs: 2000, timeoutMs: 5000 } as const;
const FORMATS: ['text', 'json'] = ['text', 'json'];
type Format = (typeof FORMATS)[number];
const FLAGS_HINT = '--mesh-overhead takes --rps, --duration, --connections, --warmup, --timeout and --format';

class Cancelled extends Error {}

interface OverheadFlags {
  load: Required<Pick<LoadTestOptions, 'durationMs' | 'warmupMs' | 'timeoutMs' | 'connections'>> & { rps: number | null };
  format: Format;
}

function parseOverheadArgs(argv: string[]): OverheadFlags | 'help' {
  const { values, positionals } = parseFlags(argv, { 'mesh-overhead': { type: 'boolean' }, ...LOAD_FLAGS }, FLAGS_HINT);
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`--mesh-overhead measures its own sandbox's httpbin and takes no <url> (got ${positionals.join(' ')})`);

  const flags = parseLoadFlags(values, DEFAULTS.rps);
  const format = parseFormat(values.format, FORMATS);
  const load = {
    rps: flags.rps,
    durationMs: flags.durationMs ?? DEFAULTS.durationMs,
    warmupMs: flags.warmupMs ?? DEFAULTS.warmupMs,
    timeoutMs: flags.timeoutMs ?? DEFAULTS.timeoutMs,
    connections: flags.connections ?? DEFAULTS.connections,
  };
  withinLoadLimits(() => resolveOptions({ url: 'http://127.0.0.1/', ...load })); // the engine's own limits, with its messages
  return { load, format };
}

interface Percentiles {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** What one configuration cost, over its measured window (not warm-up, not worker start-up). */
interface WindowUsage {
  cpuMs: number;
  wallMs: number;
  requests: number;
  rssDeltaBytes: number;
  heapDeltaBytes: number;
  maxRssBytes: number;
}

export interface MeshOverheadConfiguration extends OverheadLayout {
  url: string;
  hostHeader: string | null;
  achievedRps: number;
  responses: number;
  errors: number;
  non2xx: number;
  droppedSends: number;
  latencyMs: { corrected: Percentiles; uncorrected: Percentiles };
  deltaMs: { corrected: Omit<Percentiles, 'p999Ms'>; uncorrected: Omit<Percentiles, 'p999Ms'> };
  cpu: { msPer1000Requests: number; deltaMsPer1000Requests: number; millicores: number };
  memory: { deployRssBytes: number; deployHeapBytes: number; loadRssDeltaBytes: number; loadHeapDeltaBytes: number; maxRssBytes: number };
}

export interface MeshOverheadResult {
  kind: 'MeshOverheadResult';
  target: string;
  parameters: { model: 'open' | 'closed'; rps: number | null; durationMs: number; warmupMs: number; connections: number; timeoutMs: number };
  baseline: string;
  configurations: MeshOverheadConfiguration[];
  notes: string[];
}

const NOTES = [
  'CPU is process.cpuUsage() of the one process over each measured window: apps, sidecars, control plane and the load generator thread; ΔCPU against direct is what the sidecars cost.',
  'deploy ΔRSS/Δheap: what deploying the configuration (2 pods, plus 2 sidecars when meshed) added, after GC. load ΔRSS/Δheap: growth over the measured window.',
  'Corrected latency is measured from each request\'s intended start (coordinated omission); uncorrected from the actual send.',
  'Load enters every configuration through the Kubernetes API\'s pods/portforward tunnel (served in this process), as it would on a real cluster; the tunnel is the same in all three, so the deltas against direct are the sidecars\'.',
];

function percentiles(r: LoadResult, kind: 'corrected' | 'uncorrected'): Percentiles {
  const s = summarize(r.latency[kind]);
  return { p50Ms: s.p50 / 1000, p90Ms: s.p90 / 1000, p99Ms: s.p99 / 1000, p999Ms: s.p999 / 1000 };
}

const cpuMsNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Samples CPU and memory at the first and last progress second of the measured window (so the worker's
 * start-up and the warm-up are outside it) and the peak RSS at every second.
 */
class WindowMeter {
  private first?: { cpuMs: number; at: number; rss: number; heap: number };
  private last?: { cpuMs: number; at: number; rss: number; heap: number };
  private requestsAfterFirst = 0;
  private maxRss = 0;

  tick(responses: number): void {
    const m = process.memoryUsage();
    const sample = { cpuMs: cpuMsNow(), at: performance.now(), rss: m.rss, heap: m.heapUsed };
    this.maxRss = Math.max(this.maxRss, m.rss);
    if (!this.first) this.first = sample;
    else {
      this.last = sample;
      this.requestsAfterFirst += responses;
    }
  }

  usage(): WindowUsage {
    const { first, last } = this;
    if (!first || !last) return { cpuMs: 0, wallMs: 0, requests: 0, rssDeltaBytes: 0, heapDeltaBytes: 0, maxRssBytes: this.maxRss };
    return {
      cpuMs: last.cpuMs - first.cpuMs,
      wallMs: last.at - first.at,
      requests: this.requestsAfterFirst,
      rssDeltaBytes: last.rss - first.rss,
      heapDeltaBytes: last.heap - first.heap,
      maxRssBytes: this.maxRss,
    };
  }
}

export async function runMeshOverheadCommand(argv: string[], io: BenchIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let flags: OverheadFlags | 'help';
  try {
    flags = parseOverheadArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return reportUsageError(io.stderr, err, 'playground bench --mesh-overhead --help');
  }
  if (flags === 'help') {
    io.stdout.write(MESH_OVERHEAD_USAGE);
    return 0;
  }
  const { load, format } = flags;
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const say = (line: string): void => void io.stderr.write(`mesh-overhead: ${line}\n`);
  const live = io.stderr.isTTY === true;
  say('starting the embedded sandbox');
  let sb: Awaited<ReturnType<typeof startOverheadSandbox>>;
  try {
    sb = await startOverheadSandbox();
  } catch (err) {
    process.off('SIGINT', onSigint);
    io.stderr.write(`playground bench: the embedded sandbox did not start: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    const targets: OverheadTarget[] = [];
    for (const layout of OVERHEAD_LAYOUTS) {
      if (abort.signal.aborted) throw new Cancelled();
      say(`deploying ${layout.name} (httpbin + sleep in namespace ${layout.namespace})`);
      targets.push(await deployOverheadTarget(sb, layout));
    }
    const usage = new Map<string, WindowUsage>();
    const results = new Map<string, LoadResult>();
    const rate = load.rps === null ? 'max rate (closed model)' : `${load.rps} rps`;
    const report = await meshOverheadReport(
      targets.map((t) => ({
        name: t.name,
        run: async () => {
          if (abort.signal.aborted) throw new Cancelled();
          say(`${t.name}: ${rate} for ${formatDuration(load.durationMs)} after ${formatDuration(load.warmupMs)} warm-up, ${load.connections} connections → ${t.url}${t.host ? ` (Host: ${t.host})` : ''}`);
          fullGc();
          const meter = new WindowMeter();
          const result = await runLoadTest(
            { url: t.url, headers: t.host ? { host: t.host } : {}, ...load, workers: 1, transport: 'worker' },
            {
              signal: abort.signal,
              onProgress: (i) => {
                meter.tick(i.responses);
                if (live) io.stderr.write(`\r${t.name.padEnd(14)} ${progressLine(i)}`);
              },
            },
          );
          if (live) io.stderr.write('\n');
          if (result.cancelled) throw new Cancelled();
          usage.set(t.name, meter.usage());
          results.set(t.name, result);
          return result;
        },
      })),
    );
    const doc = buildResult(load, targets, report.rows, results, usage);
    io.stdout.write(format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : renderText(doc));
    const failed = doc.configurations.filter((c) => c.responses - c.non2xx === 0);
    if (failed.length) {
      io.stderr.write(`playground bench: no successful response in ${failed.map((c) => c.name).join(', ')}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof Cancelled) {
      io.stderr.write('playground bench: cancelled\n');
      return 130;
    }
    io.stderr.write(`playground bench: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    say('stopping the sandbox');
    await sb.stop();
  }
}

function buildResult(
  load: OverheadFlags['load'],
  targets: OverheadTarget[],
  rows: OverheadRow[],
  results: Map<string, LoadResult>,
  usage: Map<string, WindowUsage>,
): MeshOverheadResult {
  const perThousand = (u: WindowUsage): number => (u.requests > 0 ? (u.cpuMs / u.requests) * 1000 : 0);
  const base = targets[0].name;
  const baseResult = results.get(base)!;
  const baseUncorrected = percentiles(baseResult, 'uncorrected');
  const baseCorrected = percentiles(baseResult, 'corrected');
  const baseCpu = perThousand(usage.get(base)!);
  const configurations = targets.map((t): MeshOverheadConfiguration => {
    const r = results.get(t.name)!;
    const row = rows.find((x) => x.name === t.name)!;
    const u = usage.get(t.name)!;
    const corrected = percentiles(r, 'corrected');
    const uncorrected = percentiles(r, 'uncorrected');
    const delta = (p: Percentiles, b: Percentiles) => ({ p50Ms: p.p50Ms - b.p50Ms, p90Ms: p.p90Ms - b.p90Ms, p99Ms: p.p99Ms - b.p99Ms });
    const non2xx = Object.entries(r.statusCodes).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0);
    return {
      name: t.name,
      description: t.description,
      namespace: t.namespace,
      meshed: t.meshed,
      mtls: t.mtls,
      url: t.url,
      hostHeader: t.host ?? null,
      achievedRps: row.achievedRps,
      responses: row.responses,
      errors: row.errors,
      non2xx,
      droppedSends: r.droppedSends,
      latencyMs: { corrected, uncorrected },
      deltaMs: { corrected: delta(corrected, baseCorrected), uncorrected: delta(uncorrected, baseUncorrected) },
      cpu: { msPer1000Requests: perThousand(u), deltaMsPer1000Requests: perThousand(u) - baseCpu, millicores: u.wallMs > 0 ? (u.cpuMs / u.wallMs) * 1000 : 0 },
      memory: {
        deployRssBytes: t.deployRssBytes,
        deployHeapBytes: t.deployHeapBytes,
        loadRssDeltaBytes: u.rssDeltaBytes,
        loadHeapDeltaBytes: u.heapDeltaBytes,
        maxRssBytes: u.maxRssBytes,
      },
    };
  });
  return {
    kind: 'MeshOverheadResult',
    target: 'httpbin GET /get in the embedded sandbox',
    parameters: { model: load.rps === null ? 'closed' : 'open', rps: load.rps, durationMs: load.durationMs, warmupMs: load.warmupMs, connections: load.connections, timeoutMs: load.timeoutMs },
    baseline: base,
    configurations,
    notes: NOTES,
  };
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)];
}

function renderText(doc: MeshOverheadResult): string {
  const f = (n: number): string => n.toFixed(3);
  const d = (n: number): string => (n >= 0 ? '+' : '') + n.toFixed(3);
  const mib = (b: number): string => (b >= 0 ? '+' : '') + (b / 2 ** 20).toFixed(1);
  const p = doc.parameters;
  const rate = p.rps === null ? 'max rate (closed model)' : `${p.rps} rps (open model)`;
  const c = doc.configurations;
  const lines = [
    `Mesh overhead — ${doc.target}: ${rate}, ${formatDuration(p.durationMs)} per configuration after ${formatDuration(p.warmupMs)} warm-up, ${p.connections} connections`,
    ...c.map((x) => `  ${x.name.padEnd(14)} ${x.description}`),
    '',
    `Latency, corrected for coordinated omission (ms; Δ against "${doc.baseline}"):`,
    ...table(
      ['config', 'rps', 'p50', 'p90', 'p99', 'p99.9', 'Δp50', 'Δp90', 'Δp99', 'errors', 'non-2xx'],
      c.map((x) => {
        const l = x.latencyMs.corrected;
        const dl = x.deltaMs.corrected;
        return [x.name, x.achievedRps.toFixed(1), f(l.p50Ms), f(l.p90Ms), f(l.p99Ms), f(l.p999Ms), d(dl.p50Ms), d(dl.p90Ms), d(dl.p99Ms), String(x.errors), String(x.non2xx)];
      }),
    ),
    '',
    'Latency, uncorrected (service time as sent; ms):',
    ...table(
      ['config', 'p50', 'p90', 'p99', 'p99.9', 'Δp50', 'Δp90', 'Δp99'],
      c.map((x) => {
        const l = x.latencyMs.uncorrected;
        const dl = x.deltaMs.uncorrected;
        return [x.name, f(l.p50Ms), f(l.p90Ms), f(l.p99Ms), f(l.p999Ms), d(dl.p50Ms), d(dl.p90Ms), d(dl.p99Ms)];
      }),
    ),
    '',
    'CPU and memory (one process; MiB):',
    ...table(
      ['config', 'CPU ms/1000 req', 'ΔCPU ms/1000 req', 'CPU mcores', 'deploy ΔRSS', 'deploy Δheap', 'load ΔRSS', 'load Δheap', 'max RSS'],
      c.map((x) => [
        x.name,
        x.cpu.msPer1000Requests.toFixed(1),
        (x.cpu.deltaMsPer1000Requests >= 0 ? '+' : '') + x.cpu.deltaMsPer1000Requests.toFixed(1),
        x.cpu.millicores.toFixed(0),
        mib(x.memory.deployRssBytes),
        mib(x.memory.deployHeapBytes),
        mib(x.memory.loadRssDeltaBytes),
        mib(x.memory.loadHeapDeltaBytes),
        (x.memory.maxRssBytes / 2 ** 20).toFixed(1),
      ]),
    ),
    '',
    ...doc.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}
