// Envoy-named per-cluster statistics of one sidecar (`cluster.<name>.upstream_rq_pending_overflow` …), the counters
// Istio's circuit-breaking and outlier-detection tasks read: as Envoy's /stats text (`pilot-agent request GET stats`)
// and as Istio's Prometheus names (`envoy_cluster_upstream_rq_pending_overflow{cluster_name="outbound|8000||…"}`).
// Only clusters a DestinationRule gives a connectionPool or outlierDetection have entries (the rest are unlimited).

/** Counters (monotonic) and gauges of one Envoy cluster, named as Envoy names them. */
export interface ClusterCounters {
  upstream_cx_total: number;
  upstream_cx_active: number;
  upstream_cx_overflow: number;
  upstream_rq_total: number;
  upstream_rq_active: number;
  upstream_rq_pending_total: number;
  upstream_rq_pending_active: number;
  upstream_rq_pending_overflow: number;
  upstream_rq_pending_failure_eject: number;
  upstream_rq_retry_overflow: number;
  'circuit_breakers.default.cx_open': number;
  'circuit_breakers.default.rq_pending_open': number;
  'circuit_breakers.default.rq_open': number;
  'circuit_breakers.default.remaining_cx': number;
  'circuit_breakers.default.remaining_pending': number;
  'circuit_breakers.default.remaining_rq': number;
  'outlier_detection.ejections_active': number;
  'outlier_detection.ejections_enforced_total': number;
  'outlier_detection.ejections_enforced_consecutive_5xx': number;
  'outlier_detection.ejections_enforced_consecutive_gateway_failure': number;
  'outlier_detection.ejections_overflow': number;
}

const GAUGES = new Set<keyof ClusterCounters>([
  'upstream_cx_active',
  'upstream_rq_active',
  'upstream_rq_pending_active',
  'circuit_breakers.default.cx_open',
  'circuit_breakers.default.rq_pending_open',
  'circuit_breakers.default.rq_open',
  'circuit_breakers.default.remaining_cx',
  'circuit_breakers.default.remaining_pending',
  'circuit_breakers.default.remaining_rq',
  'outlier_detection.ejections_active',
]);

/** Clusters one sidecar keeps statistics for; past it the oldest is dropped (bounded memory per proxy). */
export const MAX_STAT_CLUSTERS = 500;

export function emptyCounters(): ClusterCounters {
  return {
    upstream_cx_total: 0,
    upstream_cx_active: 0,
    upstream_cx_overflow: 0,
    upstream_rq_total: 0,
    upstream_rq_active: 0,
    upstream_rq_pending_total: 0,
    upstream_rq_pending_active: 0,
    upstream_rq_pending_overflow: 0,
    upstream_rq_pending_failure_eject: 0,
    upstream_rq_retry_overflow: 0,
    'circuit_breakers.default.cx_open': 0,
    'circuit_breakers.default.rq_pending_open': 0,
    'circuit_breakers.default.rq_open': 0,
    'circuit_breakers.default.remaining_cx': 0,
    'circuit_breakers.default.remaining_pending': 0,
    'circuit_breakers.default.remaining_rq': 0,
    'outlier_detection.ejections_active': 0,
    'outlier_detection.ejections_enforced_total': 0,
    'outlier_detection.ejections_enforced_consecutive_5xx': 0,
    'outlier_detection.ejections_enforced_consecutive_gateway_failure': 0,
    'outlier_detection.ejections_overflow': 0,
  };
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class EnvoyClusterStats {
  private clusters = new Map<string, ClusterCounters>();

  /** The counters of a cluster (`outbound|<port>|<subset>|<host fqdn>`), made on first use. */
  cluster(name: string): ClusterCounters {
    let c = this.clusters.get(name);
    if (!c) {
      if (this.clusters.size >= MAX_STAT_CLUSTERS) this.clusters.delete(this.clusters.keys().next().value as string);
      this.clusters.set(name, (c = emptyCounters()));
    }
    return c;
  }

  /** Envoy's admin /stats text: `cluster.<name>.<stat>: <value>`, sorted as Envoy sorts it. */
  statsText(filter?: (line: string) => boolean): string {
    const lines: string[] = [];
    for (const [name, c] of this.clusters) {
      for (const [stat, value] of Object.entries(c)) lines.push(`cluster.${name}.${stat}: ${value}`);
    }
    return lines.filter((l) => !filter || filter(l)).sort().join('\n') + (lines.length ? '\n' : '');
  }

  /** Istio's Prometheus names (Envoy's stat with dots as underscores, the cluster name as `cluster_name`). */
  prometheusText(): string {
    if (this.clusters.size === 0) return '';
    const lines: string[] = [];
    for (const stat of Object.keys(emptyCounters()) as (keyof ClusterCounters)[]) {
      const metric = `envoy_cluster_${stat.replace(/\./g, '_')}`;
      lines.push(`# TYPE ${metric} ${GAUGES.has(stat) ? 'gauge' : 'counter'}`);
      for (const [name, c] of this.clusters) lines.push(`${metric}{cluster_name="${escape(name)}"} ${c[stat]}`);
    }
    return lines.join('\n') + '\n';
  }
}
