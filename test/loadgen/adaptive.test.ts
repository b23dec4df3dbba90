// The adaptive mode (`--slo`): the SLO grammar is validated clause by clause, failed requests rank above every
// answer (fast 503s do not pass a latency objective), the search ramps then bisects within its bounds and keeps
// every step, and against a real target of known capacity (a token bucket answering 503 when empty) the rate
// found lies in a band around that capacity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { findMaxRate, adaptiveSummary, adaptiveText, ADAPTIVE_LIMITS, type AdaptiveOptions } from '../../playground-server/loadgen/adaptive.js';
import { BENCH_USAGE, runBenchCommand } from '../../playground-server/loadgen/cli.js';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { createLatencyHistogram, recordMicros } from '../../playground-server/loadgen/histogram.js';
import type { LoadResult } from '../../playground-server/loadgen/result.js';
import { judge, parseSlo, SloSyntaxError } from '../../playground-server/loadgen/slo.js';

test('the SLO grammar: latency percentiles in ms or s, an optional error rate, normalised', () => {
  assert.deepEqual(parseSlo('p99<=10ms'), { text: 'p99<=10ms', latency: [{ metric: 'p99', maxMs: 10 }] });
  const s = parseSlo(' p50 <= 2ms, p99.9<=0.5s and errors<=1% ');
  assert.equal(s.text, 'p50<=2ms,p999<=500ms,errors<=1%');
  assert.deepEqual(s.latency, [{ metric: 'p50', maxMs: 2 }, { metric: 'p999', maxMs: 500 }]);
  assert.equal(s.maxErrorPercent, 1);
  assert.equal(parseSlo('errors<=0%').maxErrorPercent, 0);
  assert.equal(parseSlo('p90<=1.5s').latency[0].maxMs, 1500);
});

test('bad SLOs are refused with the clause and the limit named', () => {
  const refused: [unknown, RegExp][] = [
    ['', /is empty/],
    ['p99<10ms', /clause "p99<10ms" is not understood/],
    ['p98<=10ms', /clause "p98<=10ms" is not understood/],
    ['p99<=10', /a latency needs a unit/],
    ['p99<=10%', /a latency needs a unit/],
    ['errors<=5ms', /errors take a percentage/],
    ['errors<=101%', /from 0% to 100%/],
    ['p99<=0ms', /from 0.001 ms to 600000 ms/],
    ['p99<=601s', /from 0.001 ms to 600000 ms/],
    ['p99<=10ms,p99<=20ms', /names p99 twice/],
    ['p99<=-1ms', /not understood/],
    ['p50<=1ms,p90<=1ms,p99<=1ms,p999<=1ms,errors<=1%,p50<=2ms', /6 clauses, over the limit of 5/],
    ['p99<=1ms'.padEnd(201, ' '), /over the limit of 200/],
    [42, /must be a string/],
  ];
  for (const [input, why] of refused) {
    assert.throws(() => parseSlo(input), (err: Error) => err instanceof SloSyntaxError && why.test(err.message) && /e\.g\. 'p99<=10ms'/.test(err.message), String(input));
  }
});

/** A result with `fast` responses at 1 ms, `slow` at `slowMs`, and the given failures. */
function fakeResult(o: { rps?: number; fast: number; slow?: number; slowMs?: number; status503?: number; timeouts?: number; dropped?: number }): LoadResult {
  const h = createLatencyHistogram();
  for (let i = 0; i < o.fast + (o.status503 ?? 0); i++) recordMicros(h, 1000);
  for (let i = 0; i < (o.slow ?? 0); i++) recordMicros(h, (o.slowMs ?? 1000) * 1000);
  const responses = o.fast + (o.slow ?? 0) + (o.status503 ?? 0);
  const statusCodes: Record<string, number> = { '200': o.fast + (o.slow ?? 0) };
  if (o.status503) statusCodes['503'] = o.status503;
  const now = new Date();
  return {
    engine: 'builtin', url: 'http://127.0.0.1/', method: 'GET', model: 'open', requestedRps: o.rps ?? null, actualRps: o.rps ?? responses,
    connections: 1, generators: 1, startTime: now, endTime: now, warmupMs: 0, requestedDurationMs: 1000, actualDurationMs: 1000, timeoutMs: 5000,
    scheduled: responses + (o.timeouts ?? 0) + (o.dropped ?? 0), sent: responses + (o.timeouts ?? 0), responses, statusCodes,
    errors: o.timeouts ? { timeout: o.timeouts } : {}, droppedSends: o.dropped ?? 0, lateSends: 0, maxSendDelayMicros: 0, cancelled: false,
    cancelledRequests: 0, bytesRead: 0, correctedForCoordinatedOmission: true,
    latency: { corrected: h, uncorrected: h, errors: createLatencyHistogram(), statusErrors: createLatencyHistogram(), transportErrors: createLatencyHistogram() }, intervals: [], notes: [],
  };
}

test('a failed request ranks above every answer: quick 503s, timeouts and dropped sends do not pass p99', () => {
  const slo = parseSlo('p99<=10ms');
  assert.equal(judge(fakeResult({ fast: 1000 }), slo).met, true);
  assert.equal(judge(fakeResult({ fast: 995, status503: 5 }), slo).met, true, '0.5% failures fit in the 1% above p99');
  const shedding = judge(fakeResult({ fast: 980, status503: 20 }), slo);
  assert.equal(shedding.met, false, '2% quick 503s: p99 is a failed request');
  assert.equal(shedding.observedMs.p99, Infinity);
  assert.match(shedding.missed[0], /p99 unbounded/);
  assert.equal(judge(fakeResult({ fast: 980, timeouts: 20 }), slo).met, false);
  assert.equal(judge(fakeResult({ fast: 980, dropped: 20 }), slo).met, false);
  assert.equal(judge(fakeResult({ fast: 980, slow: 20, slowMs: 50 }), slo).met, false, 'slow answers');
  const errorsOnly = parseSlo('errors<=1%');
  assert.equal(judge(fakeResult({ fast: 995, status503: 5 }), errorsOnly).met, true);
  const over = judge(fakeResult({ fast: 980, status503: 20 }), errorsOnly);
  assert.deepEqual([over.met, over.errorPercent, over.missed], [false, 2, ['errors 2% > 1%']]);
  assert.equal(judge(fakeResult({ fast: 0 }), errorsOnly).met, false, 'no request made');
});

/** A simulated system: every rate up to `capacity` meets a 10 ms p99, above it latency explodes. */
function simulated(capacity: number): AdaptiveOptions['run'] {
  return async (rps) => (rps <= capacity ? fakeResult({ rps, fast: Math.round(rps) }) : fakeResult({ rps, fast: Math.round(capacity), slow: Math.round(rps - capacity), slowMs: 500 }));
}

test('the search ramps by doubling, bisects to the precision, and keeps every step', async () => {
  const r = await findMaxRate({ slo: parseSlo('p99<=10ms'), startRps: 10, maxRps: 100_000, run: simulated(1000) });
  assert.equal(r.stoppedBecause, 'converged');
  assert.deepEqual(r.steps.filter((s) => s.phase === 'ramp').map((s) => s.rps), [10, 20, 40, 80, 160, 320, 640, 1280]);
  assert.ok(r.foundRps! <= 1000 && r.foundRps! >= 1000 / (1 + ADAPTIVE_LIMITS.defaultPrecision), `found ${r.foundRps}`);
  assert.ok((r.missedRps! - r.foundRps!) / r.foundRps! <= ADAPTIVE_LIMITS.defaultPrecision);
  assert.ok(r.steps.every((s) => s.judgement.met === s.rps <= 1000), 'each step judged');
  assert.match(adaptiveText(r), new RegExp(`Highest rate meeting p99<=10ms: ${r.foundRps} rps`));
  assert.equal((adaptiveSummary(r).steps as unknown[]).length, r.steps.length);
});

test('the search is bounded: steps, ceiling, a start above capacity, nothing meets, cancel', async () => {
  const slo = parseSlo('p99<=10ms');
  const capped = await findMaxRate({ slo, startRps: 10, maxRps: 100_000, maxSteps: 5, run: simulated(1000) });
  assert.deepEqual([capped.stoppedBecause, capped.steps.length, capped.foundRps], ['max-steps', 5, 160]);
  const ceiling = await findMaxRate({ slo, startRps: 100, maxRps: 300, run: simulated(1000) });
  assert.deepEqual([ceiling.stoppedBecause, ceiling.foundRps, ceiling.steps.map((s) => s.rps)], ['ceiling', 300, [100, 200, 300]]);
  const down = await findMaxRate({ slo, startRps: 1000, maxRps: 2000, run: simulated(150) });
  assert.deepEqual(down.steps.filter((s) => s.phase === 'ramp').map((s) => s.rps), [1000, 500, 250, 125], 'halves until met');
  assert.ok(down.foundRps! <= 150 && down.foundRps! >= 140);
  const never = await findMaxRate({ slo, startRps: 4, maxRps: 100, run: simulated(0.5) });
  assert.deepEqual([never.stoppedBecause, never.foundRps, never.steps.map((s) => s.rps)], ['no-rate-meets', null, [4, 2, 1]]);
  let t = 0;
  const timed = await findMaxRate({ slo, startRps: 10, maxRps: 100_000, timeBudgetMs: 3500, now: () => t, run: async (rps, sig) => ((t += 1000), simulated(1000)(rps, sig)) });
  assert.deepEqual([timed.stoppedBecause, timed.steps.length], ['time-budget', 4]);
  const abort = new AbortController();
  const cancelled = await findMaxRate({ slo, startRps: 10, maxRps: 100_000, signal: abort.signal, onStep: (s) => s.step === 2 && abort.abort(), run: simulated(1000) });
  assert.deepEqual([cancelled.stoppedBecause, cancelled.steps.length], ['cancelled', 2]);
  await assert.rejects(findMaxRate({ slo, startRps: 10, maxRps: 5, run: simulated(1) }), /must not be below the start rate/);
  await assert.rejects(findMaxRate({ slo, startRps: 10, maxRps: 50, maxSteps: 31, run: simulated(1) }), /maxSteps must be an integer from 1 to 30/);
});

/** A target with a known capacity: a token bucket of `rate` tokens/s (burst `burst`), 503 when empty. */
async function tokenBucketTarget(rate: number, burst: number): Promise<{ url: string; close: () => Promise<void>; served: () => number }> {
  let tokens = burst;
  let last = performance.now();
  let served = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
    last = now;
    const ok = tokens >= 1;
    if (ok) {
      tokens -= 1;
      served++;
    }
    res.writeHead(ok ? 200 : 503, { 'content-length': 3 });
    res.end(ok ? 'ok\n' : 'no\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    served: () => served,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

test('against a target of known capacity (200 rps token bucket) the rate found lies within a band around it', { timeout: 60_000 }, async () => {
  const CAPACITY = 200;
  const target = await tokenBucketTarget(CAPACITY, 20);
  try {
    const r = await findMaxRate({
      slo: parseSlo('errors<=1%'),
      startRps: 60,
      maxRps: 2000,
      maxSteps: 9,
      precision: 0.1,
      run: (rps, signal) => runLoadTest({ url: target.url, rps, durationMs: 1000, warmupMs: 0, connections: 4, timeoutMs: 2000 }, { signal }),
    });
    const report = adaptiveText(r);
    assert.ok(target.served() > 0);
    assert.ok(r.steps.some((s) => !s.judgement.met), `some step above capacity missed:\n${report}`);
    assert.ok(r.foundRps !== null && r.foundRps >= 0.6 * CAPACITY && r.foundRps <= 1.25 * CAPACITY, `found ${r.foundRps} rps, capacity ${CAPACITY}:\n${report}`);
    assert.ok(r.missedRps !== null && r.missedRps > CAPACITY, `the first missing rate is above the capacity:\n${report}`);
    assert.ok(r.steps.length <= 9);
  } finally {
    await target.close();
  }
});

/** A writable that keeps what was written. */
function sink(): NodeJS.WritableStream & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return Object.assign(w, { text: () => chunks.join('') });
}

test('playground bench --slo: flags validated by name; the steps on stderr, the search and the found run on stdout', { timeout: 60_000 }, async () => {
  const usage = async (...argv: string[]) => {
    const io = { stdout: sink(), stderr: sink() };
    const code = await runBenchCommand(argv, io);
    return { code, err: io.stderr.text() };
  };
  const url = 'http://127.0.0.1:9/';
  for (const [argv, why] of [
    [[url, '--slo', 'p99<10ms'], /--slo clause "p99<10ms" is not understood/],
    [[url, '--slo', 'p99<=10ms', '--rps', 'max'], /--rps "max" \(closed model\) does not go with it/],
    [[url, '--slo', 'p99<=10ms', '--engine', 'wrk'], /--slo needs the builtin engine/],
    [[url, '--slo', 'p99<=10ms', '--max-steps', '31'], /--max-steps must be an integer from 1 to 30/],
    [[url, '--slo', 'p99<=10ms', '--rps', '500', '--max-rps', '100'], /must not be above --max-rps/],
    [[url, '--max-rps', '100'], /need --slo/],
  ] as [string[], RegExp][]) {
    const r = await usage(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, why);
  }

  const target = await tokenBucketTarget(100, 10);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const io = { stdout: sink(), stderr: sink() };
    // The JSON format that carries the playground extension (beside strict SMP once the result envelope is in).
    const format = /--format F[^\n]*\n[^\n]*playground/.test(BENCH_USAGE) ? 'playground' : 'smp';
    const code = await runBenchCommand([target.url, '--slo', 'errors<=1%', '--rps', '50', '--max-steps', '3', '--duration', '500ms', '--warmup', '0', '-c', '2', '--format', format], io);
    assert.equal(code, 0, io.stderr.text());
    assert.match(io.stderr.text(), /step 1 \(ramp\) 50 rps: met/);
    assert.equal((io.stderr.text().match(/^step \d/gm) ?? []).length, 3, 'three steps, as bounded');
    const doc = JSON.parse(io.stdout.text()) as { playground?: { slo?: { slo: string; foundRps: number; steps: unknown[] } }; smp?: unknown };
    const slo = doc.playground?.slo;
    assert.ok(slo, `the search is in the playground extension (${format})`);
    assert.equal(slo.slo, 'errors<=1%');
    assert.equal(slo.steps.length, 3);
    assert.ok(slo.foundRps >= 50);
    // A target of its own with headroom over 80 rps: the first step (160 rps) empties a bucket, and a 100 rps one
    // refilling at 80 rps failed one request in 40 in CI when two sends bunched up.
    const roomy = await tokenBucketTarget(125, 10);
    cleanups.push(() => roomy.close());
    const text = { stdout: sink(), stderr: sink() };
    assert.equal(await runBenchCommand([roomy.url, '--slo', 'errors<=1%', '--rps', '160', '--max-steps', '2', '--duration', '500ms', '--warmup', '0'], text), 0, text.stderr.text());
    assert.match(text.stdout.text(), /Adaptive search for the highest rate meeting errors<=1%/);
    assert.match(text.stdout.text(), /Highest rate meeting errors<=1%: 80 rps \(missed at 160 rps\) — stopped: the step limit/);
    assert.match(text.stdout.text(), /The run at 80 rps:/);
  } finally {
    await target.close();
    for (const c of cleanups) await c();
  }
});
