// The behaviour check lessons use: send N requests from a workload through the mesh, exactly as the terminal's
// curl does, and judge what the client saw — which Deployment served each request, which status codes came back
// (and how many got no answer at all), and how long they took. A split is checked by the share each backend
// served, a fault by the error rate, a timeout by the status and the latency, mTLS by a refused plaintext request.
import { ApiError } from '../api/errors.js';
import { workloadSender } from '../requests/send-request.js';
import type { CheckOutcome, LessonCheck } from './registry.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** A status key: an exact code ("503"), a class ("5xx"), or "error" (no HTTP answer: refused, reset, timed out). */
const STATUS_KEY = '^([1-5][0-9][0-9]|[1-5]xx|error)$';
const range = { type: 'object', properties: { min: { type: 'number', minimum: 0 }, max: { type: 'number', minimum: 0 } }, additionalProperties: false, minProperties: 1 };
const percentRange = { type: 'object', properties: { min: { type: 'number', minimum: 0, maximum: 100 }, max: { type: 'number', minimum: 0, maximum: 100 } }, additionalProperties: false, minProperties: 1 };

/** Why requests cannot be sent yet: the client or the target Service is missing or not ready (the step fixes it). */
const CLIENT_NOT_THERE = ['UnknownWorkload', 'WorkloadNotReady', 'UnknownService'];

export const MAX_CHECK_REQUESTS = 200;
export const MAX_CHECK_CONCURRENCY = 16;

interface Range {
  min?: number;
  max?: number;
}

export interface TrafficArgs {
  url: string;
  from?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  requests?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Percent of requests each Deployment served (listed ones only), ± tolerance. */
  servedBy?: Record<string, number>;
  /** Percent of requests per status key (listed ones only): a number (± tolerance) or a percent range. */
  statuses?: Record<string, number | Range>;
  /** Percentage points either way for servedBy and statuses. */
  tolerance?: number;
  /** Latency the client saw, in ms, for answered requests: p50 and max. */
  latencyMs?: { p50?: Range; max?: Range };
  /** Every answered request's body contains this text. */
  bodyContains?: string;
  /** Percent of answered requests the client's sidecar retried at least once (its x-mesh-attempts header > 1). */
  retried?: Range;
  /** No answered request's body contains this text (e.g. an error message a page shows). */
  bodyExcludes?: string;
}

const ARGS_SCHEMA = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^http://' },
    from: { type: 'string', pattern: DNS_LABEL, default: 'curl' },
    method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], default: 'GET' },
    headers: { type: 'object', maxProperties: 16, propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$" }, additionalProperties: { type: 'string', maxLength: 1024 } },
    requests: { type: 'integer', minimum: 1, maximum: MAX_CHECK_REQUESTS, default: 20 },
    concurrency: { type: 'integer', minimum: 1, maximum: MAX_CHECK_CONCURRENCY, default: 1 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 15000, default: 5000 },
    servedBy: { type: 'object', minProperties: 1, maxProperties: 10, propertyNames: { pattern: DNS_LABEL }, additionalProperties: { type: 'number', minimum: 0, maximum: 100 } },
    statuses: { type: 'object', minProperties: 1, maxProperties: 10, propertyNames: { pattern: STATUS_KEY }, additionalProperties: { oneOf: [{ type: 'number', minimum: 0, maximum: 100 }, percentRange] } },
    tolerance: { type: 'number', minimum: 0, maximum: 50, default: 10 },
    latencyMs: { type: 'object', properties: { p50: range, max: range }, additionalProperties: false, minProperties: 1 },
    bodyContains: { type: 'string', minLength: 1, maxLength: 200 },
    retried: percentRange,
    bodyExcludes: { type: 'string', minLength: 1, maxLength: 200 },
  },
  additionalProperties: false,
};

/** One request's outcome as the client saw it. */
interface Sample {
  status: number | 'error';
  servedBy: string | null;
  latencyMs: number;
  body: string;
  /** Retries the client's sidecar made (null: the mesh did not say). */
  retries?: number | null;
  error?: string;
}

/** The Deployment a pod belongs to: its ReplicaSet's name without the pod-template-hash (or its owner's name). */
interface PodMeta {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
}
function workloadOf(pod: PodMeta): string {
  const owner = pod.metadata.ownerReferences?.[0];
  if (!owner) return pod.metadata.name;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  return owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name;
}

const pct = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 10 : 0);
const statusMatches = (key: string, s: Sample['status']) => (key === 'error' ? s === 'error' : s !== 'error' && (/xx$/.test(key) ? String(s)[0] === key[0] : String(s) === key));
function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
}
const inRange = (v: number, r: Range) => (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);
const describeRange = (r: Range) => [r.min !== undefined && `≥ ${r.min}`, r.max !== undefined && `≤ ${r.max}`].filter(Boolean).join(' and ');

async function sendAll(send: Awaited<ReturnType<typeof workloadSender>>, args: TrafficArgs, signal: AbortSignal): Promise<Sample[]> {
  const samples: Sample[] = [];
  let next = 0;
  const total = args.requests ?? 20;
  const worker = async () => {
    while (next < total && !signal.aborted) {
      next++;
      const started = performance.now();
      try {
        const r = await send({ method: args.method ?? 'GET', headers: args.headers ?? {}, timeoutMs: args.timeoutMs ?? 5000 }, signal);
        samples.push({ status: r.status, servedBy: r.servedBy, latencyMs: r.latencyMs, body: r.body, retries: r.retries });
      } catch (err) {
        if (!(err instanceof ApiError) || !['UpstreamFailed', 'UpstreamTimeout'].includes(err.reason)) throw err;
        samples.push({ status: 'error', servedBy: null, latencyMs: performance.now() - started, body: '', error: err.message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(total, args.concurrency ?? 1) }, worker));
  return samples;
}

export function judgeTraffic(samples: Sample[], workloads: Map<string, string>, args: TrafficArgs): CheckOutcome {
  const n = samples.length;
  const tolerance = args.tolerance ?? 10;
  const served = new Map<string, number>();
  for (const s of samples) if (s.servedBy) served.set(workloads.get(s.servedBy) ?? s.servedBy, (served.get(workloads.get(s.servedBy) ?? s.servedBy) ?? 0) + 1);
  const statusCounts = new Map<string, number>();
  for (const s of samples) statusCounts.set(String(s.status), (statusCounts.get(String(s.status)) ?? 0) + 1);
  const answered = samples.filter((s) => s.status !== 'error').map((s) => s.latencyMs).sort((a, b) => a - b);
  const latency = { p50: Math.round(percentile(answered, 50) * 10) / 10, max: Math.round((answered.at(-1) ?? 0) * 10) / 10 };
  const servedShare = Object.fromEntries([...served].map(([w, c]) => [w, pct(c, n)]));
  const counted = samples.filter((s) => s.status !== 'error' && typeof s.retries === 'number');
  const retriedShare = pct(counted.filter((s) => s.retries! > 0).length, counted.length);
  const statusShare = Object.fromEntries([...statusCounts].map(([k, c]) => [k, pct(c, n)]));
  const summary =
    `${n} request${n === 1 ? '' : 's'}: ` +
    [
      Object.keys(servedShare).length ? `served by ${Object.entries(servedShare).map(([w, p]) => `${w} ${p}%`).join(', ')}` : '',
      `status ${Object.entries(statusShare).map(([k, p]) => `${k} ${p}%`).join(', ')}`,
      answered.length ? `p50 ${latency.p50} ms, max ${latency.max} ms` : '',
      args.retried && counted.length ? `retried ${retriedShare}%` : '',
    ]
      .filter(Boolean)
      .join('; ');
  const details = { requests: n, servedBy: servedShare, statuses: statusShare, latencyMs: latency, ...(args.retried ? { retried: retriedShare } : {}), errors: samples.filter((s) => s.error).slice(0, 3).map((s) => s.error) };
  const problems: string[] = [];
  for (const [w, want] of Object.entries(args.servedBy ?? {})) {
    const got = servedShare[w] ?? 0;
    if (Math.abs(got - want) > tolerance) problems.push(`${w} served ${got}% (the step asks for ${want}% ± ${tolerance})`);
  }
  if (args.servedBy && !served.size && n) problems.push('the mesh did not say which pod served the requests');
  for (const [key, want] of Object.entries(args.statuses ?? {})) {
    const got = pct(samples.filter((s) => statusMatches(key, s.status)).length, n);
    const what = key === 'error' ? 'no answer' : `status ${key}`;
    if (typeof want === 'number') {
      if (Math.abs(got - want) > tolerance) problems.push(`${what} for ${got}% of requests (the step asks for ${want}% ± ${tolerance})`);
    } else if (!inRange(got, want)) problems.push(`${what} for ${got}% of requests (the step asks for ${describeRange(want)}%)`);
  }
  for (const [which, r] of Object.entries(args.latencyMs ?? {}) as ['p50' | 'max', Range][]) {
    if (!answered.length) problems.push(`no request was answered, so there is no ${which} latency`);
    else if (!inRange(latency[which], r)) problems.push(`${which} latency was ${latency[which]} ms (the step asks for ${describeRange(r)} ms)`);
  }
  if (args.bodyContains !== undefined) {
    const missing = samples.filter((s) => s.status !== 'error' && !s.body.includes(args.bodyContains!)).length;
    if (missing || !answered.length) problems.push(`${missing || n} answer${(missing || n) === 1 ? '' : 's'} did not contain "${args.bodyContains}"`);
  }
  if (args.retried) {
    if (!counted.length) problems.push('no answered request said how many times it was tried (x-mesh-attempts)');
    else if (!inRange(retriedShare, args.retried)) problems.push(`the client's sidecar retried ${retriedShare}% of requests (the step asks for ${describeRange(args.retried)}%)`);
  }
  if (args.bodyExcludes !== undefined) {
    const containing = samples.filter((s) => s.status !== 'error' && s.body.includes(args.bodyExcludes!)).length;
    if (containing || !answered.length) problems.push(containing ? `${containing} answer${containing === 1 ? '' : 's'} still contained "${args.bodyExcludes}"` : 'no request was answered');
  }
  return problems.length ? { passed: false, hint: `${problems.join('; ')} — ${summary}`, details } : { passed: true, hint: summary, details };
}

export const trafficCheck: LessonCheck<TrafficArgs> = {
  name: 'traffic',
  title: 'Requests behave as the step says',
  description:
    'Sends `requests` requests (default 20, `concurrency` at a time) from the `from` workload (default curl) to `url` through the mesh, and checks the share each Deployment served (`servedBy`, percent), the share of each status (`statuses`: "503", "5xx" or "error" for no answer; a percent within `tolerance` points, or a `{min, max}` percent range), the latency (`latencyMs.p50`/`max` ranges, ms), text every answer contains (`bodyContains`), text no answer contains (`bodyExcludes`), or the share of requests the client\'s sidecar retried (`retried`, a `{min, max}` percent range).',
  args: ARGS_SCHEMA,
  async run({ session, signal }, args) {
    let send: Awaited<ReturnType<typeof workloadSender>>;
    try {
      send = await workloadSender(session, args.url, args.from ?? 'curl', signal);
    } catch (err) {
      // A client the step has not deployed (or not rolled out) yet is a failing check with the fix, not an error.
      if (err instanceof ApiError && CLIENT_NOT_THERE.includes(err.reason)) return { passed: false, hint: err.message, details: { requests: 0 } };
      throw err;
    }
    const samples = await sendAll(send, args, signal);
    const pods = await session.kube.json<{ items: PodMeta[] }>({ path: `/api/v1/namespaces/${session.namespace}/pods`, signal });
    return judgeTraffic(samples, new Map(pods.items.map((p) => [p.metadata.name, workloadOf(p)])), args);
  },
};
