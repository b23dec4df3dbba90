// Latency histograms: one fixed HDR configuration everywhere, so that every merge is an exact sum of counts.
// Values are integer microseconds. Generators ship histograms as HdrHistogram's compressed base64 (the
// same encoding wrk2, HdrHistogram/Java and Go's hdrhistogram logs use), and the coordinator adds them.
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** The one histogram configuration. Changing it breaks merges with results recorded before the change. */
export const HISTOGRAM_CONFIG = Object.freeze({
  lowestDiscernibleValue: 1, // 1 µs
  highestTrackableValue: 3_600_000_000, // 1 hour in µs: above any timeout we accept
  numberOfSignificantValueDigits: 3 as const, // values within 0.1% of their true value
  bitBucketSize: 64 as const, // counts up to 2^53, so merging many long runs cannot overflow
});

export const HISTOGRAM_ENCODING = 'HdrHistogram-V2-compressed-base64';
export const HISTOGRAM_UNIT = 'us';

export function createLatencyHistogram(): Histogram {
  return hdr.build({ ...HISTOGRAM_CONFIG, autoResize: false, useWebAssembly: false });
}

/** Record a latency, clamped into the trackable range (0 µs is recorded as 0, which HDR keeps exactly). */
export function recordMicros(h: Histogram, micros: number): void {
  const v = micros < 0 ? 0 : micros > HISTOGRAM_CONFIG.highestTrackableValue ? HISTOGRAM_CONFIG.highestTrackableValue : Math.round(micros);
  h.recordValue(v);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decode a histogram shipped by a generator; rejects one recorded with another configuration. */
export function decodeHistogram(encoded: string): Histogram {
  if (typeof encoded !== 'string' || encoded.length === 0) throw new Error('histogram: expected a non-empty compressed base64 string');
  let decoded: Histogram;
  try {
    decoded = hdr.decodeFromCompressedBase64(encoded, HISTOGRAM_CONFIG.bitBucketSize, false);
  } catch (err) {
    throw new Error(`histogram: not a valid ${HISTOGRAM_ENCODING} string (${(err as Error).message})`);
  }
  if (decoded.numberOfSignificantValueDigits !== HISTOGRAM_CONFIG.numberOfSignificantValueDigits) {
    throw new Error(`histogram: recorded with ${decoded.numberOfSignificantValueDigits} significant digits, expected ${HISTOGRAM_CONFIG.numberOfSignificantValueDigits}`);
  }
  // Re-home the counts into a histogram with the canonical range, so later adds never resize or throw.
  const out = createLatencyHistogram();
  out.add(decoded);
  return out;
}

/** The exact histogram of all samples of all inputs (a sum of counts, never an average of percentiles). */
export function mergeHistograms(parts: Iterable<Histogram>): Histogram {
  const out = createLatencyHistogram();
  for (const p of parts) out.add(p);
  return out;
}

export function mergeEncodedHistograms(parts: Iterable<string>): Histogram {
  const out = createLatencyHistogram();
  for (const p of parts) out.add(decodeHistogram(p));
  return out;
}

export interface LatencySummaryMicros {
  count: number;
  min: number;
  mean: number;
  stdDev: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

export function summarize(h: Histogram): LatencySummaryMicros {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, stdDev: 0, p50: 0, p75: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0 };
  return {
    count,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue,
    mean: h.mean,
    stdDev: h.stdDeviation,
    p50: h.getValueAtPercentile(50),
    p75: h.getValueAtPercentile(75),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    p9999: h.getValueAtPercentile(99.99),
    max: h.maxValue,
  };
}

/** One run of equal values: [from, to] µs holding `count` samples (for bucket exports such as fortio's). */
export interface HistogramBucket {
  fromMicros: number;
  toMicros: number;
  count: number;
}

/** The recorded buckets in value order, each at HDR's own resolution (no re-bucketing, so nothing is lost). */
export function recordedBuckets(h: Histogram): HistogramBucket[] {
  if (!(h instanceof hdr.JsHistogram)) throw new Error('histogram: expected a JS histogram');
  const it = h.recordedValuesIterator;
  it.reset();
  const out: HistogramBucket[] = [];
  while (it.hasNext()) {
    const v = it.next();
    out.push({ fromMicros: h.lowestEquivalentValue(v.valueIteratedTo), toMicros: h.highestEquivalentValue(v.valueIteratedTo), count: v.countAtValueIteratedTo });
  }
  return out;
}
