// Service-level objectives for the adaptive mode (`--slo 'p99<=10ms,errors<=1%'`): the grammar, validated with
// errors that name the clause and the limit, and the judgement of one run against it.
//
//   slo     = clause *( ("," / " and ") clause )
//   clause  = latency / errors
//   latency = ("p50" / "p90" / "p99" / "p999" / "p99.9") "<=" number ("ms" / "s")
//   errors  = "errors" "<=" number "%"
//
// How a run is judged (what a user of the service would notice, never flattering):
// - the latency is the corrected one (from each request's intended start, open model);
// - a request that failed — no response (connect, timeout, reset…), a send the generator dropped, or a response
//   that is not 2xx/3xx (wrk's "Non-2xx or 3xx responses") — counts as never answered: above every latency. A
//   p99 objective therefore fails once more than 1% of requests fail, however fast the failures were (a target
//   shedding load with quick 503s does not look fast). The histogram holds the latencies of non-2xx responses
//   too; ranking them as failures makes the reported percentile an upper bound of the successful requests' one;
// - a run with no answered request fails every objective.
import type { LoadResult } from './result.js';

export const SLO_LIMITS = Object.freeze({
  maxLength: 200,
  maxClauses: 5,
  /** Latency objectives from 1 µs to 10 minutes (the longest request timeout). */
  maxLatencyMs: 600_000,
  minLatencyMs: 0.001,
});

export type SloMetric = 'p50' | 'p90' | 'p99' | 'p999';

export const SLO_QUANTILES: Readonly<Record<SloMetric, number>> = Object.freeze({ p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 });

export interface LatencyObjective {
  metric: SloMetric;
  maxMs: number;
}

export interface Slo {
  /** As written by the user, normalised (`p99<=10ms,errors<=1%`). */
  text: string;
  latency: LatencyObjective[];
  /** Largest share of failed requests, in percent; undefined when the SLO says nothing about errors. */
  maxErrorPercent?: number;
}

export class SloSyntaxError extends Error {}

const CLAUSE = /^(p50|p90|p99|p999|p99\.9|errors)\s*<=\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|%)?$/;

function bad(why: string): never {
  throw new SloSyntaxError(`slo ${why}; write e.g. 'p99<=10ms' or 'p99<=250ms,errors<=1%' (p50|p90|p99|p999 <= N ms|s, errors <= N%)`);
}

/** Parse and validate an SLO; every problem is an SloSyntaxError naming the clause. */
export function parseSlo(input: unknown): Slo {
  if (typeof input !== 'string') bad(`must be a string (got ${typeof input})`);
  if (input.length > SLO_LIMITS.maxLength) bad(`is ${input.length} characters, over the limit of ${SLO_LIMITS.maxLength}`);
  const clauses = input
    .split(/,|\s+and\s+/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (clauses.length === 0) bad('is empty');
  if (clauses.length > SLO_LIMITS.maxClauses) bad(`has ${clauses.length} clauses, over the limit of ${SLO_LIMITS.maxClauses}`);
  const latency: LatencyObjective[] = [];
  let maxErrorPercent: number | undefined;
  const seen = new Set<string>();
  for (const clause of clauses) {
    const m = CLAUSE.exec(clause);
    if (!m) bad(`clause ${JSON.stringify(clause)} is not understood`);
    const [, name, num, unit] = m;
    const metric = name === 'p99.9' ? 'p999' : name;
    if (seen.has(metric)) bad(`names ${metric} twice`);
    seen.add(metric);
    const value = Number(num);
    if (metric === 'errors') {
      if (unit !== '%') bad(`clause ${JSON.stringify(clause)}: errors take a percentage (e.g. errors<=1%)`);
      if (value > 100) bad(`clause ${JSON.stringify(clause)}: errors must be from 0% to 100%`);
      maxErrorPercent = value;
      continue;
    }
    if (unit !== 'ms' && unit !== 's') bad(`clause ${JSON.stringify(clause)}: a latency needs a unit, ms or s`);
    const maxMs = unit === 's' ? value * 1000 : value;
    if (maxMs < SLO_LIMITS.minLatencyMs || maxMs > SLO_LIMITS.maxLatencyMs)
      bad(`clause ${JSON.stringify(clause)}: a latency objective must be from ${SLO_LIMITS.minLatencyMs} ms to ${SLO_LIMITS.maxLatencyMs} ms`);
    latency.push({ metric: metric as SloMetric, maxMs });
  }
  if (latency.length === 0 && maxErrorPercent === undefined) bad('has no objective');
  const text = [...latency.map((l) => `${l.metric}<=${+l.maxMs.toFixed(3)}ms`), ...(maxErrorPercent !== undefined ? [`errors<=${maxErrorPercent}%`] : [])].join(',');
  return { text, latency, ...(maxErrorPercent !== undefined ? { maxErrorPercent } : {}) };
}

/** What one run measured against the objectives. */
export interface SloJudgement {
  met: boolean;
  /** Requests the schedule asked for that either got an answer or failed (cancelled ones are left out). */
  requests: number;
  failed: number;
  errorPercent: number;
  /** Each latency objective's observed value in ms (Infinity: more failures than the quantile allows). */
  observedMs: Partial<Record<SloMetric, number>>;
  /** The objectives missed, as sentences (empty when met). */
  missed: string[];
}

const isSuccessStatus = (code: string): boolean => /^[23]\d\d$/.test(code);

export function judge(result: LoadResult, slo: Slo): SloJudgement {
  const noResponse = Object.values(result.errors).reduce((a, b) => a + b, 0);
  const badStatus = Object.entries(result.statusCodes).reduce((n, [code, count]) => (isSuccessStatus(code) ? n : n + count), 0);
  const requests = result.responses + noResponse + result.droppedSends;
  const failed = noResponse + result.droppedSends + badStatus;
  const good = requests - failed;
  const errorPercent = requests ? (100 * failed) / requests : 100;
  const missed: string[] = [];
  const observedMs: SloJudgement['observedMs'] = {};
  if (good <= 0) missed.push(requests ? 'no request succeeded' : 'no request was made');
  const h = result.latency.corrected;
  for (const o of slo.latency) {
    // Rank of the quantile among all requests; failures rank above every answer.
    const rank = Math.max(1, Math.ceil(SLO_QUANTILES[o.metric] * requests));
    let value = Infinity;
    if (good > 0 && rank <= good) {
      // The histogram also holds the non-2xx answers; counting them below this rank gives an upper bound.
      const inHistogram = Math.min(result.responses, rank + badStatus);
      value = h.totalCount > 0 ? h.getValueAtPercentile((100 * inHistogram) / h.totalCount) / 1000 : Infinity;
    }
    observedMs[o.metric] = value;
    if (!(value <= o.maxMs)) missed.push(`${o.metric} ${Number.isFinite(value) ? `${+value.toFixed(3)} ms` : 'unbounded (too many failed requests)'} > ${o.maxMs} ms`);
  }
  if (slo.maxErrorPercent !== undefined && errorPercent > slo.maxErrorPercent) missed.push(`errors ${+errorPercent.toFixed(3)}% > ${slo.maxErrorPercent}%`);
  return { met: missed.length === 0, requests, failed, errorPercent, observedMs, missed };
}
