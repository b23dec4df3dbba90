// "What is your overhead?": run the same load against several configurations (direct, sidecar,
// sidecar+mTLS, ...) interleaved in rounds — A B C, A B C, … — and report each configuration's latency deltas
// against the first (the baseline) measured in the same round, summarised over the rounds by median and
// spread with a verdict (overhead-stats.ts). Interleaving spreads the machine's slow minutes over every
// configuration instead of charging them to whichever ran then; each run's warm-up is sent and discarded.
import { summarize } from './histogram.js';
import { summarizeDelta, type DeltaSummary } from './overhead-stats.js';
import type { LoadResult } from './result.js';

/** A resource sample of the system under test. `cpu` is cumulative CPU time in seconds (user+system). */
export interface ResourceSample {
  cpu: number;
  rssBytes: number;
}

export interface OverheadConfig {
  name: string;
  run: () => Promise<LoadResult>;
  sample?: () => ResourceSample | Promise<ResourceSample>;
}

/** One configuration in one round. */
export interface OverheadRow {
  round: number;
  name: string;
  achievedRps: number;
  responses: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Against the baseline (first) configuration in the same round; 0 for the baseline itself. */
  deltaP50Ms: number;
  deltaP90Ms: number;
  deltaP99Ms: number;
  /** Average CPU over the run in millicores, and the highest RSS seen; null without a sampler. */
  cpuMillicores: number | null;
  maxRssBytes: number | null;
}

/** One configuration over all rounds: medians of its figures, median and spread of its paired deltas. */
export interface OverheadSummary {
  name: string;
  achievedRps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  deltaP50Ms: DeltaSummary;
  deltaP90Ms: DeltaSummary;
  deltaP99Ms: DeltaSummary;
  errors: number;
}

export interface MeshOverheadReport {
  baseline: string;
  latency: 'corrected' | 'uncorrected';
  rounds: number;
  /** rows[round][configuration], in the order run. */
  rows: OverheadRow[][];
  summary: OverheadSummary[];
  text: string;
}

/** Upper bound on rounds (a run is rounds × configurations × (warm-up + duration)). */
export const MAX_OVERHEAD_ROUNDS = 50;
/** How often memory is sampled during a run (the peak is what a pod's limit must cover). */
const RSS_SAMPLE_MS = 250;

async function measure(config: OverheadConfig): Promise<{ result: LoadResult; cpuMillicores: number | null; maxRssBytes: number | null }> {
  if (!config.sample) return { result: await config.run(), cpuMillicores: null, maxRssBytes: null };
  const sample = config.sample;
  const before = await sample();
  let maxRss = before.rssBytes;
  const t0 = performance.now();
  const poll = setInterval(() => {
    void Promise.resolve(sample()).then((s) => (maxRss = Math.max(maxRss, s.rssBytes)));
  }, RSS_SAMPLE_MS);
  try {
    const result = await config.run();
    const after = await sample();
    const wallS = (performance.now() - t0) / 1000;
    maxRss = Math.max(maxRss, after.rssBytes);
    return { result, cpuMillicores: ((after.cpu - before.cpu) / wallS) * 1000, maxRssBytes: maxRss };
  } finally {
    clearInterval(poll);
  }
}

export function checkConfigurations(names: string[]): void {
  if (names.length === 0) throw new Error('meshOverheadReport: give at least one configuration (the first is the baseline)');
  const seen = new Set<string>();
  for (const n of names) {
    if (!n || seen.has(n)) throw new Error(`meshOverheadReport: configuration names must be unique and non-empty (got "${n}")`);
    seen.add(n);
  }
}

export function checkRounds(rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_OVERHEAD_ROUNDS) throw new Error(`rounds must be an integer from 1 to ${MAX_OVERHEAD_ROUNDS} (got ${rounds})`);
}

/**
 * Runs every configuration once per round, in the given order within each round (A B C A B C …), and returns
 * what each run returned, results[round][configuration].
 */
export async function runInterleaved<T>(configs: readonly { name: string }[], rounds: number, run: (index: number, round: number) => Promise<T>): Promise<T[][]> {
  checkConfigurations(configs.map((c) => c.name));
  checkRounds(rounds);
  const out: T[][] = [];
  for (let r = 0; r < rounds; r++) {
    const round: T[] = [];
    for (let i = 0; i < configs.length; i++) round.push(await run(i, r));
    out.push(round);
  }
  return out;
}

const medianOf = (xs: number[]): number => summarizeDelta(xs).median;

export async function meshOverheadReport(configs: OverheadConfig[], options: { rounds?: number } = {}): Promise<MeshOverheadReport> {
  const rounds = options.rounds ?? 1;
  const measured = await runInterleaved(configs, rounds, (i) => measure(configs[i]));
  // Compare like with like: corrected latencies when every run has them.
  const useCorrected = measured.every((round) => round.every((m) => m.result.correctedForCoordinatedOmission));
  const rows: OverheadRow[][] = measured.map((round, r) => {
    const rs = round.map((m, i): OverheadRow => {
      const s = summarize(useCorrected ? m.result.latency.corrected : m.result.latency.uncorrected);
      return {
        round: r + 1,
        name: configs[i].name,
        achievedRps: m.result.actualRps,
        responses: m.result.responses,
        errors: Object.values(m.result.errors).reduce((a, b) => a + b, 0),
        p50Ms: s.p50 / 1000,
        p90Ms: s.p90 / 1000,
        p99Ms: s.p99 / 1000,
        p999Ms: s.p999 / 1000,
        deltaP50Ms: 0,
        deltaP90Ms: 0,
        deltaP99Ms: 0,
        cpuMillicores: m.cpuMillicores,
        maxRssBytes: m.maxRssBytes,
      };
    });
    const base = rs[0];
    for (const x of rs) {
      x.deltaP50Ms = x.p50Ms - base.p50Ms;
      x.deltaP90Ms = x.p90Ms - base.p90Ms;
      x.deltaP99Ms = x.p99Ms - base.p99Ms;
    }
    return rs;
  });
  const summary = configs.map((c, i): OverheadSummary => {
    const col = rows.map((round) => round[i]);
    return {
      name: c.name,
      achievedRps: medianOf(col.map((x) => x.achievedRps)),
      p50Ms: medianOf(col.map((x) => x.p50Ms)),
      p90Ms: medianOf(col.map((x) => x.p90Ms)),
      p99Ms: medianOf(col.map((x) => x.p99Ms)),
      p999Ms: medianOf(col.map((x) => x.p999Ms)),
      deltaP50Ms: summarizeDelta(col.map((x) => x.deltaP50Ms)),
      deltaP90Ms: summarizeDelta(col.map((x) => x.deltaP90Ms)),
      deltaP99Ms: summarizeDelta(col.map((x) => x.deltaP99Ms)),
      errors: col.reduce((a, x) => a + x.errors, 0),
    };
  });
  const latency = useCorrected ? 'corrected' : 'uncorrected';
  return { baseline: configs[0].name, latency, rounds, rows, summary, text: overheadText(summary, latency, rounds) };
}

/** "+0.412 [+0.301…+0.520]" and a mark: "effect" or "spread>effect". */
export function deltaCell(d: DeltaSummary, digits = 3): string {
  const s = (n: number): string => (n >= 0 ? '+' : '') + n.toFixed(digits);
  const mark = d.verdict === 'effect' ? 'effect' : d.verdict === 'single-round' ? '1 round' : 'spread>effect';
  return `${s(d.median)} [${s(d.min)}…${s(d.max)}] ${mark}`;
}

function overheadText(rows: OverheadSummary[], latency: string, rounds: number): string {
  const f = (n: number): string => n.toFixed(3);
  const header = ['config', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'Δp50 ms', 'Δp90 ms', 'Δp99 ms', 'errors'];
  const body = rows.map((r) => [r.name, r.achievedRps.toFixed(1), f(r.p50Ms), f(r.p90Ms), f(r.p99Ms), f(r.p999Ms), deltaCell(r.deltaP50Ms), deltaCell(r.deltaP90Ms), deltaCell(r.deltaP99Ms), String(r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return (
    [
      `Mesh overhead (${latency} latency; medians over ${rounds} round${rounds === 1 ? '' : 's'}; deltas against "${rows[0].name}" in the same round: median [min…max])`,
      line(header),
      ...body.map(line),
    ].join('\n') + '\n'
  );
}
