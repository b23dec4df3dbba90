// The inbound half of a sidecar: it owns podIP:<each app port> (declared, or found listening), tells TLS from plaintext by the first byte
// (a TLS record starts with 0x16, like Linkerd's protocol detection), terminates mTLS with the workload
// certificate (client certificate required and verified), enforces the pod's compiled InboundPolicy (per connection,
// then per request: SMI, Linkerd and Istio policy alike), and forwards to the app on localHost:<port>. HTTP/2 (ALPN h2
// inside the mTLS, or h2c prior knowledge in plaintext) goes to inbound-h2.ts under the same policy.
import { STATUS_CODES, createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { PodInfo } from '../config/snapshot.js';
import type { InboundDenial, InboundPolicy } from '../config/inbound-policy.js';
import { CLIENT_ID_HEADER, PROXY_ERROR_HEADER } from '../constants.js';
import { spiffeIdOfSubjectAltName } from '../identity/spiffe.js';
import { proxyError, whenAdmitted, type ProxyContext } from './proxy-context.js';
import { forwardableHeaders, hasRequestBody, rawHeader } from './raw-headers.js';
import type { TrafficStats } from './traffic-stats.js';
import { plainAgent } from './upstream-pool.js';
import { relayBody } from './relay-body.js';
import { connect as tcpConnect } from 'node:net';
import { serveFast, UpstreamPool, type LocalReply, type RelayPlan } from './fast-relay.js';
import type { RequestHead } from './http1-head.js';
import { H2_PREFACE } from './connection-prelude.js';
import { MESH_TCP_ALPN, relayToApp } from './tcp-relay.js';
import { InboundH2 } from './inbound-h2.js';
import { inboundIstioLabels } from './istio-labels.js';
import type { IstioSeriesSet } from './istio-metrics.js';
import { SeriesCache } from './series-cache.js';
import { envoyAccessLogLine } from './access-log.js';

/** What metrics and tap need from a request, from node:http, the fast path or the HTTP/2 path. */
export interface InboundRequestInfo {
  method?: string;
  url?: string;
  rawHeaders: string[];
  socket: { remoteAddress?: string; remotePort?: number; localPort?: number; meshPort?: number };
  protocol?: 'HTTP/2';
}

const TLS_HANDSHAKE_RECORD = 0x16;
const DETECT_TIMEOUT_MS = 10_000;
/** Golden-metric series kept per proxy before the cache starts over (authority × TLS × peer). */
const MAX_CACHED_SERIES = 10_000;

export interface ConnInfo {
  tls: boolean;
  peerIdentity?: string;
}
/** What the listener learnt about each accepted connection (TLS, the verified client identity). */
export const connInfo = new WeakMap<Socket, ConnInfo>();

export class InboundProxy {
  private servers = new Map<number, NetServer>();
  private http: HttpServer;
  private sockets = new Set<Socket>();
  private agent = plainAgent();
  private pool = new UpstreamPool();
  /** Golden-metric series by authority, TLS and peer identity. */
  private statsCache = new SeriesCache<TrafficStats>(MAX_CACHED_SERIES);
  /** Istio's series per the same and the source workload (istio-metrics.ts). */
  private istioCache = new SeriesCache<IstioSeriesSet>(MAX_CACHED_SERIES);
  /** The HTTP/2 path (h2 over mTLS by ALPN, h2c prior knowledge), made on the first such connection. */
  private h2?: InboundH2;

  constructor(readonly ctx: ProxyContext) {
    this.http = createHttpServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 0 }, this.handle);
    this.http.on('clientError', (_err, socket) => socket.destroy());
  }

  async listen(ports: number[]): Promise<void> {
    for (const port of ports) await this.listenPort(port);
  }

  /** Whether podIP:<port> is captured. */
  has(port: number): boolean {
    return this.servers.has(port);
  }

  /** Captures podIP:<port> (forwarding to localHost:<port>). */
  async listenPort(port: number): Promise<void> {
    if (this.servers.has(port)) return;
    const server = createNetServer({ pauseOnConnect: false }, (socket) => this.accept(socket, port));
    this.servers.set(port, server);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.ctx.podIP, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      if (this.servers.get(port) === server) this.servers.delete(port);
      throw err;
    }
    // Closed (or the port released) while binding: do not leave a listener behind.
    if (this.servers.get(port) !== server) await new Promise((r) => server.close(r));
  }

  /** Stops capturing podIP:<port> (the app no longer listens there). */
  async closePort(port: number): Promise<void> {
    const server = this.servers.get(port);
    if (!server) return;
    this.servers.delete(port);
    await new Promise((r) => server.close(r));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.http.closeAllConnections();
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    this.agent.destroy();
    this.pool.destroy();
    this.h2?.close();
  }

  /** Hands a connection to the fast path, which passes it to node:http for anything it declines. */
  private serve(socket: Socket): void {
    serveFast(socket, this.pool, this.fastPlan, (s) => this.http.emit('connection', s));
  }

  /** The pod's inbound policy in the current snapshot (absent: allow all). */
  policy(): InboundPolicy | undefined {
    return this.ctx.snapshot().namespaces.get(this.ctx.namespace)?.pods.get(this.ctx.pod)?.inbound;
  }

  /**
   * The fast path's plan (connections were checked on accept). Requests the policy looks at are authorized here
   * too: allowed ones are relayed, a denial is answered here (the connection stays on the fast path).
   */
  private fastPlan = (head: RequestHead, client: Socket): RelayPlan | LocalReply | undefined => {
    const start = performance.now();
    const socket = client as Socket & { meshPort?: number };
    const conn = connInfo.get(socket) ?? { tls: false };
    const port = socket.meshPort ?? socket.localPort ?? 0;
    const snap = this.ctx.snapshot();
    const policy = snap.namespaces.get(this.ctx.namespace)?.pods.get(this.ctx.pod)?.inbound;
    const remoteAddress = socket.remoteAddress;
    const denial = policy?.perRequest ? this.authorize({ method: head.method, url: head.url, headers: headersOf(head.rawHeaders) }, conn, port, remoteAddress, policy) : undefined;
    const source = snap.podsByIP.get(normalizeIP(remoteAddress));
    const info: InboundRequestInfo = { method: head.method, url: head.url, rawHeaders: head.rawHeaders, socket: { remoteAddress, remotePort: socket.remotePort, meshPort: port } };
    if (denial) return { reply: denialResponse(denial, head.close), done: () => this.record(info, start, denial.status, conn, source, denial.message) };
    return new InboundPlan(this, info, start, conn, source, port);
  };

  private accept(socket: Socket, port: number): void {
    socket.on('error', () => socket.destroy());
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    whenAdmitted(this.ctx.network, socket, () => this.admitted(socket, port)); // NetworkPolicy, before any byte is read
  }

  private admitted(socket: Socket, port: number): void {
    socket.setNoDelay(true);
    socket.setTimeout(DETECT_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      (socket as Socket & { meshPort?: number }).meshPort = port;
      if (first[0] === TLS_HANDSHAKE_RECORD) this.acceptTls(socket);
      else this.acceptPlain(socket, startsLikeH2(first) ? 'h2' : startsLikeHttp1(first) ? 'http1' : 'tcp');
    });
  }

  private acceptPlain(socket: Socket, protocol: 'h2' | 'http1' | 'tcp'): void {
    const t = this.ctx.metrics.tcp.inbound.plain;
    t.open++;
    t.total++;
    socket.once('close', () => t.open--);
    connInfo.set(socket, { tls: false });
    if (this.refused(socket, { tls: false })) return;
    if (protocol === 'h2') return (this.h2 ??= new InboundH2(this)).serve(socket); // the session reads the socket itself
    // Not HTTP (Envoy's inbound protocol sniffing): the bytes go to the app as they are.
    if (protocol === 'tcp') return this.relayOpaque(socket, (socket as Socket & { meshPort?: number }).meshPort ?? socket.localPort ?? 0);
    this.serve(socket);
    socket.resume();
  }

  private acceptTls(socket: Socket): void {
    const identity = this.ctx.identity();
    if (!identity) {
      socket.destroy();
      return;
    }
    // ALPN: meshed HTTP/2 clients (gRPC) offer h2; HTTP/1 clients offer nothing and are served as before.
    const tls = new TLSSocket(socket, { isServer: true, secureContext: identity.secureContext, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2', 'http/1.1', MESH_TCP_ALPN] });
    tls.on('error', () => tls.destroy()); // failed handshakes (untrusted or missing client certificate)
    tls.once('secure', () => {
      const t = this.ctx.metrics.tcp.inbound.tls;
      t.open++;
      t.total++;
      tls.once('close', () => t.open--);
      const peer = spiffeIdOfSubjectAltName(tls.getPeerCertificate().subjectaltname);
      connInfo.set(tls, { tls: true, peerIdentity: peer });
      (tls as TLSSocket & { meshPort?: number }).meshPort = (socket as Socket & { meshPort?: number }).meshPort;
      if (this.refused(tls, { tls: true, peerIdentity: peer }, socket)) return;
      this.sockets.add(tls);
      tls.once('close', () => this.sockets.delete(tls));
      if (tls.alpnProtocol === MESH_TCP_ALPN) this.relayOpaque(tls, (tls as TLSSocket & { meshPort?: number }).meshPort ?? 0);
      else if (tls.alpnProtocol === 'h2') (this.h2 ??= new InboundH2(this)).serve(tls);
      else this.serve(tls);
    });
  }

  /**
   * Bytes to the app as they are — unless the pod's policy decides per HTTP request (authorization rules on methods,
   * paths, headers): relaying would let a client skip those rules by not speaking HTTP (or by claiming TCP), so the
   * connection is reset, as an ALLOW rule with only HTTP conditions matches no TCP connection in Istio.
   */
  private relayOpaque(socket: Socket, port: number): void {
    if (this.policy()?.perRequest) {
      this.ctx.log(`inbound: reset an opaque TCP connection to port ${port}: the pod's policy decides per HTTP request`);
      socket.destroy();
      return;
    }
    relayToApp(this.ctx, socket, port);
  }

  /**
   * Resets a connection the policy refuses outright (no HTTP answer: Envoy resets a plaintext client under STRICT, and
   * curl then says "Recv failure: Connection reset by peer", exit 56); true when refused. `raw` is the TCP socket under TLS.
   */
  private refused(socket: Socket, conn: ConnInfo, raw: Socket = socket): boolean {
    const port = (socket as Socket & { meshPort?: number }).meshPort ?? socket.localPort ?? 0;
    const why = this.policy()?.refuseConnection({ port, tls: conn.tls, peerIdentity: conn.peerIdentity, sourceIP: normalizeIP(socket.remoteAddress), metrics: this.ctx.metrics.authz, log: this.ctx.log });
    if (!why) return false;
    this.ctx.metrics.tcp.inbound.refused++;
    this.ctx.log(`inbound: refused a connection from ${normalizeIP(socket.remoteAddress)} to port ${port}: ${why}`);
    raw.resetAndDestroy(); // RST, not FIN: a FIN would read as an empty reply (curl exit 52)
    if (raw !== socket) socket.destroy();
    return true;
  }

  private handle = (req: IncomingMessage, res: ServerResponse): void => {
    const start = performance.now();
    const socket = req.socket as Socket & { meshPort?: number };
    const conn = connInfo.get(socket) ?? { tls: false };
    const port = socket.meshPort ?? socket.localPort ?? 0;
    const snap = this.ctx.snapshot();
    const nsConfig = snap.namespaces.get(this.ctx.namespace);
    const self = nsConfig?.pods.get(this.ctx.pod);
    const source = snap.podsByIP.get(normalizeIP(socket.remoteAddress));

    const denial = this.authorize(req, conn, port, socket.remoteAddress, self?.inbound);
    if (denial) {
      proxyError(res, denial.status, denial.message, denial.body, denial.headers);
      req.resume();
      this.record(req, start, denial.status, conn, source, denial.message);
      return;
    }

    const headers = forwardableHeaders(req.rawHeaders, CLIENT_ID_HEADER); // only this proxy may assert who the client is
    if (conn.peerIdentity) headers.push(CLIENT_ID_HEADER, conn.peerIdentity);
    const upstream = httpRequest({ host: this.ctx.localHost, port, method: req.method, path: req.url, headers, agent: this.agent });
    upstream.once('response', (r) => {
      res.writeHead(r.statusCode ?? 502, forwardableHeaders(r.rawHeaders));
      relayBody(r, res);
      res.once('finish', () => this.record(req, start, r.statusCode ?? 502, conn, source, undefined));
    });
    upstream.once('error', (err) => {
      proxyError(res, 502, `connection to the app at ${this.ctx.localHost}:${port} failed: ${err.message}`);
      this.record(req, start, 502, conn, source, err.message);
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    // Most requests have no body: end at once instead of wiring a pipe (a dozen listeners per request).
    if (hasRequestBody(req.rawHeaders)) req.pipe(upstream);
    else {
      upstream.end();
      req.resume();
    }
  };

  /** The policy's denial of a request, or undefined when allowed (HTTP/1 and HTTP/2 alike). */
  authorize(req: { method?: string; url?: string; headers: IncomingHttpHeaders }, conn: ConnInfo, port: number, remoteAddress: string | undefined, policy: InboundPolicy | undefined): InboundDenial | undefined {
    if (!policy?.perRequest) return undefined;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return policy.authorize({
      port,
      tls: conn.tls,
      peerIdentity: conn.peerIdentity,
      sourceIP: normalizeIP(remoteAddress),
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: req.headers,
      metrics: this.ctx.metrics.authz,
      log: this.ctx.log,
      authority: String(req.headers[':authority'] ?? req.headers.host ?? ''),
    });
  }

  /** Metrics and tap for one finished request (also called by the fast path's plans). */
  record(req: InboundRequestInfo, start: number, status: number, conn: ConnInfo, source: PodInfo | undefined, error: string | undefined): void {
    const latency = performance.now() - start;
    const authority = rawHeader(req.rawHeaders, 'host') ?? '';
    const tls = conn.tls ? 'true' : 'no_identity';
    const peer = conn.peerIdentity ?? '';
    const keys = [authority, tls, peer];
    let stats = this.statsCache.get(keys);
    if (!stats) {
      stats = this.ctx.metrics.statsFor({
        direction: 'inbound',
        authority,
        dst_namespace: this.ctx.namespace,
        dst_deployment: this.ctx.deployment() ?? '',
        dst_service: '',
        route: '',
        tls,
        client_id: peer,
      });
      this.statsCache.set(keys, stats);
    }
    stats.record(status, latency, status < 500, Date.now());
    keys.push(source?.namespace ?? '', source?.deployment ?? '');
    let istio = this.istioCache.get(keys);
    if (!istio) {
      istio = this.ctx.metrics.istio.seriesFor(inboundIstioLabels(this.ctx, authority, conn, source));
      this.istioCache.set(keys, istio);
    }
    istio.record(status, error && status >= 500 ? 'UF' : '-', latency);
    if (this.ctx.snapshot().namespaces.get(this.ctx.namespace)?.pods.get(this.ctx.pod)?.accessLog) {
      const port = req.socket.meshPort ?? req.socket.localPort ?? 0;
      const remote = normalizeIP(req.socket.remoteAddress);
      this.ctx.log(
        envoyAccessLogLine({
          startMs: Date.now() - latency,
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          protocol: req.protocol ?? 'HTTP/1.1',
          status,
          flags: error && status >= 500 ? 'UF' : '-',
          details: !error ? 'via_upstream' : status === 403 ? 'rbac_access_denied_matched_policy[none]' : 'upstream_reset_before_response_started',
          durationMs: latency,
          rawHeaders: req.rawHeaders,
          authority,
          upstreamHost: `${this.ctx.localHost}:${port}`,
          upstreamCluster: `inbound|${port}||`,
          downstreamLocal: `${this.ctx.podIP}:${port}`,
          downstreamRemote: remote ? `${remote}:${req.socket.remotePort ?? 0}` : undefined,
          serverName: conn.tls ? 'outbound_.' + port + '_._.' + (authority.replace(/:\d+$/, '') || '-') : undefined,
          route: 'default',
        }),
      );
    }
    if (this.ctx.tap.active) {
      this.ctx.tap.publish({
        timestamp: new Date().toISOString(),
        direction: 'inbound',
        proxy: { namespace: this.ctx.namespace, pod: this.ctx.pod, deployment: this.ctx.deployment() },
        source: { namespace: source?.namespace, pod: source?.name, deployment: source?.deployment, ip: normalizeIP(req.socket.remoteAddress), identity: conn.peerIdentity },
        destination: { namespace: this.ctx.namespace, pod: this.ctx.pod, deployment: this.ctx.deployment(), ip: this.ctx.podIP, identity: this.ctx.identity()?.spiffeId },
        authority,
        route: '',
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        status,
        latencyMs: latency,
        tls: conn.tls,
        protocol: req.protocol,
        error,
      });
    }
  }
}

/** One fast-path request of the inbound proxy: to the app on localHost:<port>, with the verified client identity. */
class InboundPlan implements RelayPlan {
  readonly upstreamKey: string;
  readonly dropRequestHeader = CLIENT_ID_HEADER; // only this proxy may assert who the client is
  readonly addRequestHeaders: string[];

  constructor(
    private readonly proxy: InboundProxy,
    private readonly info: InboundRequestInfo,
    private readonly start: number,
    private readonly conn: ConnInfo,
    private readonly source: PodInfo | undefined,
    private readonly port: number,
  ) {
    this.upstreamKey = `${proxy.ctx.localHost}:${port}`;
    this.addRequestHeaders = conn.peerIdentity ? [CLIENT_ID_HEADER, conn.peerIdentity] : [];
  }

  connect(): Socket {
    return tcpConnect({ host: this.proxy.ctx.localHost, port: this.port, noDelay: true });
  }

  onResponseHead(): string[] {
    return [];
  }

  done(status: number, error?: string): void {
    this.proxy.record(this.info, this.start, status, this.conn, this.source, error);
  }

  cancelled(): void {}
}

/** A denial as HTTP/1.1 bytes, with the headers the slow path's proxyError() sends (proxy-context.ts). */
function denialResponse(d: InboundDenial, close: boolean): Buffer {
  const body = d.body ?? `${d.message}\n`;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', ...d.headers, 'content-length': String(Buffer.byteLength(body)), [PROXY_ERROR_HEADER]: d.message.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512) };
  headers.date = new Date().toUTCString();
  headers.connection = close ? 'close' : 'keep-alive';
  let head = `HTTP/1.1 ${d.status} ${STATUS_CODES[d.status] ?? 'Error'}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v.replace(/[\r\n]/g, ' ')}\r\n`;
  return Buffer.from(`${head}\r\n${body}`, 'utf8');
}

/** Raw header pairs as node:http presents them (names lower-cased, repeated values joined with ", "). */
function headersOf(raw: string[]): IncomingHttpHeaders {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    out[name] = out[name] === undefined ? raw[i + 1] : `${out[name]}, ${raw[i + 1]}`;
  }
  return out;
}

export const normalizeIP = (ip: string | undefined) => (ip?.startsWith('::ffff:') ? ip.slice(7) : ip ?? '');

/**
 * Whether a plaintext connection's first bytes are HTTP/2's preface: h2c with prior knowledge. Three bytes ("PRI")
 * already rule out every HTTP/1 method; a shorter first read is left to HTTP/1, which rejects the preface.
 */
/** An HTTP/1 request line starts with a method token (upper-case letters) and a space: anything else is opaque TCP. */
function startsLikeHttp1(first: Buffer): boolean {
  const head = first.subarray(0, 16).toString('latin1');
  return /^[A-Z]{1,15}( |$)/.test(head);
}

function startsLikeH2(first: Buffer): boolean {
  const n = Math.min(first.length, H2_PREFACE.length);
  return n >= 3 && first.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}
