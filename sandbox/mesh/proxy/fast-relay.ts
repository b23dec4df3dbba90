// The sidecars' fast path: HTTP/1.1 relayed on raw sockets. The request head is parsed by a strict minimal
// parser (http1-head.ts), the proxy decides where it goes, the head is re-written with the proxy's header
// changes and the body relayed by length; the response head is parsed the same way and its body relayed
// by length or chunked framing, untouched. Connections stay alive on both sides, upstreams are pooled.
// Anything the fast path does not handle — an odd request, a rule needing retries, timeouts, faults or
// header filters, policy checks — is handed with its bytes to node:http (the slow path), which then owns
// the connection: behaviour is the slow path's whenever the fast path declines.
import type { Socket } from 'node:net';
import { parseRequestHead, parseResponseHead, serializeHead, type RequestHead, type ResponseHead } from './http1-head.js';
import { ChunkedScanner } from '../../../http1/chunked-scanner.js';
import { PROXY_ERROR_HEADER } from '../constants.js';

const CLIENT_IDLE_MS = 65_000;
const UPSTREAM_IDLE_MS = 60_000;
const MAX_IDLE_PER_KEY = 256;

/** Where one request goes and what the proxy does around it. */
export interface RelayPlan {
  upstreamKey: string;
  connect(): Socket;
  /** Header the proxy drops from the request (lower case), and pairs it adds. */
  dropRequestHeader?: string;
  addRequestHeaders: string[];
  /** Called once the response head arrived; returns pairs to add to the response. */
  onResponseHead(head: ResponseHead): string[];
  /** Called once per request when it ends: the status sent and, for proxy errors, why. */
  done(status: number, error?: string): void;
  /** Called instead of done when the client went away first (nothing to record). */
  cancelled(): void;
}

/**
 * An answer the proxy gives itself, on the fast path, to a request without a body (a policy denial): the client
 * connection stays on the fast path and alive, as after any response.
 */
export interface LocalReply {
  /** The whole response (head and body). */
  reply: Buffer;
  /** Called once it is written: the status and why (metrics, tap). */
  done(): void;
}

/** Returns a plan, a local reply, or undefined to hand the connection to the slow path. */
export type Decide = (head: RequestHead, client: Socket) => RelayPlan | LocalReply | undefined;

/** An upstream connection: its listeners are attached once and dispatch to the exchange using it. */
interface RelaySocket extends Socket {
  relayExchange?: Exchange;
  relayIdleIn?: Socket[]; // the pool list holding it while idle
}

// Listeners shared by every upstream connection (called with `this` = the socket): no closures per request.
function onUpstreamData(this: RelaySocket, chunk: Buffer): void {
  this.relayExchange?.upstreamData(chunk);
}
function onUpstreamError(this: RelaySocket, err: Error): void {
  const ex = this.relayExchange;
  this.destroy();
  ex?.upstreamFailed(`connection to the upstream failed: ${err.message}`);
}
function onUpstreamClose(this: RelaySocket): void {
  const idle = this.relayIdleIn;
  if (idle) {
    const i = idle.indexOf(this);
    if (i !== -1) idle.splice(i, 1);
  }
  this.relayExchange?.upstreamClosed();
}
function onUpstreamTimeout(this: RelaySocket): void {
  if (this.relayIdleIn) this.destroy(); // only idle connections time out; a slow response is not cut here
}

/** Idle keep-alive upstream connections by key; `reusable` can veto a connection (e.g. an old certificate). */
export class UpstreamPool {
  private idle = new Map<string, RelaySocket[]>();

  constructor(private readonly reusable: (s: Socket) => boolean = () => true) {}

  acquire(key: string, plan: RelayPlan): RelaySocket {
    const list = this.idle.get(key);
    while (list?.length) {
      const s = list.pop()!;
      s.relayIdleIn = undefined;
      if (!s.destroyed && s.writable && this.reusable(s)) {
        if (s.isPaused()) s.resume(); // a relay may have paused it for backpressure
        return s;
      }
      s.destroy();
    }
    const s = plan.connect() as RelaySocket;
    s.on('data', onUpstreamData);
    s.on('error', onUpstreamError);
    s.on('close', onUpstreamClose);
    s.on('timeout', onUpstreamTimeout);
    s.setTimeout(UPSTREAM_IDLE_MS);
    return s;
  }

  release(key: string, s: RelaySocket): void {
    s.relayExchange = undefined;
    if (s.destroyed || !this.reusable(s)) return void s.destroy();
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    if (list.length >= MAX_IDLE_PER_KEY) return void s.destroy();
    list.push(s);
    s.relayIdleIn = list;
  }

  /** Closes idle connections that may no longer be reused. */
  prune(): void {
    for (const list of this.idle.values()) for (const s of [...list]) if (!this.reusable(s)) s.destroy();
  }

  destroy(): void {
    for (const list of this.idle.values()) for (const s of list.splice(0)) s.destroy();
    this.idle.clear();
  }
}

/** Serves one client connection on the fast path until it closes or is handed to `slowPath`. */
export function serveFast(client: Socket, pool: UpstreamPool, decide: Decide, slowPath: (s: Socket) => void): void {
  let pending: Buffer | undefined; // request bytes read but not yet relayed
  let exchange: Exchange | undefined;

  const onData = (chunk: Buffer) => {
    if (exchange) {
      const rest = exchange.requestBody(chunk);
      if (rest) pending = pending ? Buffer.concat([pending, rest]) : rest; // pipelined: served in turn
      return;
    }
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    next();
  };
  const onClose = () => exchange?.abort();
  const onTimeout = () => {
    if (!exchange) client.destroy(); // idle keep-alive connection; a request in flight has no time limit here
  };
  const ended = (keepAlive: boolean) => {
    exchange = undefined;
    if (keepAlive) return next();
    // Whatever the client still sends (an unread body, further requests) is discarded, not parsed.
    client.removeListener('data', onData);
    pending = undefined;
    client.resume();
    client.end();
  };
  const handOff = () => {
    client.removeListener('data', onData);
    client.removeListener('close', onClose);
    client.removeListener('timeout', onTimeout);
    client.setTimeout(0);
    client.pause();
    if (pending?.length) client.unshift(pending);
    pending = undefined;
    slowPath(client);
    client.resume();
  };
  const next = (): void => {
    if (!pending?.length || client.destroyed) return;
    const head = parseRequestHead(pending);
    if (head === 'incomplete') return;
    const plan = head === 'unsupported' ? undefined : decide(head, client);
    if (!plan || head === 'unsupported') return handOff();
    if ('reply' in plan) {
      if (head.contentLength > 0) return handOff(); // a body to skip: node:http does that
      pending = pending.subarray(head.headBytes);
      client.write(plan.reply);
      plan.done();
      if (head.close) return ended(false);
      return next();
    }
    const body = pending.subarray(head.headBytes);
    pending = undefined;
    exchange = new Exchange(client, pool, head, plan, ended);
    const rest = exchange.start(body);
    if (rest?.length) pending = rest;
  };

  client.on('data', onData);
  client.on('close', onClose);
  client.on('timeout', onTimeout);
  client.setTimeout(CLIENT_IDLE_MS); // refreshed by every read and write
}

/** One request/response on a client connection. */
class Exchange {
  private upstream?: RelaySocket;
  private bodyLeft: number;
  private response?: Buffer; // response bytes until the head is complete
  private head?: ResponseHead;
  private lengthLeft = 0;
  private chunked?: ScannerLike;
  private finished = false;
  private headSent = false;

  constructor(
    private readonly client: Socket,
    private readonly pool: UpstreamPool,
    private readonly req: RequestHead,
    private readonly plan: RelayPlan,
    private readonly onEnd: (keepAlive: boolean) => void,
  ) {
    this.bodyLeft = req.contentLength;
  }

  /** Sends the head and the body bytes at hand; returns bytes beyond this request (pipelined). */
  start(body: Buffer): Buffer | undefined {
    const up = (this.upstream = this.pool.acquire(this.plan.upstreamKey, this.plan));
    up.relayExchange = this;
    const { method, url, rawHeaders } = this.req;
    const head = serializeHead(`${method} ${url} HTTP/1.1`, rawHeaders, this.plan.dropRequestHeader, this.plan.addRequestHeaders);
    const take = Math.min(this.bodyLeft, body.length);
    this.bodyLeft -= take;
    up.write(take ? withHead(head, body.subarray(0, take)) : Buffer.from(head, 'latin1'));
    return take < body.length ? body.subarray(take) : undefined;
  }

  /** Client bytes during the exchange: the rest of the body goes up; returns what lies beyond it. */
  requestBody(chunk: Buffer): Buffer | undefined {
    if (this.bodyLeft === 0) return chunk;
    const take = Math.min(this.bodyLeft, chunk.length);
    this.bodyLeft -= take;
    if (this.upstream && !this.upstream.destroyed) pipeStep(this.client, this.upstream, chunk.subarray(0, take));
    return take < chunk.length ? chunk.subarray(take) : undefined;
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.detach()?.destroy();
    this.plan.cancelled();
  }

  upstreamData(chunk: Buffer): void {
    if (this.finished) return;
    if (!this.head) {
      const buf = this.response ? Buffer.concat([this.response, chunk]) : chunk;
      const head = parseResponseHead(buf);
      if (head === 'incomplete') {
        this.response = buf;
        return;
      }
      this.response = undefined;
      if (head === 'unsupported') return this.fail('the app sent a response the proxy cannot relay');
      this.head = head;
      const extra = this.plan.onResponseHead(head);
      if (head.close || this.req.close) extra.push('connection', 'close');
      const out = serializeHead(`HTTP/1.1 ${head.status} ${statusText(buf, head.headBytes)}`, head.rawHeaders, undefined, extra);
      this.headSent = true;
      if (head.framing === 'chunked') this.chunked = new ChunkedScanner();
      else if (typeof head.framing === 'number') this.lengthLeft = head.framing;
      const body = buf.subarray(head.headBytes);
      const n = this.bodyBytes(body);
      if (n < 0) return this.fail('malformed chunked response');
      pipeStep(this.upstream!, this.client, n ? withHead(out, body.subarray(0, n)) : Buffer.from(out, 'latin1'));
      if (n < body.length) return this.finish(false); // bytes past the response: the upstream is not reusable
    } else {
      const n = this.bodyBytes(chunk);
      if (n < 0) return this.fail('malformed chunked response');
      pipeStep(this.upstream!, this.client, n === chunk.length ? chunk : chunk.subarray(0, n));
      if (n < chunk.length) return this.finish(false);
    }
    if (this.responseComplete()) this.finish(!this.head.close);
  }

  /** How many bytes of `chunk` belong to the response body. */
  private bodyBytes(chunk: Buffer): number {
    const f = this.head!.framing;
    if (f === 'close') return chunk.length;
    if (this.chunked) return this.chunked.scan(chunk, 0);
    const take = Math.min(this.lengthLeft, chunk.length);
    this.lengthLeft -= take;
    return take;
  }

  private responseComplete(): boolean {
    const f = this.head!.framing;
    if (f === 'close') return false;
    return this.chunked ? this.chunked.done : this.lengthLeft === 0;
  }

  upstreamFailed(reason: string): void {
    this.fail(reason);
  }

  upstreamClosed(): void {
    if (this.finished) return;
    if (this.head?.framing === 'close') {
      this.finished = true;
      this.detach();
      this.plan.done(this.head.status);
      this.client.end();
      return;
    }
    this.fail('the upstream closed the connection before the response ended');
  }

  private finish(reuse: boolean): void {
    this.finished = true;
    const up = this.detach();
    const clean = reuse && this.bodyLeft === 0;
    if (up) {
      if (clean) this.pool.release(this.plan.upstreamKey, up);
      else up.destroy();
    }
    this.plan.done(this.head!.status);
    // A client still sending a body the upstream did not wait for cannot be kept alive.
    this.onEnd(this.bodyLeft === 0 && !this.head!.close && !this.req.close);
  }

  private fail(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.detach()?.destroy();
    if (this.headSent) {
      this.client.destroy();
      this.plan.done(this.head!.status, reason);
      return;
    }
    this.plan.done(502, `proxy error: ${reason}`);
    if (!this.client.destroyed) this.client.end(errorResponse(502, reason));
  }

  private detach(): RelaySocket | undefined {
    const up = this.upstream;
    this.upstream = undefined;
    if (up) up.relayExchange = undefined;
    return up;
  }
}

interface ScannerLike {
  readonly done: boolean;
  scan(chunk: Buffer, pos: number): number;
}

/** Writes to `to`; when its buffer is full, pauses `from` until it drains. */
function pipeStep(from: Socket, to: Socket, data: Buffer): void {
  if (to.destroyed) return;
  if (!to.write(data) && !from.isPaused()) {
    from.pause();
    to.once('drain', () => from.resume());
  }
}

/** A head (latin1 text) and body bytes in one buffer: one write, one TLS record. */
function withHead(head: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(head.length + body.length);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length);
  return out;
}

function statusText(buf: Buffer, headBytes: number): string {
  const lineEnd = buf.indexOf('\r\n', 0, 'latin1');
  return lineEnd > 13 && lineEnd < headBytes ? buf.toString('latin1', 13, lineEnd) : '';
}

/** A proxy-made error response that closes the connection (the request's body may be unread). */
export function errorResponse(status: number, reason: string): string {
  const body = `${reason}\n`;
  const header = reason.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512);
  return `HTTP/1.1 ${status} ${status === 502 ? 'Bad Gateway' : 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${PROXY_ERROR_HEADER}: ${header}\r\nconnection: close\r\n\r\n${body}`;
}
