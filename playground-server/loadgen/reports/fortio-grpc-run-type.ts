// fortio's RunType label for a gRPC run, as its gRPC runner (fgrpc/grpcrunner.go) writes it: "GRPC Health for '<svc>'",
// "GRPC Ping" (with " Delay=<Go duration>"), "Custom GRPC Method <m> and Payload <p>", then " PayloadLength=<n>".
// Report-side only: it reads the request message with protobufjs, which generators never load (their bundle stays
// small: RSS per generator is a goal of `npm run bench`).
import protobuf from 'protobufjs';
import { FORTIO_GRPC_PING, GRPC_HEALTH_CHECK } from '../grpc-client.js';

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
