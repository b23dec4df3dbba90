// Layer 5 of the outbound stack, telemetry (linkerd2-proxy's outbound metrics and tap): one finished request in the
// golden metrics (per authority, route, destination deployment and TLS), the per-route families (Linkerd 2.16+'s
// outbound_http_route_*; route-metrics.ts) for requests to a Service, one try in the per-backend families, the tap
// event, and the opt-in debug headers saying how a request was served.
import type { OutgoingHttpHeaders } from 'node:http';
import type { CompiledRule } from '../../config/snapshot.js';
import { DEBUG_ATTEMPTS_HEADER, DEBUG_ENDPOINT_HEADER, DEBUG_PEER_IDENTITY_HEADER, DEBUG_ROUTE_HEADER } from '../../constants.js';
import type { Destination } from '../destination.js';
import { envoyAccessLogLine } from '../access-log.js';
import { outboundIstioLabels } from '../istio-labels.js';
import type { IstioSeriesSet } from '../istio-metrics.js';
import type { ProxyContext } from '../proxy-context.js';
import { rawHeader } from '../raw-headers.js';
import type { RouteError } from '../route-metrics.js';
import { SeriesCache } from '../series-cache.js';
import type { TrafficStats } from '../traffic-stats.js';
import type { Target } from './balance.js';
import type { RequestOutcome } from './request-outcome.js';

/** Golden-metric series kept per proxy before the cache starts over (authority × route × deployment × TLS). */
const MAX_CACHED_SERIES = 10_000;

export class OutboundTelemetry {
  /** Golden-metric series by authority, route, destination deployment, Service and TLS. */
  private statsCache = new SeriesCache<TrafficStats>(MAX_CACHED_SERIES);
  /** Istio's metric labels per the same and the destination pod's namespace (istio-labels.ts). */
  private istioCache = new SeriesCache<IstioSeriesSet>(MAX_CACHED_SERIES);

  constructor(private readonly ctx: ProxyContext) {}

  /** One try's answer in the per-route backend metrics (a Service destination only; pod addresses have no route). */
  recordBackend(rule: CompiledRule, dest: Destination, target: Target, status: number | undefined, error: RouteError | undefined): void {
    if (dest.kind !== 'service') return;
    const port = dest.port.port;
    this.ctx.metrics.routes.statsFor(rule, dest.service, port).backend(target.backend, dest.service, port).record(status, error);
  }

  /** Metrics and tap for one finished request, from any of the paths. */
  record(o: RequestOutcome): void {
    const now = performance.now();
    const latency = now - o.start;
    const { dest, target, route, status, reason, request } = o;
    if (o.rule && dest?.kind === 'service') this.ctx.metrics.routes.statsFor(o.rule, dest.service, dest.port.port).record(status, latency, o, Date.now());
    const authority = dest?.authority ?? rawHeader(request.rawHeaders, 'host') ?? '';
    const pod = target?.endpoint.pod;
    const tls = target?.identity ? 'true' : 'no_identity';
    const deployment = pod?.deployment ?? '';
    const service = target?.service ?? '';
    const keys = [authority, route, deployment, service, tls];
    let stats = this.statsCache.get(keys);
    if (!stats) {
      stats = this.ctx.metrics.statsFor({
        direction: 'outbound',
        authority,
        dst_namespace: target?.serviceNamespace ?? (dest?.kind === 'service' ? dest.service.namespace : ''),
        dst_deployment: deployment,
        dst_service: target?.service ?? (dest?.kind === 'service' ? dest.service.name : ''),
        route,
        tls,
        client_id: '',
      });
      this.statsCache.set(keys, stats);
    }
    stats.record(status, latency, status < 500 && !reason?.startsWith('proxy error'), Date.now());
    keys.push(pod?.namespace ?? '');
    let istio = this.istioCache.get(keys);
    if (istio === undefined) {
      istio = this.ctx.metrics.istio.seriesFor(outboundIstioLabels(this.ctx, authority, dest, target));
      this.istioCache.set(keys, istio);
    }
    // Envoy's response flags for answers the proxy made itself: UT upstream timeout, URX retries exhausted, UF failure.
    istio.record(status, !reason ? '-' : status === 504 ? 'UT' : o.limitExceeded ? 'URX' : 'UF', latency);
    if (this.ctx.tap.active) this.tap(o, authority, latency);
    if (this.ctx.snapshot().namespaces.get(this.ctx.namespace)?.pods.get(this.ctx.pod)?.accessLog) this.accessLog(o, authority, latency);
  }

  /** Envoy's default access log line for the request (Istio Telemetry accessLogging with the `envoy` provider). */
  private accessLog(o: RequestOutcome, authority: string, latency: number): void {
    const { dest, target, request } = o;
    const svcPort = dest?.kind === 'service' ? dest.port.port : dest?.port;
    const svc = target?.service ? `${target.service}.${target.serviceNamespace}.svc.cluster.local` : dest?.kind === 'service' ? `${dest.service.name}.${dest.service.namespace}.svc.cluster.local` : '';
    this.ctx.log(
      envoyAccessLogLine({
        startMs: Date.now() - latency,
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        protocol: request.protocol ?? 'HTTP/1.1',
        status: o.status,
        flags: !o.reason ? '-' : o.status === 504 ? 'UT' : o.limitExceeded ? 'URX' : 'UF',
        details: o.reason ? o.reason.replace(/\s+/g, '_').slice(0, 80) : 'via_upstream',
        durationMs: latency,
        rawHeaders: request.rawHeaders,
        authority,
        upstreamHost: target ? `${target.endpoint.ip}:${target.endpoint.port}` : undefined,
        upstreamCluster: svc ? `outbound|${svcPort ?? ''}||${svc}` : 'PassthroughCluster',
        route: o.route || 'default',
      }),
    );
  }

  private tap(o: RequestOutcome, authority: string, latency: number): void {
    const ctx = this.ctx;
    const { target, request } = o;
    const pod = target?.endpoint.pod;
    const self = ctx.snapshot().namespaces.get(ctx.namespace)?.pods.get(ctx.pod);
    ctx.tap.publish({
      timestamp: new Date().toISOString(),
      direction: 'outbound',
      proxy: { namespace: ctx.namespace, pod: ctx.pod, deployment: ctx.deployment() },
      source: { namespace: ctx.namespace, pod: ctx.pod, deployment: ctx.deployment(), ip: ctx.podIP, identity: ctx.identity()?.spiffeId ?? self?.identity },
      destination: {
        namespace: target?.serviceNamespace || pod?.namespace,
        service: target?.service || undefined,
        pod: pod?.name,
        deployment: pod?.deployment,
        ip: target?.endpoint.ip,
        identity: target?.identity,
      },
      authority,
      route: o.route,
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      status: o.status,
      latencyMs: latency,
      tls: !!target?.identity,
      protocol: request.protocol,
      error: o.reason,
    });
  }
}

/** The opt-in debug headers: which pod answered, after how many attempts, on which route, with which peer identity. */
export function describeService(out: OutgoingHttpHeaders | string[], target: Target, attempts: number, route: string): void {
  const set = Array.isArray(out) ? (name: string, value: string) => void out.push(name, value) : (name: string, value: string) => void (out[name] = value);
  set(DEBUG_ENDPOINT_HEADER, target.endpoint.pod?.name ?? `${target.endpoint.ip}:${target.endpoint.port}`);
  set(DEBUG_ATTEMPTS_HEADER, String(attempts));
  if (route) set(DEBUG_ROUTE_HEADER, route);
  if (target.identity) set(DEBUG_PEER_IDENTITY_HEADER, target.identity);
}
