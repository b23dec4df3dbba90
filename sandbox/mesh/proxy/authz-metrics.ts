// Linkerd's inbound policy counters (inbound_http_authz_allow_total, inbound_http_authz_deny_total,
// inbound_http_route_not_found_total, inbound_tcp_authz_allow_total, inbound_tcp_authz_deny_total), labelled as the
// proxy labels them (srv_*, route_*, authz_*, tls, client_id). Label text comes precomputed from the policy layer;
// series are bounded per proxy, past the bound they count in one `overflow` series.
import type { AuthzMetricName, InboundAuthzMetrics } from '../config/inbound-policy.js';

const MAX_SERIES = 2000;
const OVERFLOW = 'overflow="true"';

const HELP: Record<AuthzMetricName, string> = {
  inbound_http_authz_allow_total: 'The total number of inbound HTTP requests that were authorized.',
  inbound_http_authz_deny_total: 'The total number of inbound HTTP requests that could not be processed due to being denied by the authorization policy.',
  inbound_http_route_not_found_total: 'The total number of inbound HTTP requests that could not be associated with a route.',
  inbound_tcp_authz_allow_total: 'The total number of inbound TCP connections that were authorized.',
  inbound_tcp_authz_deny_total: 'The total number of inbound TCP connections that were denied.',
};

export class AuthzMetrics implements InboundAuthzMetrics {
  private readonly series = new Map<AuthzMetricName, Map<string, number>>();
  private size = 0;

  count(metric: AuthzMetricName, labels: string): void {
    let m = this.series.get(metric);
    if (!m) this.series.set(metric, (m = new Map()));
    const prev = m.get(labels);
    if (prev !== undefined) m.set(labels, prev + 1);
    else if (this.size < MAX_SERIES) {
      m.set(labels, 1);
      this.size++;
    } else m.set(OVERFLOW, (m.get(OVERFLOW) ?? 0) + 1);
  }

  /** The total of one metric over its series (tests, and the unlabelled refusal count). */
  total(metric: AuthzMetricName): number {
    let n = 0;
    for (const v of this.series.get(metric)?.values() ?? []) n += v;
    return n;
  }

  /**
   * Exposition lines. `otherTcpDenials`: connections refused by other layers (Istio, SMI), shown as an unlabelled
   * inbound_tcp_authz_deny_total series so the family counts every refusal.
   */
  lines(otherTcpDenials: number): string[] {
    const out: string[] = [];
    for (const metric of Object.keys(HELP) as AuthzMetricName[]) {
      const m = this.series.get(metric);
      const unlabelled = metric === 'inbound_tcp_authz_deny_total' ? otherTcpDenials : 0;
      if (!m?.size && metric !== 'inbound_tcp_authz_deny_total') continue;
      out.push(`# HELP ${metric} ${HELP[metric]}`, `# TYPE ${metric} counter`);
      for (const [labels, v] of m ?? []) out.push(`${metric}{${labels}} ${v}`);
      if (unlabelled > 0 || !m?.size) out.push(`${metric} ${unlabelled}`);
    }
    return out;
  }
}
