// Checks for the observability lessons, each judging what the mesh itself recorded about requests a learner sent:
// Istio's standard metric istio_requests_total as a Deployment's sidecars export it (summed over its pods, filtered
// by labels), and a request's line in a sidecar's access log (pods/log of the proxy container), as `kubectl logs`
// shows it.
import { randomBytes } from 'node:crypto';
import { podProxyPath } from '../requests/client-workload.js';
import { workloadSender } from '../requests/send-request.js';
import { parsePrometheusText } from '../mesh/prometheus-text.js';
import { PROXY_ADMIN_PORT, PROXY_CONTAINERS, sessionPods, type PodLike } from '../mesh/session-pods.js';
import type { ActiveSession } from '../sessions/active-session.js';
import type { CheckRegistry, LessonCheck } from './registry.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const SCRAPE_TIMEOUT_MS = 5000;
const MAX_SCRAPE_BYTES = 4 * 1024 * 1024;
/** Istio's label names (snake case) and values a lesson may filter on. */
const LABEL_NAME = '^[a-z_][a-z0-9_]{0,63}$';

interface IstioRequestsArgs {
  deployment: string;
  labels?: Record<string, string>;
  minRequests?: number;
}

/** The running meshed pods of a Deployment in the session. */
async function meshedPodsOf(session: ActiveSession, deployment: string, signal: AbortSignal) {
  return (await sessionPods(session.kube, session.namespace, signal)).filter((p) => p.deployment === deployment && p.meshed && p.running);
}

const istioRequests: LessonCheck<IstioRequestsArgs> = {
  name: 'istio-requests',
  title: 'istio_requests_total counted the requests',
  description:
    "Sums istio_requests_total over the Deployment's sidecars (its pods' Prometheus endpoint), keeping the series whose labels equal `labels` (e.g. reporter: destination, source_workload: curl, response_code: \"404\"), and passes when the sum is at least minRequests.",
  args: {
    type: 'object',
    required: ['deployment'],
    properties: {
      deployment: { type: 'string', pattern: DNS_LABEL },
      labels: { type: 'object', maxProperties: 10, propertyNames: { pattern: LABEL_NAME }, additionalProperties: { type: 'string', maxLength: 253 } },
      minRequests: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    },
    additionalProperties: false,
  },
  async run({ session, signal }, { deployment, labels = {}, minRequests = 1 }) {
    const pods = await meshedPodsOf(session, deployment, signal);
    if (!pods.length) return { passed: false, hint: `no running pod of "${deployment}" has a sidecar to read metrics from (kubectl get pods)`, details: {} };
    let total = 0;
    const errors: string[] = [];
    for (const pod of pods) {
      const res = await session.kube
        .call({ path: podProxyPath(session.namespace, pod.name, PROXY_ADMIN_PORT, '/stats/prometheus'), accept: 'text/plain', timeoutMs: SCRAPE_TIMEOUT_MS, maxBytes: MAX_SCRAPE_BYTES, signal })
        .catch((err: Error) => ({ status: 0, body: Buffer.from(err.message) }));
      if (res.status !== 200) {
        errors.push(`${pod.name}: ${res.status ? `HTTP ${res.status}` : res.body.toString('utf8').slice(0, 200)}`);
        continue;
      }
      for (const s of parsePrometheusText(res.body.toString('utf8'))) {
        if (s.name === 'istio_requests_total' && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
      }
    }
    const selector = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    const what = `istio_requests_total{${selector}} on ${deployment}'s sidecar${pods.length === 1 ? '' : 's'} is ${total}`;
    if (total < minRequests) return { passed: false, hint: `${what}; the step asks for at least ${minRequests} (send ${minRequests - total} more)${errors.length ? `; ${errors.join('; ')}` : ''}`, details: { total, errors } };
    return { passed: true, hint: what, details: { total } };
  },
};

/** Log lines read back per pod (the request was just sent, so its line is near the end). */
const LOG_TAIL_LINES = 300;

interface AccessLogArgs {
  url: string;
  from?: string;
  /** Also look in this Deployment's sidecars (the server side of the request). */
  server?: string;
  /** Deployments further down the call chain whose sidecars must log the same request id (propagated by the apps). */
  hops?: string[];
}

/** The last lines of a pod's sidecar container log, as `kubectl logs POD -c <sidecar> --tail N` reads them. */
async function sidecarLog(session: ActiveSession, pod: string, signal: AbortSignal): Promise<string[] | string> {
  const p = await session.kube.json<PodLike>({ path: `/api/v1/namespaces/${session.namespace}/pods/${pod}`, signal });
  const container = p.spec?.containers?.find((c) => PROXY_CONTAINERS.includes(c.name))?.name;
  if (!container) return `pod ${pod} has no sidecar`;
  const res = await session.kube.call({ path: `/api/v1/namespaces/${session.namespace}/pods/${pod}/log`, query: { container, tailLines: String(LOG_TAIL_LINES) }, accept: 'text/plain', timeoutMs: SCRAPE_TIMEOUT_MS, maxBytes: MAX_SCRAPE_BYTES, signal });
  if (res.status !== 200) return `reading ${pod}'s ${container} log answered HTTP ${res.status}`;
  return res.body.toString('utf8').split('\n');
}

const accessLogged: LessonCheck<AccessLogArgs> = {
  name: 'access-logged',
  title: "The sidecar's access log has the request",
  description:
    "Sends one GET to `url` from the `from` workload (default curl) with a fresh x-request-id, then reads the last lines of that pod's sidecar log (and of the `server` Deployment's and each `hops` Deployment's sidecars) and passes when each has a line with that request id (the apps propagate x-request-id, so one id follows a request across hops) — Envoy's access log, as kubectl logs -c <sidecar> shows it.",
  args: {
    type: 'object',
    required: ['url'],
    properties: {
      url: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^http://' },
      from: { type: 'string', pattern: DNS_LABEL, default: 'curl' },
      server: { type: 'string', pattern: DNS_LABEL },
      hops: { type: 'array', minItems: 1, maxItems: 5, items: { type: 'string', pattern: DNS_LABEL } },
    },
    additionalProperties: false,
  },
  async run({ session, signal }, { url, from = 'curl', server, hops = [] }) {
    const requestId = `check-${randomBytes(8).toString('hex')}`;
    const send = await workloadSender(session, url, from, signal);
    const answer = await send({ method: 'GET', headers: { 'x-request-id': requestId }, timeoutMs: 5000 }, signal);
    const servers = [...(server ? [server] : []), ...hops];
    const pods = [{ deployment: from, pod: answer.from.pod }];
    for (const d of servers) pods.push(...(await meshedPodsOf(session, d, signal)).map((p) => ({ deployment: d, pod: p.name })));
    const found: Record<string, string> = {};
    const missing: string[] = [];
    for (const { deployment, pod } of pods) {
      const lines = await sidecarLog(session, pod, signal);
      const line = typeof lines === 'string' ? undefined : lines.find((l) => l.includes(requestId));
      if (line) found[deployment] ??= line;
      else if (typeof lines === 'string') missing.push(lines);
    }
    for (const d of [from, ...servers]) if (!found[d]) missing.push(`${d}'s sidecar logged no line for request ${requestId}`);
    if (missing.length) return { passed: false, hint: `${missing.join('; ')} (the request was answered ${answer.status}); is access logging on (kubectl get telemetry)?`, details: { requestId } };
    return { passed: true, hint: Object.entries(found).map(([d, l]) => `${d}: ${l}`).join('\n'), details: { requestId, lines: found } };
  },
};

export function registerObservabilityChecks(registry: CheckRegistry): void {
  registry.add(istioRequests);
  registry.add(accessLogged);
}

