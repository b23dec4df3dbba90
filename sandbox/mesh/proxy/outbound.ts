// The outbound half of a sidecar: the app's calls arrive on localHost:15001, each connection led by the address
// the app dialled (its original destination; the Host header only when there is none); the proxy resolves the
// Service, picks the rule (HTTPRoute / GRPCRoute / TrafficSplit / default), applies faults, the route filters (header
// modifiers, redirects, URL rewrites, mirrors; the rule's, then the chosen backendRef's), timeouts and retries,
// balances over the Service's endpoints, and sends over mTLS to meshed pods
// (plain HTTP to the rest). A snapshot swap only affects requests that start after it. Connections that open with
// HTTP/2's preface (gRPC) are served by outbound-h2.ts through the same rule pipeline.
import { AttemptError } from './attempt-error.js';
import { failureOf, retriesFailure, retriesStatus, tryTimeoutMs } from './retry-policy.js';
import { request as httpRequest, type Agent, type RequestOptions, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { CompiledBackend, CompiledRule, HeaderModifier, MeshEndpoint, MeshSnapshot, MirrorSpec, PodInfo, RedirectSpec } from '../config/snapshot.js';
import {
  DEBUG_ATTEMPTS_HEADER,
  DEBUG_ENDPOINT_HEADER,
  DEBUG_PEER_IDENTITY_HEADER,
  DEBUG_REQUEST_HEADER,
  DEBUG_ROUTE_HEADER,
  MIRROR_BODY_LIMIT_BYTES,
  MIRROR_MAX_IN_FLIGHT,
  MIRROR_TIMEOUT_MS,
  RETRY_BODY_LIMIT_BYTES,
} from '../constants.js';
import { applyModifier, filtersFor, hasRoutingFilters, mirrorSelected, redirectLocation, rewriteTarget, shadowAuthority } from './request-filters.js';
import { canonical, requestDestination, type Destination } from './destination.js';
import { proxyError, stripHopByHop, type ProxyContext } from './proxy-context.js';
import { defaultRule, matchRule, pickBackend, tableFor } from './route-matcher.js';
import type { TrafficStats } from './traffic-stats.js';
import { relayBody } from './relay-body.js';
import { forwardableHeaders, rawHeader } from './raw-headers.js';
import { MeshTlsAgent, plainAgent, retireOldConnections, type MeshRequestOptions } from './upstream-pool.js';
import { connect as tcpConnect, type Socket } from 'node:net';
import { UpstreamPool, type RelayPlan } from './fast-relay.js';
import { refusedSocket } from '../../runtime/network/egress-guard.js';
import type { RequestHead } from './http1-head.js';
import { OutboundH2 } from './outbound-h2.js';
import { backendOf, type RetryOutcome, type RouteError } from './route-metrics.js';
import { NO_HEALTHY_UPSTREAM, subsetEndpoints } from './subset-endpoints.js';
import type { ClientFacts } from './istio-match.js';
import { DestinationClusters, LocalReplyError, type DestinationCluster } from './destination-clusters.js';

/** What metrics and tap need from a request, from node:http or the fast path. */
export interface RequestInfo {
  method?: string;
  url?: string;
  rawHeaders: string[];
  /** 'HTTP/2' for requests served by the HTTP/2 path (shown in tap); absent for HTTP/1.x. */
  protocol?: 'HTTP/2';
}

export { AttemptError };

export interface Target {
  endpoint: MeshEndpoint;
  serviceNamespace: string;
  service: string;
  identity?: string; // expected peer identity when mTLS is used
  /** The rule's backendRef chosen (absent for a direct pod address). */
  backend?: CompiledBackend;
  /** The destination's DestinationRule cluster (circuit breaker, outlier detection), and how many endpoints it has. */
  cluster?: DestinationCluster;
  endpointCount?: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class OutboundProxy {
  readonly tlsAgent: MeshTlsAgent;
  private readonly agent: Agent;
  private statsCache = new Map<string, TrafficStats>();
  /** Mirrored copies on the wire; past MIRROR_MAX_IN_FLIGHT further copies are dropped, never queued. */
  private mirrorsInFlight = 0;
  /** The fast path's upstream connections; TLS ones made with an old certificate are not reused. */
  readonly pool: UpstreamPool;
  /** The HTTP/2 path, made on the first h2c connection. */
  private h2?: OutboundH2;
  /** Destinations a DestinationRule gives a trafficPolicy (destination-clusters.ts). */
  readonly clusters: DestinationClusters;

  constructor(readonly ctx: ProxyContext) {
    // Outbound connections leave from the pod IP so the peer's proxy knows which pod is calling.
    // Upstreams are checked against the pod's egress allow-list per new connection (pooled ones are reused).
    this.tlsAgent = new MeshTlsAgent(ctx.identity, ctx.podIP, ctx.network.checkDial);
    this.agent = plainAgent(ctx.podIP, ctx.network.checkDial);
    this.pool = new UpstreamPool((s) => {
      const gen = (s as Socket & { meshGeneration?: number }).meshGeneration;
      return gen === undefined || gen === ctx.identity()?.generation;
    });
    this.clusters = new DestinationClusters(
      ctx.metrics.envoy,
      { tls: () => new MeshTlsAgent(ctx.identity, ctx.podIP, ctx.network.checkDial), plain: () => plainAgent(ctx.podIP, ctx.network.checkDial) },
      ctx.balancer,
    );
  }

  close(): void {
    this.tlsAgent.destroy();
    this.agent.destroy();
    this.pool.destroy();
    this.h2?.close();
    this.clusters.close();
  }

  /** After a certificate rotation: idle connections made with the old certificate are closed. */
  onCertificateRotated(generation: number): void {
    retireOldConnections(this.tlsAgent, generation);
    this.pool.prune();
    this.h2?.onCertificateRotated();
    this.clusters.onCertificateRotated(generation);
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
    let rule: CompiledRule;
    if (dest.kind === 'service') {
      const table = tableFor(snap, this.ctx.namespace, dest.service, dest.port.port);
      let matched: CompiledRule | undefined;
      if (table) {
        let needsHeaders = false;
        const q = head.url.indexOf('?');
        matched = matchRule(table, dest.port.port, {
          client: this.clientFacts(snap),
          method: head.method,
          path: q === -1 ? head.url : head.url.slice(0, q),
          query: q === -1 ? '' : head.url.slice(q + 1),
          get headers() {
            needsHeaders = true; // node's header object semantics (duplicates): leave it to the slow path
            return {};
          },
        });
        if (needsHeaders) return undefined;
      } else matched = defaultRule(dest.service);
      if (!matched) return undefined;
      rule = matched;
    } else {
      rule = { label: '', kind: 'default', routeNamespace: '', routeName: '', backends: [], totalWeight: 0 };
    }
    if (rule.reject || rule.fault || rule.retry || rule.requestHeaders || rule.responseHeaders || rule.requestTimeoutMs || rule.backendTimeoutMs || hasRoutingFilters(rule)) return undefined;
    if (dest.kind === 'service' && this.needsSlowPath(snap, dest, rule)) return undefined;
    const target = this.pickTarget(snap, dest, rule);
    if (target instanceof AttemptError) return undefined;
    return new OutboundPlan(this, head, start, dest, rule, target);
  };

  /** An app connection that opened with HTTP/2's preface (h2c with prior knowledge: gRPC): see outbound-h2.ts. */
  serveHttp2(socket: Socket): void {
    (this.h2 ??= new OutboundH2(this)).serve(socket);
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const start = performance.now();
    const snap = this.ctx.snapshot();
    const dest = requestDestination(req.socket, rawHeader(req.rawHeaders, 'host'), this.ctx.namespace, snap);
    if ('error' in dest) {
      this.finish(req, res, start, 502, dest.error, undefined, '', undefined);
      return;
    }
    let rule: CompiledRule;
    if (dest.kind === 'service') {
      const table = tableFor(snap, this.ctx.namespace, dest.service, dest.port.port);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const matched = table
        ? matchRule(table, dest.port.port, {
            client: this.clientFacts(snap),
            method: req.method ?? 'GET',
            path: q === -1 ? url : url.slice(0, q),
            query: q === -1 ? '' : url.slice(q + 1),
            get headers() {
              return req.headers; // built by node only if a rule matches on headers
            },
          })
        : defaultRule(dest.service);
      if (!matched) {
        this.finish(req, res, start, 404, `no route of ${dest.service.namespace}/${dest.service.name} matches ${req.method} ${url}`, dest, '', undefined);
        return;
      }
      rule = matched;
    } else {
      rule = { label: '', kind: 'default', routeNamespace: '', routeName: '', backends: [], totalWeight: 0 };
    }
    this.route(req, res, start, snap, dest, rule).catch((err: Error) => {
      this.ctx.log(`mesh-proxy outbound: ${err.stack}`);
      this.finish(req, res, start, 502, `proxy error: ${err.message}`, dest, rule.label, undefined);
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse, start: number, snap: MeshSnapshot, dest: Destination, rule: CompiledRule): Promise<void> {
    const outcome: RetryOutcome = { retries: 0, limitExceeded: false }; // for the route metrics
    if (rule.reject) return this.finish(req, res, start, rule.reject.status, `route ${rule.label}: ${rule.reject.reason}`, dest, rule.label, undefined, undefined, rule, outcome);
    if (rule.fault) {
      const { abort, delay } = rule.fault;
      if (delay && Math.random() * 100 < delay.percentage) await sleep(delay.ms);
      if (abort && Math.random() * 100 < abort.percentage) {
        return this.finish(req, res, start, abort.status, `fault injected by route ${rule.label}`, dest, rule.label, undefined, abort.body, rule, outcome);
      }
    }

    const requestPath = req.url ?? '/';
    const requestAuthority = rawHeader(req.rawHeaders, 'host') ?? '';
    let path = requestPath;
    if (rule.redirect) return this.redirect(req, res, start, dest, rule, rule.redirect, rule.responseHeaders, path);

    // Without header filters, headers go through as raw pairs (see raw-headers.ts); with them, as an object.
    const filtered = hasRoutingFilters(rule);
    let headers: OutgoingHttpHeaders | string[];
    if (rule.requestHeaders || filtered) {
      headers = req.headers;
      stripHopByHop(headers);
      if (rule.requestHeaders) applyModifier(headers, rule.requestHeaders);
      if (rule.rewrite) {
        const t = rewriteTarget(String(headers.host ?? ''), path, rule.rewrite);
        headers.host = t.authority;
        path = t.pathWithQuery;
      }
    } else {
      headers = forwardableHeaders(req.rawHeaders);
    }

    // A retry or a mirror needs the body again: buffer small bodies (like Linkerd, 64 KiB); stream the rest,
    // unretried and unmirrored.
    const mirrored = !!rule.mirrors || rule.backends.some((b) => b.filters?.mirrors);
    const length = Number(rawHeader(req.rawHeaders, 'content-length') ?? 0);
    const hasBody = length > 0 || rawHeader(req.rawHeaders, 'transfer-encoding') !== undefined;
    let body: Buffer | 'stream' | undefined;
    if (!hasBody) body = undefined;
    else if (rule.retry && length > 0 && length <= RETRY_BODY_LIMIT_BYTES) body = await readBody(req, length);
    else if (mirrored && length > 0 && length <= MIRROR_BODY_LIMIT_BYTES) body = await readBody(req, length);
    else body = 'stream';
    const maxAttempts = rule.retry && body !== 'stream' ? rule.retry.attempts + 1 : 1;
    if (rule.mirrors && body !== 'stream') this.mirror(snap, rule.mirrors, req.method ?? 'GET', path, headers as OutgoingHttpHeaders, body);

    let inFlight: ReturnType<typeof httpRequest> | undefined;
    let timedOut = false;
    let lastTarget: Target | undefined;
    const deadline = rule.requestTimeoutMs
      ? setTimeout(() => {
          timedOut = true;
          outcome.error = 'REQUEST_TIMEOUT';
          inFlight?.destroy(new AttemptError(504, `request timeout of ${rule.requestTimeoutMs}ms (route ${rule.label}) exceeded`, false));
          if (!res.headersSent) this.finish(req, res, start, 504, `request timeout of ${rule.requestTimeoutMs}ms exceeded`, dest, rule.label, lastTarget, undefined, rule, outcome);
          else res.destroy();
        }, rule.requestTimeoutMs)
      : undefined;
    res.once('close', () => {
      clearTimeout(deadline);
      if (!res.writableFinished) inFlight?.destroy(); // the caller went away: free the upstream too
    });

    let lastError: AttemptError | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !timedOut && !res.destroyed; attempt++) {
      if (attempt > 1) await sleep(rule.retry!.backoffMs * 2 ** (attempt - 2)); // exponential from the minimum
      if (timedOut || res.destroyed) return;
      if (attempt > 1) outcome.retries++;
      const target = this.pickTarget(snap, dest, rule);
      if (target instanceof AttemptError) {
        lastError = target;
        if (!target.retryable) break;
        continue;
      }
      lastTarget = target;
      // The chosen backendRef's own filters, on a copy of the rule's request.
      let sendHeaders = headers;
      let sendPath = path;
      const own = target.backend?.filters;
      if (own) {
        const all = filtersFor(rule, target.backend);
        if (own.redirect) {
          clearTimeout(deadline);
          return this.redirect(req, res, start, dest, rule, own.redirect, all.responseHeaders, path);
        }
        const h: OutgoingHttpHeaders = { ...(headers as OutgoingHttpHeaders) };
        if (own.requestHeaders) applyModifier(h, own.requestHeaders);
        if (own.rewrite) {
          // The rule's and the backendRef's rewrites merged (the backendRef's fields win), from the caller's request.
          const t = rewriteTarget(requestAuthority, requestPath, all.rewrite);
          h.host = t.authority;
          sendPath = t.pathWithQuery;
        }
        sendHeaders = h;
        if (own.mirrors && attempt === 1 && body !== 'stream') this.mirror(snap, own.mirrors, req.method ?? 'GET', sendPath, h, body);
      }
      // Envoy's max_retries circuit breaker: a retry over the cluster's budget is not made.
      const retryDone = attempt > 1 ? target.cluster?.breaker?.startRetry() : undefined;
      if (attempt > 1 && target.cluster?.breaker && !retryDone) break;
      const done = this.ctx.balancer.start(target.endpoint);
      const sent = performance.now();
      try {
        const upstream = await this.attempt(req, target, sendPath, sendHeaders, body, tryTimeoutMs(rule), (r) => (inFlight = r)).finally(() => retryDone?.());
        done(performance.now() - sent);
        if (timedOut || res.destroyed) {
          upstream.resume();
          return;
        }
        const status = upstream.statusCode ?? 502;
        target.cluster?.observe(target.endpoint, status, target.endpointCount ?? 1);
        this.recordBackend(rule, dest, target, status, undefined);
        const retryable = maxAttempts > 1 && retriesStatus(rule.retry!, status, grpcStatusOf(upstream.headers['grpc-status']));
        if (attempt < maxAttempts && retryable) {
          upstream.resume(); // drain so the pooled connection can be reused
          lastError = new AttemptError(status, `upstream answered ${status}`, true);
          continue;
        }
        if (retryable) outcome.limitExceeded = true;
        let out: OutgoingHttpHeaders | string[];
        const responseHeaders = own ? filtersFor(rule, target.backend).responseHeaders : rule.responseHeaders;
        if (responseHeaders) {
          out = upstream.headers;
          stripHopByHop(out);
          applyModifier(out, responseHeaders);
        } else {
          out = forwardableHeaders(upstream.rawHeaders);
        }
        if (rawHeader(req.rawHeaders, DEBUG_REQUEST_HEADER)) describeService(out, target, attempt, rule.label);
        res.writeHead(status, out);
        relayBody(upstream, res);
        res.once('finish', () => {
          clearTimeout(deadline);
          this.record(req, start, status, undefined, dest, rule.label, target, rule, outcome);
        });
        return;
      } catch (err) {
        done(performance.now() - sent);
        if (timedOut) return;
        if (err instanceof LocalReplyError) {
          lastError = err; // the circuit breaker's overflow: never retried (Envoy marks it x-envoy-overloaded)
          break;
        }
        if (res.destroyed) return; // the caller went away: not the endpoint's failure
        lastError = err instanceof AttemptError ? err : new AttemptError(502, `connection to ${target.endpoint.ip}:${target.endpoint.port} failed: ${(err as Error).message}`, true);
        // Local-origin failures count for outlier detection as Envoy maps them: 504 a timeout, 503 the rest.
        target.cluster?.observe(target.endpoint, lastError.status === 504 ? 504 : 503, target.endpointCount ?? 1);
        this.recordBackend(rule, dest, target, undefined, routeErrorOf(lastError));
        if (rule.retry && !retriesFailure(rule.retry, failureOf(err))) break;
        if (rule.retry && maxAttempts > 1 && attempt === maxAttempts) outcome.limitExceeded = true;
      }
    }
    clearTimeout(deadline);
    if (timedOut || res.destroyed) return;
    const e = lastError ?? new AttemptError(502, 'no attempt was made', false);
    outcome.error = routeErrorOf(e);
    this.finish(req, res, start, e.status, e.message, dest, rule.label, lastTarget, e.body, rule, outcome, e instanceof LocalReplyError ? e.headers : undefined);
  }

  /** One endpoint for an attempt (also used by the HTTP/2 path, outbound-h2.ts). */
  pickTarget(snap: MeshSnapshot, dest: Destination, rule: CompiledRule): Target | AttemptError {
    if (dest.kind === 'endpoint') {
      const pod = dest.pod;
      return { endpoint: { ip: dest.ip, port: dest.port, pod }, serviceNamespace: pod?.namespace ?? '', service: '', identity: this.peerIdentity(pod, dest.port) };
    }
    const backend: CompiledBackend = pickBackend(rule);
    if (backend.invalid) return new AttemptError(500, backend.invalid, false);
    const svc = backend.namespace === dest.service.namespace && backend.service === dest.service.name ? dest.service : snap.namespaces.get(backend.namespace)?.services.get(backend.service);
    if (!svc) return new AttemptError(500, `backend Service ${backend.namespace}/${backend.service} not found`, false);
    const portNumber = backend.port || dest.port.port;
    const port = svc.ports.find((p) => p.port === portNumber);
    if (!port) return new AttemptError(500, `backend Service ${backend.namespace}/${backend.service} has no port ${portNumber}`, false);
    const endpoints = subsetEndpoints(snap, this.ctx.namespace, svc, port.endpoints, backend.subset);
    if (!endpoints) return new AttemptError(503, `no DestinationRule defines subset ${JSON.stringify(backend.subset)} of ${backend.namespace}/${backend.service}`, false, NO_HEALTHY_UPSTREAM);
    if (endpoints.length === 0) {
      return backend.subset === undefined
        ? new AttemptError(503, `no ready endpoints for ${backend.namespace}/${backend.service}:${portNumber}`, true)
        : new AttemptError(503, `no ready endpoints in subset ${JSON.stringify(backend.subset)} of ${backend.namespace}/${backend.service}:${portNumber}`, true, NO_HEALTHY_UPSTREAM);
    }
    // The DestinationRule's cluster for this port and subset: its balancer, outlier detection and circuit breaker.
    const cluster = this.clusters.resolve(snap, this.ctx.namespace, svc.namespace, svc.name, portNumber, backend.subset);
    const endpoint = cluster ? cluster.pick(endpoints) : this.ctx.balancer.pick(endpoints);
    if (endpoint instanceof AttemptError) return endpoint;
    // DestinationRule `tls.mode: DISABLE`: plaintext to the destination's sidecar, as the mTLS opt-out does.
    const identity = cluster?.tlsDisabled ? undefined : this.peerIdentity(endpoint.pod, endpoint.port);
    return { endpoint, serviceNamespace: svc.namespace, service: svc.name, identity, backend, cluster, endpointCount: endpoints.length };
  }

  /** Whether a backend of the rule has a circuit breaker or outlier detection (state the fast path does not keep). */
  private needsSlowPath(snap: MeshSnapshot, dest: Extract<Destination, { kind: 'service' }>, rule: CompiledRule): boolean {
    if (rule.backends.length === 0) return !!this.clusters.resolve(snap, this.ctx.namespace, dest.service.namespace, dest.service.name, dest.port.port, undefined)?.needsSlowPath;
    for (const b of rule.backends) {
      if (this.clusters.resolve(snap, this.ctx.namespace, b.namespace, b.service, b.port || dest.port.port, b.subset)?.needsSlowPath) return true;
    }
    return false;
  }

  /** A RequestRedirect: the proxy answers itself, with the Location request-filters.ts composes. */
  private redirect(req: IncomingMessage, res: ServerResponse, start: number, dest: Destination, rule: CompiledRule, redirect: RedirectSpec, responseHeaders: HeaderModifier | undefined, path: string): void {
    const location = redirectLocation(
      // The app speaks plain HTTP to its sidecar; the "listener" is the Service port (or pod port) it dialled.
      { scheme: 'http', authority: rawHeader(req.rawHeaders, 'host') ?? '', pathWithQuery: path, listenerPort: dest.kind === 'service' ? dest.port.port : dest.port },
      redirect,
    );
    const out: OutgoingHttpHeaders = { location, 'content-length': 0 };
    if (responseHeaders) applyModifier(out, responseHeaders);
    res.writeHead(redirect.status, out);
    res.end();
    req.resume();
    this.record(req, start, redirect.status, undefined, dest, rule.label, undefined, rule);
  }

  /**
   * RequestMirror: fire-and-forget copies to one endpoint of each selected mirror Service, through the same mesh path
   * as real requests (balancer, mTLS to meshed pods), with the Host marked `-shadow` as Envoy marks it. The answer is
   * read and discarded; errors, timeouts and a full in-flight budget only drop the copy, never touch the caller's
   * request (which does not wait for it).
   */
  private mirror(snap: MeshSnapshot, mirrors: MirrorSpec[], method: string, path: string, headers: OutgoingHttpHeaders, body: Buffer | undefined): void {
    for (const m of mirrors) {
      if (!mirrorSelected(m) || this.mirrorsInFlight >= MIRROR_MAX_IN_FLIGHT) continue;
      const port = snap.namespaces.get(m.namespace)?.services.get(m.service)?.ports.find((p) => p.port === m.port);
      const endpoints = port && subsetEndpoints(snap, this.ctx.namespace, { namespace: m.namespace, name: m.service }, port.endpoints, m.subset);
      if (!endpoints?.length) continue;
      const endpoint = this.ctx.balancer.pick(endpoints);
      const identity = this.peerIdentity(endpoint.pod, endpoint.port);
      const copy: OutgoingHttpHeaders = { ...headers, host: shadowAuthority(String(headers.host ?? `${m.service}:${m.port}`)) };
      const options: RequestOptions & MeshRequestOptions = { host: endpoint.ip, port: endpoint.port, method, path, headers: copy, agent: identity ? this.tlsAgent : this.agent, meshIdentity: identity };
      this.mirrorsInFlight++;
      const settle = this.ctx.balancer.start(endpoint);
      const sent = performance.now();
      const request = httpRequest(options);
      const timer = setTimeout(() => request.destroy(new Error(`mirror timeout of ${MIRROR_TIMEOUT_MS}ms`)), MIRROR_TIMEOUT_MS).unref();
      request.once('close', () => {
        clearTimeout(timer);
        this.mirrorsInFlight--;
        settle(performance.now() - sent);
      });
      request.on('error', () => {}); // a lost copy is not the caller's problem
      request.once('response', (r) => r.resume());
      request.end(body);
    }
  }

  /** The calling pod, for Istio's sourceLabels / sourceNamespace matches. */
  clientFacts(snap: MeshSnapshot): ClientFacts {
    return { namespace: this.ctx.namespace, labels: snap.namespaces.get(this.ctx.namespace)?.pods.get(this.ctx.pod)?.labels ?? {} };
  }

  /** The identity to require over mTLS; undefined = plaintext (un-meshed peer, mTLS opted out, or no certificate yet). */
  peerIdentity(pod: PodInfo | undefined, port?: number): string | undefined {
    const disabled = (port !== undefined ? pod?.mtlsDisabledByPort?.get(port) : undefined) ?? pod?.mtlsDisabled;
    return pod?.meshed && pod.identity && !disabled && this.ctx.identity() ? pod.identity : undefined;
  }

  private attempt(
    req: IncomingMessage,
    target: Target,
    path: string,
    headers: OutgoingHttpHeaders | string[],
    body: Buffer | 'stream' | undefined,
    timeoutMs: number | undefined,
    onRequest: (r: ReturnType<typeof httpRequest>) => void,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const options: RequestOptions & MeshRequestOptions = {
        host: target.endpoint.ip,
        port: target.endpoint.port,
        method: req.method,
        path,
        headers,
        agent: target.identity ? this.tlsAgent : this.agent,
        meshIdentity: target.identity,
      };
      const breaker = target.cluster?.breaker ? target.cluster : undefined;
      if (breaker) {
        // Through the destination's circuit breaker: sent now, later (queued for a connection), or refused.
        let dispatched = false;
        const sent = breaker.sendHttp1(options, (agent) => {
          dispatched = true;
          return this.send({ ...options, agent }, req, body, timeoutMs, onRequest, resolve, reject);
        });
        if (sent instanceof LocalReplyError) return reject(sent);
        // Still waiting for a connection: a timeout or a gone caller (they destroy the in-flight request) withdraws it.
        if (!dispatched) onRequest({ destroy: (err?: Error) => (sent(), reject(err ?? new Error('request withdrawn while waiting for a connection'))) } as unknown as ReturnType<typeof httpRequest>);
        return;
      }
      this.send(options, req, body, timeoutMs, onRequest, resolve, reject);
    });
  }

  private send(
    options: RequestOptions & MeshRequestOptions,
    req: IncomingMessage,
    body: Buffer | 'stream' | undefined,
    timeoutMs: number | undefined,
    onRequest: (r: ReturnType<typeof httpRequest>) => void,
    resolve: (r: IncomingMessage) => void,
    reject: (err: Error) => void,
  ): ReturnType<typeof httpRequest> {
    const upstream = httpRequest(options);
    onRequest(upstream);
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs) {
      timer = setTimeout(() => upstream.destroy(new AttemptError(504, `backend request timeout of ${timeoutMs}ms exceeded`, true)), timeoutMs);
    }
    upstream.once('response', (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    upstream.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (body === 'stream') req.pipe(upstream);
    else upstream.end(body);
    return upstream;
  }

  private finish(
    req: IncomingMessage & RequestInfo,
    res: ServerResponse,
    start: number,
    status: number,
    reason: string,
    dest: Destination | undefined,
    route: string,
    target: Target | undefined,
    body?: string,
    rule?: CompiledRule,
    outcome?: RetryOutcome,
    /** Extra headers of a local reply (the circuit breaker's `x-envoy-overloaded`). */
    headers?: Record<string, string>,
  ): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
    } else {
      proxyError(res, status, reason, body, headers);
    }
    req.resume();
    this.record(req, start, status, reason, dest, route, target, rule, outcome);
  }

  /** One try's answer in the per-route backend metrics (a Service destination only; pod addresses have no route). */
  recordBackend(rule: CompiledRule, dest: Destination, target: Target, status: number | undefined, error: RouteError | undefined): void {
    if (dest.kind !== 'service') return;
    const port = dest.port.port;
    this.ctx.metrics.routes.statsFor(rule, dest.service, port).backend(backendOf(target.backend, dest.service, port)).record(status, error);
  }

  /**
   * Metrics and tap for one finished request (also called by the fast path's plans). With the rule that served a
   * request to a Service, the per-route families too (Linkerd 2.16+'s outbound_http_route_*; route-metrics.ts).
   */
  record(req: RequestInfo, start: number, status: number, error: string | undefined, dest: Destination | undefined, route: string, target: Target | undefined, rule?: CompiledRule, outcome?: RetryOutcome): void {
    const now = performance.now();
    const latency = now - start;
    if (rule && dest?.kind === 'service') this.ctx.metrics.routes.statsFor(rule, dest.service, dest.port.port).record(status, latency, outcome, Date.now());
    const authority = dest?.authority ?? rawHeader(req.rawHeaders, 'host') ?? '';
    const pod = target?.endpoint.pod;
    const tls = target?.identity ? 'true' : 'no_identity';
    const key = `${authority}|${route}|${pod?.deployment ?? ''}|${target?.service ?? ''}|${tls}`;
    let stats = this.statsCache.get(key);
    if (!stats) {
      if (this.statsCache.size > 10_000) this.statsCache.clear();
      stats = this.ctx.metrics.statsFor({
        direction: 'outbound',
        authority,
        dst_namespace: target?.serviceNamespace ?? (dest?.kind === 'service' ? dest.service.namespace : ''),
        dst_deployment: pod?.deployment ?? '',
        dst_service: target?.service ?? (dest?.kind === 'service' ? dest.service.name : ''),
        route,
        tls,
        client_id: '',
      });
      this.statsCache.set(key, stats);
    }
    stats.record(status, latency, status < 500 && !error?.startsWith('proxy error'), Date.now());
    if (this.ctx.tap.active) {
      const self = this.ctx.snapshot().namespaces.get(this.ctx.namespace)?.pods.get(this.ctx.pod);
      const url = req.url ?? '/';
      this.ctx.tap.publish({
        timestamp: new Date().toISOString(),
        direction: 'outbound',
        proxy: { namespace: this.ctx.namespace, pod: this.ctx.pod, deployment: this.ctx.deployment() },
        source: { namespace: this.ctx.namespace, pod: this.ctx.pod, deployment: this.ctx.deployment(), ip: this.ctx.podIP, identity: this.ctx.identity()?.spiffeId ?? self?.identity },
        destination: {
          namespace: target?.serviceNamespace || pod?.namespace,
          service: target?.service || undefined,
          pod: pod?.name,
          deployment: pod?.deployment,
          ip: target?.endpoint.ip,
          identity: target?.identity,
        },
        authority,
        route,
        method: req.method ?? 'GET',
        path: url,
        status,
        latencyMs: latency,
        tls: !!target?.identity,
        protocol: req.protocol,
        error,
      });
    }
  }
}

/** One fast-path request of the outbound proxy (a class, so no closures are made per request). */
class OutboundPlan implements RelayPlan {
  readonly upstreamKey: string;
  readonly addRequestHeaders: string[] = [];
  private settle?: (latencyMs: number) => void;
  private readonly sent: number;

  constructor(
    private readonly proxy: OutboundProxy,
    private readonly head: RequestHead,
    private readonly start: number,
    private readonly dest: Destination,
    private readonly rule: CompiledRule,
    private readonly target: Target,
  ) {
    this.upstreamKey = `${target.endpoint.ip}:${target.endpoint.port}:${target.identity ?? ''}`;
    this.settle = proxy.ctx.balancer.start(target.endpoint);
    this.sent = performance.now();
  }

  connect(): Socket {
    const { ip, port } = this.target.endpoint;
    const identity = this.target.identity;
    const refused = identity ? undefined : this.proxy.ctx.network.checkDial(ip, port); // the TLS agent checks its own
    if (refused) return refusedSocket(refused);
    return identity
      ? (this.proxy.tlsAgent.createConnection({ host: ip, port, meshIdentity: identity } as Parameters<MeshTlsAgent['createConnection']>[0]) as Socket)
      : tcpConnect({ host: ip, port, localAddress: this.proxy.ctx.podIP, noDelay: true });
  }

  onResponseHead(): string[] {
    this.settleBalancer();
    const out: string[] = [];
    if (rawHeader(this.head.rawHeaders, DEBUG_REQUEST_HEADER) !== undefined) describeService(out, this.target, 1, this.rule.label);
    return out;
  }

  done(status: number, error?: string): void {
    this.settleBalancer();
    this.proxy.recordBackend(this.rule, this.dest, this.target, error ? undefined : status, error ? 'IO' : undefined);
    this.proxy.record(this.head, this.start, status, error, this.dest, this.rule.label, this.target, this.rule, error ? { retries: 0, limitExceeded: false, error: 'IO' } : undefined);
  }

  cancelled(): void {
    this.settleBalancer();
  }

  private settleBalancer(): void {
    this.settle?.(performance.now() - this.sent);
    this.settle = undefined;
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


function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
    req.once('error', reject);
  });
}

export { canonical, applyModifier };

/** A gRPC status from a trailers-only answer's headers, for `retryOn` gRPC conditions. */
export function grpcStatusOf(value: string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value === undefined || !Number.isInteger(n) ? undefined : n;
}

/** How a failed request or try is labelled in the route metrics (Linkerd's `error` label values). */
export function routeErrorOf(e: AttemptError): RouteError {
  if (e.status === 504) return 'RESPONSE_HEADERS_TIMEOUT';
  if (e.status === 503) return 'FAIL_FAST';
  if (e.status === 502) return 'IO';
  return 'UNEXPECTED';
}
