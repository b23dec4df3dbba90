// `npm run bench -- overhead`: the mesh's overhead the reproducible way — `playground bench --mesh-overhead`
// twice, each configuration interleaved in ≥ 5 rounds with warm-up discarded:
//  1. open model (latency): Δp50/Δp90/Δp99 of sidecars and sidecars+mTLS against direct, median [min…max] and
//     the verdict per delta; the HAProxy pair's deltas beside them; MeshMark of the sandbox mesh;
//  2. closed model (throughput): what each path carries at saturation, each mesh configuration ÷ its like-for-like
//     HAProxy pair per round (sidecars ÷ plaintext pair, sidecars+mTLS ÷ mTLS pair; goal ≥ 1.0: as efficient as a
//     pair of real proxies), and ΔCPU per request ÷ the pair's.
// OVERHEAD_BENCH_ROUNDS (default 5, at least 5), OVERHEAD_BENCH_SECONDS (per run, default 4) and
// OVERHEAD_BENCH_RPS (default 500) change the shape.
import { createServer, connect, type AddressInfo } from 'node:net';
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

/**
 * The floor of one relay hop in this process: a 300-byte message bounced between two loopback TCP sockets of
 * one Node process (each hop = one write syscall, one read, one 'data' callback — what a sidecar pays per
 * direction and connection at the least, before any proxy logic). CPU per hop, median of 3 short runs.
 */
async function loopbackHopFloorUs(): Promise<number> {
  const once = async (): Promise<number> => {
    const server = createServer((s) => {
      s.setNoDelay(true);
      s.on('data', (d: Buffer) => s.write(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, noDelay: true });
    await new Promise<void>((r, j) => client.once('connect', r).once('error', j));
    const trips = 5000;
    const msg = Buffer.alloc(300, 97);
    const t0 = process.cpuUsage();
    await new Promise<void>((done) => {
      let n = 0;
      client.on('data', () => (++n >= trips ? done() : void client.write(msg)));
      client.write(msg);
    });
    const u = process.cpuUsage(t0);
    client.destroy();
    await new Promise((r) => server.close(r));
    return (u.user + u.system) / (trips * 2);
  };
  const runs = [await once(), await once(), await once()].sort((a, b) => a - b);
  return runs[1];
}

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
    console.log(`throughput ${name} ÷ ${closed.anchor.pairedWith?.[name] ?? 'HAProxy pair'} (closed model): ${ratio(d)}  (goal ≥ 1.0: ${d.median >= 1 ? 'met' : 'NOT met'})`);
  }
  for (const [name, d] of Object.entries(closed.anchor.cpuRatio ?? {})) console.log(`ΔCPU per request ${name} ÷ ${closed.anchor.pairedWith?.[name] ?? 'HAProxy pair'}: ${ratio(d)}  (≤ 1: cheaper than the pair)`);
} else console.log(`HAProxy anchor: ${closed.anchor.status}`);
// What the proxies cost, measured: ΔCPU per request against direct in the closed model, over the relay hops
// each adds (the sidecars and the HAProxy pair both add 2 connections: +4 hops per request, request and response
// on each), beside the floor of one hop in this process (a write, a read, a callback, no proxy logic). On this
// machine a hop is mostly the kernel's loopback TCP work, so a proxy that is already near the floor can only
// gain by adding fewer hops.
const hopUs = await loopbackHopFloorUs();
const directCfg = closed.configurations.find((c) => c.role === 'baseline');
if (directCfg) {
  console.log(`remaining cost (closed model): direct ${directCfg.median.cpuMsPer1000Requests.toFixed(0)} µs CPU/request; one loopback relay hop in this process costs ≥ ${hopUs.toFixed(1)} µs`);
  for (const c of closed.configurations.filter((x) => x.role !== 'baseline')) {
    const d = c.cpuDeltaMsPer1000Requests.median; // ms per 1,000 requests = µs per request
    console.log(`  ${c.name.padEnd(14)} +${d.toFixed(0)} µs/request over 4 added hops = ${(d / 4).toFixed(1)} µs/hop (${(d / 4 / hopUs).toFixed(2)}× the floor)`);
  }
}
for (const doc of [open, closed]) {
  const mm = doc.meshmark;
  console.log(`${doc.parameters.model === 'open' ? `open model ${RPS} rps` : 'closed model'}: ${mm ? describeMeshMark(mm) : 'MeshMark: not computed'}`);
}
