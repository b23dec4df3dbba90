// `playground bench --mesh-overhead`: the same open-model load against httpbin three ways in an embedded
// sandbox (direct, through two sidecars in plaintext, through two sidecars with mTLS) plus, when HAProxy is
// installed, through pairs of real HAProxy proxies (the anchors: plaintext and mTLS between the two, like-for-like
// with the two mesh configurations) — interleaved in rounds (A B C D E A B C D E …,
// 5 by default), each run's warm-up discarded, deltas paired within a round and summarised over the rounds by
// median and spread with a verdict (overhead-stats.ts); MeshMark of each meshed configuration (meshmark.ts).
// Everything but HAProxy runs in this one process, so CPU is process.cpuUsage() over each measured window: the
// sandbox's apps, sidecars and control plane plus the load generator's worker thread (the generator's share is
// about the same in every configuration at the same rate, so the ΔCPU column is the mesh's). The HAProxy
// pairs' own CPU (from /proc) is added to the process's for their runs.
import { runLoadTest } from './coordinator.js';
import { summarize } from './histogram.js';
import { MAX_OVERHEAD_ROUNDS, runInterleaved } from './mesh-overhead.js';
import { computeMeshMark, describeMeshMark, type ConfigurationCost, type MeshMark } from './meshmark.js';
import { summarizeDelta, type DeltaSummary } from './overhead-stats.js';
import { findHaproxy, startHaproxyPair, type HaproxyPair } from './haproxy-anchor.js';
import { LOAD_FLAGS, parseCount, parseFlags, parseFormat, parseLoadFlags, reportUsageError, UsageError, withinLoadLimits } from './bench-flags.js';
import { formatDuration, resolveOptions, type LoadTestOptions } from './options.js';
import { progressLine } from './reports/text.js';
import type { LoadResult } from './result.js';
import type { BenchIo } from './cli.js';
import { DATA_PLANE_NAMESPACE, deployOverheadTarget, fullGc, OVERHEAD_LAYOUTS, startDataPlane, startOverheadSandbox, type OverheadCluster, type OverheadTarget } from './overhead-sandbox.js';

export const MESH_OVERHEAD_USAGE = `Usage: playground bench --mesh-overhead [flags]

Starts an embedded sandbox, deploys httpbin and a sleep client three ways — direct (no sidecars), sidecars
(mTLS off via mesh.playground.dev/mtls: disabled) and sidecars+mTLS — and, when haproxy is installed, puts a
pair of HAProxy proxies in front of the direct httpbin twice (the real-proxy anchors: plaintext between the two,
and mutual TLS 1.3 between the two). It runs the same load against each, interleaved in rounds (direct,
sidecars, sidecars+mTLS, haproxy-pair, haproxy-pair+mTLS, direct, …), discards each run's warm-up, and prints
per configuration the median p50/p90/p99 over the rounds, the deltas against direct in the same round
(median [min…max] and a verdict: "spread>effect" when the rounds disagree by more than the median delta), CPU
and memory, the throughput ratio of each mesh configuration vs its like-for-like HAProxy pair, and MeshMark.

  --rps N|max          open model at N requests/s (default 1000); "max" for the closed model (throughput)
  --duration D         measured duration per run (default 10s)
  --rounds N           rounds of all configurations, 1–${MAX_OVERHEAD_ROUNDS} (default 5; fewer gives less reason to trust the spread)
  --connections C, -c  keep-alive connections (default 32)
  --warmup D           warm-up before each run, discarded (default 2s; 0 for none)
  --timeout D          per-request timeout (default 5s)
  --haproxy M          auto (default: the anchor when haproxy is installed), on (fail without it) or off
  --format F           text (default) or json
`;

const DEFAULTS = { rps: 1000, durationMs: 10_000, connections: 32, warmupMs: 2000, timeoutMs: 5000, rounds: 5 } as const;
const FORMATS: ['text', 'json'] = ['text', 'json'];
type Format = (typeof FORMATS)[number];
const HAPROXY_MODES = ['auto', 'on', 'off'] as const;
type HaproxyMode = (typeof HAPROXY_MODES)[number];
const FLAGS_HINT = '--mesh-overhead takes --rps, --duration, --rounds, --connections, --warmup, --timeout, --haproxy and --format';
export const HAPROXY_ANCHOR = 'haproxy-pair';
export const HAPROXY_MTLS_ANCHOR = 'haproxy-pair+mTLS';
const HAPROXY_ANCHORS = [
  { name: HAPROXY_ANCHOR, mtls: false },
  { name: HAPROXY_MTLS_ANCHOR, mtls: true },
] as const;
/** The configuration whose MeshMark is "the sandbox mesh's": the mesh as it runs by default (mTLS on). */
const SANDBOX_MESH = 'sidecars+mTLS';
/** Fewer samples than these make the percentile the sample's extreme, not an estimate (1 / (1 − q)). */
const P99_MIN_SAMPLES = 100;
const P999_MIN_SAMPLES = 1000;

class Cancelled extends Error {}

interface OverheadFlags {
  load: Required<Pick<LoadTestOptions, 'durationMs' | 'warmupMs' | 'timeoutMs' | 'connections'>> & { rps: number | null };
  rounds: number;
  haproxy: HaproxyMode;
  format: Format;
}

function parseOverheadArgs(argv: string[]): OverheadFlags | 'help' {
  const { values, positionals } = parseFlags(
    argv,
    { 'mesh-overhead': { type: 'boolean' }, rounds: { type: 'string' }, haproxy: { type: 'string' }, ...LOAD_FLAGS },
    FLAGS_HINT,
  );
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`--mesh-overhead measures its own sandbox's httpbin and takes no <url> (got ${positionals.join(' ')})`);

  const flags = parseLoadFlags(values, DEFAULTS.rps);
  const format = parseFormat(values.format, FORMATS);
  const rounds = parseCount(values.rounds, '--rounds') ?? DEFAULTS.rounds;
  if (rounds < 1 || rounds > MAX_OVERHEAD_ROUNDS) throw new UsageError(`--rounds must be an integer from 1 to ${MAX_OVERHEAD_ROUNDS} (got ${values.rounds})`);
  const haproxy = (values.haproxy ?? 'auto') as HaproxyMode;
  if (!HAPROXY_MODES.includes(haproxy)) throw new UsageError(`--haproxy must be one of ${HAPROXY_MODES.join(', ')} (got "${values.haproxy}")`);
  const load = {
    rps: flags.rps,
    durationMs: flags.durationMs ?? DEFAULTS.durationMs,
    warmupMs: flags.warmupMs ?? DEFAULTS.warmupMs,
    timeoutMs: flags.timeoutMs ?? DEFAULTS.timeoutMs,
    connections: flags.connections ?? DEFAULTS.connections,
  };
  withinLoadLimits(() => resolveOptions({ url: 'http://127.0.0.1/', ...load })); // the engine's own limits, with its messages
  return { load, rounds, haproxy, format };
}

interface Percentiles {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
}
type DeltaPercentiles<T> = { p50Ms: T; p90Ms: T; p99Ms: T };

/** What one run cost, over its measured window (not warm-up, not worker start-up). */
interface WindowUsage {
  cpuMs: number;
  wallMs: number;
  requests: number;
  rssDeltaBytes: number;
  heapDeltaBytes: number;
  maxRssBytes: number;
}

/** One configuration in one round. */
export interface OverheadRun {
  round: number;
  achievedRps: number;
  responses: number;
  successes: number;
  errors: number;
  non2xx: number;
  droppedSends: number;
  latencyMs: { corrected: Percentiles; uncorrected: Percentiles };
  deltaMs: { corrected: DeltaPercentiles<number>; uncorrected: DeltaPercentiles<number> };
  cpu: { msPer1000Requests: number; millicores: number };
  memory: { loadRssDeltaBytes: number; loadHeapDeltaBytes: number; maxRssBytes: number };
}

export interface MeshOverheadConfiguration {
  name: string;
  description: string;
  role: 'baseline' | 'mesh' | 'anchor';
  namespace: string | null;
  meshed: boolean;
  mtls: boolean;
  url: string;
  hostHeader: string | null;
  runs: OverheadRun[];
  /** Medians over the rounds. */
  median: { achievedRps: number; latencyMs: { corrected: Percentiles; uncorrected: Percentiles }; cpuMsPer1000Requests: number; millicores: number };
  /** Against the baseline in the same round, over the rounds: median, min, max, quartiles, verdict. */
  deltaMs: { corrected: DeltaPercentiles<DeltaSummary>; uncorrected: DeltaPercentiles<DeltaSummary> };
  cpuDeltaMsPer1000Requests: DeltaSummary;
  totals: { responses: number; successes: number; errors: number; non2xx: number; droppedSends: number };
  memory: { deployRssBytes: number | null; deployHeapBytes: number | null; proxyRssBytes: number | null; maxRssBytes: number };
  /** Mesh configurations only: MeshMark against the baseline (medians over the rounds as inputs). */
  meshmark: MeshMark | null;
}

export interface HaproxyAnchor {
  /** used, or why not: "off", "not installed", or the start failure. */
  status: string;
  version: string | null;
  /** The anchor each mesh configuration is compared with: the pair with the same transport (plaintext or mTLS). */
  pairedWith: Record<string, string> | null;
  /** achieved rps of each mesh configuration ÷ its HAProxy pair's, paired per round (≥ 1: as efficient as HAProxy). */
  throughputRatio: Record<string, DeltaSummary> | null;
  /** ΔCPU per 1,000 requests of each mesh configuration ÷ its HAProxy pair's, paired per round (≤ 1: cheaper than HAProxy). */
  cpuRatio: Record<string, DeltaSummary> | null;
}

export interface MeshOverheadResult {
  kind: 'MeshOverheadResult';
  target: string;
  parameters: { model: 'open' | 'closed'; rps: number | null; durationMs: number; warmupMs: number; connections: number; timeoutMs: number; rounds: number; order: string[] };
  baseline: string;
  configurations: MeshOverheadConfiguration[];
  anchor: HaproxyAnchor;
  /** MeshMark of the sandbox mesh (sidecars+mTLS against direct). */
  meshmark: MeshMark | null;
  notes: string[];
}

const NOTES = [
  'Configurations run interleaved in rounds (direct, sidecars, sidecars+mTLS, haproxy-pair, haproxy-pair+mTLS, direct, …); each run starts with a warm-up that is sent on the same schedule and discarded.',
  'Deltas are taken within a round against that round\'s direct run, then summarised over the rounds: median [min…max]; "spread>effect" means the rounds disagree by more than the median delta (or on its sign), so the delta is not distinguishable from the machine\'s noise.',
  'CPU is process.cpuUsage() of the one process over each measured window: apps, sidecars, control plane and the load generator thread; ΔCPU against direct is what the sidecars cost. The HAProxy pairs\' own CPU time (/proc) is added for their runs.',
  'CPU needs a measured window of at least two progress seconds (from the end of the first to the end of the run): a run of 1 s or less reports 0 and MeshMark leaves its cpu MUE out.',
  'deploy ΔRSS/Δheap: what deploying the configuration (2 pods, plus 2 sidecars when meshed) added, after GC. load ΔRSS/Δheap: growth over the measured window.',
  "Corrected latency is measured from each request's intended start (coordinated omission); uncorrected from the actual send.",
  "Load enters every sandbox configuration through the Kubernetes API's pods/portforward tunnel (served in this process); the HAProxy pairs sit in front of direct's tunnel (load → haproxy → haproxy → tunnel → httpbin), so every path has the same hops and the deltas against direct are the proxies'. Each mesh configuration is compared with the pair of the same transport: sidecars with the plaintext pair, sidecars+mTLS with the pair that speaks mutual TLS 1.3 (ECDSA P-256 certificates from the sandbox's CA, both sides verified) between the two.",
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
 * start-up and the warm-up are outside it) and the peak RSS at every second. `extraCpuMs` adds another
 * process's CPU (the HAProxy pair's).
 */
class WindowMeter {
  private first?: { cpuMs: number; at: number; rss: number; heap: number };
  private last?: { cpuMs: number; at: number; rss: number; heap: number };
  private requestsAfterFirst = 0;
  private maxRss = 0;

  constructor(private readonly extraCpuMs?: () => number | null) {}

  tick(responses: number): void {
    const m = process.memoryUsage();
    const sample = { cpuMs: cpuMsNow() + (this.extraCpuMs?.() ?? 0), at: performance.now(), rss: m.rss, heap: m.heapUsed };
    this.maxRss = Math.max(this.maxRss, m.rss);
    if (!this.first) this.first = sample;
    else {
      this.last = sample;
      this.requestsAfterFirst += responses;
    }
  }

  /**
   * When the run ends: a run of one measured second has only one tick, so its window closes here instead
   * (the responses after the first tick are the rest of the result's).
   */
  finish(totalResponses: number, firstSecondResponses: number): void {
    if (!this.first || this.last) return;
    const m = process.memoryUsage();
    this.last = { cpuMs: cpuMsNow() + (this.extraCpuMs?.() ?? 0), at: performance.now(), rss: m.rss, heap: m.heapUsed };
    this.requestsAfterFirst = Math.max(0, totalResponses - firstSecondResponses);
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

/** A configuration the rounds run: a sandbox layout or the HAProxy anchor. */
interface Measured {
  name: string;
  description: string;
  role: MeshOverheadConfiguration['role'];
  namespace: string | null;
  meshed: boolean;
  mtls: boolean;
  url: string;
  host?: string;
  deployRssBytes: number | null;
  deployHeapBytes: number | null;
  pair?: HaproxyPair;
}

function fromTarget(t: OverheadTarget, baseline: string): Measured {
  return { name: t.name, description: t.description, role: t.name === baseline ? 'baseline' : 'mesh', namespace: t.namespace, meshed: t.meshed, mtls: t.mtls, url: t.url, host: t.host, deployRssBytes: t.deployRssBytes, deployHeapBytes: t.deployHeapBytes };
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
  const { load, format, rounds } = flags;
  const haproxyBinary = flags.haproxy === 'off' ? null : findHaproxy();
  if (flags.haproxy === 'on' && !haproxyBinary) {
    io.stderr.write('playground bench: --haproxy on, but no haproxy executable was found (PATH, /usr/sbin); install Debian\'s haproxy or use --haproxy auto\n');
    return 1;
  }
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const say = (line: string): void => void io.stderr.write(`mesh-overhead: ${line}\n`);
  const live = io.stderr.isTTY === true;
  say('starting the embedded sandbox');
  let sb: OverheadCluster;
  try {
    sb = await startOverheadSandbox();
  } catch (err) {
    process.off('SIGINT', onSigint);
    io.stderr.write(`playground bench: the embedded sandbox did not start: ${(err as Error).message}\n`);
    return 1;
  }
  let startAnchor: ((mtls: boolean) => Promise<HaproxyPair>) | undefined;
  const configs: Measured[] = [];
  try {
    const baseline = OVERHEAD_LAYOUTS[0].name;
    let dataPlaneRssBytes: number | null = null;
    if (OVERHEAD_LAYOUTS.some((l) => l.meshed)) {
      say(`starting the data plane (one meshed sleep pod in namespace ${DATA_PLANE_NAMESPACE})`);
      dataPlaneRssBytes = await startDataPlane(sb);
    }
    for (const layout of OVERHEAD_LAYOUTS) {
      if (abort.signal.aborted) throw new Cancelled();
      say(`deploying ${layout.name} (httpbin + sleep in namespace ${layout.namespace})`);
      configs.push(fromTarget(await deployOverheadTarget(sb, layout), baseline));
    }
    let anchorStatus = flags.haproxy === 'off' ? 'off' : 'not installed';
    let haproxyVersion: string | null = null;
    if (haproxyBinary) {
      const direct = new URL(configs[0].url);
      try {
        startAnchor = (mtls) => startHaproxyPair(haproxyBinary, { host: direct.hostname, port: Number(direct.port) }, Math.max(64, load.connections * 2), { mtls });
        // One pair of each kind, each like-for-like with a mesh configuration: plaintext for sidecars, mTLS for sidecars+mTLS.
        for (const anchor of HAPROXY_ANCHORS) {
          const pair = await startAnchor(anchor.mtls);
          haproxyVersion = pair.version;
          say(`HAProxy ${pair.version} pair (${anchor.mtls ? 'mTLS between the two' : 'plaintext'}) listening on ${pair.host}:${pair.port} → direct's tunnel ${direct.host}`);
          configs.push({
            name: anchor.name,
            description: `anchor: load → HAProxy ${pair.version} → ${anchor.mtls ? 'mTLS (TLS 1.3, ECDSA P-256, both sides verified)' : 'plaintext'} → HAProxy → port-forward → httpbin pod (two real proxies, HTTP mode, 1 thread each)`,
            role: 'anchor',
            namespace: null,
            meshed: false,
            mtls: anchor.mtls,
            url: `http://${pair.host}:${pair.port}${direct.pathname}`,
            deployRssBytes: null,
            deployHeapBytes: null,
            pair,
          });
        }
        anchorStatus = 'used';
      } catch (err) {
        if (flags.haproxy === 'on') throw err;
        anchorStatus = `failed to start: ${(err as Error).message}`;
        say(`HAProxy anchor left out: ${anchorStatus}`);
        for (const c of configs.filter((x) => x.role === 'anchor')) await c.pair?.stop();
        configs.splice(OVERHEAD_LAYOUTS.length);
      }
    }

    const rate = load.rps === null ? 'max rate (closed model)' : `${load.rps} rps`;
    const measured = await runInterleaved(configs, rounds, async (i, r) => {
      const c = configs[i];
      if (abort.signal.aborted) throw new Cancelled();
      if (c.role === 'anchor' && startAnchor) {
        // Fresh proxies for every run, as every run gets fresh client connections: server connections left idle
        // between the anchor's runs (the target closes them after its keep-alive timeout) are not carried over.
        await c.pair?.stop();
        c.pair = undefined;
        const pair = (c.pair = await startAnchor(c.mtls));
        c.url = `http://${pair.host}:${pair.port}${new URL(c.url).pathname}`;
      }
      say(`round ${r + 1}/${rounds} ${c.name}: ${rate} for ${formatDuration(load.durationMs)} after ${formatDuration(load.warmupMs)} warm-up, ${load.connections} connections → ${c.url}${c.host ? ` (Host: ${c.host})` : ''}`);
      fullGc();
      const meter = new WindowMeter(c.pair ? () => c.pair!.cpuMs() : undefined);
      let firstSecond = -1;
      const result = await runLoadTest(
        { url: c.url, headers: c.host ? { host: c.host } : {}, ...load, workers: 1, transport: 'worker' },
        {
          signal: abort.signal,
          onProgress: (p) => {
            if (firstSecond < 0) firstSecond = p.responses;
            meter.tick(p.responses);
            if (live) io.stderr.write(`\r${c.name.padEnd(14)} ${progressLine(p)}`);
          },
        },
      );
      if (live) io.stderr.write('\n');
      if (result.cancelled) throw new Cancelled();
      meter.finish(result.responses, Math.max(0, firstSecond));
      return { result, usage: meter.usage(), proxyRss: c.pair?.rssBytes() ?? null };
    });
    const doc = buildResult(flags, configs, measured, anchorStatus, haproxyVersion, dataPlaneRssBytes);
    io.stdout.write(format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : renderText(doc));
    const failed = doc.configurations.filter((c) => c.totals.successes === 0);
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
    const pairs = configs.flatMap((c) => (c.pair ? [c.pair] : []));
    if (pairs.length) {
      say('stopping the HAProxy pairs');
      await Promise.all(pairs.map((p) => p.stop()));
    }
    say('stopping the sandbox');
    await sb.stop();
  }
}

type RunOutcome = { result: LoadResult; usage: WindowUsage; proxyRss: number | null };

const med = (xs: number[]): number => summarizeDelta(xs).median;
const medPercentiles = (ps: Percentiles[]): Percentiles => ({ p50Ms: med(ps.map((p) => p.p50Ms)), p90Ms: med(ps.map((p) => p.p90Ms)), p99Ms: med(ps.map((p) => p.p99Ms)), p999Ms: med(ps.map((p) => p.p999Ms)) });
const perThousand = (u: WindowUsage): number => (u.requests > 0 ? (u.cpuMs / u.requests) * 1000 : 0);

function toRun(round: number, o: RunOutcome, base: RunOutcome): OverheadRun {
  const r = o.result;
  const non2xx = Object.entries(r.statusCodes).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0);
  const corrected = percentiles(r, 'corrected');
  const uncorrected = percentiles(r, 'uncorrected');
  const bc = percentiles(base.result, 'corrected');
  const bu = percentiles(base.result, 'uncorrected');
  const delta = (p: Percentiles, b: Percentiles) => ({ p50Ms: p.p50Ms - b.p50Ms, p90Ms: p.p90Ms - b.p90Ms, p99Ms: p.p99Ms - b.p99Ms });
  return {
    round,
    achievedRps: r.actualRps,
    responses: r.responses,
    successes: r.responses - non2xx,
    errors: Object.values(r.errors).reduce((a, b) => a + b, 0),
    non2xx,
    droppedSends: r.droppedSends,
    latencyMs: { corrected, uncorrected },
    deltaMs: { corrected: delta(corrected, bc), uncorrected: delta(uncorrected, bu) },
    cpu: { msPer1000Requests: perThousand(o.usage), millicores: o.usage.wallMs > 0 ? (o.usage.cpuMs / o.usage.wallMs) * 1000 : 0 },
    memory: { loadRssDeltaBytes: o.usage.rssDeltaBytes, loadHeapDeltaBytes: o.usage.heapDeltaBytes, maxRssBytes: o.usage.maxRssBytes },
  };
}

/**
 * What deploying a configuration adds to the one process's RSS after GC is read as its memory; under this it is within
 * the allocator's and GC's noise (the closed-model bench measured +0.1 MiB for direct and +0.3 for sidecars, which
 * would have made a 0.24 memory MUE of noise), so the memory MUE is left out.
 */
const MEMORY_NOISE_FLOOR_BYTES = 2 ** 20;

function costOf(c: Measured, runs: OverheadRun[], cpuMsPer1000: number): ConfigurationCost {
  const responses = runs.reduce((a, r) => a + r.responses, 0);
  const successes = runs.reduce((a, r) => a + r.successes, 0);
  const errors = runs.reduce((a, r) => a + r.errors, 0);
  const share = responses > 0 ? successes / responses : 0;
  return {
    name: c.name,
    cpuMsPer1000Successes: share > 0 ? cpuMsPer1000 / share : null,
    memoryBytes: c.deployRssBytes !== null && c.deployRssBytes >= MEMORY_NOISE_FLOOR_BYTES ? c.deployRssBytes : null,
    sent: responses + errors,
    successes,
    successRps: med(runs.map((r) => r.achievedRps * (r.responses > 0 ? r.successes / r.responses : 0))),
    p99Ms: med(runs.map((r) => r.latencyMs.corrected.p99Ms)),
  };
}

function buildResult(flags: OverheadFlags, configs: Measured[], measured: RunOutcome[][], anchorStatus: string, haproxyVersion: string | null, dataPlaneRssBytes: number | null = null): MeshOverheadResult {
  const { load, rounds } = flags;
  const notes = [...NOTES];
  if (dataPlaneRssBytes !== null) {
    notes.push(
      `The sandbox's sidecars run in one data-plane worker thread, started with the first meshed pod and shared by every sidecar: a meshed sleep pod deployed before the configurations (namespace ${DATA_PLANE_NAMESPACE}) added ${(dataPlaneRssBytes / 2 ** 20).toFixed(1)} MiB of RSS. That fixed cost is in no configuration's deploy ΔRSS, so MeshMark's memory compares what each configuration's own pods and sidecars add.`,
    );
  }
  const configurations = configs.map((c, i): MeshOverheadConfiguration => {
    const runs = measured.map((round, r) => toRun(r + 1, round[i], round[0]));
    const baseCpu = measured.map((round) => perThousand(round[0].usage));
    const sum = (pick: (r: OverheadRun) => number): number => runs.reduce((a, r) => a + pick(r), 0);
    const summaries = (kind: 'corrected' | 'uncorrected'): DeltaPercentiles<DeltaSummary> => ({
      p50Ms: summarizeDelta(runs.map((r) => r.deltaMs[kind].p50Ms)),
      p90Ms: summarizeDelta(runs.map((r) => r.deltaMs[kind].p90Ms)),
      p99Ms: summarizeDelta(runs.map((r) => r.deltaMs[kind].p99Ms)),
    });
    const proxyRss = measured.map((round) => round[i].proxyRss).filter((x): x is number => x !== null);
    return {
      name: c.name,
      description: c.description,
      role: c.role,
      namespace: c.namespace,
      meshed: c.meshed,
      mtls: c.mtls,
      url: c.url,
      hostHeader: c.host ?? null,
      runs,
      median: {
        achievedRps: med(runs.map((r) => r.achievedRps)),
        latencyMs: { corrected: medPercentiles(runs.map((r) => r.latencyMs.corrected)), uncorrected: medPercentiles(runs.map((r) => r.latencyMs.uncorrected)) },
        cpuMsPer1000Requests: med(runs.map((r) => r.cpu.msPer1000Requests)),
        millicores: med(runs.map((r) => r.cpu.millicores)),
      },
      deltaMs: { corrected: summaries('corrected'), uncorrected: summaries('uncorrected') },
      cpuDeltaMsPer1000Requests: summarizeDelta(runs.map((r, k) => r.cpu.msPer1000Requests - baseCpu[k])),
      totals: { responses: sum((r) => r.responses), successes: sum((r) => r.successes), errors: sum((r) => r.errors), non2xx: sum((r) => r.non2xx), droppedSends: sum((r) => r.droppedSends) },
      memory: { deployRssBytes: c.deployRssBytes, deployHeapBytes: c.deployHeapBytes, proxyRssBytes: proxyRss.length ? Math.max(...proxyRss) : null, maxRssBytes: Math.max(...runs.map((r) => r.memory.maxRssBytes)) },
      meshmark: null,
    };
  });
  const base = configurations[0];
  const baseCost = costOf(configs[0], base.runs, base.median.cpuMsPer1000Requests);
  for (const [i, c] of configurations.entries()) {
    if (c.role !== 'mesh') continue;
    const cost = costOf(configs[i], c.runs, c.median.cpuMsPer1000Requests);
    c.meshmark = computeMeshMark({ baseline: baseCost, meshed: cost });
    const small = [configs[0], configs[i]].filter((x) => x.deployRssBytes !== null && x.deployRssBytes < MEMORY_NOISE_FLOOR_BYTES);
    if (small.length)
      c.meshmark.notes = c.meshmark.notes.map((n) => (n.startsWith('memory:') ? `memory: deploying ${small.map((x) => `${x.name} added ${((x.deployRssBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`).join(', ')} of RSS — under ${MEMORY_NOISE_FLOOR_BYTES / 2 ** 20} MiB, within the allocator's noise; left out` : n));
  }
  const anchors = configurations.filter((c) => c.role === 'anchor');
  const meshes = configurations.filter((c) => c.role === 'mesh');
  // Each mesh configuration against its like-for-like pair: plaintext with plaintext, mTLS with mTLS.
  const anchorOf = (m: MeshOverheadConfiguration): MeshOverheadConfiguration | undefined => anchors.find((a) => a.mtls === m.mtls) ?? anchors[0];
  // A round whose anchor figure is not positive (noise swallowed the HAProxy pair's ΔCPU) has no ratio.
  const ratio = (pick: (c: MeshOverheadConfiguration, k: number) => number): Record<string, DeltaSummary> | null => {
    const out: Record<string, DeltaSummary> = {};
    for (const m of meshes) {
      const a = anchorOf(m);
      if (!a) continue;
      const values = m.runs.flatMap((_, k) => (pick(a, k) > 0 ? [pick(m, k) / pick(a, k)] : []));
      if (values.length) out[m.name] = summarizeDelta(values);
    }
    return Object.keys(out).length ? out : null;
  };
  const cpuDelta = (c: MeshOverheadConfiguration, k: number): number => c.runs[k].cpu.msPer1000Requests - base.runs[k].cpu.msPer1000Requests;
  const pairedWith: Record<string, string> = {};
  for (const m of meshes) {
    const a = anchorOf(m);
    if (a) pairedWith[m.name] = a.name;
  }
  const anchor: HaproxyAnchor = {
    status: anchorStatus,
    version: haproxyVersion,
    pairedWith: anchors.length ? pairedWith : null,
    throughputRatio: ratio((c, k) => c.runs[k].achievedRps),
    cpuRatio: ratio(cpuDelta),
  };
  if (anchors.length && load.rps !== null) notes.push(`Open model: every configuration is offered the same ${load.rps} rps, so the throughput ratio only shows whether one fell behind; run with --rps max for the throughput each path can carry.`);
  const fewest = Math.min(...configurations.flatMap((c) => c.runs.map((r) => r.responses)));
  if (fewest < P999_MIN_SAMPLES) notes.push(`Sample size: the smallest run has ${fewest} responses; a p99.9 of fewer than ${P999_MIN_SAMPLES} samples is the run's maximum${fewest < P99_MIN_SAMPLES ? `, and a p99 of fewer than ${P99_MIN_SAMPLES} is too` : ''} — lengthen --duration or raise --rps before reading those tails.`);
  return {
    kind: 'MeshOverheadResult',
    target: 'httpbin GET /get in the embedded sandbox',
    parameters: { model: load.rps === null ? 'closed' : 'open', rps: load.rps, durationMs: load.durationMs, warmupMs: load.warmupMs, connections: load.connections, timeoutMs: load.timeoutMs, rounds, order: configs.map((c) => c.name) },
    baseline: base.name,
    configurations,
    anchor,
    meshmark: configurations.find((c) => c.name === SANDBOX_MESH)?.meshmark ?? null,
    notes,
  };
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)];
}

const signed = (n: number, digits = 3): string => (n >= 0 ? '+' : '') + n.toFixed(digits);
/** "+0.412 [+0.301…+0.520] effect" */
function deltaCell(d: DeltaSummary, digits = 3): string {
  const mark = d.verdict === 'effect' ? 'effect' : d.verdict === 'single-round' ? '1 round' : 'spread>effect';
  return `${signed(d.median, digits)} [${signed(d.min, digits)}…${signed(d.max, digits)}] ${mark}`;
}
const ratioCell = (d: DeltaSummary): string => `${d.median.toFixed(2)} [${d.min.toFixed(2)}…${d.max.toFixed(2)}]`;

export function renderText(doc: MeshOverheadResult): string {
  const f = (n: number): string => n.toFixed(3);
  const mib = (b: number | null): string => (b === null ? '-' : (b >= 0 ? '+' : '') + (b / 2 ** 20).toFixed(1));
  const p = doc.parameters;
  const rate = p.rps === null ? 'max rate (closed model)' : `${p.rps} rps (open model)`;
  const c = doc.configurations;
  const deltas = c.filter((x) => x.role !== 'baseline');
  const lines = [
    `Mesh overhead — ${doc.target}: ${rate}, ${p.rounds} round${p.rounds === 1 ? '' : 's'} of ${p.order.join(' → ')}, ${formatDuration(p.durationMs)} per run after ${formatDuration(p.warmupMs)} warm-up (discarded), ${p.connections} connections`,
    ...c.map((x) => `  ${x.name.padEnd(14)} ${x.description}`),
    '',
    `Latency, corrected for coordinated omission — median over ${p.rounds} round${p.rounds === 1 ? '' : 's'} (ms):`,
    ...table(
      ['config', 'rps', 'p50', 'p90', 'p99', 'p99.9', 'errors', 'non-2xx'],
      c.map((x) => {
        const l = x.median.latencyMs.corrected;
        return [x.name, x.median.achievedRps.toFixed(1), f(l.p50Ms), f(l.p90Ms), f(l.p99Ms), f(l.p999Ms), String(x.totals.errors), String(x.totals.non2xx)];
      }),
    ),
    '',
    `Δ against "${doc.baseline}" in the same round, corrected (ms): median [min…max] over the rounds; spread>effect = not distinguishable from noise`,
    ...table(
      ['config', 'Δp50', 'Δp90', 'Δp99'],
      deltas.map((x) => [x.name, deltaCell(x.deltaMs.corrected.p50Ms), deltaCell(x.deltaMs.corrected.p90Ms), deltaCell(x.deltaMs.corrected.p99Ms)]),
    ),
    '',
    `Δ against "${doc.baseline}", uncorrected (service time as sent; ms):`,
    ...table(
      ['config', 'Δp50', 'Δp90', 'Δp99'],
      deltas.map((x) => [x.name, deltaCell(x.deltaMs.uncorrected.p50Ms), deltaCell(x.deltaMs.uncorrected.p90Ms), deltaCell(x.deltaMs.uncorrected.p99Ms)]),
    ),
    '',
    'CPU and memory (CPU: median over the rounds; MiB):',
    ...table(
      ['config', 'CPU ms/1000 req', 'ΔCPU ms/1000 req', 'CPU mcores', 'deploy ΔRSS', 'deploy Δheap', 'proxy RSS', 'max RSS'],
      c.map((x) => [
        x.name,
        x.median.cpuMsPer1000Requests.toFixed(1),
        x.role === 'baseline' ? '0' : deltaCell(x.cpuDeltaMsPer1000Requests, 1),
        x.median.millicores.toFixed(0),
        mib(x.memory.deployRssBytes),
        mib(x.memory.deployHeapBytes),
        x.memory.proxyRssBytes === null ? '-' : (x.memory.proxyRssBytes / 2 ** 20).toFixed(1),
        (x.memory.maxRssBytes / 2 ** 20).toFixed(1),
      ]),
    ),
    '',
  ];
  const a = doc.anchor;
  if (a.throughputRatio) {
    lines.push(`HAProxy anchor (HAProxy ${a.version}; ratios paired per round, median [min…max]):`);
    lines.push(
      ...table(
        ['config', 'against', 'throughput ÷ pair (≥ 1: as fast)', 'ΔCPU/req ÷ pair (≤ 1: as cheap)'],
        Object.keys(a.throughputRatio).map((name) => [name, a.pairedWith?.[name] ?? '-', ratioCell(a.throughputRatio![name]), a.cpuRatio?.[name] ? ratioCell(a.cpuRatio[name]) : '- (the pair\'s ΔCPU was not above noise)']),
      ),
    );
  } else lines.push(`HAProxy anchor: ${a.status}`);
  lines.push('', 'MeshMark (smp-spec.io/meshmark; 0–100, 100 = the mesh costs nothing over direct and delivers every request as fast):');
  for (const x of c) if (x.meshmark) lines.push(`  ${describeMeshMark(x.meshmark)}`);
  lines.push('', ...doc.notes.map((n) => `note: ${n}`));
  return lines.join('\n') + '\n';
}


