// The benchmark's data plane: a fixed pool of keep-alive HTTP/1.1 connections on raw sockets, each
// carrying one request at a time. The request bytes are built once; a response is parsed by the minimal
// parser in http-response-parser.ts. Timeouts are enforced by one sweep over the pool rather than a
// timer per request, which keeps the per-request cost to a write, a parse and two clock reads.
import { createRequire } from 'node:module';
import net from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ResponseParser, HttpParseError } from './http-response-parser.js';
import { SlotPool } from './slot-pool.js';

// node:tls is loaded on first use: a plain-HTTP generator does without its ~1 MB of RSS.
const requireBuiltin = createRequire(import.meta.url);
let tlsConnect: ((options: ConnectionOptions) => TLSSocket) | null = null;
const connectTls = (options: ConnectionOptions): TLSSocket => (tlsConnect ??= (requireBuiltin('node:tls') as typeof import('node:tls')).connect)(options);

export interface RequestTemplate {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Skip TLS certificate verification (self-signed targets such as the sandbox's mTLS gateways). */
  insecure?: boolean;
  /** Dial here instead of the URL's host (the Host header and TLS name stay the URL's). */
  connectTo?: { host: string; port: number; localAddress?: string; preamble?: string };
}

/** Why a request failed without a status code. */
export type RequestErrorKind = 'connect' | 'timeout' | 'reset' | 'protocol' | 'closed';

export interface ConnectionEvents {
  /** A response completed. Times are performance.now() milliseconds. */
  onResponse(conn: HttpConnection, status: number, sentAt: number, doneAt: number, bytes: number): void;
  /** The in-flight request failed; the connection reconnects on its next send. */
  onError(conn: HttpConnection, kind: RequestErrorKind, sentAt: number, doneAt: number): void;
}

export function buildRequestBytes(t: RequestTemplate): Buffer {
  const path = (t.url.pathname || '/') + t.url.search;
  const lines = [`${t.method} ${path} HTTP/1.1`];
  const lower = new Set(Object.keys(t.headers).map((k) => k.toLowerCase()));
  if (!lower.has('host')) lines.push(`Host: ${t.url.host}`);
  if (!lower.has('user-agent')) lines.push('User-Agent: mesh-playground-loadgen');
  if (!lower.has('accept')) lines.push('Accept: */*');
  for (const [k, v] of Object.entries(t.headers)) lines.push(`${k}: ${v}`);
  const body = t.body === undefined ? undefined : Buffer.from(t.body);
  if (body && !lower.has('content-length')) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

export class HttpConnection {
  /** performance.now() when the in-flight request was written; 0 when idle. */
  sentAt = 0;
  /** Scheduler's bookkeeping for the in-flight request (its intended start, in ms). */
  intendedAt = 0;
  busy = false;
  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private readonly parser = new ResponseParser();
  private bytes = 0;

  constructor(
    readonly id: number,
    private readonly pool: ConnectionPool,
  ) {
    this.parser.noBody = pool.template.method === 'HEAD';
  }

  get connected(): boolean {
    return this.socket !== null && this.connecting === null;
  }

  connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    if (this.socket) return Promise.resolve();
    const { url, insecure, connectTo } = this.pool.template;
    const name = url.hostname.replace(/^\[|\]$/g, '');
    const host = connectTo?.host ?? name;
    const port = connectTo?.port ?? (Number(url.port) || (url.protocol === 'https:' ? 443 : 80));
    const localAddress = connectTo?.localAddress;
    // Plain TCP reads land in the pool's one reusable buffer (onread): no Buffer and no stream push per
    // response. Safe because the parser copies whatever it keeps before the callback returns.
    const socket: net.Socket =
      url.protocol === 'https:'
        ? connectTls({ host, port, servername: net.isIP(name) ? undefined : name, rejectUnauthorized: !insecure, ALPNProtocols: ['http/1.1'] })
        : net.connect({
            host,
            port,
            localAddress,
            onread: {
              buffer: this.pool.readBuffer,
              callback: (n: number, buf: Uint8Array): boolean => {
                if (this.socket === socket) this.onData(Buffer.from(buf.buffer, buf.byteOffset, n));
                return true;
              },
            },
          });
    socket.setNoDelay(true);
    if (connectTo?.preamble && url.protocol !== 'https:') socket.write(connectTo.preamble, 'latin1'); // ahead of every request
    this.socket = socket;
    this.connecting = new Promise<void>((resolve, reject) => {
      const ready = url.protocol === 'https:' ? 'secureConnect' : 'connect';
      const onReady = (): void => {
        socket.off('error', onFail);
        this.connecting = null;
        resolve();
      };
      const onFail = (err: Error): void => {
        socket.off(ready, onReady);
        this.connecting = null;
        this.socket = null;
        socket.destroy();
        reject(err);
      };
      socket.once(ready, onReady);
      socket.once('error', onFail);
    });
    // Handlers check identity: after a reconnect, late events from the old socket must not touch the new one.
    if (url.protocol === 'https:') {
      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) this.onData(chunk);
      });
    }
    socket.on('error', () => {
      if (this.socket === socket) this.onSocketEnd('reset');
    });
    socket.on('close', () => {
      if (this.socket === socket) this.onSocketEnd('closed');
    });
    return this.connecting;
  }

  /** Write the request; the outcome arrives through the pool's events. */
  send(intendedAt: number): void {
    this.busy = true;
    this.intendedAt = intendedAt;
    this.parser.reset();
    this.bytes = 0;
    if (this.socket && !this.connecting) {
      this.sentAt = performance.now();
      this.socket.write(this.pool.requestBytes);
      return;
    }
    // Not connected (first use or after an error): connect, then write. Connect time counts in the latency.
    this.sentAt = performance.now();
    this.connect().then(
      () => {
        if (this.busy && this.socket) this.socket.write(this.pool.requestBytes);
      },
      () => this.fail('connect'),
    );
  }

  /** Abandon the in-flight request (timeout or cancellation) and drop the socket. */
  abort(kind: RequestErrorKind): void {
    if (!this.busy) return;
    this.fail(kind);
  }

  close(): void {
    this.busy = false;
    const s = this.socket;
    this.socket = null;
    this.connecting = null;
    s?.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.busy) {
      // Bytes nobody asked for: the server is not speaking HTTP/1.1 request/response; drop the connection.
      this.close();
      return;
    }
    this.bytes += chunk.length;
    let done: boolean;
    try {
      done = this.parser.feed(chunk);
    } catch (err) {
      if (err instanceof HttpParseError) return this.fail('protocol');
      throw err;
    }
    if (done) this.complete();
  }

  private complete(): void {
    const doneAt = performance.now();
    const status = this.parser.status;
    const keepAlive = this.parser.keepAlive;
    this.busy = false;
    if (!keepAlive) this.close();
    this.pool.events.onResponse(this, status, this.sentAt, doneAt, this.bytes);
  }

  private onSocketEnd(kind: RequestErrorKind): void {
    if (this.busy && this.parser.finishOnClose()) {
      this.socket = null;
      this.complete();
      return;
    }
    this.socket = null;
    if (this.busy && !this.connecting) this.fail(kind);
  }

  private fail(kind: RequestErrorKind): void {
    const doneAt = performance.now();
    this.close();
    this.pool.events.onError(this, kind, this.sentAt, doneAt);
  }
}

export class ConnectionPool extends SlotPool<HttpConnection> {
  readonly requestBytes: Buffer;
  /** Shared read buffer for every plain-TCP connection of the pool (see HttpConnection.connect). */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly template: RequestTemplate,
    size: number,
    readonly events: ConnectionEvents,
    timeoutMs: number,
  ) {
    super(timeoutMs);
    this.requestBytes = buildRequestBytes(template);
    for (let i = 0; i < size; i++) this.addSlot(new HttpConnection(i, this));
  }

  /** Connect every connection up front (like wrk), so connection set-up is not measured as latency. */
  async open(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.connect()));
    this.startSweeping();
  }

  close(): void {
    this.stopSweeping();
    for (const c of this.connections) c.close();
  }
}

