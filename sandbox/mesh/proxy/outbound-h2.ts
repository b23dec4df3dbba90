// The outbound half of a sidecar for HTTP/2: an app connection that opened with h2c prior knowledge (gRPC, `curl
// --http2-prior-knowledge`) is served as an HTTP/2 session, and each stream goes through the same rule pipeline as an
// HTTP/1 request (outbound.ts): destination, rule (path = :path, so a GRPCRoute's method match is a path match),
// reject / fault / timeouts / retries, header modifiers, weighted backend, peak-EWMA endpoint, metrics and tap. Each
// upstream endpoint (+ expected identity) gets ONE pooled HTTP/2 client session: over the mesh mTLS negotiating ALPN
// h2, or plaintext h2c to an un-meshed or mTLS-opted-out peer.
import { constants, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream, type ClientHttp2Stream } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CompiledRule, MeshSnapshot } from '../config/snapshot.js';
import { DEBUG_REQUEST_HEADER, RETRY_BODY_LIMIT_BYTES } from '../constants.js';
import { refusedSocket } from '../../runtime/network/egress-guard.js';
import { resolveDestination, type Destination } from './destination.js';
import { AttemptError, applyModifier, describeService, sleep, type OutboundProxy, type RequestInfo, type Target } from './outbound.js';
import { defaultRule, matchRule, tableFor } from './route-matcher.js';
import { forwardableH2Headers, H2_SERVER_SETTINGS, H2SessionPool, serveH2Connection, relayH2Response, respondProxyErrorH2, sendH2Request, type H2ResponseHead } from './h2-common.js';
import type { MeshTlsAgent } from './upstream-pool.js';

type Body = Buffer | ServerHttp2Stream | undefined;

/** The HTTP/2 request facts metrics and tap read (RequestInfo, as the HTTP/1 paths give it). */
function requestInfo(headers: IncomingHttpHeaders): RequestInfo {
  const authority = headers[':authority'] ?? headers.host;
  return { method: headers[':method'], url: headers[':path'], rawHeaders: authority ? ['host', String(authority)] : [], protocol: 'HTTP/2' };
}

export class OutboundH2 {
  private readonly server: Http2Server;
  private readonly sessions: H2SessionPool;

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

  /**
   * Where a stream is going. THE place to switch HTTP/2 to the original destination: today it resolves
   * :authority as outbound.ts's `handle` resolves Host; with `originalDestinationOf(socketOf(stream))`
   * (connection-prelude.ts; socketOf from h2-common.ts, NOT stream.session.socket, which is a Proxy) the address
   * the app dialled can be resolved here instead, for every stream at once.
   */
  private destination(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, snap: MeshSnapshot): Destination | { error: string } {
    void stream; // the original destination's key: socketOf(stream)
    const authority = headers[':authority'] ?? headers.host;
    return resolveDestination(authority === undefined ? undefined : String(authority), this.proxy.ctx.namespace, snap);
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
        ? matchRule(table, dest.port.port, { method, path: q === -1 ? url : url.slice(0, q), query: q === -1 ? '' : url.slice(q + 1), headers })
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
      if (abort && Math.random() * 100 < abort.percentage) return this.fail(stream, headers, info, start, abort.status, `fault injected by route ${rule.label}`, dest, rule.label, undefined);
    }

    const out = forwardableH2Headers(headers);
    if (rule.requestHeaders) applyModifier(out, rule.requestHeaders);

    // A retry needs the body again: buffer small bodies (like the HTTP/1 path, 64 KiB); stream larger ones, unretried.
    let body: Body;
    if (stream.endAfterHeaders) body = undefined;
    else if (rule.retry) body = await readBody(stream, RETRY_BODY_LIMIT_BYTES);
    else body = stream;
    if (stream.destroyed) return;
    if (body === undefined && !stream.endAfterHeaders) body = stream; // too large to buffer
    const replayable = body === undefined || Buffer.isBuffer(body);
    const maxAttempts = rule.retry && replayable ? rule.retry.attempts + 1 : 1;

    let inFlight: ClientHttp2Stream | undefined;
    let timedOut = false;
    let lastTarget: Target | undefined;
    const deadline = rule.requestTimeoutMs
      ? setTimeout(() => {
          timedOut = true;
          inFlight?.destroy();
          if (stream.headersSent) return void stream.close(constants.NGHTTP2_CANCEL); // the relay records it
          this.fail(stream, headers, info, start, 504, `request timeout of ${rule.requestTimeoutMs}ms exceeded`, dest, rule.label, lastTarget);
        }, rule.requestTimeoutMs)
      : undefined;
    stream.once('close', () => {
      clearTimeout(deadline);
      if (inFlight && !inFlight.closed) inFlight.destroy(); // the caller went away: free the upstream too
    });

    let lastError: AttemptError | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !timedOut && !stream.destroyed; attempt++) {
      if (attempt > 1) await sleep(rule.retry!.backoffMs * 2 ** (attempt - 2));
      if (timedOut || stream.destroyed) return;
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
      try {
        head = await this.attempt(target, out, body, rule.backendTimeoutMs, (s) => (inFlight = s));
      } catch (err) {
        settle(performance.now() - sent);
        if (timedOut) return;
        lastError = err instanceof AttemptError ? err : new AttemptError(502, `connection to ${target.endpoint.ip}:${target.endpoint.port} failed: ${(err as Error).message}`, true);
        continue;
      }
      settle(performance.now() - sent);
      if (timedOut || stream.destroyed) {
        head.upstream.destroy();
        return;
      }
      const status = Number(head.headers[':status'] ?? 502);
      if (attempt < maxAttempts && rule.retry!.codes.has(status)) {
        head.upstream.destroy();
        lastError = new AttemptError(status, `upstream answered ${status}`, true);
        continue;
      }
      const response = forwardableH2Headers(head.headers);
      if (rule.responseHeaders) applyModifier(response, rule.responseHeaders);
      if (headers[DEBUG_REQUEST_HEADER] !== undefined) describeService(response, target, attempt, rule.label);
      relayH2Response(head, response, stream, (error) => {
        clearTimeout(deadline);
        this.proxy.record(info, start, status, error, dest, rule.label, target);
      });
      return;
    }
    clearTimeout(deadline);
    if (timedOut || stream.destroyed) return;
    const e = lastError ?? new AttemptError(502, 'no attempt was made', false);
    this.fail(stream, headers, info, start, e.status, e.message, dest, rule.label, lastTarget);
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

  private fail(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, info: RequestInfo, start: number, status: number, reason: string, dest: Destination | undefined, route: string, target: Target | undefined): void {
    respondProxyErrorH2(stream, headers, status, reason);
    if (!stream.endAfterHeaders && !stream.destroyed) stream.resume(); // drain a body nobody will read
    this.proxy.record(info, start, status, reason, dest, route, target);
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
