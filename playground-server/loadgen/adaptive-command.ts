// `playground bench <url> --slo 'p99<=10ms'`: the adaptive search (adaptive.ts) from the command line. Each
// step is a full builtin-engine run (its --warmup, its --duration) at the step's rate; each step is printed on
// stderr as it ends; stdout gets the search (steps and the rate found) and the found step's own result in the
// chosen format — as text, or, in a JSON format that carries the playground extension, with the search under
// `playground.slo`. Exit codes: 0 a rate met the SLO, 1 none did (or a step failed), 130 cancelled.
import { findMaxRate, adaptiveSummary, adaptiveText, attachSlo, ADAPTIVE_LIMITS, type AdaptiveResult } from './adaptive.js';
import { UsageError } from './bench-flags.js';
import { runLoadTest } from './coordinator.js';
import { LIMITS, type LoadTestOptions } from './options.js';
import type { LoadResult } from './result.js';
import { parseSlo, SloSyntaxError, type Slo } from './slo.js';

/** The first rate of the ramp when --rps is not given. */
export const ADAPTIVE_DEFAULT_START_RPS = 10;

export const ADAPTIVE_USAGE = `
Adaptive mode (find the highest rate meeting an objective; builtin engine, open model):
  --slo S              e.g. 'p99<=10ms' or 'p99<=250ms,errors<=1%' (p50|p90|p99|p999 <= N ms|s, errors <= N%);
                       a failed request (no response, dropped send, non-2xx/3xx) counts above every latency
  --rps N              first rate of the ramp (default ${ADAPTIVE_DEFAULT_START_RPS}); each step doubles it until the SLO is missed,
                       then bisects to 5%
  --max-rps N          never try above N (default ${LIMITS.maxRps})
  --max-steps N        at most N runs (default ${ADAPTIVE_LIMITS.defaultMaxSteps}, limit ${ADAPTIVE_LIMITS.maxSteps}); --duration and --warmup are per step
`;

export interface AdaptiveFlags {
  slo: Slo;
  startRps: number;
  maxRps: number;
  maxSteps: number;
}

/** Validate the adaptive flags; every problem is a UsageError naming the flag. */
export function parseAdaptiveFlags(values: { slo?: string; 'max-rps'?: string; 'max-steps'?: string }, rps: number | null | undefined, engine: string): AdaptiveFlags | undefined {
  if (values.slo === undefined) {
    if (values['max-rps'] !== undefined || values['max-steps'] !== undefined) throw new UsageError('--max-rps and --max-steps need --slo (the adaptive mode)');
    return undefined;
  }
  let slo: Slo;
  try {
    slo = parseSlo(values.slo);
  } catch (err) {
    if (err instanceof SloSyntaxError) throw new UsageError(`--${err.message}`);
    throw err;
  }
  if (engine !== 'builtin') throw new UsageError(`--slo needs the builtin engine (open model with coordinated-omission correction); ${engine} cannot hold a rate`);
  if (rps === null) throw new UsageError('--slo searches open-model rates; --rps "max" (closed model) does not go with it');
  const maxRps = values['max-rps'] === undefined ? LIMITS.maxRps : Number(values['max-rps']);
  if (!Number.isFinite(maxRps) || maxRps < ADAPTIVE_LIMITS.minRps || maxRps > LIMITS.maxRps) throw new UsageError(`--max-rps must be a number from ${ADAPTIVE_LIMITS.minRps} to ${LIMITS.maxRps} (got "${values['max-rps']}")`);
  const startRps = rps ?? Math.min(ADAPTIVE_DEFAULT_START_RPS, maxRps);
  if (startRps < ADAPTIVE_LIMITS.minRps) throw new UsageError(`--rps (the first rate) must be at least ${ADAPTIVE_LIMITS.minRps} with --slo (got ${startRps})`);
  if (startRps > maxRps) throw new UsageError(`--rps (the first rate, ${startRps}) must not be above --max-rps (${maxRps})`);
  const maxStepsText = values['max-steps'];
  const maxSteps = maxStepsText === undefined ? ADAPTIVE_LIMITS.defaultMaxSteps : /^\d+$/.test(maxStepsText) ? Number(maxStepsText) : NaN;
  if (!(maxSteps >= 1 && maxSteps <= ADAPTIVE_LIMITS.maxSteps)) throw new UsageError(`--max-steps must be an integer from 1 to ${ADAPTIVE_LIMITS.maxSteps} (got "${maxStepsText}")`);
  return { slo, startRps, maxRps, maxSteps };
}

export interface AdaptiveIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The search's outcome in a JSON document: under the playground extension when the document has one. */
export function withSloExtension(json: string, r: AdaptiveResult): string {
  const doc = JSON.parse(json) as { playground?: object };
  if (doc.playground && typeof doc.playground === 'object') attachSlo(doc, r);
  return JSON.stringify(doc, null, 2) + '\n';
}

export async function runAdaptiveBench(
  options: LoadTestOptions,
  flags: AdaptiveFlags,
  format: string,
  render: (result: LoadResult) => string,
  io: AdaptiveIo,
  signal: AbortSignal,
): Promise<number> {
  io.stderr.write(`searching for the highest rate meeting ${flags.slo.text}: from ${flags.startRps} rps, at most ${flags.maxSteps} steps\n`);
  let r: AdaptiveResult;
  try {
    r = await findMaxRate({
      slo: flags.slo,
      startRps: flags.startRps,
      maxRps: flags.maxRps,
      maxSteps: flags.maxSteps,
      signal,
      run: (rps, sig) => runLoadTest({ ...options, rps }, { signal: sig }),
      onStep: (s) => io.stderr.write(`step ${s.step} (${s.phase}) ${s.rps} rps: ${s.judgement.met ? 'met' : `missed — ${s.judgement.missed.join('; ')}`}\n`),
    });
  } catch (err) {
    io.stderr.write(`playground bench: ${(err as Error).message}\n`);
    return 1;
  }
  const found = r.steps.filter((s) => s.judgement.met).sort((a, b) => b.rps - a.rps)[0];
  if (format === 'text') io.stdout.write(adaptiveText(r) + (found ? `\nThe run at ${found.rps} rps:\n${render(found.result)}` : ''));
  else if (found) io.stdout.write(withSloExtension(render(found.result), r));
  else io.stdout.write(JSON.stringify({ slo: adaptiveSummary(r) }, null, 2) + '\n');
  if (r.stoppedBecause === 'cancelled') return 130;
  return r.foundRps !== null ? 0 : 1;
}
