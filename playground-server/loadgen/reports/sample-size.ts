// How far into the tail N samples can see. A percentile p is only measured when at least one sample lies beyond
// it: N ≥ 1 / (1 − p), so p99 needs 100 samples, p99.9 1,000, p99.99 10,000. Below that the reported value is
// the maximum (or close to it), not the percentile — every output says so instead of printing it as a tail.
import type { LoadResult } from '../result.js';

/** The percentiles our outputs report (in percent). */
export const REPORTED_PERCENTILES = [50, 75, 90, 99, 99.9, 99.99] as const;

/** The fewest samples that support percentile `p` (percent): 1 / (1 − p/100), rounded to a whole sample. */
export function samplesNeeded(p: number): number {
  return Math.ceil(Math.round(1e6 / (100 - p)) / 1e4);
}

/** The reported percentiles `samples` cannot support. */
export function unsupportedPercentiles(samples: number, percentiles: readonly number[] = REPORTED_PERCENTILES): number[] {
  return percentiles.filter((p) => samples < samplesNeeded(p));
}

const label = (p: number): string => `p${String(p)}`;

/** A warning for each latency histogram of the run that is too small for the percentiles reported, or none. */
export function sampleSizeWarnings(r: Pick<LoadResult, 'latency'>): string[] {
  const n = r.latency.corrected.totalCount;
  const beyond = unsupportedPercentiles(n);
  if (beyond.length === 0) return [];
  if (n === 0) return ['no latency samples: no percentile is measured'];
  const first = beyond[0];
  return [
    `small sample: ${n} response${n === 1 ? '' : 's'}: ${beyond.map(label).join(', ')} ${beyond.length === 1 ? 'is' : 'are'} the maximum, not a measured tail (${label(first)} needs ≥ ${samplesNeeded(first).toLocaleString('en-US')} samples: run longer or at a higher rate)`,
  ];
}
