// `fortio server`'s gRPC port (fortio's -grpc-port, 8079 by default; fgrpc/pingsrv.go PingServer): h2c with prior
// knowledge serving grpc-go's health server — Check, List and Watch of grpc.health.v1.Health with "" and "ping" SERVING
// and "ping_down" NOT_SERVING (fortio's default -healthservice) — beside fortio's own fgrpc.PingServer/Ping, which
// echoes its PingMessage (seq, payload, delayNanos) with `ts` set to the server's receive time in Unix nanoseconds,
// after sleeping delayNanos as fortio does. The messages are the vendored protos (proto/), coded with protobufjs.
// What grpc-go's transport and server answer is followed: a non-gRPC content-type gets HTTP 415 with grpc-status 3, a
// method other than POST HTTP 405 with grpc-status 13, an unknown service or method grpc-status 12 (Unimplemented)
// "unknown service X" / "unknown method M for service X"; gzip-compressed requests are accepted (fortio registers
// grpc-go's gzip codec) and answered gzip-compressed as grpc-go does. Not served: the reflection service fortio also
// registers (its calls get Unimplemented) and TLS (-cert/-key).
import { constants, createServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { encodeGrpcMessage, GRPC_MAX_MESSAGE_BYTES } from '../gateway-echo/grpc-wire.js';
import { listeningWorkload } from '../http-workload.js';
import { FORTIO_VERSION } from './fortio-log.js';

/** fortio's default gRPC port (fnet.DefaultGRPCPort). */
export const FORTIO_GRPC_PORT = 8079;
/** fortio's default health service name (fgrpc.DefaultHealthServiceName), SERVING; `<name>_down` is NOT_SERVING. */
export const FORTIO_HEALTH_SERVICE = 'ping';
/** The longest delayNanos a Ping may ask for here (fortio sleeps any delay; the sandbox bounds what a learner holds). */
export const MAX_PING_DELAY_MS = 10_000;
/** Concurrent streams per HTTP/2 connection the server advertises (bounds open Watch streams and sleeping Pings). */
export const MAX_CONCURRENT_STREAMS = 100;

export const PING_METHOD = '/fgrpc.PingServer/Ping';
export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';
export const HEALTH_WATCH_METHOD = '/grpc.health.v1.Health/Watch';
export const HEALTH_LIST_METHOD = '/grpc.health.v1.Health/List';

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const SERVING = 1;
export const NOT_SERVING = 2;
export const SERVICE_UNKNOWN = 3;

const PROTO_DIR = fileURLToPath(new URL('./proto/', import.meta.url));

let root: protobuf.Root | null = null;
/** The vendored protos, parsed once. */
export function fortioProtos(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.loadSync([`${PROTO_DIR}fgrpc/ping.proto`, `${PROTO_DIR}grpc/health/v1/health.proto`], { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Unix time in nanoseconds (Go's time.Now().UnixNano()), as a decimal string for an int64 field. */
function unixNanos(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.floor((ms - whole) * 1e6))).toString();
}

/** The messages of a complete request body (gRPC's 5-byte length-prefixed framing), decompressed. */
function readMessages(body: Buffer, encoding: string | undefined): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    if (body.length - i < 5) throw new GrpcError(13, 'grpc: truncated message header');
    const flag = body[i];
    const n = body.readUInt32BE(i + 1);
    if (n > GRPC_MAX_MESSAGE_BYTES) throw new GrpcError(8, `grpc: received message larger than max (${n} vs. ${GRPC_MAX_MESSAGE_BYTES})`);
    if (body.length - i - 5 < n) throw new GrpcError(13, 'grpc: truncated message');
    const raw = body.subarray(i + 5, i + 5 + n);
    if (flag === 0) out.push(raw);
    else if (flag === 1) {
      if (encoding === undefined) throw new GrpcError(13, 'grpc: compressed flag set with identity or empty encoding');
      try {
        out.push(gunzipSync(raw, { maxOutputLength: GRPC_MAX_MESSAGE_BYTES }));
      } catch {
        throw new GrpcError(8, `grpc: received message after decompression larger than max ${GRPC_MAX_MESSAGE_BYTES} or not gzip`);
      }
    } else throw new GrpcError(13, `grpc: invalid message flag ${flag}`);
    i += 5 + n;
  }
  return out;
}

function decode(type: protobuf.Type, bytes: Buffer): protobuf.Message {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw new GrpcError(13, `grpc: error unmarshalling request: ${(err as Error).message}`);
  }
}

interface Call {
  stream: ServerHttp2Stream;
  /** 'gzip' when the request was gzip-encoded (the answer is then compressed too), else undefined. */
  encoding: string | undefined;
  /** Timers to clear when the stream closes (a Ping's delay). */
  timers: Set<NodeJS.Timeout>;
}

function frame(call: Call, message: Uint8Array): Buffer {
  const payload = call.encoding ? gzipSync(message) : Buffer.from(message);
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = call.encoding ? 1 : 0;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

/** Headers of a successful answer: grpc-go sends grpc-encoding when it compresses. */
function responseHeaders(call: Call): Record<string, string | number> {
  return { ':status': 200, 'content-type': 'application/grpc', ...(call.encoding ? { 'grpc-encoding': call.encoding } : {}) };
}

/** A status without messages: grpc-go's trailers-only answer (or its early abort, with an HTTP status of its own). */
function trailersOnly(stream: ServerHttp2Stream, code: number, message: string, httpStatus = 200): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': httpStatus, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) }, { endStream: true });
}

/** One unary answer: headers, the message, then grpc-status 0. */
function answer(call: Call, message: Uint8Array): void {
  const { stream } = call;
  if (stream.destroyed || stream.headersSent) return;
  stream.respond(responseHeaders(call), { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
  stream.end(frame(call, message));
}

export class FortioGrpcServer {
  private readonly statuses: Map<string, number>;

  constructor(healthService = FORTIO_HEALTH_SERVICE) {
    // grpc-go's health.NewServer() has "" SERVING; fortio adds its service SERVING and `<service>_down` NOT_SERVING.
    this.statuses = new Map([['', SERVING], [healthService, SERVING], [`${healthService}_down`, NOT_SERVING]]);
  }

  /** Serves one HTTP/2 stream as grpc-go's server would. */
  serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => {});
    const contentType = String(headers['content-type'] ?? '');
    if (!/^application\/grpc(?:$|[+;])/.test(contentType)) return trailersOnly(stream, 3, `invalid gRPC request content-type "${contentType}"`, 415);
    const method = String(headers[':method'] ?? '');
    if (method !== 'POST') return trailersOnly(stream, 13, `Received a HEADERS frame with :method "${method}" which should be POST`, 405);
    const path = String(headers[':path'] ?? '');
    const handler = this.handlerFor(path);
    if (typeof handler === 'string') return trailersOnly(stream, 12, handler);
    const encodingHeader = headers['grpc-encoding'];
    const encoding = encodingHeader === undefined || encodingHeader === 'identity' ? undefined : String(encodingHeader);
    if (encoding !== undefined && encoding !== 'gzip') return trailersOnly(stream, 12, `grpc: Decompressor is not installed for grpc-encoding "${encoding}"`);
    const call: Call = { stream, encoding, timers: new Set() };
    stream.once('close', () => {
      for (const t of call.timers) clearTimeout(t);
    });
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      if (size > GRPC_MAX_MESSAGE_BYTES + 5) return;
      size += c.length;
      if (size > GRPC_MAX_MESSAGE_BYTES + 5) {
        trailersOnly(stream, 8, `grpc: received message larger than max (${size - 5} vs. ${GRPC_MAX_MESSAGE_BYTES})`);
        stream.close(constants.NGHTTP2_NO_ERROR);
        return;
      }
      chunks.push(c);
    });
    stream.once('end', () => {
      if (stream.headersSent || stream.destroyed) return;
      try {
        const messages = readMessages(Buffer.concat(chunks), encoding);
        if (messages.length !== 1) throw new GrpcError(13, `grpc: unary request got ${messages.length} request messages, want 1`);
        handler(call, messages[0]);
      } catch (err) {
        if (err instanceof GrpcError) return trailersOnly(stream, err.code, err.message);
        trailersOnly(stream, 13, `grpc: ${(err as Error).message}`);
      }
    });
  }

  /** The handler of a method path, or grpc-go's Unimplemented message for it. */
  private handlerFor(path: string): ((call: Call, request: Buffer) => void) | string {
    switch (path) {
      case PING_METHOD:
        return (c, m) => this.ping(c, m);
      case HEALTH_CHECK_METHOD:
        return (c, m) => this.check(c, m);
      case HEALTH_LIST_METHOD:
        return (c, m) => this.list(c, m);
      case HEALTH_WATCH_METHOD:
        return (c, m) => this.watch(c, m);
    }
    const sm = path.startsWith('/') ? path.slice(1) : path;
    const pos = sm.lastIndexOf('/');
    if (pos === -1) return `malformed method name: "${path}"`;
    const service = sm.slice(0, pos);
    const method = sm.slice(pos + 1);
    if (service === 'fgrpc.PingServer' || service === 'grpc.health.v1.Health') return `unknown method ${method} for service ${service}`;
    return `unknown service ${service}`;
  }

  private ping(call: Call, request: Buffer): void {
    const type = fortioProtos().lookupType('fgrpc.PingMessage');
    const input = type.toObject(decode(type, request), { longs: String, defaults: true }) as { seq: string; ts: string; payload: string; delayNanos: string };
    // fgrpc's pingSrv.Ping: a copy of the input, ts set at receipt, then the sleep.
    const out = type.encode(type.fromObject({ ...input, ts: unixNanos() })).finish();
    const delayMs = Number(BigInt(input.delayNanos) / 1_000_000n);
    if (BigInt(input.delayNanos) <= 0n) return answer(call, out);
    if (delayMs > MAX_PING_DELAY_MS) throw new GrpcError(3, `delayNanos ${input.delayNanos} is over the sandbox's limit of ${MAX_PING_DELAY_MS * 1_000_000} ns (${MAX_PING_DELAY_MS / 1000}s)`);
    const timer = setTimeout(() => {
      call.timers.delete(timer);
      answer(call, out);
    }, Math.max(1, delayMs));
    call.timers.add(timer);
  }

  private check(call: Call, request: Buffer): void {
    const req = fortioProtos().lookupType('grpc.health.v1.HealthCheckRequest');
    const res = fortioProtos().lookupType('grpc.health.v1.HealthCheckResponse');
    const { service } = req.toObject(decode(req, request), { defaults: true }) as { service: string };
    const status = this.statuses.get(service);
    if (status === undefined) throw new GrpcError(5, 'unknown service');
    answer(call, res.encode(res.fromObject({ status })).finish());
  }

  private list(call: Call, request: Buffer): void {
    const req = fortioProtos().lookupType('grpc.health.v1.HealthListRequest');
    const res = fortioProtos().lookupType('grpc.health.v1.HealthListResponse');
    decode(req, request);
    const statuses = Object.fromEntries([...this.statuses].map(([name, status]) => [name, { status }]));
    answer(call, res.encode(res.fromObject({ statuses })).finish());
  }

  /** grpc-go's Watch: the current status (SERVICE_UNKNOWN for an unknown service) at once, then the stream stays open
   * for changes until the client ends it. fortio's statuses never change, so nothing more is sent. */
  private watch(call: Call, request: Buffer): void {
    const req = fortioProtos().lookupType('grpc.health.v1.HealthCheckRequest');
    const res = fortioProtos().lookupType('grpc.health.v1.HealthCheckResponse');
    const { service } = req.toObject(decode(req, request), { defaults: true }) as { service: string };
    const status = this.statuses.get(service) ?? SERVICE_UNKNOWN;
    call.stream.respond(responseHeaders(call));
    call.stream.write(frame(call, res.encode(res.fromObject({ status })).finish()));
  }
}

/** The gRPC listener of a fortio container on its listen address, guarded like every listener of the pod. */
export function fortioGrpcWorkload(ctx: WorkloadContext, port = FORTIO_GRPC_PORT): Pick<Workload, 'start' | 'stop'> {
  const grpc = new FortioGrpcServer();
  const server = createServer({ settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS } });
  server.on('stream', (stream, headers) => grpc.serve(stream, headers));
  server.on('sessionError', () => {});
  server.on('session', (s) => s.on('error', () => {}));
  // fnet.Listen's line, as fortio's JSON logger prints it.
  return listeningWorkload(ctx, server, port, (host: string) => `{"ts":${(Date.now() / 1000).toFixed(6)},"level":"info","r":1,"file":"network.go","line":147,"msg":"Fortio ${FORTIO_VERSION} grpc '${FORTIO_HEALTH_SERVICE}' server listening on tcp ${host}:${port}"}`);
}
