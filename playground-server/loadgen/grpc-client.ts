// gRPC over the HTTP/2 client (h2-client.ts): message framing, status codes and how an outcome is
// recorded. The recorder counts numeric statuses, so a gRPC outcome is recorded as a pseudo-status:
//   200         — grpc-status OK (for the health service: OK and SERVING)
//   1000 + c    — grpc-status c ≠ 0 (e.g. 1012 = UNIMPLEMENTED), in trailers or trailers-only
//   2000 + s    — health service answered OK with serving status s ≠ SERVING (e.g. 2002 = NOT_SERVING)
// Everything but 200 is outside 2xx, so the recorder counts it as an error. grpcOutcomeName names a pseudo-status
// for people ("SERVING", "NOT_SERVING", "UNIMPLEMENTED", ...); fortioGrpcRetCode keys it as fortio's RetCodes do.

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
