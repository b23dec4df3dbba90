// gRPC over the HTTP/2 client (h2-client.ts): message framing, status codes and how an outcome is
// recorded. The recorder counts numeric statuses, so a gRPC outcome is recorded as a pseudo-status:
//   200         — grpc-status OK (for the health service: OK and SERVING)
//   1000 + c    — grpc-status c ≠ 0 (e.g. 1012 = UNIMPLEMENTED), in trailers or trailers-only
//   2000 + s    — health service answered OK with serving status s ≠ SERVING (e.g. 2002 = NOT_SERVING)
// Everything but 200 is outside 2xx, so the recorder counts it as an error. grpcOutcomeName names a pseudo-status
// for people ("SERVING", "NOT_SERVING", "UNIMPLEMENTED", ...); fortioGrpcRetCode keys it as fortio's RetCodes do.

import protobuf from 'protobufjs';

/** The default method, like fortio's `-grpc -healthservice` and grpc_health_probe. */
export const GRPC_HEALTH_CHECK = '/grpc.health.v1.Health/Check';
/** fortio's own ping method (fgrpc/ping.proto: package fgrpc, service PingServer), what `fortio load -grpc -ping` calls. */
export const FORTIO_GRPC_PING = '/fgrpc.PingServer/Ping';

export const GRPC_CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;

/** grpc.health.v1.HealthCheckResponse.ServingStatus names. */
export const HEALTH_STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

export const GRPC_OK_STATUS = 200;
export const grpcCodeStatus = (code: number): number => (code === 0 ? GRPC_OK_STATUS : 1000 + code);
export const healthStatus = (serving: number): number => (serving === 1 ? GRPC_OK_STATUS : 2000 + serving);
export const isGrpcPseudoStatus = (status: number): boolean => status >= 1000 && status < 3000;

/** fortio's RetCodes key for a recorded gRPC outcome. */
export function grpcOutcomeName(status: number, health: boolean): string {
  if (status === GRPC_OK_STATUS) return health ? 'SERVING' : 'OK';
  if (status >= 2000 && status < 3000) return HEALTH_STATUS_NAMES[status - 2000] ?? `SERVING_STATUS_${status - 2000}`;
  if (status >= 1000 && status < 2000) return GRPC_CODE_NAMES[status - 1000] ?? `CODE_${status - 1000}`;
  return `HTTP_${status}`;
}

/** fortio's RetCodes key for a failed call: any non-OK grpc-status or transport failure (fgrpc's `Error`). */
export const FORTIO_GRPC_ERROR = 'ERROR';

/**
 * fortio's RetCodes key for a recorded gRPC outcome, as fgrpc/grpcrunner.go's GRPCRunnerResults.Run keys it: a call
 * that failed (grpc-status ≠ OK, whatever the code) is "ERROR"; an OK call is its health ServingStatus name
 * ("SERVING", "NOT_SERVING", "UNKNOWN", "SERVICE_UNKNOWN"), and an OK call without one (fortio's ping) "SERVING".
 */
export function fortioGrpcRetCode(status: number): string {
  if (status === GRPC_OK_STATUS) return 'SERVING';
  if (status >= 2000 && status < 3000) return HEALTH_STATUS_NAMES[status - 2000] ?? FORTIO_GRPC_ERROR;
  return FORTIO_GRPC_ERROR;
}

/** One length-prefixed, uncompressed gRPC message. */
export function frameGrpcMessage(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** grpc.health.v1.HealthCheckRequest { string service = 1; } encoded by hand (empty service → no bytes). */
export function encodeHealthCheckRequest(service = ''): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  if (name.length > 127) throw new RangeError('health service name must be at most 127 bytes');
  return Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

/**
 * The serving status of a HealthCheckResponse { ServingStatus status = 1; } inside a framed body, or
 * null when the body is not one framed message (status 0/UNKNOWN is the proto3 default: absent field).
 */
export function decodeHealthCheckResponse(body: Buffer): number | null {
  if (body.length < 5 || body[0] !== 0) return null;
  const len = body.readUInt32BE(1);
  if (body.length !== 5 + len) return null;
  let i = 5;
  let status = 0;
  while (i < body.length) {
    const key = body[i++];
    if (key === 0x08) {
      let v = 0;
      let shift = 0;
      for (;;) {
        if (i >= body.length || shift > 28) return null;
        const b = body[i++];
        v |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) === 0) break;
      }
      status = v;
    } else return null; // the response has no other field
  }
  return status;
}

export interface GrpcCall {
  /** `/package.Service/Method`. */
  method: string;
  /** The request message's protobuf bytes (empty by default). */
  message: Buffer;
  /** The health service: the response is decoded and a non-SERVING status is an error. */
  health: boolean;
}

/** The length-delimited (string) and varint fields of a protobuf message by number (last one wins, as proto3 reads). */
function scalarFields(message: Buffer): Map<number, Buffer | protobuf.Long | number> | null {
  const out = new Map<number, Buffer | protobuf.Long | number>();
  const reader = protobuf.Reader.create(message);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === 0) out.set(field, reader.int64());
      else if (wireType === 2) out.set(field, Buffer.from(reader.bytes()));
      else reader.skipType(wireType);
    }
  } catch {
    return null;
  }
  return out;
}

/** Go's time.Duration.String() of a count of nanoseconds ("1ms", "1.5µs", "2m0.5s", "1h0m0s"). */
export function goDurationString(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  let u = nanos < 0n ? -nanos : nanos;
  const decimal = (v: bigint, digits: number): string => {
    const scale = 10n ** BigInt(digits);
    const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return `${v / scale}${frac ? `.${frac}` : ''}`;
  };
  let text: string;
  if (u < 1_000n) text = `${u}ns`;
  else if (u < 1_000_000n) text = `${decimal(u, 3)}µs`;
  else if (u < 1_000_000_000n) text = `${decimal(u, 6)}ms`;
  else {
    const h = u / 3_600_000_000_000n;
    u %= 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u %= 60_000_000_000n;
    text = `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${decimal(u, 9)}s`;
  }
  return nanos < 0n ? `-${text}` : text;
}

/**
 * The RunType fortio's gRPC runner writes (fgrpc/grpcrunner.go RunGRPCTest) for a run of `method` with this request
 * message (base64): "GRPC Health for '<service>'" for the health check (the HealthCheckRequest's service), "GRPC Ping"
 * with " Delay=<Go duration>" when the PingMessage asks a delay, "Custom GRPC Method <method> and Payload <payload>"
 * for any other method (fortio's payload is the JSON it gives -grpc-method; ours is the request as base64); then
 * " PayloadLength=<bytes>" when there is a payload (the ping's payload field; the custom method's payload text).
 */
export function fortioGrpcRunType(method: string, messageBase64 = ''): string {
  const fields = scalarFields(Buffer.from(messageBase64, 'base64'));
  const text = (n: number): string => {
    const v = fields?.get(n);
    return Buffer.isBuffer(v) ? v.toString('utf8') : '';
  };
  let runType: string;
  let payload = '';
  if (method === GRPC_HEALTH_CHECK) runType = `GRPC Health for '${text(1)}'`;
  else if (method === FORTIO_GRPC_PING) {
    runType = 'GRPC Ping';
    const delay = fields?.get(4);
    const nanos = delay === undefined || Buffer.isBuffer(delay) ? 0n : BigInt(delay.toString());
    if (nanos > 0n) runType += ` Delay=${goDurationString(nanos)}`;
    payload = text(3);
  } else {
    payload = messageBase64;
    runType = `Custom GRPC Method ${method} and Payload ${payload}`;
  }
  const length = Buffer.byteLength(payload, 'utf8');
  return length > 0 ? `${runType} PayloadLength=${length}` : runType;
}
