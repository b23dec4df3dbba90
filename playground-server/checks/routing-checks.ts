// Checks for the routing lessons that the `traffic` check (HTTP, judged from the client's side) cannot make.
// `tcp-traffic`: N TCP connections from a client workload through its sidecar, each sending one line and reading the
// first line answered (the curl client's `POST /tcp`), judged by the share of answers starting with each word — the
// TCP Traffic Shifting task's "one"/"two" prefixes of tcp-echo's versions.
// `mirror`: a mirrored copy is fire-and-forget — the client only ever sees the primary's answer — so the copies are
// counted where they land: the inbound requests the mirror Deployment's sidecars saw with a `-shadow` Host, which is
// how Envoy (and so Istio) marks a copy (`httpbin:8000` → `httpbin-shadow:8000`), read from their metrics before
// and after the check's own requests.
import { ApiError } from '../api/errors.js';
import { CLIENT_PORT, pickClientPod, podProxyPath } from '../requests/client-workload.js';
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

export const MAX_TCP_CHECK_CONNECTIONS = 60;
const TCP_CHECK_CONCURRENCY = 4;

export interface TcpTrafficArgs {
  host: string;
  port: number;
  from?: string;
  /** The line each connection sends (a newline is added). */
  send?: string;
  connections?: number;
  /** Percent of connections whose answer starts with this word, ± tolerance (an absent word is not judged). */
  answers: Record<string, number>;
  tolerance?: number;
}

const TCP_ARGS_SCHEMA = {
  type: 'object',
  required: ['host', 'port', 'answers'],
  properties: {
    host: { type: 'string', pattern: DNS_LABEL },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    from: { type: 'string', pattern: DNS_LABEL, default: 'curl' },
    send: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\r\\n]*$', default: 'hello' },
    connections: { type: 'integer', minimum: 1, maximum: MAX_TCP_CHECK_CONNECTIONS, default: 20 },
    answers: { type: 'object', minProperties: 1, maxProperties: 10, propertyNames: { pattern: '^[^\\s]{1,64}$' }, additionalProperties: { type: 'number', minimum: 0, maximum: 100 } },
    tolerance: { type: 'number', minimum: 0, maximum: 50, default: 10 },
  },
  additionalProperties: false,
};

interface TcpAnswer {
  answer?: string;
  error?: string;
}

/** The share of answers per first word, and the connections that got none (`error`), judged against `answers`. */
export function judgeTcpAnswers(results: TcpAnswer[], args: TcpTrafficArgs): { passed: boolean; hint: string; details: Record<string, unknown> } {
  const n = results.length;
  const tolerance = args.tolerance ?? 10;
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = r.answer === undefined ? 'error' : (r.answer.trim().split(/\s+/)[0] ?? '');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const share = Object.fromEntries([...counts].map(([k, c]) => [k, pct(c, n)]));
  const summary = `${n} connection${n === 1 ? '' : 's'} to ${args.host}:${args.port}: answers ${Object.entries(share).map(([k, p]) => `${k === 'error' ? 'none (error)' : `"${k} …"`} ${p}%`).join(', ')}`;
  const problems = Object.entries(args.answers)
    .filter(([word, want]) => Math.abs((share[word] ?? 0) - want) > tolerance)
    .map(([word, want]) => `"${word} …" answered ${share[word] ?? 0}% of connections (the step asks for ${want}% ± ${tolerance})`);
  const errors = results.filter((r) => r.error).slice(0, 3).map((r) => r.error);
  const details = { connections: n, answers: share, errors };
  return problems.length ? { passed: false, hint: `${problems.join('; ')} — ${summary}${errors.length ? `; first error: ${errors[0]}` : ''}`, details } : { passed: true, hint: summary, details };
}

export const tcpTrafficCheck: LessonCheck<TcpTrafficArgs> = {
  name: 'tcp-traffic',
  title: 'TCP connections are answered as the step says',
  description:
    'Opens `connections` TCP connections (default 20) from the `from` workload (default curl) through its sidecar to `host`:`port`, sends the line `send` (default "hello") on each and reads the first line answered; checks the percent of connections whose answer starts with each word of `answers` (tcp-echo answers "<prefix> <line>"), ± `tolerance` points. A connection with no answer counts as "error".',
  args: TCP_ARGS_SCHEMA,
  async run({ session, signal }, args) {
    const from = await pickClientPod(session.kube, session.namespace, args.from ?? 'curl', signal);
    const total = args.connections ?? 20;
    const results: TcpAnswer[] = [];
    let refusal: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < total && !signal.aborted && refusal === undefined) {
        next++;
        const res = await session.kube.call({
          method: 'POST',
          path: podProxyPath(session.namespace, from.pod, CLIENT_PORT, '/tcp'),
          body: { host: args.host, port: args.port, send: `${args.send ?? 'hello'}\n`, timeoutMs: 5000 },
          timeoutMs: 10_000,
          signal,
        });
        let body: TcpAnswer;
        try {
          body = JSON.parse(res.body.toString('utf8')) as TcpAnswer;
        } catch {
          throw new ApiError(502, 'WorkloadUnreachable', `the client pod ${from.pod} did not answer through the pods proxy (HTTP ${res.status})`);
        }
        // The client refused the exchange (no such Service yet): no connection was made; say why.
        if (res.status === 400) {
          refusal = body.error ?? 'the client refused the connection';
          return;
        }
        results.push(res.status === 200 && typeof body.answer === 'string' ? { answer: body.answer } : { error: body.error ?? `HTTP ${res.status}` });
      }
    };
    await Promise.all(Array.from({ length: Math.min(total, TCP_CHECK_CONCURRENCY) }, worker));
    if (refusal !== undefined) return { passed: false, hint: `no connection to ${args.host}:${args.port} was made: ${refusal}`, details: { connections: 0 } };
    return judgeTcpAnswers(results, args);
  },
};

export function registerRoutingChecks(registry: CheckRegistry): void {
  registry.add(mirrorCheck);
  registry.add(tcpTrafficCheck);
}
