// Istio's standard metrics (https://istio.io/latest/docs/reference/config/metrics/): istio_requests_total and
// istio_request_duration_milliseconds, with the labels Istio's tasks query (reporter, source_*, destination_*,
// response_code, request_protocol, response_flags, connection_security_policy). Each sidecar reports a request once as
// the client (`reporter="source"`) and the server's sidecar once more (`reporter="destination"`), as Envoy's stats
// filter does. Labels Istio fills from its cluster topology (canonical revision, cluster name) are left out.

/** Istio's default buckets for istio_request_duration_milliseconds. */
export const ISTIO_DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Series kept per proxy; beyond it new label sets are not counted (a learner's random paths cannot grow memory). */
export const MAX_ISTIO_SERIES = 2000;

/** The side of a workload the request is described from: the pod (when known) and its mTLS principal. */
export interface IstioPeer {
  workload: string;
  namespace: string;
  /** spiffe://cluster.local/ns/<ns>/sa/<sa>, or '' without mTLS (Istio prints "unknown"). */
  principal: string;
  labels: Record<string, string>;
}

/** What stays the same for every request between two workloads (callers compute it once and cache it). */
export interface IstioRequestLabels {
  reporter: 'source' | 'destination';
  source: IstioPeer | undefined;
  destination: IstioPeer | undefined;
  /** The Service as Istio names it: `<name>.<namespace>.svc.cluster.local`, or the authority when no Service matched. */
  destinationService: string;
  destinationServiceName: string;
  destinationServiceNamespace: string;
  requestProtocol: 'http' | 'grpc';
  mutualTls: boolean;
}

const ORDER = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'request_protocol',
  'connection_security_policy',
] as const;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
/** Istio's principal label drops the scheme: `spiffe://cluster.local/ns/x/sa/y` → `spiffe://…` is kept as Istio prints it. */
const principal = (p: string | undefined) => (p ? p : 'unknown');
const app = (p: IstioPeer | undefined) => p?.labels['app'] ?? p?.labels['app.kubernetes.io/name'] ?? 'unknown';
const version = (p: IstioPeer | undefined) => p?.labels['version'] ?? p?.labels['app.kubernetes.io/version'] ?? 'unknown';
const canonical = (p: IstioPeer | undefined) => p?.labels['service.istio.io/canonical-name'] ?? p?.labels['app.kubernetes.io/name'] ?? p?.labels['app'] ?? p?.workload ?? 'unknown';

/** The label text of a pair of workloads, without the per-response labels. */
export function istioBaseLabels(l: IstioRequestLabels): string {
  const values: Record<(typeof ORDER)[number], string> = {
    reporter: l.reporter,
    source_workload: l.source?.workload || 'unknown',
    source_workload_namespace: l.source?.namespace || 'unknown',
    source_principal: principal(l.source?.principal),
    source_app: app(l.source),
    source_version: version(l.source),
    source_canonical_service: canonical(l.source),
    destination_workload: l.destination?.workload || 'unknown',
    destination_workload_namespace: l.destination?.namespace || 'unknown',
    destination_principal: principal(l.destination?.principal),
    destination_app: app(l.destination),
    destination_version: version(l.destination),
    destination_service: l.destinationService || 'unknown',
    destination_service_name: l.destinationServiceName || 'unknown',
    destination_service_namespace: l.destinationServiceNamespace || 'unknown',
    destination_canonical_service: canonical(l.destination),
    request_protocol: l.requestProtocol,
    connection_security_policy: l.reporter === 'source' ? 'unknown' : l.mutualTls ? 'mutual_tls' : 'none',
  };
  return ORDER.map((k) => `${k}="${escape(values[k])}"`).join(',');
}

class IstioSeries {
  requests = 0;
  durationSum = 0;
  readonly buckets = new Float64Array(ISTIO_DURATION_BUCKETS_MS.length + 1);
  constructor(readonly labels: string) {}
}

/** The series of one base label set, by response code and flags: found per request without building a key string. */
export class IstioSeriesSet {
  private readonly byCode = new Map<number, Map<string, IstioSeries>>();

  constructor(
    private readonly metrics: IstioStandardMetrics,
    readonly base: string,
  ) {}

  /** One finished request. `flags` is Envoy's response flags (`-` none, `UF` upstream connection failure, `UH` no healthy upstream, `URX` retry limit, `UO` overflow, `DC` downstream closed …). */
  record(responseCode: number, flags: string, durationMs: number): void {
    let perFlags = this.byCode.get(responseCode);
    if (!perFlags) this.byCode.set(responseCode, (perFlags = new Map()));
    let s = perFlags.get(flags);
    if (!s) {
      s = this.metrics.newSeries(`${this.base},response_code="${responseCode}",response_flags="${escape(flags || '-')}"`);
      if (!s) return;
      perFlags.set(flags, s);
    }
    s.requests++;
    s.durationSum += durationMs;
    let i = 0;
    while (i < ISTIO_DURATION_BUCKETS_MS.length && durationMs > ISTIO_DURATION_BUCKETS_MS[i]) i++;
    s.buckets[i]++;
  }
}

export class IstioStandardMetrics {
  private series = new Map<string, IstioSeries>();
  private sets = new Map<string, IstioSeriesSet>();

  /** The series of one base label set (istioBaseLabels' text); callers keep it for the requests between two workloads. */
  seriesFor(base: string): IstioSeriesSet {
    let set = this.sets.get(base);
    if (set) return set;
    set = new IstioSeriesSet(this, base);
    // Past the bound a set is still returned (it counts nothing new) but not kept: random label sets cannot grow memory.
    if (this.series.size < MAX_ISTIO_SERIES && this.sets.size < MAX_ISTIO_SERIES) this.sets.set(base, set);
    return set;
  }

  /** A new series with this label text, or undefined once MAX_ISTIO_SERIES are kept. */
  newSeries(labels: string): IstioSeries | undefined {
    const existing = this.series.get(labels);
    if (existing) return existing;
    if (this.series.size >= MAX_ISTIO_SERIES) return undefined;
    const s = new IstioSeries(labels);
    this.series.set(labels, s);
    return s;
  }

  /** The two families in Prometheus text, appended to the proxy's exposition. */
  exposition(lines: string[]): void {
    lines.push('# TYPE istio_requests_total counter');
    for (const s of this.series.values()) lines.push(`istio_requests_total{${s.labels}} ${s.requests}`);
    lines.push('# TYPE istio_request_duration_milliseconds histogram');
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < ISTIO_DURATION_BUCKETS_MS.length; i++) {
        cumulative += s.buckets[i];
        lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="${ISTIO_DURATION_BUCKETS_MS[i]}"} ${cumulative}`);
      }
      cumulative += s.buckets[ISTIO_DURATION_BUCKETS_MS.length];
      lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="+Inf"} ${cumulative}`);
      lines.push(`istio_request_duration_milliseconds_sum{${s.labels}} ${Math.round(s.durationSum * 1000) / 1000}`);
      lines.push(`istio_request_duration_milliseconds_count{${s.labels}} ${cumulative}`);
    }
  }
}
