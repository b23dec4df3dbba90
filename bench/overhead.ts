// `npm run bench -- overhead`: the mesh's overhead the reproducible way — `playground bench --mesh-overhead`
// twice, each configuration interleaved in ≥ 5 rounds with warm-up discarded:
//  1. open model (latency): Δp50/Δp90/Δp99 of sidecars and sidecars+mTLS against direct, median [min…max] and
//     the verdict per delta; the HAProxy pair's deltas beside them; MeshMark of the sandbox mesh;
//  2. closed model (throughput): what each path carries at saturation, sidecars ÷ HAProxy pair per round
//     (goal ≥ 1.0: as efficient as a pair of real proxies), and ΔCPU per request ÷ the pair's.
// OVERHEAD_BENCH_ROUNDS (default 5, at least 5), OVERHEAD_BENCH_SECONDS (per run, default 4) and
// OVERHEAD_BENCH_RPS (default 500) change the shape.
import { Writable } from 'node:stream';
import { runMeshOverheadCommand, renderText, type MeshOverheadResult } from '../playground-server/loadgen/overhead-command.js';
import { describeMeshMark } from '../playground-server/loadgen/meshmark.js';
import type { DeltaSummary } from '../playground-server/loadgen/overhead-stats.js';

const ROUNDS = Math.max(5, Number(process.env.OVERHEAD_BENCH_ROUNDS ?? 5));
const SECONDS = Number(process.env.OVERHEAD_BENCH_SECONDS ?? 4);
const RPS = Number(process.env.OVERHEAD_BENCH_RPS ?? 500);

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function overhead(args: string[]): Promise<MeshOverheadResult> {
  const stdout = new Capture();
  const code = await runMeshOverheadCommand(['--mesh-overhead', '--rounds', String(ROUNDS), '--duration', `${SECONDS}s`, '--format', 'json', ...args], { stdout, stderr: process.stderr });
  if (code !== 0) throw new Error(`playground bench --mesh-overhead ${args.join(' ')} exited ${code}`);
  return JSON.parse(stdout.text) as MeshOverheadResult;
}

const s = (n: number, d = 3): string => (n >= 0 ? '+' : '') + n.toFixed(d);
const cell = (d: DeltaSummary, unit: string, d2 = 3): string =>
  `${s(d.median, d2)} ${unit} [${s(d.min, d2)}…${s(d.max, d2)}] ${d.verdict === 'effect' ? 'effect > spread' : d.verdict === 'single-round' ? '(1 round)' : 'spread > effect: inconclusive'}`;
const ratio = (d: DeltaSummary): string => `${d.median.toFixed(2)} [${d.min.toFixed(2)}…${d.max.toFixed(2)}]`;

const open = await overhead(['--rps', String(RPS), '--warmup', '1s', '--connections', '16']);
process.stdout.write(renderText(open));
const closed = await overhead(['--rps', 'max', '--warmup', '500ms', '--connections', '16']);
process.stdout.write('\n' + renderText(closed));

console.log(`\n--- summary (${ROUNDS} rounds interleaved, ${SECONDS} s per run, warm-up discarded; medians [min…max] of per-round paired figures) ---`);
for (const c of open.configurations.filter((x) => x.role !== 'baseline')) {
  const d = c.deltaMs.corrected;
  console.log(`${c.name.padEnd(14)} vs direct at ${RPS} rps: Δp50 ${cell(d.p50Ms, 'ms')}; Δp90 ${cell(d.p90Ms, 'ms')}; Δp99 ${cell(d.p99Ms, 'ms')}`);
}
const tr = closed.anchor.throughputRatio;
if (tr) {
  for (const [name, d] of Object.entries(tr)) {
    console.log(`throughput ${name} ÷ HAProxy pair (closed model): ${ratio(d)}  (goal ≥ 1.0: ${d.median >= 1 ? 'met' : 'NOT met'})`);
  }
  for (const [name, d] of Object.entries(closed.anchor.cpuRatio ?? {})) console.log(`ΔCPU per request ${name} ÷ HAProxy pair: ${ratio(d)}  (≤ 1: cheaper than the pair)`);
} else console.log(`HAProxy anchor: ${closed.anchor.status}`);
for (const doc of [open, closed]) {
  const mm = doc.meshmark;
  console.log(`${doc.parameters.model === 'open' ? `open model ${RPS} rps` : 'closed model'}: ${mm ? describeMeshMark(mm) : 'MeshMark: not computed'}`);
}
