// The WebSocket transport (/ws, the `ws` package): `{id, op, params}` → `{id, result}` | `{id, error}`, with
// `{id, event}` frames for streams and `{id, cancel: true}` to cancel. Guards: origin check on upgrade,
// maximum message size, per-session rate limit, in-flight cap, heartbeats, and back-pressure — a stream
// waits while the client's send buffer is full, and a client that stays stuck is disconnected, so a slow
// or dead client cannot grow server memory without bound.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { ApiError, toApiError } from './errors.js';
import { Dispatcher, RawResult, type OpContext } from './dispatcher.js';
import type { OperationId, OperationSpec } from './spec.js';
import type { FrameContract } from './frame-contract.js';
import { originAllowed, requestSessionToken } from './session-token.js';
import type { TokenBucketLimiter } from './rate-limit.js';
import { clientAddress, HostAllowList, requestIsSecure, type ProxyTrust } from './http-guards.js';
import { parseJsonBounded } from './json-limits.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ActiveSession } from '../sessions/active-session.js';

export const WS_PATH = '/ws';
export const WS_LIMITS = Object.freeze({
  /** Largest message accepted; bigger frames close the socket with 1009. */
  maxMessageBytes: 1024 * 1024,
  /** Operations running at once on one socket. */
  maxInFlight: 16,
  /** A stream pauses while more than this is queued for the client… */
  highWaterBytes: 512 * 1024,
  /** …and the socket is closed if the queue passes this (a client not reading). */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** A stream paused this long on a full buffer closes the socket. */
  stallTimeoutMs: 30_000,
  heartbeatIntervalMs: 15_000,
  maxIdLength: 64,
});

export interface WsTransportOptions {
  dispatcher: Dispatcher;
  limiter: TokenBucketLimiter;
  metrics: ServerMetrics;
  resolveSession(token: string | undefined): Promise<ActiveSession | undefined>;
  allowedOrigins: readonly string[];
  trust: ProxyTrust;
  /** Every upgrade's Host is checked against it (DNS rebinding). */
  hostAllowed(host: string | undefined): boolean;
  log: Logger;
  heartbeatIntervalMs?: number;
  /** Checks every frame against the spec before it is sent (tests and development). */
  contract?: FrameContract;
}

type MessageId = string | number;

interface Connection {
  ws: WebSocket;
  session?: ActiveSession;
  remote: string;
  inFlight: Map<MessageId, AbortController>;
  alive: boolean;
}

export class WsTransport {
  readonly wss: WebSocketServer;
  private heartbeat: NodeJS.Timeout;
  private connections = new Set<Connection>();

  constructor(private readonly opts: WsTransportOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_LIMITS.maxMessageBytes, perMessageDeflate: false });
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatIntervalMs ?? WS_LIMITS.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** From the HTTP server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    const refuse = (err: ApiError) => {
      this.opts.metrics.wsRejected.inc({ reason: err.reason });
      const body = JSON.stringify(err.toBody());
      socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (!this.opts.hostAllowed(req.headers.host)) return refuse(HostAllowList.refusal(req.headers.host));
    if (path !== WS_PATH) return refuse(new ApiError(404, 'NotFound', `WebSockets are served at ${WS_PATH}`));
    if (!originAllowed(req, requestIsSecure(req, this.opts.trust), this.opts.allowedOrigins)) return refuse(new ApiError(403, 'OriginNotAllowed', `origin ${req.headers.origin} may not open a playground socket`));
    socket.on('error', () => undefined);
    this.opts.resolveSession(requestSessionToken(req)).then(
      (session) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, session)),
      () => refuse(new ApiError(503, 'ServiceUnavailable', 'the session store is not answering; try again')),
    );
  }

  private accept(ws: WebSocket, req: IncomingMessage, session: ActiveSession | undefined): void {
    const conn: Connection = { ws, session, remote: clientAddress(req, this.opts.trust), inFlight: new Map(), alive: true };
    this.connections.add(conn);
    this.opts.metrics.wsConnections.set(this.connections.size);
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('error', () => undefined); // e.g. 1009 on an oversized frame; 'close' follows
    ws.on('close', () => {
      for (const c of conn.inFlight.values()) c.abort();
      conn.inFlight.clear();
      this.connections.delete(conn);
      this.opts.metrics.wsConnections.set(this.connections.size);
    });
  }

  private beat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  private send(conn: Connection, frame: object, op?: OperationSpec): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.ws.bufferedAmount > WS_LIMITS.maxBufferedBytes) {
      this.opts.metrics.wsRejected.inc({ reason: 'SlowConsumer' });
      conn.ws.close(1008, 'client is not reading its messages');
      conn.ws.terminate();
      return;
    }
    conn.ws.send(this.opts.contract ? this.opts.contract.wsFrame(op, frame) : JSON.stringify(frame));
  }

  private error(conn: Connection, id: MessageId | null, err: ApiError): void {
    this.send(conn, { id, error: err.toBody() });
  }

  /** Resolves when the client's queue is below the high-water mark; rejects if it stays full. */
  private async drained(conn: Connection, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let wait = 5;
    while (conn.ws.readyState === WebSocket.OPEN && conn.ws.bufferedAmount > WS_LIMITS.highWaterBytes && !signal.aborted) {
      if (Date.now() - started > WS_LIMITS.stallTimeoutMs) {
        this.opts.metrics.wsRejected.inc({ reason: 'SlowConsumer' });
        conn.ws.terminate();
        throw new ApiError(499, 'Cancelled', 'the client stopped reading');
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 200);
    }
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const rate = this.opts.limiter.tryTake(conn.session ? `s:${conn.session.id}` : `ip:${conn.remote}`);
    if (isBinary) return this.error(conn, null, new ApiError(400, 'InvalidMessage', 'send text frames holding JSON: {"id", "op", "params"}'));
    let msg: unknown;
    try {
      msg = parseJsonBounded(data.toString(), 'the message');
    } catch (err) {
      return this.error(conn, null, toApiError(err));
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg))
      return this.error(conn, null, new ApiError(400, 'InvalidMessage', 'a message is a JSON object: {"id": "1", "op": "<operationId>", "params": {…}}'));
    const spec = this.opts.dispatcher.spec;
    const { id, op: opName, params, cancel } = msg as { id?: unknown; op?: unknown; params?: unknown; cancel?: unknown };
    // The id first, so that every other refusal can be answered to it.
    if (spec.validateComponent('WsMessageId', id).length)
      return this.error(conn, null, new ApiError(400, 'InvalidMessage', `"id" must be a non-empty string (at most ${WS_LIMITS.maxIdLength} characters) or an integer, unique among your running operations`));
    const mid = id as MessageId;
    if (rate) return this.error(conn, mid, rate);
    const envelope = spec.validateComponent('WsRequest', msg);
    if (envelope.length) return this.error(conn, mid, new ApiError(400, 'InvalidMessage', envelopeProblem(msg as Record<string, unknown>), { fields: envelope }));
    if (cancel !== undefined) {
      const running = conn.inFlight.get(mid);
      if (!running) return this.error(conn, mid, new ApiError(404, 'NotRunning', `no operation with id ${JSON.stringify(mid)} is running`));
      running.abort();
      return;
    }
    const op = this.opts.dispatcher.operation(opName as string);
    if (!op) return this.error(conn, mid, new ApiError(400, 'UnknownOperation', `no operation "${(opName as string).slice(0, 64)}"; operations are the operationIds of openapi/playground.yaml`));
    if (op.restOnly) return this.error(conn, mid, new ApiError(400, 'RestOnly', `${op.operationId} is served over HTTP only: ${op.method} ${op.path}`));
    if (conn.inFlight.has(mid)) return this.error(conn, mid, new ApiError(409, 'DuplicateId', `an operation with id ${JSON.stringify(mid)} is still running; use a new id`));
    if (conn.inFlight.size >= WS_LIMITS.maxInFlight)
      return this.error(conn, mid, new ApiError(429, 'TooManyInFlight', `at most ${WS_LIMITS.maxInFlight} operations may run at once on one socket; wait for one to finish`, { limit: 'maxInFlight', value: WS_LIMITS.maxInFlight }));
    let validated: Record<string, unknown>;
    try {
      validated = op.validateParams(params);
    } catch (err) {
      return this.error(conn, mid, toApiError(err));
    }
    const abort = new AbortController();
    conn.inFlight.set(mid, abort);
    const ctx: OpContext<OperationId> = {
      transport: 'ws',
      session: conn.session,
      signal: abort.signal,
      log: this.opts.log,
      client: conn.remote,
      emit: async (event) => {
        if (!op.stream && !op.streamEvents) return;
        await this.drained(conn, abort.signal);
        if (!abort.signal.aborted) this.send(conn, { id: mid, event }, op);
      },
      bindSession: (session) => {
        conn.session = session;
      },
    };
    this.opts.dispatcher.run(op, validated, ctx).then(
      (result) => this.send(conn, { id: mid, result: result instanceof RawResult ? result.text : result }, op),
      (err: unknown) => this.error(conn, mid, toApiError(err)),
    ).finally(() => conn.inFlight.delete(mid));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const conn of this.connections) conn.ws.terminate();
    this.wss.close();
  }
}

/** What is wrong with a message the WsRequest schema refused, in the words of the protocol. */
function envelopeProblem(msg: Record<string, unknown>): string {
  const extra = Object.keys(msg).filter((k) => !['id', 'op', 'params', 'cancel'].includes(k));
  if (extra.length) return `unknown message field(s) ${extra.map((k) => JSON.stringify(k).slice(0, 40)).join(', ')}; a message has id, op and params (or id and cancel)`;
  if ('cancel' in msg) return msg.cancel === true ? 'a cancel message is {"id", "cancel": true}, without op or params' : '"cancel" must be true';
  if (typeof msg.op !== 'string' || !msg.op) return '"op" must be an operationId string, e.g. "describeSession"';
  return '"params" must be an object holding the operation\'s path, query and body fields';
}
