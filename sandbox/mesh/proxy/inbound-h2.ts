// The inbound half of a sidecar for HTTP/2: streams from a meshed client over mTLS (ALPN h2) or from an un-meshed one
// as h2c prior knowledge get the same policy as HTTP/1 (inbound.ts: TrafficTarget allow-list by verified identity and
// route, mTLS required by all-authenticated), the verified client identity header, metrics and tap, and go to the app
// on localHost:<port> over h2c, one pooled session per port.
import { createServer as createH2Server, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { CLIENT_ID_HEADER } from '../constants.js';
import { forwardableH2Headers, H2_SERVER_SETTINGS, H2SessionPool, serveH2Connection, socketOf, relayH2Response, respondProxyErrorH2, sendH2Request } from './h2-common.js';
import { connInfo, normalizeIP, type InboundProxy, type InboundRequestInfo } from './inbound.js';

export class InboundH2 {
  private readonly server: Http2Server;
  private readonly sessions = new H2SessionPool();

  constructor(private readonly proxy: InboundProxy) {
    this.server = createH2Server({ settings: H2_SERVER_SETTINGS });
    this.server.on('stream', (stream, headers) => this.handle(stream, headers));
    this.server.on('sessionError', () => {});
  }

  /** A connection (plaintext, or TLS that negotiated h2) whose connInfo and meshPort are already set. */
  serve(socket: Socket): void {
    // Called once the TLS handshake is over ('secure'), but a server-side TLSSocket made by hand (not by tls.Server)
    // keeps secureConnecting set, and node's http2 would wait for a 'secureConnect' that never comes.
    if (socket instanceof TLSSocket) (socket as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
    serveH2Connection(this.server, socket);
  }

  close(): void {
    this.sessions.destroy();
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const start = performance.now();
    const ctx = this.proxy.ctx;
    stream.on('error', () => {});
    const socket = socketOf(stream) as (Socket & { meshPort?: number }) | undefined;
    const conn = (socket && connInfo.get(socket)) ?? { tls: false };
    const port = socket?.meshPort ?? socket?.localPort ?? 0;
    const remoteAddress = socket?.remoteAddress;
    const authority = headers[':authority'] ?? headers.host;
    const info: InboundRequestInfo = {
      method: headers[':method'],
      url: headers[':path'],
      rawHeaders: authority ? ['host', String(authority)] : [],
      socket: { remoteAddress },
      protocol: 'HTTP/2',
    };
    const snap = ctx.snapshot();
    const nsConfig = snap.namespaces.get(ctx.namespace);
    const source = snap.podsByIP.get(normalizeIP(remoteAddress));

    const denial = this.proxy.authorize({ method: info.method, url: info.url, headers }, conn, port, remoteAddress, nsConfig?.pods.get(ctx.pod)?.inbound);
    if (denial) {
      respondProxyErrorH2(stream, headers, denial.status, denial.message, denial.headers, denial.body);
      if (!stream.endAfterHeaders) stream.resume();
      this.proxy.record(info, start, denial.status, conn, source, denial.message);
      return;
    }

    const out = forwardableH2Headers(headers, CLIENT_ID_HEADER); // only this proxy may assert who the client is
    if (conn.peerIdentity) out[CLIENT_ID_HEADER] = conn.peerIdentity;
    out[':scheme'] = 'http';
    const session = this.sessions.get(String(port), `http://${ctx.localHost}:${port}`, () => tcpConnect({ host: ctx.localHost, port, noDelay: true }));
    sendH2Request(session, out, stream.endAfterHeaders ? undefined : stream).then(
      (head) => {
        const status = Number(head.headers[':status'] ?? 502);
        relayH2Response(head, forwardableH2Headers(head.headers), stream, (error) => this.proxy.record(info, start, status, conn, source, error));
      },
      (err: Error) => {
        const reason = `connection to the app at ${ctx.localHost}:${port} failed: ${err.message}`;
        respondProxyErrorH2(stream, headers, 502, reason);
        this.proxy.record(info, start, 502, conn, source, err.message);
      },
    );
  }
}
