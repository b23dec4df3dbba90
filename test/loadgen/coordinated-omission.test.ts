// Coordinated omission: a target (its own process) stalls once for 500 ms during a 1000 rps run. The
// corrected p99 (measured from each request's intended start) must show the stall; the uncorrected p99
// (from the actual send) must not, because only the requests already in flight saw it.
//
// Analytic corrected p99. Rate R = 1000/s, measured duration D = 5 s → N = R·D = 5000 samples. The stall
// starts at T and lasts S = 0.5 s. A request intended at t ∈ [T, T+S) cannot complete before T+S, so its
// corrected latency is ≈ T+S−t (plus the normal sub-millisecond service time): these R·S = 500 latencies
// are spread uniformly over (0, 500 ms]. Every other request is fast. The number of samples above x (for
// 0 ≤ x < S) is R·(S−x); p99 is the x with R·(S−x) = 0.01·N, so
//   p99 = S − 0.01·N/R = S − 0.01·D = 500 ms − 50 ms = 450 ms.
// Uncorrected: only the C = 10 requests in flight at T wait ~S; queued requests are sent after the stall
// and served fast, so 10 slow samples of 5000 (0.2%) sit above p99 — the uncorrected p99 stays small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnEchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { summarize } from '../../playground-server/loadgen/histogram.js';

const RATE = 1000;
const DURATION_S = 5;
const WARMUP_S = 1;
const STALL_MS = 500;
const ANALYTIC_P99_MS = STALL_MS - 0.01 * DURATION_S * 1000; // 450 ms

test('corrected p99 reflects a 500 ms stall at 1000 rps; uncorrected p99 hides it', async () => {
  // Stall after 1000 warm-up + 2000 measured requests: two seconds into the measured window.
  const target = await spawnEchoTarget({ mode: 'http', stallAfter: RATE * WARMUP_S + 2 * RATE, stallMs: STALL_MS });
  try {
    const r = await runLoadTest({ url: target.url, rps: RATE, durationMs: DURATION_S * 1000, warmupMs: WARMUP_S * 1000, connections: 10, timeoutMs: 5000 });
    const corrected = summarize(r.latency.corrected);
    const uncorrected = summarize(r.latency.uncorrected);
    const p99 = corrected.p99 / 1000;
    const info = `corrected p99 ${p99} ms (analytic ${ANALYTIC_P99_MS} ms), uncorrected p99 ${uncorrected.p99 / 1000} ms, max ${uncorrected.max / 1000} ms`;

    assert.equal(r.responses, RATE * DURATION_S, `every scheduled request answered (${info})`);
    assert.equal(Object.keys(r.errors).length, 0);
    // The stall is in the data either way: some request waited the whole 500 ms.
    assert.ok(uncorrected.max >= 0.9 * STALL_MS * 1000, `uncorrected max shows the stall: ${info}`);
    // Corrected p99 close to its analytic value (generous band: this is a correctness check, the
    // bench measures accuracy).
    assert.ok(p99 > ANALYTIC_P99_MS * 0.85 && p99 < ANALYTIC_P99_MS * 1.15, info);
    // Uncorrected p99 does not see it: an order of magnitude below.
    assert.ok(uncorrected.p99 / 1000 < ANALYTIC_P99_MS / 10, info);
    // Sends queued behind the stall are counted as late, not hidden.
    assert.ok(r.lateSends >= 400, `late sends counted: ${r.lateSends}`);
  } finally {
    await target.close();
  }
});
