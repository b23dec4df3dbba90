// Checks for the Linkerd lessons: what Linkerd's per-route metrics (2.16+) counted on the client sidecars — the
// `outbound_http_route_*` families `linkerd viz stat-outbound` reads. They judge what the mesh measured (requests on
// a route, its success rate, its retries and timeouts), so a lesson can say "the books-create route is failing" or
// "retries were made" from the same numbers a Linkerd user reads.
import { podProxyPath } from '../requests/client-workload.js';
import { parsePrometheusText, type Sample } from '../mesh/prometheus-text.js';
import { PROXY_ADMIN_PORT, sessionPods } from '../mesh/session-pods.js';
import type { CheckRegistry, LessonCheck } from './registry.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const SCRAPE_TIMEOUT_MS = 5000;
const SCRAPE_CONCURRENCY = 6;
/** Sidecars scraped per check at most (a session has 20 pods). */
const MAX_SCRAPED_PODS = 24;
const percentRange = { type: 'object', properties: { min: { type: 'number', minimum: 0, maximum: 100 }, max: { type: 'number', minimum: 0, maximum: 100 } }, additionalProperties: false, minProperties: 1 };

export interface RouteMetricsArgs {
  /** The parent Service (`parent_name`). */
  service: string;
  /** The route (`route_name`); "[default]" is the Service's default route (no HTTPRoute matched). Absent: any. */
  route?: string;
  /** Only sidecars of this client Deployment. */
  from?: string;
  /** Only requests answered with this status (e.g. "500"), for minRequests. */
  status?: string;
  minRequests?: number;
  /** Success rate (percent) over the counted requests: not 5xx and not a proxy error, as Linkerd classifies. */
  successRate?: { min?: number; max?: number };
  minRetries?: number;
  /** Requests the proxy failed with REQUEST_TIMEOUT (timeout.linkerd.io/request). */
  minTimeouts?: number;
  /** Requests each backend (`backend_name`) answered, at least. */
  backends?: Record<string, number>;
}

const ARGS_SCHEMA = {
  type: 'object',
  required: ['service'],
  properties: {
    service: { type: 'string', pattern: DNS_LABEL },
    route: { type: 'string', pattern: '^(\\[default\\]|[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$' },
    from: { type: 'string', pattern: DNS_LABEL },
    status: { type: 'string', pattern: '^[1-5][0-9][0-9]$' },
    minRequests: { type: 'integer', minimum: 1, maximum: 100000, default: 1 },
    successRate: percentRange,
    minRetries: { type: 'integer', minimum: 1, maximum: 100000 },
    minTimeouts: { type: 'integer', minimum: 1, maximum: 100000 },
    backends: { type: 'object', minProperties: 1, maxProperties: 10, propertyNames: { pattern: DNS_LABEL }, additionalProperties: { type: 'integer', minimum: 1, maximum: 100000 } },
  },
  additionalProperties: false,
};

/** The client sidecars' samples of the route families, scraped through the pods proxy. */
async function routeSamples(ctx: Parameters<LessonCheck['run']>[0], from: string | undefined): Promise<{ samples: Sample[]; pods: number; errors: string[] }> {
  const { session, signal } = ctx;
  const pods = (await sessionPods(session.kube, session.namespace, signal)).filter((p) => p.meshed && p.running && (!from || p.deployment === from)).slice(0, MAX_SCRAPED_PODS);
  const errors: string[] = [];
  const samples: Sample[] = [];
  // A few pods at a time (bounded fan-out, and fewer abort listeners on the one signal).
  let next = 0;
  const scrapeNext = async (): Promise<void> => {
    for (let i = next++; i < pods.length; i = next++) {
      const pod = pods[i];
      try {
        const res = await session.kube.call({ path: podProxyPath(session.namespace, pod.name, PROXY_ADMIN_PORT, '/metrics'), accept: 'text/plain', timeoutMs: SCRAPE_TIMEOUT_MS, maxBytes: 4 * 1024 * 1024, signal });
        if (res.status !== 200) {
          errors.push(`${pod.name}: metrics answered HTTP ${res.status}`);
          continue;
        }
        for (const s of parsePrometheusText(res.body.toString('utf8'))) if (s.name.startsWith('outbound_http_route_')) samples.push(s);
      } catch (err) {
        errors.push(`${pod.name}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: SCRAPE_CONCURRENCY }, scrapeNext));
  return { samples, pods: pods.length, errors };
}

const total = (samples: Sample[], name: string, keep: (l: Record<string, string>) => boolean) => samples.filter((s) => s.name === name && keep(s.labels)).reduce((n, s) => n + s.value, 0);
const failed = (l: Record<string, string>) => !!l.error || (l.http_status ?? '').startsWith('5');

export function judgeRouteMetrics(samples: Sample[], args: RouteMetricsArgs): { passed: boolean; hint: string; details: Record<string, unknown> } {
  const onRoute = (l: Record<string, string>) =>
    l.parent_name === args.service && (args.route === undefined || (args.route === '[default]' ? l.route_kind === 'default' : l.route_name === args.route && l.route_kind !== 'default'));
  const name = `${args.route ?? 'any route'} of ${args.service}${args.from ? ` (from ${args.from})` : ''}`;
  const statuses = 'outbound_http_route_request_statuses_total';
  const requests = total(samples, statuses, onRoute);
  const failures = total(samples, statuses, (l) => onRoute(l) && failed(l));
  const counted = args.status ? total(samples, statuses, (l) => onRoute(l) && l.http_status === args.status) : requests;
  const retries = total(samples, 'outbound_http_route_retry_requests_total', onRoute);
  const timeouts = total(samples, statuses, (l) => onRoute(l) && l.error === 'REQUEST_TIMEOUT');
  const backends: Record<string, number> = {};
  for (const s of samples) if (s.name === 'outbound_http_route_backend_response_statuses_total' && onRoute(s.labels)) backends[s.labels.backend_name ?? '?'] = (backends[s.labels.backend_name ?? '?'] ?? 0) + s.value;
  const rate = requests ? Math.round(((requests - failures) / requests) * 10000) / 100 : null;
  const summary = `${name}: ${requests} request${requests === 1 ? '' : 's'}, success rate ${rate === null ? 'n/a' : `${rate}%`}, ${retries} retries, ${timeouts} timeouts${Object.keys(backends).length ? `; backends ${Object.entries(backends).map(([b, n]) => `${b} ${n}`).join(', ')}` : ''}`;
  const details = { requests, failures, successRate: rate, retries, timeouts, backends };
  const problems: string[] = [];
  const minRequests = args.minRequests ?? 1;
  if (counted < minRequests) problems.push(`the mesh counted ${counted} request${counted === 1 ? '' : 's'}${args.status ? ` answered ${args.status}` : ''} on ${name} (the step asks for ${minRequests}); is the route applied and is traffic flowing?`);
  if (args.successRate && rate !== null) {
    const { min, max } = args.successRate;
    if ((min !== undefined && rate < min) || (max !== undefined && rate > max)) problems.push(`its success rate is ${rate}% (the step asks for ${[min !== undefined && `≥ ${min}%`, max !== undefined && `≤ ${max}%`].filter(Boolean).join(' and ')})`);
  }
  if (args.minRetries !== undefined && retries < args.minRetries) problems.push(`${retries} retries were made (the step asks for ${args.minRetries}); are the retry.linkerd.io annotations on the route?`);
  if (args.minTimeouts !== undefined && timeouts < args.minTimeouts) problems.push(`${timeouts} requests timed out (the step asks for ${args.minTimeouts}); is the timeout.linkerd.io annotation there?`);
  for (const [b, want] of Object.entries(args.backends ?? {})) if ((backends[b] ?? 0) < want) problems.push(`backend ${b} answered ${backends[b] ?? 0} (the step asks for ${want})`);
  return problems.length ? { passed: false, hint: `${problems.join('; ')} — ${summary}`, details } : { passed: true, hint: summary, details };
}

const routeMetrics: LessonCheck<RouteMetricsArgs> = {
  name: 'route-metrics',
  title: "Linkerd's per-route metrics",
  description:
    "Sums the client sidecars' outbound_http_route_* metrics (what `linkerd viz stat-outbound` reads) for a Service's route (`route`, or \"[default]\"; absent: any), optionally only from one client Deployment (`from`), and checks the request count (`minRequests`, of `status` if given), the success rate (`successRate` min/max percent), retries (`minRetries`), timeouts (`minTimeouts`) and requests per backend (`backends`).",
  args: ARGS_SCHEMA,
  async run(ctx, args) {
    const { samples, pods, errors } = await routeSamples(ctx, args.from);
    if (!pods) return { passed: false, hint: args.from ? `no meshed, running pod of ${args.from}: is it deployed with its sidecar?` : 'no meshed pod is running in the session', details: {} };
    const outcome = judgeRouteMetrics(samples, args);
    return errors.length ? { ...outcome, details: { ...outcome.details, errors } } : outcome;
  },
};

export function registerLinkerdChecks(registry: CheckRegistry): CheckRegistry {
  return registry.add(routeMetrics);
}
