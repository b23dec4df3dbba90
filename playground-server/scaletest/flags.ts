// `playground scale-test` flags → validated options; every bad value is a usage error naming the flag and its limit.
import { parseArgs } from 'node:util';
import { DEFAULT_NAMESPACE_LABELS, parseKeyValuePairs, ConformanceUsageError } from '../conformance/flags.js';
import { DEFAULT_THRESHOLDS, SCALE_DEFAULTS, SCALE_LIMITS, type Thresholds } from './limits.js';

export class ScaleTestUsageError extends Error {}

export interface ScaleTestFlags {
  kubeconfig?: string;
  /** Copies of the sample workload at each step, strictly increasing. */
  steps: number[];
  loadSeconds: number;
  rps: number;
  connections: number;
  apiSamples: number;
  thresholds: Thresholds;
  /** Run every step even after one crossed a threshold (the verdict still names the first). */
  keepGoing: boolean;
  json?: string;
  siteData?: string;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new ScaleTestUsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function positive(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new ScaleTestUsageError(`${flag} must be a number above 0 and at most ${max}, got "${text}"`);
  return n;
}

/** `--steps 1,5,10`, or `--max M --step S` (S, 2S, … M). */
function parseSteps(stepsText: string | undefined, maxText: string | undefined, stepText: string | undefined): number[] {
  if (stepsText !== undefined && (maxText !== undefined || stepText !== undefined)) throw new ScaleTestUsageError('give either --steps 1,5,10 or --max M [--step S], not both');
  let steps: number[];
  if (stepsText !== undefined) {
    steps = stepsText.split(',').map((s) => s.trim()).filter(Boolean).map((s) => wholeNumber(s, '--steps', 1, SCALE_LIMITS.maxCopies));
    if (!steps.length) throw new ScaleTestUsageError('--steps takes copies per step, comma-separated, e.g. --steps 1,5,10');
  } else if (maxText !== undefined || stepText !== undefined) {
    if (maxText === undefined) throw new ScaleTestUsageError('--step needs --max M (the copies at the last step)');
    const max = wholeNumber(maxText, '--max', 1, SCALE_LIMITS.maxCopies);
    const step = stepText === undefined ? Math.max(1, Math.ceil(max / 4)) : wholeNumber(stepText, '--step', 1, SCALE_LIMITS.maxCopies);
    steps = [];
    for (let n = step; n < max; n += step) steps.push(n);
    steps.push(max);
  } else steps = [...SCALE_DEFAULTS.steps];
  for (let i = 1; i < steps.length; i++) if (steps[i] <= steps[i - 1]) throw new ScaleTestUsageError(`--steps must increase (each step adds copies): ${steps[i]} after ${steps[i - 1]}`);
  if (steps.length > SCALE_LIMITS.maxSteps) throw new ScaleTestUsageError(`at most ${SCALE_LIMITS.maxSteps} steps per run (maxSteps); got ${steps.length}`);
  return steps;
}

export function parseScaleTestFlags(args: string[]): ScaleTestFlags {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      steps: { type: 'string' },
      max: { type: 'string' },
      step: { type: 'string' },
      'load-seconds': { type: 'string' },
      rps: { type: 'string' },
      connections: { type: 'string' },
      'api-samples': { type: 'string' },
      'max-p99-ms': { type: 'string' },
      'max-error-percent': { type: 'string' },
      'min-throughput-percent': { type: 'string' },
      'max-config-push-ms': { type: 'string' },
      'keep-going': { type: 'boolean' },
      json: { type: 'string' },
      'site-data': { type: 'string' },
      'namespace-labels': { type: 'string' },
      'namespace-annotations': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const t: Thresholds = { ...DEFAULT_THRESHOLDS };
  if (values['max-p99-ms'] !== undefined) t.maxP99Ms = positive(values['max-p99-ms'], '--max-p99-ms', 600_000);
  if (values['max-error-percent'] !== undefined) {
    const v = Number(values['max-error-percent']);
    if (values['max-error-percent'].trim() === '' || !Number.isFinite(v) || v < 0 || v > 100) throw new ScaleTestUsageError(`--max-error-percent must be a number from 0 to 100, got "${values['max-error-percent']}"`);
    t.maxErrorPercent = v;
  }
  if (values['min-throughput-percent'] !== undefined) t.minThroughputPercent = positive(values['min-throughput-percent'], '--min-throughput-percent', 100);
  if (values['max-config-push-ms'] !== undefined) t.maxConfigPushMs = positive(values['max-config-push-ms'], '--max-config-push-ms', 600_000);
  const rps = values.rps === undefined ? SCALE_DEFAULTS.rps : wholeNumber(values.rps, '--rps', 1, SCALE_LIMITS.maxRps);
  const connections = values.connections === undefined ? SCALE_DEFAULTS.connections : wholeNumber(values.connections, '--connections', 1, SCALE_LIMITS.maxConnections);
  let labels: Record<string, string>;
  let annotations: Record<string, string>;
  try {
    labels = parseKeyValuePairs(values['namespace-labels'] ?? DEFAULT_NAMESPACE_LABELS, '--namespace-labels', true);
    annotations = parseKeyValuePairs(values['namespace-annotations'] ?? '', '--namespace-annotations', false);
  } catch (err) {
    if (err instanceof ConformanceUsageError) throw new ScaleTestUsageError(err.message);
    throw err;
  }
  return {
    kubeconfig: values.kubeconfig,
    steps: parseSteps(values.steps, values.max, values.step),
    loadSeconds: values['load-seconds'] === undefined ? SCALE_DEFAULTS.loadSeconds : wholeNumber(values['load-seconds'], '--load-seconds', 1, SCALE_LIMITS.maxLoadSeconds),
    rps,
    connections,
    apiSamples: values['api-samples'] === undefined ? SCALE_DEFAULTS.apiSamples : wholeNumber(values['api-samples'], '--api-samples', 1, SCALE_LIMITS.maxApiSamples),
    thresholds: t,
    keepGoing: values['keep-going'] ?? false,
    json: values.json,
    siteData: values['site-data'],
    namespaceLabels: labels,
    namespaceAnnotations: annotations,
  };
}
