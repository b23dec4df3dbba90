// The adaptive mode: find the highest open-model rate that meets a service-level objective (slo.ts), as SMP
// issue #416 asks. An exponential ramp (start, ×2, ×2 … up to the ceiling) finds a rate that meets the SLO and
// one that misses it; bisection then narrows the bracket until it is within `precision` of the rate found.
// Every step is a full run of its own (its warm-up, its measured window) and is kept. Bounded by the number
// of steps and the total time; cancelling stops at once and reports the steps so far.
// One step that misses the SLO by noise ends the ramp below the true capacity: the result is a lower bound,
// and longer steps (--duration) make it tighter.
import type { LoadResult } from './result.js';
import { judge, type Slo, type SloJudgement } from './slo.js';

export const ADAPTIVE_LIMITS = Object.freeze({
  maxSteps: 30,
  minRps: 1,
  /** Bisection stops when (high − low) / low is at most this (the default precision). */
  defaultPrecision: 0.05,
  minPrecision: 0.001,
  defaultMaxSteps: 12,
});

export type AdaptiveStopReason =
  /** The bracket is within the precision. */
  | 'converged'
  /** The ceiling (maxRps) met the SLO: the capacity is at least that. */
  | 'ceiling'
  /** Even the lowest rate tried missed the SLO. */
  | 'no-rate-meets'
  | 'max-steps'
  | 'time-budget'
  | 'cancelled';

export interface AdaptiveStep {
  step: number;
  phase: 'ramp' | 'bisect';
  rps: number;
  judgement: SloJudgement;
  result: LoadResult;
}

export interface AdaptiveResult {
  slo: Slo;
  /** The highest rate tried that met the SLO; null when none did. */
  foundRps: number | null;
  /** The lowest rate tried that missed it (the bracket's top); null when none did. */
  missedRps: number | null;
  stoppedBecause: AdaptiveStopReason;
  steps: AdaptiveStep[];
}

export interface AdaptiveOptions {
  slo: Slo;
  /** First rate of the ramp. */
  startRps: number;
  /** Ceiling: never tried above this (the engine's or the session's limit). */
  maxRps: number;
  maxSteps?: number;
  /** Stop starting steps once this much time has passed (ms); a step already running finishes. */
  timeBudgetMs?: number;
  precision?: number;
  /** Runs one step at `rps` and returns its result. */
  run: (rps: number, signal: AbortSignal) => Promise<LoadResult>;
  signal?: AbortSignal;
  onStep?: (step: AdaptiveStep) => void;
  /** For tests: the clock. */
  now?: () => number;
}

export class AdaptiveOptionsError extends Error {}

function check(o: AdaptiveOptions): Required<Pick<AdaptiveOptions, 'maxSteps' | 'precision'>> {
  const maxSteps = o.maxSteps ?? ADAPTIVE_LIMITS.defaultMaxSteps;
  const precision = o.precision ?? ADAPTIVE_LIMITS.defaultPrecision;
  if (!Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > ADAPTIVE_LIMITS.maxSteps) throw new AdaptiveOptionsError(`maxSteps must be an integer from 1 to ${ADAPTIVE_LIMITS.maxSteps} (got ${maxSteps})`);
  if (!(precision >= ADAPTIVE_LIMITS.minPrecision && precision <= 1)) throw new AdaptiveOptionsError(`precision must be from ${ADAPTIVE_LIMITS.minPrecision} to 1 (got ${precision})`);
  if (!(o.startRps >= ADAPTIVE_LIMITS.minRps)) throw new AdaptiveOptionsError(`the start rate must be at least ${ADAPTIVE_LIMITS.minRps} rps (got ${o.startRps})`);
  if (!(o.maxRps >= o.startRps)) throw new AdaptiveOptionsError(`the ceiling (${o.maxRps} rps) must not be below the start rate (${o.startRps} rps)`);
  return { maxSteps, precision };
}

/** Rates as a person would type them: integers from 10 rps up, two decimals below. */
const roundRate = (r: number): number => (r >= 10 ? Math.round(r) : Math.round(r * 100) / 100);

export async function findMaxRate(o: AdaptiveOptions): Promise<AdaptiveResult> {
  const { maxSteps, precision } = check(o);
  const now = o.now ?? Date.now;
  const started = now();
  const signal = o.signal ?? new AbortController().signal;
  const steps: AdaptiveStep[] = [];
  let low: number | null = null;
  let high: number | null = null;

  const out = (stoppedBecause: AdaptiveStopReason): AdaptiveResult => ({ slo: o.slo, foundRps: low, missedRps: high, stoppedBecause, steps });
  /** Why no further step may start, if one may not. */
  const budgetLeft = (): AdaptiveStopReason | undefined => {
    if (signal.aborted) return 'cancelled';
    if (steps.length >= maxSteps) return 'max-steps';
    if (o.timeBudgetMs !== undefined && now() - started >= o.timeBudgetMs) return 'time-budget';
    return undefined;
  };
  const attempt = async (rps: number, phase: AdaptiveStep['phase']): Promise<boolean | AdaptiveStopReason> => {
    let result: LoadResult;
    try {
      result = await o.run(rps, signal);
    } catch (err) {
      if (signal.aborted) return 'cancelled'; // a step cut short by the cancel: the steps so far stand
      throw err;
    }
    if (signal.aborted || result.cancelled) return 'cancelled';
    const judgement = judge(result, o.slo);
    const step: AdaptiveStep = { step: steps.length + 1, phase, rps, judgement, result };
    steps.push(step);
    o.onStep?.(step);
    if (judgement.met) low = Math.max(low ?? 0, rps);
    else high = Math.min(high ?? Infinity, rps);
    return judgement.met;
  };

  // Ramp: up by doubling while the SLO holds; down by halving while it does not (the start was too high).
  let rps = roundRate(o.startRps);
  for (;;) {
    const stop = budgetLeft();
    if (stop) return out(stop);
    const met = await attempt(rps, 'ramp');
    if (typeof met === 'string') return out(met);
    if (met) {
      if (high !== null) break;
      if (rps >= o.maxRps) return out('ceiling');
      rps = roundRate(Math.min(rps * 2, o.maxRps));
    } else {
      if (low !== null) break;
      if (rps <= ADAPTIVE_LIMITS.minRps) return out('no-rate-meets');
      rps = roundRate(Math.max(rps / 2, ADAPTIVE_LIMITS.minRps));
    }
  }

  // Bisection inside [low, high).
  for (;;) {
    const lo = low as number | null;
    const hi = high as number | null;
    if (lo === null || hi === null) return out('converged');
    if ((hi - lo) / lo <= precision) return out('converged');
    const mid = roundRate((lo + hi) / 2);
    if (mid <= lo || mid >= hi) return out('converged');
    const stop = budgetLeft();
    if (stop) return out(stop);
    const met = await attempt(mid, 'bisect');
    if (typeof met === 'string') return out(met);
  }
}

/** The adaptive search as text: one line per step, then the answer. */
export function adaptiveText(r: AdaptiveResult): string {
  const lines = [`Adaptive search for the highest rate meeting ${r.slo.text}`, ''];
  lines.push('step  phase   requested rps  achieved rps  ' + r.slo.latency.map((l) => `${l.metric} ms`.padStart(10)).join('') + '   errors  verdict');
  for (const s of r.steps) {
    const lat = r.slo.latency.map((l) => {
      const v = s.judgement.observedMs[l.metric] ?? Infinity;
      return (Number.isFinite(v) ? v.toFixed(3) : '∞').padStart(10);
    });
    lines.push(
      `${String(s.step).padStart(4)}  ${s.phase.padEnd(6)}  ${String(s.rps).padStart(13)}  ${s.result.actualRps.toFixed(1).padStart(12)}  ${lat.join('')}  ${`${s.judgement.errorPercent.toFixed(2)}%`.padStart(7)}  ${s.judgement.met ? 'met' : `missed: ${s.judgement.missed.join('; ')}`}`,
    );
  }
  lines.push('');
  const why: Record<AdaptiveStopReason, string> = {
    converged: 'the bracket is within the precision',
    ceiling: 'the ceiling met the objective; the capacity may be higher (raise --max-rps)',
    'no-rate-meets': 'even the lowest rate tried missed the objective',
    'max-steps': 'the step limit was reached before the bracket converged (raise --max-steps)',
    'time-budget': 'the time budget ran out before the bracket converged',
    cancelled: 'cancelled',
  };
  lines.push(
    r.foundRps !== null
      ? `Highest rate meeting ${r.slo.text}: ${r.foundRps} rps${r.missedRps !== null ? ` (missed at ${r.missedRps} rps)` : ''} — stopped: ${why[r.stoppedBecause]}.`
      : `No rate tried met ${r.slo.text} — stopped: ${why[r.stoppedBecause]}.`,
  );
  return lines.join('\n') + '\n';
}

/** The run kept as the search's result: the highest rate that met the SLO, else the lowest rate tried. */
export function chosenStep(r: AdaptiveResult): AdaptiveStep | undefined {
  const met = r.steps.filter((s) => s.judgement.met).sort((a, b) => b.rps - a.rps)[0];
  return met ?? [...r.steps].sort((a, b) => a.rps - b.rps)[0];
}

/**
 * Put the search (adaptiveSummary) into a result document's playground extension as `slo` — the one property
 * the adaptive mode adds to it; the document's other fields are untouched.
 */
export function attachSlo<T extends { playground?: object }>(doc: T, r: AdaptiveResult): T {
  if (doc.playground) Object.assign(doc.playground, { slo: adaptiveSummary(r) });
  return doc;
}

/** The adaptive search as JSON: the objective, the answer and each step's measurements (no histograms). */
export interface AdaptiveSummary {
  slo: string;
  foundRps: number | null;
  missedRps: number | null;
  stoppedBecause: AdaptiveResult['stoppedBecause'];
  steps: {
    step: number;
    phase: string;
    requestedRps: number;
    actualRps: number;
    requests: number;
    failed: number;
    errorPercent: number;
    observedMs: Record<string, number | null>;
    met: boolean;
    missed: string[];
  }[];
}

export function adaptiveSummary(r: AdaptiveResult): AdaptiveSummary {
  return {
    slo: r.slo.text,
    foundRps: r.foundRps,
    missedRps: r.missedRps,
    stoppedBecause: r.stoppedBecause,
    steps: r.steps.map((s) => ({
      step: s.step,
      phase: s.phase,
      requestedRps: s.rps,
      actualRps: Math.round(s.result.actualRps * 100) / 100,
      requests: s.judgement.requests,
      failed: s.judgement.failed,
      errorPercent: Math.round(s.judgement.errorPercent * 1000) / 1000,
      observedMs: Object.fromEntries(Object.entries(s.judgement.observedMs).map(([k, v]) => [k, Number.isFinite(v) ? v : null])),
      met: s.judgement.met,
      missed: s.judgement.missed,
    })),
  };
}
