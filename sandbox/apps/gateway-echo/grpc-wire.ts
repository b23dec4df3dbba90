// gRPC's wire pieces the echo server and client need (grpc/grpc doc/PROTOCOL-HTTP2.md) and the two messages of Istio's
// echo.proto they exchange: EchoRequest{string message = 1} and EchoResponse{string message = 1}. Hand-written because
// the messages are one string field each — a protobuf library would be a dependency for four lines of varint code.

/** The unary method of istio's echo.proto (pkg/test/echo/proto/echo.proto) the conformance suite calls. */
export const ECHO_METHOD_PATH = '/proto.EchoTestService/Echo';
export const ECHO_SERVICE = 'proto.EchoTestService';
/** gRPC's default maximum message size a receiver accepts (grpc-go's defaultServerMaxReceiveMessageSize). */
export const GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** gRPC status codes by number, named as grpc-go's codes.Code prints them. */
export const GRPC_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;

export const grpcCodeName = (code: number) => GRPC_CODE_NAMES[code] ?? `Code(${code})`;

/** Headers grpc-go keeps out of the metadata an application sees (internal/transport isReservedHeader), minus the
 * whitelisted user-agent and the content-type its server does put there. */
const RESERVED = new Set(['grpc-message-type', 'grpc-encoding', 'grpc-message', 'grpc-status', 'grpc-timeout', 'grpc-status-details-bin', 'te']);

/** Whether a header field reaches gRPC metadata (grpc-go): pseudo-headers do not, except :authority on a server. */
export function isMetadataHeader(name: string, server: boolean): boolean {
  if (name.startsWith(':')) return server && name === ':authority';
  return !RESERVED.has(name);
}

/** A message in gRPC's length-prefixed framing, uncompressed. */
export function frameMessage(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** The messages in a complete gRPC body; an error text for truncated or compressed frames (no encoding is offered). */
export function parseFrames(body: Buffer): Buffer[] | string {
  const out: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    if (body.length - i < 5) return 'truncated gRPC frame header';
    if (body[i] !== 0) return 'compressed gRPC message, but no grpc-encoding was negotiated';
    const n = body.readUInt32BE(i + 1);
    if (body.length - i - 5 < n) return 'truncated gRPC message';
    out.push(body.subarray(i + 5, i + 5 + n));
    i += 5 + n;
  }
  return out;
}

function writeVarint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** EchoRequest / EchoResponse: field 1, a string (proto3 omits it when empty). */
export function encodeMessageField(message: string): Buffer {
  if (!message) return Buffer.alloc(0);
  const bytes = Buffer.from(message, 'utf8');
  const head: number[] = [0x0a]; // field 1, wire type 2 (length-delimited)
  writeVarint(bytes.length, head);
  return Buffer.concat([Buffer.from(head), bytes]);
}

/** Field 1 (string) of an EchoRequest / EchoResponse; other fields are skipped as protobuf requires. Throws on bad input. */
export function decodeMessageField(buf: Buffer): string {
  let i = 0;
  let message = '';
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
    throw new Error('varint too long');
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const n = varint();
      if (i + n > buf.length) throw new Error('truncated length-delimited field');
      if (field === 1) message = buf.subarray(i, i + n).toString('utf8');
      i += n;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (i > buf.length) throw new Error('truncated field');
  }
  return message;
}

/** grpc-message's percent-encoding (PROTOCOL-HTTP2.md): bytes outside 0x20–0x7E, and '%', as %XX. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** grpc-message's percent-decoding (PROTOCOL-HTTP2.md). */
export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
