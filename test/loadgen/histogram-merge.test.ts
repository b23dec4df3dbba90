// Lossless merge: samples split across 4 real worker threads, each shipping its histogram as compressed
// base64, merge into exactly the histogram of all samples; averaging per-generator p99s does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, mergeEncodedHistograms, recordMicros } from '../../playground-server/loadgen/histogram.js';
import { tsWorker, workerResult } from './fixtures/workers.js';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Four generators see different traffic (as behind a mesh some pods are slower): the tail lives mostly
// in one of them, which is exactly when averaging percentiles goes wrong.
function samplesFor(generator: number, n: number): Float64Array {
  const r = rng(1000 + generator);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = 200 + 800 * -Math.log(1 - r()); // exponential service time, µs
    const slow = generator === 3 && r() < 0.04 ? 20_000 + 80_000 * r() : 0; // 4% stalls of 20–100 ms
    out[i] = base + slow;
  }
  return out;
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

test('4 worker-thread generators merge to exactly the single histogram of all samples', async () => {
  const parts = [0, 1, 2, 3].map((g) => samplesFor(g, 50_000 + g * 7_919)); // unequal shares
  const shipped = await Promise.all(
    parts.map((samples) => workerResult<{ encoded: string; p99: number; count: number }>(tsWorker(new URL('./fixtures/record-worker.ts', import.meta.url), samples))),
  );
  assert.deepEqual(shipped.map((s) => s.count), parts.map((p) => p.length), 'every worker recorded all its samples');

  const single = createLatencyHistogram();
  for (const p of parts) for (const v of p) recordMicros(single, v);
  const merged = mergeEncodedHistograms(shipped.map((s) => s.encoded));

  assert.equal(merged.totalCount, single.totalCount);
  // The wire format carries bucket counts, so min/max come back at bucket resolution (within 0.1%):
  // compare them with the single histogram after the same trip.
  const singleShipped = decodeHistogram(encodeHistogram(single));
  assert.equal(merged.minNonZeroValue, singleShipped.minNonZeroValue);
  assert.equal(merged.maxValue, singleShipped.maxValue);
  assert.ok(Math.abs(merged.maxValue - single.maxValue) <= single.maxValue * 0.001, 'max within HDR resolution');
  assert.equal(merged.mean, single.mean);
  for (const p of PERCENTILES) {
    assert.equal(merged.getValueAtPercentile(p), single.getValueAtPercentile(p), `p${p} of the merge equals p${p} of all samples`);
  }
  for (let p = 0; p <= 100; p += 0.25) assert.equal(merged.getValueAtPercentile(p), single.getValueAtPercentile(p), `p${p}`);
  // Bucket for bucket the same histogram: the encodings are identical.
  assert.equal(encodeHistogram(merged), encodeHistogram(single));

  // The tempting shortcut is wrong: the mean of the generators' p99s is far from the true p99.
  const truth = single.getValueAtPercentile(99);
  const averaged = shipped.reduce((a, s) => a + s.p99, 0) / shipped.length;
  const error = Math.abs(averaged - truth) / truth;
  assert.ok(error > 0.25, `averaging per-generator p99s is off by ${(error * 100).toFixed(0)}% (averaged ${averaged} µs vs true ${truth} µs)`);
});

test('a histogram survives encode/decode exactly, and foreign configurations are refused', () => {
  const h = createLatencyHistogram();
  const r = rng(7);
  for (let i = 0; i < 10_000; i++) recordMicros(h, 1 + r() * 5_000_000);
  const back = decodeHistogram(encodeHistogram(h));
  for (const p of PERCENTILES) assert.equal(back.getValueAtPercentile(p), h.getValueAtPercentile(p));
  assert.throws(() => decodeHistogram('not base64 at all!'), /histogram: not a valid/);
  assert.throws(() => decodeHistogram(''), /non-empty/);
});
