// The outbound half of a sidecar, as a stack of layers (after linkerd2-proxy's outbound stack). The app's calls arrive
// on localHost:15001, each connection led by the address the app dialled (its original destination; the Host header
// only when there is none: destination.ts); a snapshot swap only affects requests that start after it.
//
// | # | layer               | module              | what it does                                                              |
// |---|---------------------|---------------------|---------------------------------------------------------------------------|
// | 1 | route selection     | route-selection.ts  | the rule: first matching HTTPRoute / GRPCRoute / VirtualService / TrafficSplit entry, or the default |
// |   | route policy        | fault.ts, http1.ts, h2.ts | reject, fault, request filters (header modifiers, rewrites, redirects, mirrors) |
// | 2 | balancing           | balance.ts          | weighted backendRef, endpoints (subsets), DestinationRule cluster or peak-EWMA pick, peer identity |
// | 3 | retries + timeouts  | retry.ts            | tries, backoff, which answers and failures are retried, per-try and request timeouts |
// | 4 | endpoint            | endpoint.ts         | the call to the peer sidecar over mTLS (plaintext to un-meshed pods), egress-checked |
// | 5 | telemetry           | telemetry.ts        | golden and per-route metrics, per-backend tries, tap, debug headers       |
//
// Three protocol paths run the same layers: the HTTP/1 fast path (fast-plan.ts; fast-relay.ts relays the bytes when
// the rule needs nothing but an endpoint), the HTTP/1 slow path (http1.ts, node:http) and HTTP/2 (h2.ts, h2c with prior
// knowledge: gRPC). A request's RequestOutcome (request-outcome.ts) carries what the layers learn to telemetry.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AttemptError } from '../attempt-error.js';
import { DestinationClusters } from '../destination-clusters.js';
import { requestDestination } from '../destination.js';
import { UpstreamPool, type RelayPlan } from '../fast-relay.js';
import type { RequestHead } from '../http1-head.js';
import type { ProxyContext } from '../proxy-context.js';
import { rawHeader } from '../raw-headers.js';
import { hasRoutingFilters } from '../request-filters.js';
import { MeshTlsAgent, plainAgent } from '../upstream-pool.js';
import { OutboundTcp } from '../tcp-relay.js';
import { BackendBalancer } from './balance.js';
import { EndpointClient } from './endpoint.js';
import { OutboundPlan } from './fast-plan.js';
import { OutboundH2 } from './h2.js';
import { Http1Pipeline } from './http1.js';
import { OutboundRequest } from './request-outcome.js';
import { HEADERS_NEEDED, noRouteMessage, selectRoute } from './route-selection.js';
import { OutboundTelemetry } from './telemetry.js';

export type { RequestInfo, RequestOutcome } from './request-outcome.js';
export type { Target } from './balance.js';

export class OutboundProxy {
  readonly balance: BackendBalancer;
  readonly endpoint: EndpointClient;
  readonly telemetry: OutboundTelemetry;
  /** The fast path's upstream connections; TLS ones made with an old certificate are not reused. */
  readonly pool: UpstreamPool;
  private readonly http1: Http1Pipeline;
  /** The HTTP/2 path, made on the first h2c connection. */
  private h2?: OutboundH2;
  /** Opaque TCP to a Service's TCP ports (tcp-relay.ts). */
  readonly tcp: OutboundTcp;

  constructor(readonly ctx: ProxyContext) {
    this.endpoint = new EndpointClient(ctx);
    this.pool = new UpstreamPool((s) => {
      const gen = (s as Socket & { meshGeneration?: number }).meshGeneration;
      return gen === undefined || gen === ctx.identity()?.generation;
    });
    const clusters = new DestinationClusters(
      ctx.metrics.envoy,
      { tls: () => new MeshTlsAgent(ctx.identity, ctx.podIP, ctx.network.checkDial), plain: () => plainAgent(ctx.podIP, ctx.network.checkDial) },
      ctx.balancer,
    );
    this.balance = new BackendBalancer(ctx, clusters);
    this.telemetry = new OutboundTelemetry(ctx);
    this.http1 = new Http1Pipeline(ctx, this.balance, this.endpoint, this.telemetry);
    this.tcp = new OutboundTcp(ctx, this.balance, new MeshTlsAgent(ctx.identity, ctx.podIP, ctx.network.checkDial));
  }

  close(): void {
    this.endpoint.close();
    this.pool.destroy();
    this.h2?.close();
    this.balance.clusters.close();
  }

  /** After a certificate rotation: idle connections made with the old certificate are closed. */
  onCertificateRotated(generation: number): void {
    this.endpoint.onCertificateRotated(generation);
    this.pool.prune();
    this.h2?.onCertificateRotated();
    this.balance.clusters.onCertificateRotated(generation);
  }

  /**
   * The fast path's choice for a parsed request: a plan when the rule needs nothing beyond choosing an
   * endpoint (no retries, timeouts, faults, filters of any kind, header-based matching), else undefined.
   */
  fastPlan = (head: RequestHead, client: Socket): RelayPlan | undefined => {
    const start = performance.now();
    const snap = this.ctx.snapshot();
    const dest = requestDestination(client, rawHeader(head.rawHeaders, 'host'), this.ctx.namespace, snap);
    if ('error' in dest) return undefined;
    // No header object on the fast path: a rule reading headers (node's semantics for duplicates) is the slow path's.
    const rule = selectRoute(snap, this.ctx, dest, head.method, head.url, undefined);
    if (rule === undefined || rule === HEADERS_NEEDED) return undefined;
    if (rule.reject || rule.fault || rule.retry || rule.requestHeaders || rule.responseHeaders || rule.requestTimeoutMs || rule.backendTimeoutMs || hasRoutingFilters(rule)) return undefined;
    if (dest.kind === 'service' && this.balance.needsSlowPath(snap, dest, rule)) return undefined;
    const target = this.balance.pickTarget(snap, dest, rule);
    if (target instanceof AttemptError) return undefined;
    return new OutboundPlan(this, head, start, dest, rule, target);
  };

  /** An app connection that opened with HTTP/2's preface (h2c with prior knowledge: gRPC): see h2.ts. */
  serveHttp2(socket: Socket): void {
    (this.h2 ??= new OutboundH2(this)).serve(socket);
  }

  /** The HTTP/1 slow path (node:http): destination and route selection here, the rest in http1.ts. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const out = new OutboundRequest(req, performance.now());
    const snap = this.ctx.snapshot();
    const dest = requestDestination(req.socket, rawHeader(req.rawHeaders, 'host'), this.ctx.namespace, snap);
    if ('error' in dest) return this.http1.finish(req, res, out, { status: 502, message: dest.error });
    out.dest = dest;
    const url = req.url ?? '/';
    // req.headers is built by node only if a rule matches on headers.
    const rule = selectRoute(snap, this.ctx, dest, req.method ?? 'GET', url, req);
    if (rule === undefined || rule === HEADERS_NEEDED) {
      return this.http1.finish(req, res, out, { status: 404, message: noRouteMessage(dest, req.method, url) });
    }
    out.route = rule.label;
    this.http1.serve(req, res, out, snap, dest, rule).catch((err: Error) => {
      this.ctx.log(`mesh-proxy outbound: ${err.stack}`);
      // Recorded as a proxy failure of the route, outside the per-route families (as before the layers were split).
      out.rule = undefined;
      out.target = undefined;
      this.http1.finish(req, res, out, { status: 502, message: `proxy error: ${err.message}` });
    });
  };
}
