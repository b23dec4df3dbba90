// Checks for the routing lessons that the `traffic` check cannot judge from the client's side alone.
// `mirror`: a mirrored copy is fire-and-forget — the client only ever sees the primary's answer — so the copies are
// counted where they land: the inbound requests the mirror Deployment's sidecars saw with a `-shadow` Host, which is
// how Envoy (and so Istio) marks a copy (`httpbin:8000` → `httpbin-shadow:8000`), read from their metrics before
// and after the check's own requests.
import { podProxyPath } from '../requests/client-workload.js';
import { parsePrometheusText } from '../mesh/prometheus-text.js';
import { PROXY_ADMIN_PORT, sessionPods } from '../mesh/session-pods.js';
import type { ActiveSession } from '../sessions/active-session.js';
import type { CheckRegistry, LessonCheck } from './registry.js';
import { trafficCheck } from './traffic-check.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
export const MAX_MIRROR_CHECK_REQUESTS = 60;
/** How long copies may take to show up in the mirror's metrics after the last answer (they are sent out of band). */
const COPIES_WITHIN_MS = 5_000;
const POLL_EVERY_MS = 200;
const SCRAPE_TIMEOUT_MS = 5_000;

export interface MirrorArgs {
  url: string;
  from?: string;
  headers?: Record<string, string>;
  requests?: number;
  /** The Deployment that answers every request. */
  servedBy: string;
  /** The Deployment that receives the copies. */
  mirroredTo: string;
  /** Percent of requests copied to `mirroredTo` (Istio's mirrorPercentage), ± tolerance. */
  percent?: number;
  tolerance?: number;
}

const ARGS_SCHEMA = {
  type: 'object',
  required: ['url', 'servedBy', 'mirroredTo'],
  properties: {
    url: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^http://' },
    from: { type: 'string', pattern: DNS_LABEL, default: 'curl' },
    headers: { type: 'object', maxProperties: 16, propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$" }, additionalProperties: { type: 'string', maxLength: 1024 } },
    requests: { type: 'integer', minimum: 1, maximum: MAX_MIRROR_CHECK_REQUESTS, default: 10 },
    servedBy: { type: 'string', pattern: DNS_LABEL },
    mirroredTo: { type: 'string', pattern: DNS_LABEL },
    percent: { type: 'number', minimum: 0, maximum: 100, default: 100 },
    tolerance: { type: 'number', minimum: 0, maximum: 50, default: 10 },
  },
  additionalProperties: false,
};

/** A copy's Host as Envoy writes it: `-shadow` appended to the host name, before any port. */
export const isShadowAuthority = (authority: string) => /-shadow(:\d+)?$/.test(authority);

/** Inbound requests with a shadow Host the Deployment's meshed pods have counted so far (null: it has none running). */
async function copiesSeen(session: ActiveSession, deployment: string, signal: AbortSignal): Promise<{ copies: number; pods: string[] } | null> {
  const pods = (await sessionPods(session.kube, session.namespace, signal)).filter((p) => p.deployment === deployment && p.meshed && p.running);
  if (!pods.length) return null;
  let copies = 0;
  for (const pod of pods) {
    const res = await session.kube.call({ path: podProxyPath(session.namespace, pod.name, PROXY_ADMIN_PORT, '/metrics'), accept: 'text/plain', timeoutMs: SCRAPE_TIMEOUT_MS, maxBytes: 4 * 1024 * 1024, signal });
    if (res.status !== 200) continue;
    for (const s of parsePrometheusText(res.body.toString('utf8'))) {
      if (s.name === 'request_total' && s.labels.direction === 'inbound' && isShadowAuthority(s.labels.authority ?? '')) copies += s.value;
    }
  }
  return { copies, pods: pods.map((p) => p.name) };
}

const pct = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 10 : 0);

export const mirrorCheck: LessonCheck<MirrorArgs> = {
  name: 'mirror',
  title: 'Requests are mirrored',
  description:
    'Sends `requests` requests (default 10) from the `from` workload (default curl) to `url`, checks that `servedBy` answered every one, and counts the copies `mirroredTo` received — inbound requests its sidecars saw with a `-shadow` Host, as Envoy marks mirrored copies — expecting `percent` (default 100) of the requests ± `tolerance` points.',
  args: ARGS_SCHEMA,
  async run(ctx, args) {
    const { session, signal } = ctx;
    const n = args.requests ?? 10;
    const want = args.percent ?? 100;
    const tolerance = args.tolerance ?? 10;
    const before = await copiesSeen(session, args.mirroredTo, signal);
    if (!before) return { passed: false, hint: `no running meshed pod of Deployment "${args.mirroredTo}" to receive copies; deploy it first`, details: {} };
    const answers = await trafficCheck.run(ctx, { url: args.url, from: args.from, headers: args.headers, requests: n, concurrency: 1, servedBy: { [args.servedBy]: 100 }, tolerance: 0 });
    // Copies travel out of band: wait (bounded) until the expected share has arrived, or the time is up.
    const started = Date.now();
    let copies = 0;
    for (;;) {
      const now = await copiesSeen(session, args.mirroredTo, signal);
      copies = now ? Math.max(0, now.copies - before.copies) : 0;
      if (pct(copies, n) >= want - tolerance || Date.now() - started > COPIES_WITHIN_MS || signal.aborted) break;
      await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
    }
    const share = pct(copies, n);
    const summary = `${args.mirroredTo} received ${copies} cop${copies === 1 ? 'y' : 'ies'} of ${n} requests (${share}%); answers: ${answers.hint}`;
    const details = { requests: n, copies, copiedPercent: share, answers: answers.details ?? {} };
    const problems: string[] = [];
    if (!answers.passed) problems.push(`not every answer came from ${args.servedBy}`);
    if (Math.abs(share - want) > tolerance) problems.push(`${args.mirroredTo} received copies of ${share}% of the requests (the step asks for ${want}% ± ${tolerance})`);
    return problems.length ? { passed: false, hint: `${problems.join('; ')} — ${summary}`, details } : { passed: true, hint: summary, details };
  },
};

export function registerRoutingChecks(registry: CheckRegistry): void {
  registry.add(mirrorCheck);
}
