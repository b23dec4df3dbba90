// HTTP/2 (and gRPC) data plane with the same shape as http-client.ts's ConnectionPool, so the schedulers
// (closed model, open model with CO correction) drive it unchanged. Each of `connections` is one HTTP/2
// session (h2c with prior knowledge for http://, ALPN h2 for https://); the pool hands out
// connections × streams "slots", and a slot's send opens a new stream on the least-loaded live session:
// the closed model keeps `streams` concurrent streams per session, the open model sends each due slot on
// the session with the fewest streams in flight.
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { ConnectionEvents, HttpConnection, RequestErrorKind, RequestTemplate } from './http-client.js';
import { decodeHealthCheckResponse, frameGrpcMessage, grpcCodeStatus, healthStatus, type GrpcCall } from './grpc-client.js';
import { SlotPool } from './slot-pool.js';

const { HTTP2_HEADER_STATUS, NGHTTP2_CANCEL } = http2.constants;

class H2Session {
  inFlight = 0;
  session: http2.ClientHttp2Session | null = null;
  private connecting: Promise<void> | null = null;

  constructor(private readonly pool: H2Pool) {}

  get live(): boolean {
    return this.session !== null && !this.session.destroyed && !this.session.closed;
  }

  connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    if (this.live && !this.connecting) return Promise.resolve();
    const { url, insecure, connectTo } = this.pool.template;
    const name = url.hostname.replace(/^\[|\]$/g, '');
    const https = url.protocol === 'https:';
    const options: http2.SecureClientSessionOptions = { rejectUnauthorized: !insecure, ALPNProtocols: ['h2'] };
    if (!net.isIP(name)) options.servername = name;
    if (connectTo) {
      // Dial elsewhere (a pod's sidecar), the PROXY preamble first; the authority stays the URL's.
      options.createConnection = () => {
        const raw = net.connect({ host: connectTo.host, port: connectTo.port, localAddress: connectTo.localAddress });
        if (connectTo.preamble && !https) raw.write(connectTo.preamble, 'latin1');
        raw.setNoDelay(true);
        return https ? tls.connect({ socket: raw, servername: options.servername, rejectUnauthorized: !insecure, ALPNProtocols: ['h2'] }) : raw;
      };
    }
    const session = http2.connect(url.origin, options);
    this.session = session;
    session.on('error', () => undefined); // streams report their own failure; the session is re-dialled on next use
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    this.connecting = new Promise<void>((resolve, reject) => {
      const onConnect = (): void => {
        session.off('error', onFail);
        this.connecting = null;
        resolve();
      };
      const onFail = (err: Error): void => {
        session.off('connect', onConnect);
        this.connecting = null;
        if (this.session === session) this.session = null;
        session.destroy();
        reject(err);
      };
      session.once('connect', onConnect);
      session.once('error', onFail);
    });
    return this.connecting;
  }

  close(): void {
    const s = this.session;
    this.session = null;
    this.connecting = null;
    s?.destroy();
  }
}

/** One request slot: what the scheduler sees as a connection (one request in flight at a time). */
export class H2Slot {
  sentAt = 0;
  intendedAt = 0;
  busy = false;
  private stream: http2.ClientHttp2Stream | null = null;
  private session: H2Session | null = null;
  private generation = 0;

  constructor(
    readonly id: number,
    private readonly pool: H2Pool,
  ) {}

  send(intendedAt: number): void {
    this.busy = true;
    this.intendedAt = intendedAt;
    this.sentAt = performance.now();
    const gen = ++this.generation;
    const session = this.pool.leastLoaded();
    this.session = session;
    session.inFlight++;
    if (session.live) this.open(gen, session);
    else
      session.connect().then(
        () => (gen === this.generation && this.busy ? this.open(gen, session) : undefined),
        () => (gen === this.generation ? this.finish(gen, 'connect') : undefined),
      );
  }

  abort(kind: RequestErrorKind): void {
    if (this.busy) this.finish(this.generation, kind);
  }

  /** Forget the in-flight request without an event (the pool is closing, like ConnectionPool.close). */
  drop(): void {
    this.generation++;
    this.release();
  }

  private open(gen: number, session: H2Session): void {
    const pool = this.pool;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.session!.request(pool.requestHeaders, { endStream: pool.requestBody === null });
    } catch {
      session.close();
      return this.finish(gen, 'reset');
    }
    this.stream = stream;
    if (pool.requestBody !== null) stream.end(pool.requestBody);
    let status = 0;
    let grpcStatus: number | null = null;
    let bytes = 0;
    const chunks: Buffer[] | null = pool.grpc?.health ? [] : null;
    const readGrpcStatus = (headers: http2.IncomingHttpHeaders): void => {
      const g = headers['grpc-status'];
      if (g !== undefined) grpcStatus = Number(g);
    };
    stream.on('response', (headers) => {
      status = Number(headers[HTTP2_HEADER_STATUS]);
      if (pool.grpc) readGrpcStatus(headers); // trailers-only response
    });
    stream.on('trailers', readGrpcStatus);
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      chunks?.push(chunk);
    });
    stream.on('end', () => {
      if (gen !== this.generation || !this.busy) return;
      let outcome = status;
      if (pool.grpc && status === 200) {
        // A 200 without grpc-status is a broken gRPC response: a protocol error, not a status.
        if (grpcStatus === null || !Number.isInteger(grpcStatus) || grpcStatus < 0) return this.finish(gen, 'protocol');
        outcome = grpcCodeStatus(grpcStatus);
        if (grpcStatus === 0 && chunks) {
          const serving = decodeHealthCheckResponse(Buffer.concat(chunks));
          if (serving === null) return this.finish(gen, 'protocol');
          outcome = healthStatus(serving);
        }
      }
      this.done(gen, outcome, bytes);
    });
    stream.on('error', () => {
      if (gen === this.generation && this.busy) this.finish(gen, 'reset');
    });
    stream.on('close', () => {
      // Closed without 'end' (RST_STREAM, GOAWAY, session loss).
      if (gen === this.generation && this.busy) this.finish(gen, status ? 'reset' : 'closed');
    });
    stream.resume();
  }

  private release(): void {
    if (this.session) this.session.inFlight--;
    this.session = null;
    this.stream = null;
    this.busy = false;
  }

  private done(gen: number, status: number, bytes: number): void {
    if (gen !== this.generation) return;
    const doneAt = performance.now();
    this.release();
    this.pool.events.onResponse(this as unknown as HttpConnection, status, this.sentAt, doneAt, bytes);
  }

  private finish(gen: number, kind: RequestErrorKind): void {
    if (gen !== this.generation || !this.busy) return;
    const doneAt = performance.now();
    const stream = this.stream;
    this.generation++;
    this.release();
    if (stream && !stream.closed) stream.close(NGHTTP2_CANCEL);
    this.pool.events.onError(this as unknown as HttpConnection, kind, this.sentAt, doneAt);
  }
}

export class H2Pool extends SlotPool<H2Slot> {
  readonly sessions: H2Session[] = [];
  readonly requestHeaders: http2.OutgoingHttpHeaders;
  readonly requestBody: Buffer | null;

  constructor(
    readonly template: RequestTemplate,
    sessions: number,
    streams: number,
    readonly events: ConnectionEvents,
    timeoutMs: number,
    readonly grpc: GrpcCall | null = null,
  ) {
    super(timeoutMs);
    const url = template.url;
    const headers: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(template.headers)) {
      const key = k.toLowerCase();
      if (key === 'host') headers[':authority'] = v; // HTTP/2 carries Host as :authority
      else if (!['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'].includes(key)) headers[key] = v;
    }
    headers[':authority'] ??= url.host;
    headers['user-agent'] ??= 'mesh-playground-loadgen';
    if (grpc) {
      Object.assign(headers, { ':method': 'POST', ':path': grpc.method, 'content-type': 'application/grpc', te: 'trailers' });
      this.requestBody = frameGrpcMessage(grpc.message);
    } else {
      headers[':method'] = template.method;
      headers[':path'] = (url.pathname || '/') + url.search;
      headers.accept ??= '*/*';
      this.requestBody = template.body === undefined ? null : Buffer.from(template.body);
    }
    this.requestHeaders = headers;
    for (let i = 0; i < sessions; i++) this.sessions.push(new H2Session(this));
    for (let i = 0; i < sessions * streams; i++) this.addSlot(new H2Slot(i, this));
  }

  async open(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.connect()));
    this.startSweeping();
  }

  /** The session with the fewest streams in flight (live ones first). */
  leastLoaded(): H2Session {
    let best = this.sessions[0];
    for (const s of this.sessions) {
      if (s.live !== best.live ? s.live : s.inFlight < best.inFlight) best = s;
    }
    return best;
  }

  close(): void {
    this.stopSweeping();
    for (const c of this.connections) c.drop();
    for (const s of this.sessions) s.close();
  }
}
