// One sidecar's metrics: TrafficStats per traffic key, TCP connection gauges, identity expiry, and the
// Prometheus text exposition (format 0.0.4) with Linkerd's metric names. Written by hand rather than
// through prom-client because the same counters also feed the windowed stat view: one set of numbers,
// updated without a label lookup per request (callers keep the TrafficStats they resolved).
import { LATENCY_BUCKETS_MS, TrafficStats, type TrafficLabels } from './traffic-stats.js';
import { AuthzMetrics } from './authz-metrics.js';
import { EnvoyClusterStats } from './envoy-cluster-stats.js';
import { RouteMetrics } from './route-metrics.js';
import { IstioStandardMetrics } from './istio-metrics.js';

export interface TcpCounters {
  open: number;
  total: number;
}

const LABEL_ORDER: (keyof TrafficLabels)[] = ['direction', 'authority', 'dst_namespace', 'dst_deployment', 'dst_service', 'route', 'tls', 'client_id'];
const MAX_KEYS = 5000; // bound on traffic keys per proxy (authority/route/client combinations)

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class ProxyMetrics {
  private stats = new Map<string, TrafficStats>();
  /** Linkerd 2.16+'s per-route outbound families (route-metrics.ts). */
  readonly routes = new RouteMetrics();
  private overflow?: TrafficStats;
  readonly tcp = {
    /** refused: connections the inbound policy closed before any request (Linkerd's inbound_tcp_authz_deny_total). */
    inbound: { tls: { open: 0, total: 0 }, plain: { open: 0, total: 0 }, refused: 0 },
    outbound: { tls: { open: 0, total: 0 }, plain: { open: 0, total: 0 } },
  };
  /** Linkerd's inbound policy counters, labelled by server, route and authorization (authz-metrics.ts). */
  readonly authz = new AuthzMetrics();
  certExpiry = 0;
  certRefreshes = 0;
  /** Envoy-named per-cluster counters of DestinationRule destinations (circuit breakers, outlier detection). */
  readonly envoy = new EnvoyClusterStats();
  /** Istio's standard metrics (istio_requests_total, istio_request_duration_milliseconds; istio-metrics.ts). */
  readonly istio = new IstioStandardMetrics();

  /** The stats for a traffic key; callers cache the result per route/destination to skip this lookup. */
  statsFor(labels: TrafficLabels): TrafficStats {
    const key = `${labels.direction}|${labels.authority}|${labels.dst_namespace}|${labels.dst_deployment}|${labels.dst_service}|${labels.route}|${labels.tls}|${labels.client_id}`;
    let s = this.stats.get(key);
    if (!s) {
      if (this.stats.size >= MAX_KEYS) return (this.overflow ??= new TrafficStats({ ...labels, authority: 'overflow', route: 'overflow', client_id: '' }));
      s = new TrafficStats(labels);
      this.stats.set(key, s);
    }
    return s;
  }

  all(): Iterable<TrafficStats> {
    return this.stats.values();
  }

  exposition(): string {
    const lines: string[] = [];
    const series = [...this.stats.values()];
    if (this.overflow) series.push(this.overflow);
    const labelText = (l: TrafficLabels) =>
      LABEL_ORDER.filter((k) => l[k] !== '').map((k) => `${k}="${escape(l[k])}"`).join(',');

    lines.push('# HELP request_total Total count of HTTP requests.', '# TYPE request_total counter');
    for (const s of series) lines.push(`request_total{${labelText(s.labels)}} ${s.requests}`);

    lines.push('# HELP response_total Total count of HTTP responses.', '# TYPE response_total counter');
    for (const s of series) {
      const base = labelText(s.labels);
      for (const [code, c] of s.responses) {
        if (c.success) lines.push(`response_total{${base},status_code="${code}",classification="success"} ${c.success}`);
        if (c.failure) lines.push(`response_total{${base},status_code="${code}",classification="failure"} ${c.failure}`);
      }
    }

    lines.push('# HELP response_latency_ms Elapsed times between a request\'s headers being received and its response stream completing.', '# TYPE response_latency_ms histogram');
    for (const s of series) {
      const base = labelText(s.labels);
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
        cumulative += s.latencyBuckets[i];
        lines.push(`response_latency_ms_bucket{${base},le="${LATENCY_BUCKETS_MS[i]}"} ${cumulative}`);
      }
      cumulative += s.latencyBuckets[LATENCY_BUCKETS_MS.length];
      lines.push(`response_latency_ms_bucket{${base},le="+Inf"} ${cumulative}`);
      lines.push(`response_latency_ms_sum{${base}} ${s.latencySum}`);
      lines.push(`response_latency_ms_count{${base}} ${cumulative}`);
    }

    lines.push('# HELP tcp_open_connections Number of currently-open connections.', '# TYPE tcp_open_connections gauge');
    for (const dir of ['inbound', 'outbound'] as const) {
      for (const tls of ['tls', 'plain'] as const) {
        lines.push(`tcp_open_connections{direction="${dir}",peer="${dir === 'inbound' ? 'src' : 'dst'}",tls="${tls === 'tls' ? 'true' : 'no_identity'}"} ${this.tcp[dir][tls].open}`);
      }
    }
    lines.push('# HELP tcp_open_total Total count of opened connections.', '# TYPE tcp_open_total counter');
    for (const dir of ['inbound', 'outbound'] as const) {
      for (const tls of ['tls', 'plain'] as const) {
        lines.push(`tcp_open_total{direction="${dir}",peer="${dir === 'inbound' ? 'src' : 'dst'}",tls="${tls === 'tls' ? 'true' : 'no_identity'}"} ${this.tcp[dir][tls].total}`);
      }
    }
    // Refusals the Linkerd layer labelled are in the authz series; the rest (Istio, SMI) stay one unlabelled series.
    lines.push(...this.authz.lines(Math.max(0, this.tcp.inbound.refused - this.authz.total('inbound_tcp_authz_deny_total'))));
    lines.push('# HELP identity_cert_expiration_timestamp_seconds Time when this proxy\'s current certificate expires.', '# TYPE identity_cert_expiration_timestamp_seconds gauge');
    lines.push(`identity_cert_expiration_timestamp_seconds ${this.certExpiry}`);
    lines.push('# HELP identity_cert_refresh_count Number of times this proxy obtained a certificate.', '# TYPE identity_cert_refresh_count counter');
    lines.push(`identity_cert_refresh_count ${this.certRefreshes}`);
    this.routes.exposition(lines);
    this.istio.exposition(lines);
    return lines.join('\n') + '\n' + this.envoy.prometheusText();
  }

  tcpOpen(): number {
    return this.tcp.inbound.tls.open + this.tcp.inbound.plain.open;
  }
}
