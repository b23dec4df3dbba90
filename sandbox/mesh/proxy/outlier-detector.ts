// Envoy's outlier detection for one client sidecar and one cluster (Istio's `outlierDetection`): an endpoint that
// answers `consecutive5xxErrors` 5xx in a row (or `consecutiveGatewayErrors` 502/503/504; connection failures and
// timeouts count as both, as Envoy maps local-origin errors when they are not split) is ejected for
// baseEjectionTime × the number of times it was ejected, unless that would eject more than maxEjectionPercent of the
// endpoints (Envoy's ejectHost: 100 × (active + 1) / hosts ≤ max). Each interval an endpoint spends un-ejected takes
// one off its ejection count. Envoy un-ejects at its next interval tick; here an ejection ends the moment its time is
// up (checked lazily, at pick time), so no timer runs per cluster. Istio disables Envoy's panic threshold, so
// with every endpoint ejected the client gets 503 `no healthy upstream`.
import type { TrafficPolicy } from '../config/snapshot.js';
import type { ClusterCounters } from './envoy-cluster-stats.js';

type Policy = NonNullable<TrafficPolicy['outlierDetection']>;

/** Envoy's max_ejection_time default: no ejection lasts longer. */
export const MAX_EJECTION_MS = 300_000;
/** Endpoints tracked per cluster (an endpoint set changes with rollouts; old entries are dropped past this). */
const MAX_TRACKED = 1000;

interface HostState {
  consecutive5xx: number;
  consecutiveGateway: number;
  /** Times ejected, decremented per healthy interval. */
  ejections: number;
  ejectedUntil?: number;
  /** When `ejections` was last brought up to date. */
  stampMs: number;
}

export class OutlierDetector {
  private hosts = new Map<string, HostState>();

  constructor(
    private policy: Policy,
    readonly counters: ClusterCounters,
    private readonly now: () => number = () => performance.now(),
  ) {}

  setPolicy(policy: Policy): void {
    this.policy = policy;
  }

  private host(key: string): HostState {
    let h = this.hosts.get(key);
    if (!h) {
      if (this.hosts.size >= MAX_TRACKED) this.hosts.delete(this.hosts.keys().next().value as string);
      this.hosts.set(key, (h = { consecutive5xx: 0, consecutiveGateway: 0, ejections: 0, stampMs: this.now() }));
    }
    return h;
  }

  /** Whether the endpoint is ejected now (ending ejections whose time is up). */
  ejected(key: string): boolean {
    const h = this.hosts.get(key);
    if (h?.ejectedUntil === undefined) return false;
    const now = this.now();
    if (now < h.ejectedUntil) return true;
    h.stampMs = h.ejectedUntil; // healthy intervals count from the end of the ejection
    h.ejectedUntil = undefined;
    this.refreshActive();
    return false;
  }

  /** The endpoints not ejected, among `keys` (all endpoints of the cluster). */
  healthy<T>(endpoints: T[], keyOf: (e: T) => string): T[] {
    let out: T[] | undefined;
    for (let i = 0; i < endpoints.length; i++) {
      if (this.ejected(keyOf(endpoints[i]))) out ??= endpoints.slice(0, i);
      else out?.push(endpoints[i]);
    }
    return out ?? endpoints;
  }

  /** One response (its status) or local failure (`status` 503 for a connect failure or reset, 504 a timeout). */
  record(key: string, status: number, clusterSize: number): void {
    if (this.ejected(key)) return; // answers still arriving from before the ejection
    const h = this.host(key);
    const p = this.policy;
    if (status < 500) {
      h.consecutive5xx = 0;
      h.consecutiveGateway = 0;
      return;
    }
    h.consecutive5xx++;
    const gateway = status === 502 || status === 503 || status === 504;
    if (gateway) h.consecutiveGateway++;
    else h.consecutiveGateway = 0;
    if (p.consecutiveGatewayErrors && h.consecutiveGateway >= p.consecutiveGatewayErrors) this.eject(h, clusterSize, 'gateway');
    else if (p.consecutive5xxErrors && h.consecutive5xx >= p.consecutive5xxErrors) this.eject(h, clusterSize, '5xx');
  }

  private eject(h: HostState, clusterSize: number, why: '5xx' | 'gateway'): void {
    const now = this.now();
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
    const active = this.activeEjections();
    if ((100 * (active + 1)) / Math.max(1, clusterSize) > this.policy.maxEjectionPercent) {
      this.counters['outlier_detection.ejections_overflow']++;
      return;
    }
    // Healthy intervals since the last change each take one ejection off (Envoy decrements per interval tick).
    const healthyIntervals = Math.floor(Math.max(0, now - h.stampMs) / this.policy.intervalMs);
    h.ejections = Math.max(0, h.ejections - healthyIntervals) + 1;
    h.ejectedUntil = now + Math.min(this.policy.baseEjectionTimeMs * h.ejections, Math.max(MAX_EJECTION_MS, this.policy.baseEjectionTimeMs));
    h.stampMs = now;
    this.counters['outlier_detection.ejections_enforced_total']++;
    this.counters[why === '5xx' ? 'outlier_detection.ejections_enforced_consecutive_5xx' : 'outlier_detection.ejections_enforced_consecutive_gateway_failure']++;
    this.refreshActive();
  }

  private activeEjections(): number {
    const now = this.now();
    let n = 0;
    for (const h of this.hosts.values()) if (h.ejectedUntil !== undefined && now < h.ejectedUntil) n++;
    return n;
  }

  private refreshActive(): void {
    this.counters['outlier_detection.ejections_active'] = this.activeEjections();
  }
}
