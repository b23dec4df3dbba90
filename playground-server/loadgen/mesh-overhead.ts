// "What is your overhead?": run the same load against several configurations (direct, sidecar,
// sidecar+mTLS, ...) one after another and report latency deltas against the first (the baseline) plus
// the CPU and memory each configuration cost while under load.
import { summarize } from './histogram.js';
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

export interface OverheadRow {
  name: string;
  achievedRps: number;
  responses: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Against the baseline (first) configuration; 0 for the baseline itself. */
  deltaP50Ms: number;
  deltaP90Ms: number;
  deltaP99Ms: number;
  /** Average CPU over the run in millicores, and the highest RSS seen; null without a sampler. */
  cpuMillicores: number | null;
  maxRssBytes: number | null;
}

export interface MeshOverheadReport {
  baseline: string;
  latency: 'corrected' | 'uncorrected';
  rows: OverheadRow[];
  text: string;
}

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

export async function meshOverheadReport(configs: OverheadConfig[]): Promise<MeshOverheadReport> {
  if (configs.length === 0) throw new Error('meshOverheadReport: give at least one configuration (the first is the baseline)');
  const names = new Set<string>();
  for (const c of configs) {
    if (!c.name || names.has(c.name)) throw new Error(`meshOverheadReport: configuration names must be unique and non-empty (got "${c.name}")`);
    names.add(c.name);
  }
  const measured = [];
  for (const c of configs) measured.push({ name: c.name, ...(await measure(c)) });
  // Compare like with like: corrected latencies when every run has them.
  const useCorrected = measured.every((m) => m.result.correctedForCoordinatedOmission);
  const rows: OverheadRow[] = measured.map((m) => {
    const s = summarize(useCorrected ? m.result.latency.corrected : m.result.latency.uncorrected);
    return {
      name: m.name,
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
  const base = rows[0];
  for (const r of rows) {
    r.deltaP50Ms = r.p50Ms - base.p50Ms;
    r.deltaP90Ms = r.p90Ms - base.p90Ms;
    r.deltaP99Ms = r.p99Ms - base.p99Ms;
  }
  const latency = useCorrected ? 'corrected' : 'uncorrected';
  return { baseline: base.name, latency, rows, text: overheadText(rows, latency) };
}

function overheadText(rows: OverheadRow[], latency: string): string {
  const f = (n: number): string => n.toFixed(3);
  const d = (n: number): string => (n >= 0 ? '+' : '') + n.toFixed(3);
  const header = ['config', 'rps', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'Δp50 ms', 'Δp90 ms', 'Δp99 ms', 'CPU mcores', 'max RSS MiB', 'errors'];
  const body = rows.map((r) => [
    r.name,
    r.achievedRps.toFixed(1),
    f(r.p50Ms),
    f(r.p90Ms),
    f(r.p99Ms),
    f(r.p999Ms),
    d(r.deltaP50Ms),
    d(r.deltaP90Ms),
    d(r.deltaP99Ms),
    r.cpuMillicores === null ? '-' : r.cpuMillicores.toFixed(0),
    r.maxRssBytes === null ? '-' : (r.maxRssBytes / 2 ** 20).toFixed(1),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`Mesh overhead (${latency} latency, deltas against "${rows[0].name}")`, line(header), ...body.map(line)].join('\n') + '\n';
}
