// `fortio load` (fortio's periodic runner + fhttp runner): -c threads each on its own keep-alive connection, at
// -qps (0 or negative: as fast as possible) for -n calls or -t long, then fortio's report — the function-time
// histogram and percentiles, per-thread sockets, "Sockets used", the "Code 200 : 17 (85.0 %)" lines, sizes, "All
// done". Sent from the pod like any app (so a sidecar sees every call). Everything is bounded: threads, calls,
// duration, per-call timeout (named constants below; upstream has no limits, the sandbox is shared).
import type { ProcessContext } from '../../runtime/process/program.js';
import { codeIsOK, FortioHttpClient, type CallResult } from './http-client.js';
import { goDuration, goG } from './go-format.js';
import { Counter, Histogram } from './histogram.js';
import { FORTIO_VERSION, FortioLog } from './fortio-log.js';

export const MAX_THREADS = 64;
export const MAX_CALLS = 100_000;
export const MAX_DURATION_MS = 120_000;
export const MAX_QPS = 10_000;
const DEFAULT_PERCENTILES = [50, 75, 90, 99, 99.9];
/** fortio's -timeout default (fhttp.HTTPReqTimeOutDefaultValue). */
export const DEFAULT_CALL_TIMEOUT_MS = 3_000;

export interface LoadOptions {
  url: URL;
  rawUrl: string;
  threads: number;
  qps: number;
  /** -n: exact number of calls (0: by duration). */
  exactly: number;
  durationMs: number;
  timeoutMs: number;
  allowInitialErrors: boolean;
  percentiles: number[];
  headers: [string, string][];
  log: FortioLog;
}

export { DEFAULT_PERCENTILES };

interface ThreadState {
  client: FortioHttpClient;
  codes: Map<number, number>;
  headerSizes: Counter;
  sizes: Counter;
}

const isOK = codeIsOK;

export async function runLoad(p: ProcessContext, o: LoadOptions, address: string): Promise<number> {
  // fortio load writes its report on stderr (cli/fortio_main.go: out := os.Stderr), keeping stdout for -json -.
  const write = (line: string) => p.stderr.write(line + "\n");
  const maxQps = o.qps <= 0;
  const procs = 2;
  write(`Fortio ${FORTIO_VERSION} running at ${goG(o.qps)} queries per second, ${procs}->${procs} procs${o.exactly > 0 ? `, for ${o.exactly} calls: ${o.rawUrl}` : `, for ${goDuration(o.durationMs * 1e6)}: ${o.rawUrl}`}`);
  const perThread = o.exactly > 0 ? Math.floor(o.exactly / o.threads) : 0;
  const leftOver = o.exactly > 0 ? o.exactly % o.threads : 0;
  if (maxQps) {
    if (o.exactly > 0) write(`Starting at max qps with ${o.threads} thread(s) [gomax ${procs}] for exactly ${o.exactly} calls (${perThread} per thread + ${leftOver})`);
    else write(`Starting at max qps with ${o.threads} thread(s) [gomax ${procs}] for ${goDuration(o.durationMs * 1e6)}`);
  } else if (o.exactly > 0) {
    write(`Starting at ${goG(o.qps)} qps with ${o.threads} thread(s) [gomax ${procs}] : exactly ${o.exactly}, ${perThread} calls each (total ${o.exactly} + ${leftOver})`);
  } else {
    const each = Math.floor((o.qps * o.durationMs) / 1000 / o.threads);
    write(`Starting at ${goG(o.qps)} qps with ${o.threads} thread(s) [gomax ${procs}] for ${goDuration(o.durationMs * 1e6)} : ${each} calls each (total ${each * o.threads})`);
  }

  // A safety net over the run's own stop condition: no run outlives MAX_DURATION_MS (plus one call's timeout).
  const deadline = AbortSignal.timeout(MAX_DURATION_MS + o.timeoutMs);
  const signal = AbortSignal.any([p.signal, deadline]);
  const userAgent = `fortio.org/fortio-${FORTIO_VERSION}`;
  const threads: ThreadState[] = Array.from({ length: o.threads }, () => ({
    client: new FortioHttpClient(p.container, o.url, address, userAgent, o.timeoutMs, o.headers),
    codes: new Map(),
    headerSizes: new Counter(),
    sizes: new Counter(),
  }));
  const durations = new Histogram(0, 0.001);
  const errors = new Histogram(0, 0.001);

  // Warm-up: one call per thread outside the measurement when running by duration (fortio skips it with -n).
  const warmup = o.exactly > 0 ? 0 : o.threads;
  if (warmup) {
    const first = await Promise.all(threads.map((t) => t.client.call(signal)));
    const bad = first.find((r) => !isOK(r.status));
    if (bad && !o.allowInitialErrors) {
      o.log.error('Error for http client warmup', { status: bad.status, err: bad.error ?? bad.statusLine });
      for (const t of threads) t.client.close();
      p.stderr.write(`Aborting because of error during warmup (use -allow-initial-errors to ignore): ${bad.error ?? bad.statusLine}\n`);
      return 1;
    }
  }

  const start = performance.now();
  const intervalMs = maxQps ? 0 : (1000 * o.threads) / o.qps;
  const runThread = async (t: ThreadState, id: number) => {
    // -n: exactly that many; by duration at a rate: the calls the rate plans in it (fortio's "N calls each"); else until time is up.
    const calls = o.exactly > 0 ? perThread + (id < leftOver ? 1 : 0) : intervalMs > 0 ? Math.floor(o.durationMs / intervalMs) : Number.POSITIVE_INFINITY;
    for (let i = 0; i < calls && !signal.aborted; i++) {
      if (o.exactly === 0 && performance.now() - start >= o.durationMs) break;
      if (intervalMs > 0) {
        const wait = start + i * intervalMs - performance.now();
        if (wait > 0) await new Promise<void>((r) => setTimeout(r, wait));
        if (signal.aborted || (o.exactly === 0 && performance.now() - start >= o.durationMs)) break;
      }
      const t0 = performance.now();
      const r: CallResult = await t.client.call(signal);
      if (signal.aborted && r.status === -1) break;
      // Go measures integer nanoseconds: round so the report prints 0.003955613, not float noise.
      const seconds = Math.round((performance.now() - t0) * 1e6) / 1e9;
      durations.record(seconds);
      if (!isOK(r.status)) {
        errors.record(seconds);
        if (r.status === -1) o.log.error('Unable to connect', { err: r.error ?? '', thread: id, run: 0 });
        else o.log.warn('Non ok http code', { code: r.status, status: r.statusLine, thread: id, run: 0 });
      }
      t.codes.set(r.status, (t.codes.get(r.status) ?? 0) + 1);
      t.headerSizes.record(r.headerBytes);
      t.sizes.record(r.totalBytes);
    }
  };
  await Promise.all(threads.map((t, i) => runThread(t, i)));
  const elapsedMs = performance.now() - start;
  const qps = durations.count / (elapsedMs / 1000);
  write(`Ended after ${goDuration(elapsedMs * 1e6)} : ${durations.count} calls. qps=${goG(qps, 5)}`);
  for (const line of durations.lines('Aggregated Function Time', o.percentiles)) write(line);
  for (const line of errors.lines('Error cases', o.percentiles)) write(line);

  write('# Socket and IP used for each connection:');
  const connectTimes = new Counter();
  const ipTotals = new Map<string, number>();
  let sockets = 0;
  threads.forEach((t, i) => {
    const a = t.client.agent;
    for (const [k, v] of a.addresses) ipTotals.set(k, (ipTotals.get(k) ?? 0) + v);
    const ips = [...a.addresses];
    const resolved = ips.length === 1 ? ips[0][0] : `[${ips.map(([k, v]) => `${k} (${v})`).join(', ')}]`;
    write(`[${i}] ${String(a.sockets_used).padStart(3)} socket used, resolved to ${resolved}, ${a.connectTimes.line('connection timing')}`);
    sockets += a.sockets_used;
    connectTimes.merge(a.connectTimes);
    t.client.close();
  });
  write(connectTimes.line('Connection time (s)'));
  write(`Sockets used: ${sockets} (for perfect keepalive, would be ${o.threads})`);
  write(`Uniform: false, Jitter: false, Catchup allowed: true`);
  write('IP addresses distribution:');
  for (const [k, v] of [...ipTotals].sort((a, b) => b[1] - a[1])) write(`${k}: ${v}`);
  const codes = new Map<number, number>();
  const headerSizes = new Counter();
  const sizes = new Counter();
  for (const t of threads) {
    for (const [k, v] of t.codes) codes.set(k, (codes.get(k) ?? 0) + v);
    headerSizes.merge(t.headerSizes);
    sizes.merge(t.sizes);
  }
  for (const [code, n] of [...codes].sort((a, b) => a[0] - b[0])) write(`Code ${String(code).padStart(3)} : ${n} (${((100 * n) / durations.count).toFixed(1)} %)`);
  write(headerSizes.line('Response Header Sizes'));
  write(sizes.line('Response Body/Total Sizes'));
  write(`All done ${durations.count} calls (plus ${warmup} warmup) ${(1000 * durations.avg()).toFixed(3)} ms avg, ${qps.toFixed(1)} qps`);
  return 0;
}
