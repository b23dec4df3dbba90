// The `linkerd viz stat` / `linkerd viz routes` view, computed from the running proxies' windowed golden
// metrics: per deployment from the inbound side (what the workload served), per route from the outbound
// side (where routing happens).
import type { MeshProxyHandle } from '../proxy/sidecar.js';
import { bucketQuantile, emptyWindow, type TrafficStats, type WindowSummary } from '../proxy/traffic-stats.js';

export interface StatOptions {
  /** Window in seconds (1..60, default 60). */
  windowSeconds?: number;
}

/** The golden metrics over the window; latencies are undefined with no requests. */
export interface GoldenFigures {
  requests: number;
  successes: number;
  /** 0..1, undefined with no requests. */
  successRate?: number;
  rps: number;
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  latencyP99Ms?: number;
}

export interface DeploymentStat extends GoldenFigures {
  namespace: string;
  name: string;
  meshedPods: number;
  totalPods: number;
  tcpConnections: number;
}

export interface RouteStat extends GoldenFigures {
  route: string;
  service: string;
  /** Retries sent for this route in the window (from the per-route families; a rule's route shares its route's). */
  retries: number;
  /** retries / (requests + retries), as stat-outbound computes it; undefined with no requests. */
  retryRate?: number;
}

/**
 * One row of the `linkerd viz stat-outbound` view (Linkerd 2.16+, viz/cmd/stat-outbound.go), from the per-route
 * families (proxy/route-metrics.ts): per client deployment, parent Service port and route, the callers' success rate,
 * RPS and latency after retries, the share of requests that timed out, and retries as a share of all tries
 * (retries / (requests + retries), as stat-outbound computes it).
 */
export interface OutboundRouteStat extends GoldenFigures {
  /** The client deployment. */
  name: string;
  /** `<service>:<port>`. */
  service: string;
  /** The route's name (`[default]` for a Service's default route). */
  route: string;
  /** HTTPRoute, GRPCRoute, … (empty for the default route, as stat-outbound prints it). */
  type: string;
  /** `policy.linkerd.io`, `gateway.networking.k8s.io`, … (empty for the default route). */
  group: string;
  retries: number;
  /** 0..1 of the requests; undefined with none. */
  timeoutRate?: number;
  /** retries / (requests + retries); undefined with no requests. */
  retryRate?: number;
}

export const MAX_STAT_WINDOW_S = 60;

export function checkWindow(opts: StatOptions): number {
  const w = opts.windowSeconds ?? MAX_STAT_WINDOW_S;
  if (!Number.isInteger(w) || w < 1 || w > MAX_STAT_WINDOW_S) throw new RangeError(`windowSeconds must be an integer from 1 to ${MAX_STAT_WINDOW_S}, got ${w}`);
  return w;
}

function summarize(stats: Iterable<TrafficStats>, windowS: number, now: number): WindowSummary {
  const sum = emptyWindow();
  for (const s of stats) s.window(windowS, now, sum);
  return sum;
}

function figures(sum: WindowSummary, windowS: number): GoldenFigures {
  return {
    requests: sum.requests,
    successes: sum.successes,
    successRate: sum.requests ? sum.successes / sum.requests : undefined,
    rps: sum.requests / windowS,
    latencyP50Ms: bucketQuantile(0.5, sum.buckets),
    latencyP95Ms: bucketQuantile(0.95, sum.buckets),
    latencyP99Ms: bucketQuantile(0.99, sum.buckets),
  };
}

export function deploymentStats(
  namespace: string,
  deployments: { name: string; meshedPods: number; totalPods: number }[],
  proxies: Iterable<MeshProxyHandle>,
  opts: StatOptions = {},
): DeploymentStat[] {
  const windowS = checkWindow(opts);
  const now = Date.now();
  const byDeployment = new Map<string, MeshProxyHandle[]>();
  for (const p of proxies) {
    if (p.namespace !== namespace) continue;
    const d = p.deployment() ?? '';
    byDeployment.set(d, [...(byDeployment.get(d) ?? []), p]);
  }
  return deployments.map((d) => {
    const ps = byDeployment.get(d.name) ?? [];
    const inbound = ps.flatMap((p) => [...p.metrics.all()].filter((s) => s.labels.direction === 'inbound'));
    return {
      namespace,
      name: d.name,
      meshedPods: d.meshedPods,
      totalPods: d.totalPods,
      ...figures(summarize(inbound, windowS, now), windowS),
      tcpConnections: ps.reduce((n, p) => n + p.metrics.tcpOpen(), 0),
    };
  });
}

export function routeStats(
  proxies: Iterable<MeshProxyHandle>,
  filter: { namespace: string; fromDeployment?: string; toService?: string },
  opts: StatOptions = {},
): RouteStat[] {
  const windowS = checkWindow(opts);
  const now = Date.now();
  const groups = new Map<string, { route: string; service: string; stats: TrafficStats[] }>();
  const retries = new Map<string, number>(); // `<route name>|<service>` → retries in the window
  for (const p of proxies) {
    if (p.namespace !== filter.namespace) continue;
    if (filter.fromDeployment && p.deployment() !== filter.fromDeployment) continue;
    for (const r of p.metrics.routes.all()) {
      const key = `${r.route.kind === 'default' ? '[DEFAULT]' : r.route.name}|${r.parent.name}`;
      retries.set(key, (retries.get(key) ?? 0) + r.retriesWindow.sum(windowS, now));
    }
    for (const s of p.metrics.all()) {
      if (s.labels.direction !== 'outbound') continue;
      const service = s.labels.authority.split(':')[0].split('.')[0];
      if (filter.toService && service !== filter.toService) continue;
      const route = s.labels.route || '[DEFAULT]';
      const key = `${route}|${service}`;
      const g = groups.get(key) ?? { route, service, stats: [] };
      g.stats.push(s);
      groups.set(key, g);
    }
  }
  return [...groups.values()]
    .map((g) => {
      const f = figures(summarize(g.stats, windowS, now), windowS);
      // A rule's label is `<route>` or `<route>/<rule>`; retries are counted per route, as Linkerd's metrics are.
      const routeName = g.route === '[DEFAULT]' ? g.route : g.route.split('/')[0];
      const n = retries.get(`${routeName}|${g.service}`) ?? 0;
      return { route: g.route, service: g.service, ...f, retries: n, retryRate: f.requests ? n / (f.requests + n) : undefined };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.route.localeCompare(b.route));
}

const pct = (r: number | undefined) => (r === undefined ? '-' : `${(r * 100).toFixed(2)}%`);
const rps = (r: number, has: boolean) => (has ? `${r >= 1 || r === 0 ? r.toFixed(1) : r.toFixed(2)}rps` : '-');
const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? `${v.toFixed(1)}ms` : `${Math.round(v)}ms`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Text shaped like `linkerd viz stat deploy`. */
export function formatDeploymentStats(rows: DeploymentStat[]): string {
  return table(
    ['NAME', 'MESHED', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TCP_CONN'],
    rows.map((r) => {
      const has = r.meshedPods > 0;
      return [r.name, `${r.meshedPods}/${r.totalPods}`, has ? pct(r.successRate) : '-', rps(r.rps, has), has ? ms(r.latencyP50Ms) : '-', has ? ms(r.latencyP95Ms) : '-', has ? ms(r.latencyP99Ms) : '-', has ? String(r.tcpConnections) : '-'];
    }),
  );
}

/** Text shaped like `linkerd viz routes`. */
export function formatRouteStats(rows: RouteStat[]): string {
  return table(
    ['ROUTE', 'SERVICE', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'RETRIES'],
    rows.map((r) => [r.route, r.service, pct(r.successRate), rps(r.rps, true), ms(r.latencyP50Ms), ms(r.latencyP95Ms), ms(r.latencyP99Ms), pct(r.retryRate)]),
  );
}

/** Per route from the clients' side, after retries (`linkerd viz stat-outbound deploy/<name>`). */
export function outboundRouteStats(
  proxies: Iterable<MeshProxyHandle>,
  filter: { namespace: string; fromDeployment?: string; toService?: string },
  opts: StatOptions = {},
): OutboundRouteStat[] {
  const windowS = checkWindow(opts);
  const now = Date.now();
  const rows = new Map<string, { row: Omit<OutboundRouteStat, keyof GoldenFigures | 'retries' | 'timeoutRate' | 'retryRate'>; golden: TrafficStats[]; retries: number; timeouts: number }>();
  for (const p of proxies) {
    if (p.namespace !== filter.namespace) continue;
    const name = p.deployment() ?? '';
    if (filter.fromDeployment && name !== filter.fromDeployment) continue;
    for (const s of p.metrics.routes.all()) {
      if (filter.toService && s.parent.name !== filter.toService) continue;
      const isDefault = s.route.kind === 'default';
      const key = `${name}|${s.parent.namespace}/${s.parent.name}:${s.parent.port}|${s.route.group}|${s.route.kind}|${s.route.namespace}/${s.route.name}`;
      let r = rows.get(key);
      if (!r) {
        r = { row: { name, service: `${s.parent.name}:${s.parent.port}`, route: isDefault ? '[default]' : s.route.name, type: isDefault ? '' : s.route.kind, group: s.route.group }, golden: [], retries: 0, timeouts: 0 };
        rows.set(key, r);
      }
      r.golden.push(s.golden);
      r.retries += s.retriesWindow.sum(windowS, now);
      r.timeouts += s.timeoutsWindow.sum(windowS, now);
    }
  }
  return [...rows.values()]
    .map(({ row, golden, retries, timeouts }) => {
      const f = figures(summarize(golden, windowS, now), windowS);
      return { ...row, ...f, retries, timeoutRate: f.requests ? timeouts / f.requests : undefined, retryRate: f.requests ? retries / (f.requests + retries) : undefined };
    })
    .filter((r) => r.requests > 0) // stat-outbound skips rows without traffic in the window
    .sort((a, b) => a.name.localeCompare(b.name) || a.service.localeCompare(b.service) || a.route.localeCompare(b.route));
}

/** Text shaped like `linkerd viz stat-outbound` (route rows; the per-backend rows are not drawn). */
export function formatOutboundRouteStats(rows: OutboundRouteStat[]): string {
  return table(
    ['NAME', 'SERVICE', 'ROUTE', 'TYPE', 'SUCCESS', 'RPS', 'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'TIMEOUTS', 'RETRIES'],
    rows.map((r) => [r.name, r.service, r.route, r.type, pct(r.successRate), r.rps.toFixed(2), ms(r.latencyP50Ms), ms(r.latencyP95Ms), ms(r.latencyP99Ms), pct(r.timeoutRate), pct(r.retryRate)]),
  );
}

/** One stat view as data: what the control plane asks of proxies that run elsewhere (the data-plane worker). */
export type StatQuery =
  | { view: 'deployments'; namespace: string; deployments: { name: string; meshedPods: number; totalPods: number }[]; opts: StatOptions }
  | { view: 'routes'; filter: { namespace: string; fromDeployment?: string; toService?: string }; opts: StatOptions }
  | { view: 'outbound'; filter: { namespace: string; fromDeployment?: string; toService?: string }; opts: StatOptions };

/** The rows of a stat view over these proxies (plain data: they survive a postMessage). */
export function runStatQuery(q: StatQuery, proxies: Iterable<MeshProxyHandle>): DeploymentStat[] | RouteStat[] | OutboundRouteStat[] {
  switch (q.view) {
    case 'deployments':
      return deploymentStats(q.namespace, q.deployments, proxies, q.opts);
    case 'routes':
      return routeStats(proxies, q.filter, q.opts);
    case 'outbound':
      return outboundRouteStats(proxies, q.filter, q.opts);
  }
}
