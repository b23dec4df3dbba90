// The HTTP/2 path of the outbound stack: an app connection that opened with h2c prior knowledge (gRPC, `curl
// --http2-prior-knowledge`) is served as an HTTP/2 session, and each stream goes through the same layers as an HTTP/1
// request (index.ts): route selection (path = :path, so a GRPCRoute's method match is a path match), reject / fault /
// filters, the retry and timeout decisions, balancing, telemetry. The endpoint call is HTTP/2's own: each upstream
// endpoint (+ expected identity) gets ONE pooled HTTP/2 client session, dialled by the endpoint layer — over the mesh
// mTLS negotiating ALPN h2, or plaintext h2c to an un-meshed or mTLS-opted-out peer. Unless the destination Service
// port speaks HTTP/1.1 (upstream-protocol.ts: Istio's choice, e.g. httpbin's `http` port, unless a DestinationRule sets
// useClientProtocol): then the try is an HTTP/1.1
// request through the endpoint layer's HTTP/1 pools (and circuit breaker), translated back (h2-to-http1.ts).
import { constants, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream, type ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import type { CompiledRule, HeaderModifier, MeshSnapshot, MirrorSpec, RedirectSpec, RewriteSpec } from '../../config/snapshot.js';
import { DEBUG_REQUEST_HEADER, MIRROR_MAX_IN_FLIGHT, MIRROR_TIMEOUT_MS, RETRY_BODY_LIMIT_BYTES } from '../../constants.js';
import { AttemptError } from '../attempt-error.js';
import { OVERFLOW_BODY } from '../circuit-breaker.js';
import { LocalReplyError } from '../destination-clusters.js';
import { requestDestination, type Destination } from '../destination.js';
import { forwardableH2Headers, isGrpc, H2_SERVER_SETTINGS, H2SessionPool, serveH2Connection, socketOf, relayH2Response, respondProxyErrorH2, sendH2Request, type H2ResponseHead } from '../h2-common.js';
import { applyModifier, filtersFor, mirrorSelected, redirectLocation, rewriteTarget, shadowAuthority } from '../request-filters.js';
import { upstreamVersionForH2Client, type UpstreamHttpVersion } from '../upstream-protocol.js';
import type { Target } from './balance.js';
import { http1RequestOf, http1ResponseHead, relayHttp1Response, type Http1ResponseHead } from './h2-to-http1.js';
import { injectFault } from './fault.js';
import type { OutboundProxy } from './index.js';
import { OutboundRequest, type ProxyReply, type RequestInfo } from './request-outcome.js';
import { attemptErrorOf, backoffMs, grpcStatusOf, maxAttemptsOf, retryAfterAnswer, retryAfterFailure, routeErrorOf, sleep, tryTimeoutMs } from './retry.js';
import { HEADERS_NEEDED, noRouteMessage, selectRoute, type HeaderSource } from './route-selection.js';
import { describeService } from './telemetry.js';

type Body = Buffer | ServerHttp2Stream | undefined;

/** A try's answer: an HTTP/2 upstream stream's head, or an HTTP/1.1 upstream's translated one. */
type UpstreamHead = H2ResponseHead | Http1ResponseHead;

/** A try in flight (an HTTP/2 stream or an HTTP/1.1 request): destroyed by a timeout or a caller that went away. */
type InFlight = { destroy(): unknown };

/** ALPN offered to meshed peers on the HTTP/2 path. */
const H2_ALPN = ['h2'];

/** The HTTP/2 request facts metrics and tap read (RequestInfo, as the HTTP/1 paths give it), and route selection's headers. */
function requestInfo(headers: IncomingHttpHeaders): RequestInfo & HeaderSource {
  const authority = headers[':authority'] ?? headers.host;
  return { method: headers[':method'], url: headers[':path'], rawHeaders: authority ? ['host', String(authority)] : [], protocol: 'HTTP/2', headers };
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
    const info = requestInfo(headers);
    const out = new OutboundRequest(info, performance.now());
    stream.on('error', () => {}); // resets by the client; close() below accounts for them
    const snap = this.proxy.ctx.snapshot();
    const dest = this.destination(stream, headers, snap);
    if ('error' in dest) return this.fail(stream, headers, out, { status: 502, message: dest.error });
    out.dest = dest;
    const method = String(headers[':method'] ?? 'GET');
    const url = String(headers[':path'] ?? '/');
    const rule = selectRoute(snap, this.proxy.ctx, dest, method, url, info);
    if (rule === undefined || rule === HEADERS_NEEDED) {
      return this.fail(stream, headers, out, { status: 404, message: noRouteMessage(dest, method, url) });
    }
    out.route = rule.label;
    this.route(stream, headers, out, snap, dest, rule).catch((err: Error) => {
      this.proxy.ctx.log(`mesh-proxy outbound h2: ${err.stack}`);
      out.rule = undefined;
      out.target = undefined;
      this.fail(stream, headers, out, { status: 502, message: `proxy error: ${err.message}` });
    });
  }

  private async route(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, out: OutboundRequest, snap: MeshSnapshot, dest: Destination, rule: CompiledRule): Promise<void> {
    const { balance, telemetry } = this.proxy;
    out.rule = rule; // per-route metrics from here on
    if (rule.reject) return this.fail(stream, headers, out, { status: rule.reject.status, message: `route ${rule.label}: ${rule.reject.reason}` });
    if (rule.fault) {
      const abort = await injectFault(rule);
      if (abort) {
        const extra = abort.grpcStatus !== undefined && isGrpc(headers) ? { 'grpc-status': String(abort.grpcStatus) } : undefined;
        return this.fail(stream, headers, out, { status: abort.status, message: `fault injected by route ${rule.label}`, body: abort.body, headers: extra });
      }
    }

    if (rule.redirect) return this.redirect(stream, headers, out, dest, rule.redirect, rule.responseHeaders);

    const request = forwardableH2Headers(headers);
    if (rule.requestHeaders) applyModifier(request, rule.requestHeaders);
    if (rule.rewrite) rewriteH2(request, rule.rewrite);

    // A retry needs the body again: buffer small bodies (like the HTTP/1 path, 64 KiB); stream larger ones, unretried.
    let body: Body;
    if (stream.endAfterHeaders) body = undefined;
    else if (rule.retry) body = await readBody(stream, RETRY_BODY_LIMIT_BYTES);
    else body = stream;
    if (stream.destroyed) return;
    if (body === undefined && !stream.endAfterHeaders) body = stream; // too large to buffer
    const replayable = body === undefined || Buffer.isBuffer(body);
    if (rule.mirrors && body !== stream) this.mirror(snap, rule.mirrors, request, body as Buffer | undefined);
    const maxAttempts = maxAttemptsOf(rule, replayable);

    let inFlight: InFlight | undefined;
    let timedOut = false;
    const deadline = rule.requestTimeoutMs
      ? setTimeout(() => {
          timedOut = true;
          out.error = 'REQUEST_TIMEOUT';
          inFlight?.destroy();
          if (stream.headersSent) return void stream.close(constants.NGHTTP2_CANCEL); // the relay records it
          this.fail(stream, headers, out, { status: 504, message: `request timeout of ${rule.requestTimeoutMs}ms exceeded` });
        }, rule.requestTimeoutMs)
      : undefined;
    stream.once('close', () => {
      clearTimeout(deadline);
      if (inFlight && !stream.writableFinished) inFlight.destroy(); // the caller went away: free the upstream too
    });

    let lastError: AttemptError | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !timedOut && !stream.destroyed; attempt++) {
      if (attempt > 1) await sleep(backoffMs(rule, attempt));
      if (timedOut || stream.destroyed) return;
      if (attempt > 1) out.retries++;
      const target = balance.pickTarget(snap, dest, rule);
      if (target instanceof AttemptError) {
        lastError = target;
        if (!target.retryable) break;
        continue;
      }
      out.target = target;
      const settle = this.proxy.ctx.balancer.start(target.endpoint);
      const sent = performance.now();
      let head: UpstreamHead;
      const version = upstreamVersionForH2Client(target.servicePort, target.cluster?.policy.connectionPool);
      // The chosen backendRef's own filters, on a copy of the rule's request.
      const own = target.backend?.filters;
      let send = request;
      if (own) {
        if (own.redirect) {
          settle(0);
          clearTimeout(deadline);
          return this.redirect(stream, headers, out, dest, own.redirect, filtersFor(rule, target.backend).responseHeaders);
        }
        send = { ...request };
        if (own.requestHeaders) applyModifier(send, own.requestHeaders);
        if (own.rewrite) rewriteH2(send, own.rewrite);
        if (own.mirrors && attempt === 1 && body !== stream) this.mirror(snap, own.mirrors, send, body as Buffer | undefined);
      }
      // The DestinationRule's circuit breaker: over HTTP/2 only http2MaxRequests (streams in flight) applies; an HTTP/1.1
      // try goes through the breaker's HTTP/1 admission in the endpoint layer instead.
      const admitted = version === 'h2' ? target.cluster?.breaker?.admitStream() : undefined;
      if (admitted === 'overflow') {
        settle(0);
        lastError = new AttemptError(503, `circuit breaker of ${target.cluster!.name}: requests overflow`, false, OVERFLOW_BODY);
        break;
      }
      const release = admitted ?? (() => {});
      try {
        head = await this.attempt(target, version, send, body, tryTimeoutMs(rule), (s) => (inFlight = s));
      } catch (err) {
        release();
        settle(performance.now() - sent);
        if (timedOut) return;
        if (err instanceof LocalReplyError) {
          lastError = err; // the HTTP/1 circuit breaker's overflow: never retried (Envoy marks it x-envoy-overloaded)
          break;
        }
        if (stream.destroyed) return; // the caller went away: not the endpoint's failure
        lastError = attemptErrorOf(err, target);
        balance.observe(target, lastError.status === 504 ? 504 : 503);
        telemetry.recordBackend(rule, dest, target, undefined, routeErrorOf(lastError));
        if (!retryAfterFailure(rule, out, attempt, maxAttempts, err)) break;
        continue;
      }
      settle(performance.now() - sent);
      if (timedOut || stream.destroyed) {
        release();
        head.upstream.destroy();
        return;
      }
      const status = Number(head.headers[':status'] ?? 502);
      balance.observe(target, status);
      telemetry.recordBackend(rule, dest, target, status, undefined);
      if (retryAfterAnswer(rule, out, attempt, maxAttempts, status, grpcStatusOf(head.headers['grpc-status']))) {
        release();
        head.upstream.destroy();
        lastError = new AttemptError(status, `upstream answered ${status}`, true);
        continue;
      }
      const response = forwardableH2Headers(head.headers);
      const responseHeaders = own ? filtersFor(rule, target.backend).responseHeaders : rule.responseHeaders;
      if (responseHeaders) applyModifier(response, responseHeaders);
      if (headers[DEBUG_REQUEST_HEADER] !== undefined) describeService(response, target, attempt, rule.label);
      const relayed = (error?: string) => {
        release();
        clearTimeout(deadline);
        out.status = status;
        out.reason = error;
        telemetry.record(out);
      };
      if ('kind' in head) relayHttp1Response(head, response, stream, relayed);
      else relayH2Response(head, response, stream, relayed);
      return;
    }
    clearTimeout(deadline);
    if (timedOut || stream.destroyed) return;
    const e = lastError ?? new AttemptError(502, 'no attempt was made', false);
    out.error = routeErrorOf(e);
    this.fail(stream, headers, out, e);
  }

  /**
   * One try: on the endpoint's pooled HTTP/2 session, or as an HTTP/1.1 request when the destination speaks that. The
   * response head, or the failure (504 for a per-try timeout).
   */
  private attempt(target: Target, version: UpstreamHttpVersion, headers: OutgoingHttpHeaders, body: Body, timeoutMs: number | undefined, onStream: (s: InFlight) => void): Promise<UpstreamHead> {
    if (version === 'http1') {
      const req = http1RequestOf(headers);
      const stream = body instanceof Readable ? body : undefined;
      const source = { method: req.method, pipe: <T extends NodeJS.WritableStream>(dest: T) => stream!.pipe(dest) };
      return this.proxy.endpoint.call(source, target, req.path, req.headers, stream ? 'stream' : (body as Buffer | undefined), timeoutMs, onStream).then(http1ResponseHead);
    }
    const { ip, port } = target.endpoint;
    const identity = target.identity;
    // Meshed peers over mTLS offering h2; the endpoint layer checks the egress allow-list (and the TLS agent the peer's identity).
    const session = this.sessions.get(`${ip}:${port}:${identity ?? ''}`, `${identity ? 'https' : 'http'}://${ip}:${port}`, () => this.proxy.endpoint.dial(ip, port, identity, H2_ALPN));
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
  private redirect(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, out: OutboundRequest, dest: Destination, redirect: RedirectSpec, responseHeaders: HeaderModifier | undefined): void {
    const location = redirectLocation(
      { scheme: 'http', authority: String(headers[':authority'] ?? headers.host ?? ''), pathWithQuery: String(headers[':path'] ?? '/'), listenerPort: dest.kind === 'service' ? dest.port.port : dest.port },
      redirect,
    );
    const response: OutgoingHttpHeaders = { ':status': redirect.status, location, 'content-length': 0 };
    if (responseHeaders) applyModifier(response, responseHeaders);
    if (!stream.destroyed) stream.respond(response, { endStream: true });
    if (!stream.endAfterHeaders && !stream.destroyed) stream.resume();
    out.status = redirect.status;
    out.target = undefined; // answered by the proxy, not an endpoint
    this.proxy.telemetry.record(out);
  }

  /** RequestMirror over HTTP/2: fire-and-forget copies (Host `-shadow`), bounded like the HTTP/1 path's (http1.ts). */
  private mirror(snap: MeshSnapshot, mirrors: MirrorSpec[], headers: OutgoingHttpHeaders, body: Buffer | undefined): void {
    for (const m of mirrors) {
      if (!mirrorSelected(m) || this.mirrorsInFlight >= MIRROR_MAX_IN_FLIGHT) continue;
      const target = this.proxy.balance.pickMirrorTarget(snap, m);
      if (!target) continue;
      const endpoint = target.endpoint;
      const copy: OutgoingHttpHeaders = { ...headers, ':authority': shadowAuthority(String(headers[':authority'] ?? `${m.service}:${m.port}`)) };
      this.mirrorsInFlight++;
      const settle = this.proxy.ctx.balancer.start(endpoint);
      const sent = performance.now();
      let upstream: InFlight | undefined;
      const timer = setTimeout(() => upstream?.destroy(), MIRROR_TIMEOUT_MS).unref();
      this.attempt(target, upstreamVersionForH2Client(target.servicePort, target.cluster?.policy.connectionPool), copy, body, undefined, (s) => (upstream = s)).then(
        (head) => void head.upstream.resume(), // the answer is read and discarded
        () => undefined, // a lost copy is not the caller's problem
      ).finally(() => {
        clearTimeout(timer);
        this.mirrorsInFlight--;
        settle(performance.now() - sent);
      });
    }
  }

  /** The proxy answers the stream itself (an error, a fault, a timeout; gRPC calls trailers-only) and records it. */
  private fail(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, out: OutboundRequest, reply: ProxyReply): void {
    respondProxyErrorH2(stream, headers, reply.status, reply.message, reply.headers ?? {}, reply.body);
    if (!stream.endAfterHeaders && !stream.destroyed) stream.resume(); // drain a body nobody will read
    out.status = reply.status;
    out.reason = reply.message;
    this.proxy.telemetry.record(out);
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
