// The statistics of a repeated overhead measurement: each configuration is measured once per round, a delta is
// taken within the round (paired against the baseline measured minutes apart, not an hour apart), and the
// rounds' deltas are summarised by their median and spread. One run per configuration cannot say whether
// +2.9 ms is the mesh or the machine; five paired rounds can say "the rounds disagree by more than that".

/** Median and spread of one delta over the rounds. */
export interface DeltaSummary {
  /** The rounds' values, in round order. */
  values: number[];
  median: number;
  min: number;
  max: number;
  /** Quartiles (linear interpolation between order statistics, as R's type 7 and numpy's default). */
  q1: number;
  q3: number;
  /** max − min: how far the rounds disagree. */
  spread: number;
  verdict: DeltaVerdict;
}

/**
 * - `effect`: every round moved the same way and the rounds disagree by less than the median effect.
 * - `spread-exceeds-effect`: the rounds disagree by more than the median effect (max − min > |median|), or
 *   they do not even agree on the sign: the delta is not distinguishable from the machine's noise.
 * - `single-round`: one round measures nothing about spread; no verdict.
 */
export type DeltaVerdict = 'effect' | 'spread-exceeds-effect' | 'single-round';

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export function summarizeDelta(values: readonly number[]): DeltaSummary {
  if (values.length === 0) throw new Error('summarizeDelta: no rounds');
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const med = quantile(sorted, 0.5);
  const spread = max - min;
  const sameSign = min > 0 || max < 0;
  const verdict: DeltaVerdict = values.length < 2 ? 'single-round' : sameSign && spread <= Math.abs(med) ? 'effect' : 'spread-exceeds-effect';
  return { values: [...values], median: med, min, max, q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75), spread, verdict };
}

/** One line a person reads: "+0.412 ms (min +0.301 … max +0.520, IQR 0.050, 5 rounds): effect". */
export function describeDelta(d: DeltaSummary, unit: string, digits = 3): string {
  const s = (n: number): string => (n >= 0 ? '+' : '') + n.toFixed(digits);
  const verdict = d.verdict === 'effect' ? 'effect larger than the spread' : d.verdict === 'single-round' ? 'one round: no spread' : 'spread larger than the effect: inconclusive';
  return `${s(d.median)} ${unit} (min ${s(d.min)} … max ${s(d.max)}, IQR ${(d.q3 - d.q1).toFixed(digits)}, ${d.values.length} round${d.values.length === 1 ? '' : 's'}): ${verdict}`;
}
