// What the sidecar's HTTP/2 paths (outbound/h2.ts, inbound-h2.ts) share: pooled client sessions (one per upstream),
// the relay of a response with its trailers (gRPC's status travels in them), the connection-specific headers HTTP/2
// forbids, and the proxy's own answers — gRPC-aware, as Envoy answers a gRPC call it cannot route: HTTP 200,
// trailers-only, with grpc-status mapped from the HTTP status (grpc/grpc doc/http-grpc-status-mapping.md).
import { connect as h2connect, constants, type Http2Server, type Http2Session, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { PROXY_ERROR_HEADER } from '../constants.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_FLAG_END_STREAM } = constants;

/**
 * Streams one client connection may have open at once on the sidecar's HTTP/2 listeners (node's default is 2^32-1):
 * multiplexing must not let one connection hold more requests than a shared sandbox should carry.
 */
export const H2_SERVER_SETTINGS = { maxConcurrentStreams: 256 };

/** An idle pooled session is closed after this long (as the HTTP/1 pools' keep-alive timeout). */
const SESSION_IDLE_MS = 60_000;

const sessionSockets = new WeakMap<Http2Session, Socket>();

/** Serves a connection with an HTTP/2 server, remembering which socket each session runs on (see socketOf). */
export function serveH2Connection(server: Http2Server, socket: Socket): void {
  const remember = (session: Http2Session) => sessionSockets.set(session, socket);
  server.once('session', remember); // emitted synchronously by the connection listener
  server.emit('connection', socket);
  server.off('session', remember);
}

/**
 * The connection a server stream arrived on, as the listener accepted it. `stream.session.socket` is a Proxy of it,
 * so WeakMaps keyed by the socket (connInfo, connection-prelude's original destinations) need this instead.
 */
export function socketOf(stream: ServerHttp2Stream): Socket | undefined {
  return stream.session ? sessionSockets.get(stream.session) : undefined;
}

/** RFC 9113 §8.2.2: connection-specific fields a proxy must not forward over HTTP/2 (`te` is kept only as "trailers"). */
const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings'];

/** A copy of an HTTP/2 header object fit to forward: connection-specific fields and `drop` (lower case) removed. */
export function forwardableH2Headers(headers: IncomingHttpHeaders, drop?: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === drop || CONNECTION_SPECIFIC.includes(name)) continue;
    if (name === 'te' && value !== 'trailers') continue;
    out[name] = value;
  }
  return out;
}

/** Whether a request is a gRPC call (content-type application/grpc, application/grpc+proto, …). */
export function isGrpc(headers: IncomingHttpHeaders): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && /^application\/grpc(?:$|[+;])/i.test(ct);
}

/** gRPC status codes by HTTP status, as Envoy and the gRPC spec map them (http-grpc-status-mapping.md). */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

/** grpc-message's percent-encoding (PROTOCOL-HTTP2.md): bytes outside 0x20–0x7E, and '%', as %XX. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A response the proxy makes itself on an HTTP/2 stream. gRPC calls get HTTP 200 trailers-only with grpc-status /
 * grpc-message; other requests the HTTP status and the reason as text. Both name the reason in l5d-proxy-error.
 */
export function respondProxyErrorH2(stream: ServerHttp2Stream, request: IncomingHttpHeaders, status: number, reason: string, extra: OutgoingHttpHeaders = {}, upstreamBody?: string): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close(NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const header = reason.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512); // header values must be visible ASCII
  if (isGrpc(request)) {
    stream.respond(
      { ...extra, ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(extra['grpc-status'] ?? grpcStatusForHttp(status)), 'grpc-message': encodeGrpcMessage(reason), [PROXY_ERROR_HEADER]: header },
      { endStream: true },
    );
    return;
  }
  const body = upstreamBody ?? `${reason}\n`;
  stream.respond({ 'content-type': 'text/plain; charset=utf-8', ...extra, ':status': status, 'content-length': Buffer.byteLength(body), [PROXY_ERROR_HEADER]: header });
  stream.end(body);
}

/** An upstream stream's response head, once it arrived. */
export interface H2ResponseHead {
  upstream: ClientHttp2Stream;
  headers: IncomingHttpHeaders;
  /** The response is headers only (a gRPC trailers-only answer, a 204 …): no body and no trailers follow. */
  endStream: boolean;
}

/** Sends a request on a pooled session; resolves with the response head, rejects on a stream or session error. */
export function sendH2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body: Buffer | ServerHttp2Stream | undefined, onStream?: (s: ClientHttp2Stream) => void): Promise<H2ResponseHead> {
  return new Promise((resolve, reject) => {
    let upstream: ClientHttp2Stream;
    try {
      upstream = session.request(headers, { endStream: body === undefined });
    } catch (err) {
      reject(err as Error);
      return;
    }
    onStream?.(upstream);
    let answered = false;
    upstream.once('response', (h, flags) => {
      answered = true;
      resolve({ upstream, headers: h, endStream: (flags & NGHTTP2_FLAG_END_STREAM) !== 0 });
    });
    upstream.once('error', (err) => {
      if (!answered) reject(err);
    });
    upstream.once('close', () => {
      if (!answered) reject(new Error(upstream.rstCode ? `stream reset by the peer (HTTP/2 error code ${upstream.rstCode})` : 'stream closed before a response'));
    });
    if (Buffer.isBuffer(body)) upstream.end(body);
    else if (body) body.pipe(upstream);
  });
}

/**
 * Watches the client's stream while a response is relayed to it: `done` is called once — with why, when the client
 * went away or reset the stream — and `cancelUpstream` frees the upstream when the client leaves first. Returns the
 * once-only finish for the relay's own outcomes, or undefined when the client had already gone (nothing to relay).
 */
export function watchDownstream(down: ServerHttp2Stream, cancelUpstream: () => void, done: (error?: string) => void): ((error?: string) => void) | undefined {
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    done(error);
  };
  if (down.destroyed || down.closed) {
    cancelUpstream();
    finish('the client went away');
    return undefined;
  }
  down.once('close', () => {
    cancelUpstream();
    finish(down.rstCode && down.rstCode !== constants.NGHTTP2_NO_ERROR ? `stream reset (HTTP/2 error code ${down.rstCode})` : undefined);
  });
  return finish;
}

/**
 * Relays an upstream response to the downstream stream: head (as given, already filtered), body, then the upstream's
 * trailers. `done` is called once, when the downstream stream closes, with an error text if it did not end cleanly.
 */
export function relayH2Response(head: H2ResponseHead, out: OutgoingHttpHeaders, down: ServerHttp2Stream, done: (error?: string) => void): void {
  const { upstream } = head;
  const finish = watchDownstream(down, () => !upstream.closed && upstream.close(NGHTTP2_CANCEL), done);
  if (!finish) return;
  if (head.endStream) {
    down.respond(out, { endStream: true });
    upstream.resume();
    return;
  }
  let trailers: IncomingHttpHeaders | undefined;
  upstream.once('trailers', (t) => (trailers = t));
  down.respond(out, { waitForTrailers: true });
  down.once('wantTrailers', () => {
    // No trailers from upstream: node sends an empty DATA frame with END_STREAM instead.
    if (!down.destroyed) down.sendTrailers(trailers ? forwardableH2Headers(trailers) : {});
  });
  upstream.once('error', (err) => {
    if (!down.destroyed) down.close(NGHTTP2_INTERNAL_ERROR);
    finish(err.message);
  });
  upstream.pipe(down);
}

/**
 * One HTTP/2 client session per key (upstream endpoint + expected identity, or the app's port): requests to the
 * same peer share it as streams. A session that closes, errs, gets GOAWAY or `isCurrent` rejects is replaced.
 */
export class H2SessionPool {
  private sessions = new Map<string, ClientHttp2Session>();

  constructor(private readonly isCurrent: (socket: Duplex | undefined) => boolean = () => true) {}

  get(key: string, authority: string, connect: () => Duplex): ClientHttp2Session {
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed && this.isCurrent(existing.socket as Duplex | undefined)) return existing;
    if (existing) {
      this.sessions.delete(key);
      existing.close(); // streams in flight finish; no new ones
    }
    const session = h2connect(authority, { createConnection: () => connect() });
    const forget = () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    session.on('error', forget); // its streams see the error too
    session.once('close', forget);
    session.once('goaway', forget);
    session.setTimeout(SESSION_IDLE_MS, () => session.close());
    this.sessions.set(key, session);
    return session;
  }

  /** Closes (gracefully) every session `keep` rejects: after a certificate rotation, the old ones. */
  prune(): void {
    for (const [key, s] of this.sessions) {
      if (!this.isCurrent(s.socket as Duplex | undefined)) {
        this.sessions.delete(key);
        s.close();
      }
    }
  }

  destroy(): void {
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }
}
