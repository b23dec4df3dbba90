// Benchmark of the load generator itself (issue 4). Every figure is a ratio or an error measured in this
// one run against the same tiny target, which runs in its own process (child_process) so generator and
// target never share an event loop. Run: node --import tsx bench/loadgen.ts [--quick]
//   1. max throughput, closed model, same connections: builtin vs autocannon vs wrk (goal ≥1.2× autocannon, ≥0.7× wrk)
//   2. rate accuracy of the open model at 1000 and 5000 rps (goal: achieved within 1% of requested)
//   3. coordinated omission: corrected p99 under a single 500 ms stall vs its analytic value (goal: within 5%)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { runLoadTest } from '../playground-server/loadgen/coordinator.js';
import { spawnEchoTarget } from '../playground-server/loadgen/echo-target.js';
import { findBinary } from '../playground-server/loadgen/engines/find-binary.js';
import { summarize } from '../playground-server/loadgen/histogram.js';

const quick = process.argv.includes('--quick');
const CONNECTIONS = 32;
const THROUGHPUT_SECONDS = quick ? 3 : 5;
const ROUNDS = quick ? 1 : 5;

interface Row {
  measure: string;
  value: string;
  goal: string;
  verdict: string;
}
const rows: Row[] = [];
const pass = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

function runProcess(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited with ${code}`))));
  });
}

function autocannonCli(): string | null {
  try {
    return createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  } catch {
    return null;
  }
}

async function autocannonRps(url: string): Promise<number | null> {
  const cli = autocannonCli();
  if (!cli) return null;
  const out = await runProcess(process.execPath, [cli, '-c', String(CONNECTIONS), '-d', String(THROUGHPUT_SECONDS), '-j', url]);
  const j = JSON.parse(out) as { requests: { total: number }; duration: number };
  return j.requests.total / j.duration;
}

async function wrkRps(wrk: string, url: string, threads: number): Promise<number> {
  const out = await runProcess(wrk, ['-t', String(threads), '-c', String(CONNECTIONS), '-d', `${THROUGHPUT_SECONDS}s`, url]);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk output without Requests/sec: ${out}`);
  return Number(m[1]);
}

async function builtinRps(url: string, workers: number): Promise<number> {
  const r = await runLoadTest({ url, connections: CONNECTIONS, workers, durationMs: THROUGHPUT_SECONDS * 1000, warmupMs: 500 });
  return r.actualRps;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function throughput(): Promise<void> {
  const target = await spawnEchoTarget({ mode: 'raw' });
  const wrk = await findBinary('wrk');
  const rounds: Record<string, number | null>[] = [];
  try {
    // Tools run back to back within a round and rounds repeat, so a ratio is taken between runs seconds
    // apart (other load on the machine drifts slower than that); the median round ratio is reported.
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push({
        'builtin (1 thread)': await builtinRps(target.url, 1),
        autocannon: await autocannonRps(target.url),
        'wrk -t1': wrk ? await wrkRps(wrk, target.url, 1) : null,
        'builtin (2 worker threads)': await builtinRps(target.url, 2),
        'wrk -t2': wrk ? await wrkRps(wrk, target.url, 2) : null,
      });
    }
  } finally {
    await target.close();
  }
  console.log(`\nMax throughput, closed model, ${CONNECTIONS} connections, ${THROUGHPUT_SECONDS}s per run, raw keep-alive target (rps per round):`);
  for (const name of Object.keys(rounds[0])) {
    const vs = rounds.map((r) => r[name]);
    console.log(`  ${name.padEnd(28)} ${vs.map((v) => (v === null ? 'n/a' : v.toFixed(0)).padStart(8)).join(' ')}`);
  }
  const ratio = (a: string, b: string): number | null => {
    const rs = rounds.filter((r) => r[a] !== null && r[b] !== null).map((r) => (r[a] as number) / (r[b] as number));
    return rs.length ? median(rs) : null;
  };
  const vsAc = ratio('builtin (1 thread)', 'autocannon');
  if (vsAc !== null) rows.push({ measure: 'throughput vs autocannon (both 1 thread, median round)', value: `${vsAc.toFixed(2)}x`, goal: '>= 1.2x', verdict: pass(vsAc >= 1.2) });
  else rows.push({ measure: 'throughput vs autocannon', value: 'skipped: autocannon not installed (npm i -D autocannon)', goal: '>= 1.2x', verdict: '-' });
  const vsWrk = ratio('builtin (1 thread)', 'wrk -t1');
  if (vsWrk !== null) {
    rows.push({ measure: 'throughput vs wrk (both 1 thread, median round)', value: `${vsWrk.toFixed(2)}x`, goal: '>= 0.7x', verdict: pass(vsWrk >= 0.7) });
    const vsWrk2 = ratio('builtin (2 worker threads)', 'wrk -t2');
    rows.push({ measure: 'throughput, 2 threads each (builtin --workers 2 vs wrk -t2)', value: `${vsWrk2?.toFixed(2)}x`, goal: '(info)', verdict: '-' });
  } else rows.push({ measure: 'throughput vs wrk', value: 'skipped: wrk not installed (apt-get install wrk)', goal: '>= 0.7x', verdict: '-' });
}

async function rateAccuracy(): Promise<void> {
  const target = await spawnEchoTarget({ mode: 'raw' });
  try {
    for (const rps of [1000, 5000]) {
      const r = await runLoadTest({ url: target.url, rps, durationMs: (quick ? 3 : 10) * 1000, warmupMs: 1000, connections: 16 });
      const err = Math.abs(r.actualRps - rps) / rps;
      const s = summarize(r.latency.corrected);
      console.log(`\nOpen model at ${rps} rps: achieved ${r.actualRps.toFixed(1)} rps, sent ${r.sent}/${r.scheduled}, late ${r.lateSends}, dropped ${r.droppedSends}, corrected p50 ${(s.p50 / 1000).toFixed(3)} ms p99 ${(s.p99 / 1000).toFixed(3)} ms`);
      rows.push({ measure: `rate accuracy at ${rps} rps`, value: `${(err * 100).toFixed(2)}% off`, goal: '<= 1%', verdict: pass(err <= 0.01) });
    }
  } finally {
    await target.close();
  }
}

async function stall(): Promise<void> {
  const RATE = 1000;
  const D = quick ? 5 : 10;
  const STALL_MS = 500;
  // Analytic corrected p99 (see test/loadgen/coordinated-omission.test.ts): S − 0.01·D.
  const analyticMs = STALL_MS - 0.01 * D * 1000;
  const target = await spawnEchoTarget({ mode: 'raw', stallAfter: RATE * 1 + Math.floor(D / 2) * RATE, stallMs: STALL_MS });
  try {
    const r = await runLoadTest({ url: target.url, rps: RATE, durationMs: D * 1000, warmupMs: 1000, connections: 10 });
    const c = summarize(r.latency.corrected);
    const u = summarize(r.latency.uncorrected);
    const err = Math.abs(c.p99 / 1000 - analyticMs) / analyticMs;
    console.log(`\nStall ${STALL_MS} ms at ${RATE} rps for ${D}s: corrected p99 ${(c.p99 / 1000).toFixed(1)} ms (analytic ${analyticMs} ms), uncorrected p99 ${(u.p99 / 1000).toFixed(2)} ms, uncorrected max ${(u.max / 1000).toFixed(1)} ms`);
    rows.push({ measure: 'stall: corrected p99 vs analytic', value: `${(c.p99 / 1000).toFixed(1)} vs ${analyticMs} ms (${(err * 100).toFixed(1)}% off)`, goal: '<= 5%', verdict: pass(err <= 0.05) });
    rows.push({ measure: 'stall: uncorrected p99 (what peers without correction report)', value: `${(u.p99 / 1000).toFixed(2)} ms`, goal: '(info)', verdict: '-' });
  } finally {
    await target.close();
  }
}

await throughput();
await rateAccuracy();
await stall();

const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => [r.measure, r.value, r.goal][i].length), 8));
console.log(`\n${'measure'.padEnd(w[0])}  ${'value'.padEnd(w[1])}  ${'goal'.padEnd(w[2])}  verdict`);
for (const r of rows) console.log(`${r.measure.padEnd(w[0])}  ${r.value.padEnd(w[1])}  ${r.goal.padEnd(w[2])}  ${r.verdict}`);
