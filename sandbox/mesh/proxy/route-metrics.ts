// Linkerd 2.16+'s per-route outbound metrics (linkerd.io reference/proxy-metrics.md "Endpoint Metrics", and the
// names `linkerd viz stat-outbound` queries in viz/cmd/stat-outbound.go): per parent Service port and route —
// outbound_http_route_request_statuses_total{…,http_status,error}, outbound_http_route_request_duration_seconds,
// outbound_http_route_retry_requests_total / _retry_successes_total / _retry_limit_exceeded_total — and per backend
// outbound_http_route_backend_requests_total and outbound_http_route_backend_response_statuses_total.
// A request the proxy failed itself has http_status="" and an `error` (REQUEST_TIMEOUT, RESPONSE_HEADERS_TIMEOUT, …),
// as stat-outbound reads them (it counts an `error` as a failure and the two timeouts as timeouts).
// Label sets are rendered once per series; the hot path finds its series through a WeakMap on the compiled rule.
import type { CompiledBackend, CompiledRule, ServiceEntry } from '../config/snapshot.js';
import { LATENCY_BUCKETS_MS, TrafficStats, WINDOW_SLOTS } from './traffic-stats.js';
import { SeriesCache } from './series-cache.js';

/** Why the proxy answered itself, as Linkerd's route metrics label it. */
export type RouteError = 'REQUEST_TIMEOUT' | 'RESPONSE_HEADERS_TIMEOUT' | 'FAIL_FAST' | 'IO' | 'UNEXPECTED';

/** What a request's retry loop did (filled by the outbound proxy as it goes). */
export interface RetryOutcome {
  retries: number;
  limitExceeded: boolean;
  error?: RouteError;
}

const MAX_ROUTE_SERIES = 2000; // per proxy: parent ports × routes × backends it has talked to
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(',');

/** The route's identity in Linkerd's labels: which resource it came from (a Service's default route is `default`/`http`). */
export function routeResource(rule: CompiledRule): { group: string; kind: string; namespace: string; name: string } {
  switch (rule.kind) {
    case 'HTTPRoute':
      return { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: rule.routeNamespace, name: rule.routeName };
    case 'GRPCRoute':
      return { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: rule.routeNamespace, name: rule.routeName };
    case 'LinkerdHTTPRoute':
      return { group: 'policy.linkerd.io', kind: 'HTTPRoute', namespace: rule.routeNamespace, name: rule.routeName };
    case 'TrafficSplit':
      return { group: 'split.smi-spec.io', kind: 'TrafficSplit', namespace: rule.routeNamespace, name: rule.routeName };
    case 'VirtualService':
      return { group: 'networking.istio.io', kind: 'VirtualService', namespace: rule.routeNamespace, name: rule.routeName };
    default:
      // policy-controller grpc/src/outbound/http.rs default_outbound_service_route: metadata Default("http").
      return { group: '', kind: 'default', namespace: '', name: 'http' };
  }
}

/** A per-second ring of counts over the last minute (the stat view's windows). */
class WindowedCount {
  private readonly second = new Float64Array(WINDOW_SLOTS).fill(-1);
  private readonly count = new Uint32Array(WINDOW_SLOTS);

  add(n: number, nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    const slot = sec % WINDOW_SLOTS;
    if (this.second[slot] !== sec) {
      this.second[slot] = sec;
      this.count[slot] = 0;
    }
    this.count[slot] += n;
  }

  sum(seconds: number, nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    const from = now - Math.min(seconds, WINDOW_SLOTS) + 1;
    let n = 0;
    for (let i = 0; i < WINDOW_SLOTS; i++) if (this.second[i] >= from && this.second[i] <= now) n += this.count[i];
    return n;
  }
}

/** A response's key in the statuses families: its HTTP status, or the error that ended it ('' for neither). */
type StatusKey = number | RouteError | '';

export class BackendRouteStats {
  requests = 0;
  /** http_status or error → count. */
  readonly statuses = new Map<StatusKey, number>();
  constructor(readonly labels: string) {}

  record(status: number | undefined, error: RouteError | undefined): void {
    this.requests++;
    const key: StatusKey = error ?? status ?? '';
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }
}

/** One parent Service port × route: what its callers saw (after retries), and what each backend answered. */
export class RouteStats {
  /** http_status or error → count. */
  readonly statuses = new Map<StatusKey, number>();
  retryRequests = 0;
  retrySuccesses = 0;
  retryLimitExceeded = 0;
  /** The window the stat view reads (requests, success rate, latency) — and the duration histogram's buckets. */
  readonly golden: TrafficStats;
  readonly retriesWindow = new WindowedCount();
  readonly timeoutsWindow = new WindowedCount();
  readonly backends = new Map<string, BackendRouteStats>();
  private readonly backendIndex = new SeriesCache<BackendRouteStats>(Number.POSITIVE_INFINITY);

  constructor(
    readonly labels: string,
    readonly parent: { namespace: string; name: string; port: number },
    readonly route: { group: string; kind: string; namespace: string; name: string },
  ) {
    this.golden = new TrafficStats({ direction: 'outbound', authority: `${parent.name}.${parent.namespace}.svc.cluster.local:${parent.port}`, dst_namespace: parent.namespace, dst_deployment: '', dst_service: parent.name, route: route.name, tls: 'true', client_id: '' });
  }

  record(status: number, latencyMs: number, outcome: RetryOutcome | undefined, nowMs: number): void {
    const error = outcome?.error;
    const key: StatusKey = error ?? status;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    const success = !error && status < 500;
    this.golden.record(status, latencyMs, success, nowMs);
    if (error === 'REQUEST_TIMEOUT' || error === 'RESPONSE_HEADERS_TIMEOUT') this.timeoutsWindow.add(1, nowMs);
    if (outcome && outcome.retries > 0) {
      this.retryRequests += outcome.retries;
      this.retriesWindow.add(outcome.retries, nowMs);
      if (success) this.retrySuccesses++;
    }
    if (outcome?.limitExceeded) this.retryLimitExceeded++;
  }

  /** The backend a try went to: the rule's chosen backendRef, or the parent Service itself. */
  backend(chosen: CompiledBackend | undefined, service: ServiceEntry, port: number): BackendRouteStats {
    const namespace = chosen ? chosen.namespace : service.namespace;
    const name = chosen ? chosen.service : service.name;
    const backendPort = chosen ? chosen.port || port : port;
    const keys = [namespace, name, backendPort];
    let s = this.backendIndex.get(keys);
    if (s) return s;
    s = new BackendRouteStats(labelText([['backend_group', 'core'], ['backend_kind', 'Service'], ['backend_namespace', namespace], ['backend_name', name], ['backend_port', String(backendPort)], ['backend_section_name', '']]));
    this.backends.set(`${namespace}/${name}:${backendPort}`, s);
    this.backendIndex.set(keys, s);
    return s;
  }
}

export class RouteMetrics {
  private readonly series = new Map<string, RouteStats>();
  /** Per compiled rule, Service and port, without building a key per request (a new snapshot makes new rules and
   * Service entries; the series above outlive them). */
  private readonly byRule = new WeakMap<CompiledRule, WeakMap<ServiceEntry, Map<number, RouteStats>>>();
  private overflow?: RouteStats;

  /** The series of a request to `service:port` served by `rule`. */
  statsFor(rule: CompiledRule, service: ServiceEntry, port: number): RouteStats {
    let perService = this.byRule.get(rule);
    if (!perService) this.byRule.set(rule, (perService = new WeakMap()));
    let perPort = perService.get(service);
    if (!perPort) perService.set(service, (perPort = new Map()));
    let s = perPort.get(port);
    if (s) return s;
    const parentKey = `${service.namespace}/${service.name}:${port}`;
    const route = routeResource(rule);
    const key = `${parentKey}|${route.group}|${route.kind}|${route.namespace}|${route.name}`;
    s = this.series.get(key);
    if (!s) {
      const parent = { namespace: service.namespace, name: service.name, port };
      const labels = labelText([
        ['parent_group', 'core'], ['parent_kind', 'Service'], ['parent_namespace', parent.namespace], ['parent_name', parent.name], ['parent_port', String(port)], ['parent_section_name', ''],
        ['route_group', route.group], ['route_kind', route.kind], ['route_namespace', route.namespace], ['route_name', route.name], ['hostname', ''],
      ]);
      if (this.series.size >= MAX_ROUTE_SERIES) {
        return (this.overflow ??= new RouteStats(labelText([['parent_name', 'overflow'], ['route_name', 'overflow']]), { namespace: '', name: 'overflow', port: 0 }, { group: '', kind: 'overflow', namespace: '', name: 'overflow' }));
      }
      s = new RouteStats(labels, parent, route);
      this.series.set(key, s);
    }
    perPort.set(port, s);
    return s;
  }

  all(): Iterable<RouteStats> {
    return this.series.values();
  }

  /** The Prometheus text of every family (appended to the proxy's /metrics). */
  exposition(lines: string[]): void {
    const series = [...this.series.values()];
    if (this.overflow) series.push(this.overflow);
    const family = (name: string, type: 'counter' | 'histogram', help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family('outbound_http_route_request_statuses_total', 'counter', 'Completed responses, by HTTP status code or the error that ended the request.');
    for (const s of series) for (const [k, n] of s.statuses) lines.push(`outbound_http_route_request_statuses_total{${s.labels},${statusLabels(k)}} ${n}`);

    family('outbound_http_route_request_duration_seconds', 'histogram', 'The time between request initialization and response completion.');
    for (const s of series) {
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
        cumulative += s.golden.latencyBuckets[i];
        lines.push(`outbound_http_route_request_duration_seconds_bucket{${s.labels},le="${LATENCY_BUCKETS_MS[i] / 1000}"} ${cumulative}`);
      }
      cumulative += s.golden.latencyBuckets[LATENCY_BUCKETS_MS.length];
      lines.push(`outbound_http_route_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${cumulative}`);
      lines.push(`outbound_http_route_request_duration_seconds_sum{${s.labels}} ${s.golden.latencySum / 1000}`);
      lines.push(`outbound_http_route_request_duration_seconds_count{${s.labels}} ${cumulative}`);
    }

    family('outbound_http_route_retry_requests_total', 'counter', 'Retries sent (tries after the first).');
    for (const s of series) lines.push(`outbound_http_route_retry_requests_total{${s.labels}} ${s.retryRequests}`);
    family('outbound_http_route_retry_successes_total', 'counter', 'Requests that succeeded after one or more retries.');
    for (const s of series) lines.push(`outbound_http_route_retry_successes_total{${s.labels}} ${s.retrySuccesses}`);
    family('outbound_http_route_retry_limit_exceeded_total', 'counter', 'Requests whose last try was retryable but the retry limit was reached.');
    for (const s of series) lines.push(`outbound_http_route_retry_limit_exceeded_total{${s.labels}} ${s.retryLimitExceeded}`);

    family('outbound_http_route_backend_requests_total', 'counter', 'Requests dispatched to a backend (each try).');
    for (const s of series) for (const b of s.backends.values()) lines.push(`outbound_http_route_backend_requests_total{${s.labels},${b.labels}} ${b.requests}`);
    family('outbound_http_route_backend_response_statuses_total', 'counter', 'Responses from a backend (each try), by HTTP status code or error.');
    for (const s of series) for (const b of s.backends.values()) for (const [k, n] of b.statuses) lines.push(`outbound_http_route_backend_response_statuses_total{${s.labels},${b.labels},${statusLabels(k)}} ${n}`);
  }
}

const statusLabels = (key: StatusKey) => (typeof key === 'number' ? `http_status="${key}",error=""` : `http_status="",error="${key}"`);

