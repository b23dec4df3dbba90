// The protobuf wire format (varints, length-delimited fields), enough to decode Kubernetes objects.
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface WireField {
  field: number;
  wire: number;
  /** varint value (as bigint: int64 fields may exceed 2^53) */
  varint?: bigint;
  bytes?: Uint8Array;
}

export class WireError extends Error {}

/** Splits one message's bytes into its fields, in order. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new WireError('truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new WireError('varint too long');
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new WireError('field number 0');
    switch (wire) {
      case WIRE_VARINT: out.push({ field, wire, varint: varint() }); break;
      case WIRE_FIXED64: pos += 8; if (pos > buf.length) throw new WireError('truncated fixed64'); break;
      case WIRE_FIXED32: pos += 4; if (pos > buf.length) throw new WireError('truncated fixed32'); break;
      case WIRE_BYTES: {
        const len = Number(varint());
        if (pos + len > buf.length) throw new WireError('truncated length-delimited field');
        out.push({ field, wire, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      default: throw new WireError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}
