// Benchmark of the load generator itself (issues 4 and 14). Every figure is a ratio or an error measured in this
// one run against the same tiny target, which runs in its own process (child_process) on the same cores, so
// generator and target never share an event loop. Run: npm run bench -- loadgen [--quick]
//   1. max throughput, closed model, same connections: builtin vs autocannon vs wrk (goal ≥ 0.9× wrk)
//   2. the open model at 1k/5k/20k rps as a `playground generator` process (the prebuilt bundle, as Job pods and
//      --transport process run it): late-send share (goal ≤ 1% late at 5k), CPU per 1,000 requests against wrk's
//      at about the same rate (wrk paced by a Lua delay()), peak RSS per generator (goal ≤ 60 MB) and wrk's,
//      both processes measured the same way (/proc/<pid>/stat and VmHWM, polled)
//   3. rate accuracy of the open model at 1000 and 5000 rps (goal: achieved within 1% of requested)
//   4. coordinated omission: corrected p99 under a single 500 ms stall vs its analytic value (goal: within 5%)
// The machine may be shared: the load average is printed at the start and end; figures are upper bounds then.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadTest } from '../playground-server/loadgen/coordinator.js';
import { spawnEchoTarget } from '../playground-server/loadgen/echo-target.js';
import { findBinary } from '../playground-server/loadgen/engines/find-binary.js';
import { summarize } from '../playground-server/loadgen/histogram.js';
import { locateBundle } from '../prebuilt/bundles.js';
import { GENERATOR_PROTOCOL, type GeneratorReport } from '../playground-server/loadgen/protocol.js';
import { buildGeneratorBundle } from '../scripts/build-bundles.js';

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
    rows.push({ measure: 'closed-model throughput vs wrk (both 1 thread, median round)', value: `${vsWrk.toFixed(2)}x`, goal: '>= 0.9x', verdict: pass(vsWrk >= 0.9) });
    const vsWrk2 = ratio('builtin (2 worker threads)', 'wrk -t2');
    rows.push({ measure: 'throughput, 2 threads each (builtin --workers 2 vs wrk -t2)', value: `${vsWrk2?.toFixed(2)}x`, goal: '(info)', verdict: '-' });
  } else rows.push({ measure: 'throughput vs wrk', value: 'skipped: wrk not installed (apt-get install wrk)', goal: '>= 0.9x', verdict: '-' });
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

/** CPU (ms) and peak RSS (MB) of a child process, polled from /proc while it runs (the same for every tool). */
function watchProcess(pid: number): { stop(): { cpuMs: number; rssMb: number } } {
  let cpuMs = 0;
  let rssMb = 0;
  const read = (): void => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in USER_HZ (100) ticks
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
      if (hwm) rssMb = Number(hwm[1]) / 1024;
    } catch {
      // exited between polls: keep the last reading
    }
  };
  const timer = setInterval(read, 50);
  return {
    stop() {
      clearInterval(timer);
      return { cpuMs, rssMb };
    },
  };
}

interface PacedRun {
  rps: number;
  requests: number;
  cpuMsPer1k: number;
  rssMb: number;
}

/** wrk paced to about `rps`: `connections` connections each waiting `delayMs` (wrk's Lua delay()) between requests. */
async function wrkPaced(wrk: string, url: string, connections: number, delayMs: number, seconds: number, dir: string): Promise<PacedRun> {
  const script = join(dir, 'pace.lua');
  writeFileSync(script, `function delay() return ${delayMs} end\n`);
  const child = spawn(wrk, ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watch = watchProcess(child.pid as number);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  await new Promise((r) => child.on('close', r));
  const { cpuMs, rssMb } = watch.stop();
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { rps: requests / seconds, requests, cpuMsPer1k: requests ? (cpuMs * 1000) / requests : NaN, rssMb };
}

/** One open-model generator as a process on the prebuilt bundle (what Job pods and --transport process run). */
async function generatorProcess(url: string, rps: number, connections: number, seconds: number): Promise<PacedRun & { report: GeneratorReport }> {
  const bundle = locateBundle('generator', 'generator-main');
  if (!bundle.ok) throw new Error(`generator bundle ${bundle.reason}`);
  const spec = { protocol: GENERATOR_PROTOCOL, generatorId: 0, url, method: 'GET', headers: {}, totalRps: rps, stride: 1, phase: 0, connections, durationMs: seconds * 1000, warmupMs: 1000, timeoutMs: 5000 };
  const child = spawn(process.execPath, [bundle.file], { env: { ...process.env, LOADGEN_SPEC: JSON.stringify(spec) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const watch = watchProcess(child.pid as number);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  await new Promise((r) => child.on('close', r));
  const { rssMb } = watch.stop();
  const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as GeneratorReport;
  const requests = report.responses + Object.values(report.errors).reduce((a, b) => a + b, 0);
  // The generator's own process.cpuUsage() over the measured window (polling /proc would add the warm-up).
  return { rps: report.responses / seconds, requests, cpuMsPer1k: report.cpuMicros !== undefined && requests ? report.cpuMicros / requests : NaN, rssMb, report };
}

async function openModel(): Promise<void> {
  if (!locateBundle('generator', 'generator-main').ok) await buildGeneratorBundle();
  const target = await spawnEchoTarget({ mode: 'raw' });
  const wrk = await findBinary('wrk');
  const dir = mkdtempSync(join(tmpdir(), 'bench-loadgen-'));
  const seconds = quick ? 3 : 10;
  const DELAY_MS = 2; // wrk's delay() is whole ms: rate ≈ connections / (2 ms + latency)
  console.log(`\nOpen model, one generator process (prebuilt bundle) vs wrk paced by delay() (${seconds}s each, 1 thread, raw target):`);
  console.log('  rate   late sends  max delay  CPU ms/1k req  wrk CPU ms/1k (at rps)  CPU ratio  RSS MB  wrk RSS MB');
  try {
    for (const rps of [1000, 5000, 20000]) {
      const connections = Math.max(2, Math.round((rps * DELAY_MS) / 1000));
      const ours = await generatorProcess(target.url, rps, connections, seconds); // the same connections as wrk
      const theirs = wrk ? await wrkPaced(wrk, target.url, connections, DELAY_MS, seconds, dir) : null;
      const r = ours.report;
      const late = r.sent ? r.lateSends / r.sent : NaN;
      const cpuRatio = theirs ? ours.cpuMsPer1k / theirs.cpuMsPer1k : NaN;
      console.log(
        `  ${String(rps).padStart(5)}  ${(late * 100).toFixed(2).padStart(9)}%  ${(r.maxSendDelayMicros / 1000).toFixed(1).padStart(6)} ms  ${ours.cpuMsPer1k.toFixed(1).padStart(13)}  ${theirs ? `${theirs.cpuMsPer1k.toFixed(1)} (${theirs.rps.toFixed(0)})`.padStart(22) : 'n/a'.padStart(22)}  ${Number.isFinite(cpuRatio) ? cpuRatio.toFixed(2).padStart(8) + 'x' : '      n/a'}  ${ours.rssMb.toFixed(1).padStart(6)}  ${theirs ? theirs.rssMb.toFixed(1).padStart(10) : 'n/a'}`,
      );
      rows.push({ measure: `late sends at ${rps} rps (> 1 ms after schedule)`, value: `${(late * 100).toFixed(2)}% of ${r.sent}`, goal: rps === 5000 ? '<= 1%' : '(info)', verdict: rps === 5000 ? pass(late <= 0.01) : '-' });
      rows.push({ measure: `CPU per 1,000 requests at ${rps} rps (ours / wrk's)`, value: theirs ? `${ours.cpuMsPer1k.toFixed(1)} / ${theirs.cpuMsPer1k.toFixed(1)} ms (${cpuRatio.toFixed(2)}x)` : `${ours.cpuMsPer1k.toFixed(1)} ms (wrk n/a)`, goal: '(lower is better)', verdict: '-' });
      rows.push({ measure: `RSS per generator at ${rps} rps (peak)`, value: `${ours.rssMb.toFixed(1)} MB${theirs ? ` (wrk ${theirs.rssMb.toFixed(1)} MB)` : ''}`, goal: '<= 60 MB', verdict: pass(ours.rssMb <= 60) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await target.close();
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadAtStart = load();
console.log(`load average at start: ${loadAtStart} (on a shared machine every figure is an upper bound)`);
await throughput();
await openModel();
await rateAccuracy();
await stall();
rows.push({ measure: 'load average (1, 5, 15 min) at start / end', value: `${loadAtStart} / ${load()}`, goal: '(context)', verdict: '-' });

const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => [r.measure, r.value, r.goal][i].length), 8));
console.log(`\n${'measure'.padEnd(w[0])}  ${'value'.padEnd(w[1])}  ${'goal'.padEnd(w[2])}  verdict`);
for (const r of rows) console.log(`${r.measure.padEnd(w[0])}  ${r.value.padEnd(w[1])}  ${r.goal.padEnd(w[2])}  ${r.verdict}`);
