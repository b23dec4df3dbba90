// The outbound half of a sidecar for HTTP/2: an app connection that opened with h2c prior knowledge (gRPC, `curl
// --http2-prior-knowledge`) is served as an HTTP/2 session, and each stream goes through the same rule pipeline as an
// HTTP/1 request (outbound.ts): destination, rule (path = :path, so a GRPCRoute's method match is a path match),
// reject / fault / timeouts / retries, header modifiers, weighted backend, peak-EWMA endpoint, metrics and tap. Each
// upstream endpoint (+ expected identity) gets ONE pooled HTTP/2 client session: over the mesh mTLS negotiating ALPN
// h2, or plaintext h2c to an un-meshed or mTLS-opted-out peer.
import { constants, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream, type ClientHttp2Stream } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CompiledRule, HeaderModifier, MeshSnapshot, MirrorSpec, RedirectSpec, RewriteSpec } from '../config/snapshot.js';
import { DEBUG_REQUEST_HEADER, MIRROR_MAX_IN_FLIGHT, MIRROR_TIMEOUT_MS, RETRY_BODY_LIMIT_BYTES } from '../constants.js';
import { filtersFor, mirrorSelected, redirectLocation, rewriteTarget, shadowAuthority } from './request-filters.js';
import { refusedSocket } from '../../runtime/network/egress-guard.js';
import { requestDestination, type Destination } from './destination.js';
import type { RetryOutcome } from './route-metrics.js';
import { AttemptError, applyModifier, describeService, grpcStatusOf, routeErrorOf, sleep, type OutboundProxy, type RequestInfo, type Target } from './outbound.js';
import { failureOf, retriesFailure, retriesStatus, tryTimeoutMs } from './retry-policy.js';
import { defaultRule, matchRule, tableFor } from './route-matcher.js';
import { forwardableH2Headers, isGrpc, H2_SERVER_SETTINGS, H2SessionPool, serveH2Connection, socketOf, relayH2Response, respondProxyErrorH2, sendH2Request, type H2ResponseHead } from './h2-common.js';
import type { MeshTlsAgent } from './upstream-pool.js';
import { subsetEndpoints } from './subset-endpoints.js';
import { OVERFLOW_BODY } from './circuit-breaker.js';

type Body = Buffer | ServerHttp2Stream | undefined;

/** The HTTP/2 request facts metrics and tap read (RequestInfo, as the HTTP/1 paths give it). */
function requestInfo(headers: IncomingHttpHeaders): RequestInfo {
  const authority = headers[':authority'] ?? headers.host;
  return { method: headers[':method'], url: headers[':path'], rawHeaders: authority ? ['host', String(authority)] : [], protocol: 'HTTP/2' };
}

export class OutboundH2 {
  private readonly server: Http2Server;
  private readonly sessions: H2SessionPool;
  private mirrorsInFlight = 0;

  constructor(private readonly proxy: OutboundProxy) {
    const ctx = proxy.ctx;
    this.server = createH2Server({ settings: H2_SERVER_SETTINGS });
    this.server.on('stream', (stream, headers) => this.handle(stream, headers));
    this.server.on('sessionError', () => {}); // a broken client connection: its streams are already gone
    // Sessions made with an old certificate are closed after a rotation (their streams finish first).
    this.sessions = new H2SessionPool((socket) => {
      const gen = (socket as (Duplex & { meshGeneration?: number }) | undefined)?.meshGeneration;
      return gen === undefined || gen === ctx.identity()?.generation;
    });
  }

  /** An app connection whose first bytes are HTTP/2's preface (already read back onto the socket). */
  serve(socket: Socket): void {
    serveH2Connection(this.server, socket);
  }

  onCertificateRotated(): void {
    this.sessions.prune();
  }

  close(): void {
    this.sessions.destroy();
  }

  /** Where a stream is going: the address the app dialled (its connection's original destination), else :authority. */
  private destination(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, snap: MeshSnapshot): Destination | { error: string } {
    const authority = headers[':authority'] ?? headers.host;
    // socketOf, not stream.session.socket: the latter is a Proxy, which the prelude's WeakMap does not know.
    return requestDestination(socketOf(stream), authority === undefined ? undefined : String(authority), this.proxy.ctx.namespace, snap);
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const start = performance.now();
    const info = requestInfo(headers);
    stream.on('error', () => {}); // resets by the client; close() below accounts for them
    const snap = this.proxy.ctx.snapshot();
    const dest = this.destination(stream, headers, snap);
    if ('error' in dest) return this.fail(stream, headers, info, start, 502, dest.error, undefined, '', undefined);
    const method = String(headers[':method'] ?? 'GET');
    const url = String(headers[':path'] ?? '/');
    let rule: CompiledRule;
    if (dest.kind === 'service') {
      const table = tableFor(snap, this.proxy.ctx.namespace, dest.service, dest.port.port);
      const q = url.indexOf('?');
      const matched = table
        ? matchRule(table, dest.port.port, { client: this.proxy.clientFacts(snap), method, path: q === -1 ? url : url.slice(0, q), query: q === -1 ? '' : url.slice(q + 1), headers })
        : defaultRule(dest.service);
      if (!matched) return this.fail(stream, headers, info, start, 404, `no route of ${dest.service.namespace}/${dest.service.name} matches ${method} ${url}`, dest, '', undefined);
      rule = matched;
    } else {
      rule = { label: '', kind: 'default', routeNamespace: '', routeName: '', backends: [], totalWeight: 0 };
    }
    this.route(stream, headers, info, start, snap, dest, rule).catch((err: Error) => {
      this.proxy.ctx.log(`mesh-proxy outbound h2: ${err.stack}`);
      this.fail(stream, headers, info, start, 502, `proxy error: ${err.message}`, dest, rule.label, undefined);
    });
  }

  private async route(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, info: RequestInfo, start: number, snap: MeshSnapshot, dest: Destination, rule: CompiledRule): Promise<void> {
    if (rule.reject) return this.fail(stream, headers, info, start, rule.reject.status, `route ${rule.label}: ${rule.reject.reason}`, dest, rule.label, undefined);
    if (rule.fault) {
      const { abort, delay } = rule.fault;
      if (delay && Math.random() * 100 < delay.percentage) await sleep(delay.ms);
      if (abort && Math.random() * 100 < abort.percentage) {
        const extra = abort.grpcStatus !== undefined && isGrpc(headers) ? { 'grpc-status': String(abort.grpcStatus) } : {};
        return this.fail(stream, headers, info, start, abort.status, `fault injected by route ${rule.label}`, dest, rule.label, undefined, abort.body, extra);
      }
    }

    if (rule.redirect) return this.redirect(stream, headers, info, start, dest, rule, rule.redirect, rule.responseHeaders);

    const out = forwardableH2Headers(headers);
    if (rule.requestHeaders) applyModifier(out, rule.requestHeaders);
    if (rule.rewrite) rewriteH2(out, rule.rewrite);

    // A retry needs the body again: buffer small bodies (like the HTTP/1 path, 64 KiB); stream larger ones, unretried.
    let body: Body;
    if (stream.endAfterHeaders) body = undefined;
    else if (rule.retry) body = await readBody(stream, RETRY_BODY_LIMIT_BYTES);
    else body = stream;
    if (stream.destroyed) return;
    if (body === undefined && !stream.endAfterHeaders) body = stream; // too large to buffer
    const replayable = body === undefined || Buffer.isBuffer(body);
    if (rule.mirrors && body !== stream) this.mirror(snap, rule.mirrors, out, body as Buffer | undefined);
    const maxAttempts = rule.retry && replayable ? rule.retry.attempts + 1 : 1;

    let inFlight: ClientHttp2Stream | undefined;
    let timedOut = false;
    let lastTarget: Target | undefined;
    const deadline = rule.requestTimeoutMs
      ? setTimeout(() => {
          timedOut = true;
          inFlight?.destroy();
          if (stream.headersSent) return void stream.close(constants.NGHTTP2_CANCEL); // the relay records it
          this.fail(stream, headers, info, start, 504, `request timeout of ${rule.requestTimeoutMs}ms exceeded`, dest, rule.label, lastTarget, undefined, undefined, rule, { retries: 0, limitExceeded: false, error: 'REQUEST_TIMEOUT' });
        }, rule.requestTimeoutMs)
      : undefined;
    stream.once('close', () => {
      clearTimeout(deadline);
      if (inFlight && !inFlight.closed) inFlight.destroy(); // the caller went away: free the upstream too
    });

    let lastError: AttemptError | undefined;
    const outcome: RetryOutcome = { retries: 0, limitExceeded: false }; // for the route metrics
    for (let attempt = 1; attempt <= maxAttempts && !timedOut && !stream.destroyed; attempt++) {
      if (attempt > 1) await sleep(rule.retry!.backoffMs * 2 ** (attempt - 2));
      if (timedOut || stream.destroyed) return;
      if (attempt > 1) outcome.retries++;
      const target = this.proxy.pickTarget(snap, dest, rule);
      if (target instanceof AttemptError) {
        lastError = target;
        if (!target.retryable) break;
        continue;
      }
      lastTarget = target;
      const settle = this.proxy.ctx.balancer.start(target.endpoint);
      const sent = performance.now();
      let head: H2ResponseHead;
      // The chosen backendRef's own filters, on a copy of the rule's request.
      const own = target.backend?.filters;
      let send = out;
      if (own) {
        if (own.redirect) {
          settle(0);
          clearTimeout(deadline);
          return this.redirect(stream, headers, info, start, dest, rule, own.redirect, filtersFor(rule, target.backend).responseHeaders);
        }
        send = { ...out };
        if (own.requestHeaders) applyModifier(send, own.requestHeaders);
        if (own.rewrite) rewriteH2(send, own.rewrite);
        if (own.mirrors && attempt === 1 && body !== stream) this.mirror(snap, own.mirrors, send, body as Buffer | undefined);
      }
      // The DestinationRule's circuit breaker: over HTTP/2 only http2MaxRequests (streams in flight) applies.
      const admitted = target.cluster?.breaker?.admitStream();
      if (admitted === 'overflow') {
        settle(0);
        lastError = new AttemptError(503, `circuit breaker of ${target.cluster!.name}: requests overflow`, false, OVERFLOW_BODY);
        break;
      }
      const release = admitted ?? (() => {});
      try {
        head = await this.attempt(target, send, body, tryTimeoutMs(rule), (s) => (inFlight = s));
      } catch (err) {
        release();
        settle(performance.now() - sent);
        if (timedOut || stream.destroyed) return; // the caller went away: not the endpoint's failure
        lastError = err instanceof AttemptError ? err : new AttemptError(502, `connection to ${target.endpoint.ip}:${target.endpoint.port} failed: ${(err as Error).message}`, true);
        target.cluster?.observe(target.endpoint, lastError.status === 504 ? 504 : 503, target.endpointCount ?? 1);
        this.proxy.recordBackend(rule, dest, target, undefined, routeErrorOf(lastError));
        if (rule.retry && !retriesFailure(rule.retry, failureOf(err))) break;
        if (rule.retry && maxAttempts > 1 && attempt === maxAttempts) outcome.limitExceeded = true;
        continue;
      }
      settle(performance.now() - sent);
      if (timedOut || stream.destroyed) {
        release();
        head.upstream.destroy();
        return;
      }
      const status = Number(head.headers[':status'] ?? 502);
      target.cluster?.observe(target.endpoint, status, target.endpointCount ?? 1);
      this.proxy.recordBackend(rule, dest, target, status, undefined);
      const retryable = maxAttempts > 1 && retriesStatus(rule.retry!, status, grpcStatusOf(head.headers['grpc-status']));
      if (attempt < maxAttempts && retryable) {
        release();
        head.upstream.destroy();
        lastError = new AttemptError(status, `upstream answered ${status}`, true);
        continue;
      }
      if (retryable) outcome.limitExceeded = true;
      const response = forwardableH2Headers(head.headers);
      const responseHeaders = own ? filtersFor(rule, target.backend).responseHeaders : rule.responseHeaders;
      if (responseHeaders) applyModifier(response, responseHeaders);
      if (headers[DEBUG_REQUEST_HEADER] !== undefined) describeService(response, target, attempt, rule.label);
      relayH2Response(head, response, stream, (error) => {
        release();
        clearTimeout(deadline);
        this.proxy.record(info, start, status, error, dest, rule.label, target, rule, outcome);
      });
      return;
    }
    clearTimeout(deadline);
    if (timedOut || stream.destroyed) return;
    const e = lastError ?? new AttemptError(502, 'no attempt was made', false);
    outcome.error = routeErrorOf(e);
    this.fail(stream, headers, info, start, e.status, e.message, dest, rule.label, lastTarget, e.body, undefined, rule, outcome);
  }

  private attempt(target: Target, headers: OutgoingHttpHeaders, body: Body, timeoutMs: number | undefined, onStream: (s: ClientHttp2Stream) => void): Promise<H2ResponseHead> {
    const { ip, port } = target.endpoint;
    const identity = target.identity;
    const session = this.sessions.get(`${ip}:${port}:${identity ?? ''}`, `${identity ? 'https' : 'http'}://${ip}:${port}`, () => this.connect(ip, port, identity));
    let upstream: ClientHttp2Stream | undefined;
    const sending = sendH2Request(session, { ...headers, ':scheme': identity ? 'https' : 'http' }, body, (s) => {
      upstream = s;
      onStream(s);
    });
    if (!timeoutMs) return sending;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        upstream?.destroy();
        reject(new AttemptError(504, `backend request timeout of ${timeoutMs}ms exceeded`, true));
      }, timeoutMs);
    });
    return Promise.race([sending, timeout]).finally(() => clearTimeout(timer));
  }

  /** A RequestRedirect answered by the proxy: the Location as the Gateway API composes it (request-filters.ts). */
  private redirect(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, info: RequestInfo, start: number, dest: Destination, rule: CompiledRule, redirect: RedirectSpec, responseHeaders: HeaderModifier | undefined): void {
    const location = redirectLocation(
      { scheme: 'http', authority: String(headers[':authority'] ?? headers.host ?? ''), pathWithQuery: String(headers[':path'] ?? '/'), listenerPort: dest.kind === 'service' ? dest.port.port : dest.port },
      redirect,
    );
    const out: OutgoingHttpHeaders = { ':status': redirect.status, location, 'content-length': 0 };
    if (responseHeaders) applyModifier(out, responseHeaders);
    if (!stream.destroyed) stream.respond(out, { endStream: true });
    if (!stream.endAfterHeaders && !stream.destroyed) stream.resume();
    this.proxy.record(info, start, redirect.status, undefined, dest, rule.label, undefined);
  }

  /** RequestMirror over HTTP/2: fire-and-forget copies (Host `-shadow`), bounded like the HTTP/1 path's (outbound.ts). */
  private mirror(snap: MeshSnapshot, mirrors: MirrorSpec[], headers: OutgoingHttpHeaders, body: Buffer | undefined): void {
    for (const m of mirrors) {
      if (!mirrorSelected(m) || this.mirrorsInFlight >= MIRROR_MAX_IN_FLIGHT) continue;
      const port = snap.namespaces.get(m.namespace)?.services.get(m.service)?.ports.find((p) => p.port === m.port);
      const endpoints = port && subsetEndpoints(snap, this.proxy.ctx.namespace, { namespace: m.namespace, name: m.service }, port.endpoints, m.subset);
      if (!endpoints?.length) continue;
      const endpoint = this.proxy.ctx.balancer.pick(endpoints);
      const target: Target = { endpoint, serviceNamespace: m.namespace, service: m.service, identity: this.proxy.peerIdentity(endpoint.pod, endpoint.port) };
      const copy: OutgoingHttpHeaders = { ...headers, ':authority': shadowAuthority(String(headers[':authority'] ?? `${m.service}:${m.port}`)) };
      this.mirrorsInFlight++;
      const settle = this.proxy.ctx.balancer.start(endpoint);
      const sent = performance.now();
      let upstream: ClientHttp2Stream | undefined;
      const timer = setTimeout(() => upstream?.destroy(), MIRROR_TIMEOUT_MS).unref();
      this.attempt(target, copy, body, undefined, (s) => (upstream = s)).then(
        (head) => void head.upstream.resume(), // the answer is read and discarded
        () => undefined, // a lost copy is not the caller's problem
      ).finally(() => {
        clearTimeout(timer);
        this.mirrorsInFlight--;
        settle(performance.now() - sent);
      });
    }
  }

  /** A new upstream connection: mTLS offering h2 to a meshed peer, else plaintext; the egress allow-list applies to both. */
  private connect(ip: string, port: number, identity: string | undefined): Duplex {
    const ctx = this.proxy.ctx;
    if (identity) {
      // The TLS agent checks the egress allow-list and the peer's identity itself.
      return this.proxy.tlsAgent.createConnection({ host: ip, port, meshIdentity: identity, meshAlpn: ['h2'] } as Parameters<MeshTlsAgent['createConnection']>[0]);
    }
    const refused = ctx.network.checkDial(ip, port);
    if (refused) return refusedSocket(refused);
    return tcpConnect({ host: ip, port, localAddress: ctx.podIP, noDelay: true });
  }

  private fail(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, info: RequestInfo, start: number, status: number, reason: string, dest: Destination | undefined, route: string, target: Target | undefined, body?: string, extra: OutgoingHttpHeaders = {}, rule?: CompiledRule, outcome?: RetryOutcome): void {
    respondProxyErrorH2(stream, headers, status, reason, extra, body);
    if (!stream.endAfterHeaders && !stream.destroyed) stream.resume(); // drain a body nobody will read
    this.proxy.record(info, start, status, reason, dest, route, target, rule, outcome);
  }
}

/** Reads a request body of at most `limit` bytes; undefined when it is larger (the bytes read are put back). */
function readBody(stream: ServerHttp2Stream, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      chunks.push(c);
      if (size > limit) {
        cleanup();
        stream.pause();
        for (let i = chunks.length - 1; i >= 0; i--) stream.unshift(chunks[i]);
        resolve(undefined);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
  });
}

/** A URLRewrite on an HTTP/2 request's :authority and :path (in place). */
function rewriteH2(headers: OutgoingHttpHeaders, rewrite: RewriteSpec): void {
  const t = rewriteTarget(String(headers[':authority'] ?? headers.host ?? ''), String(headers[':path'] ?? '/'), rewrite);
  headers[':authority'] = t.authority;
  headers[':path'] = t.pathWithQuery;
}
