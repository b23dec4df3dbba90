// Decodes `application/vnd.kubernetes.protobuf` request bodies into the JSON form of the object: the
// 'k8s\0' magic, a runtime.Unknown envelope (typeMeta + raw), then the object's message. Fields this
// decoder does not know are rejected unless empty, so nothing a client sent is silently lost.
import { StatusError } from '../errors.js';
import { readFields, WireError, WIRE_BYTES, WIRE_VARINT, type WireField } from './wire.js';
import { DELETE_OPTIONS, MESSAGES, type FieldDesc, type MessageDesc, type Scalar } from './k8s-messages.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const utf8 = new TextDecoder('utf-8', { fatal: true });

const unsupported = (message: string) =>
  new StatusError(415, 'UnsupportedMediaType', `${message}; send this object as application/json or application/yaml instead`);

export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((v, i) => body[i] !== v)) throw new StatusError(400, 'BadRequest', 'protobuf body does not start with the Kubernetes magic number');
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Uint8Array | undefined;
    for (const f of readFields(body.subarray(4))) {
      if (f.field === 1 && f.bytes) {
        for (const t of readFields(f.bytes)) {
          if (t.field === 1 && t.bytes) apiVersion = utf8.decode(t.bytes);
          if (t.field === 2 && t.bytes) kind = utf8.decode(t.bytes);
        }
      } else if (f.field === 2 && f.bytes) raw = f.bytes;
      else if (f.field === 3 && f.bytes?.length) throw unsupported('compressed protobuf bodies are not supported');
    }
    const desc = kind === 'DeleteOptions' ? DELETE_OPTIONS : MESSAGES[`${apiVersion}/${kind}`];
    if (!desc) throw unsupported(`protobuf bodies of ${apiVersion ? `${apiVersion}, ` : ''}Kind=${kind || '(none)'} are not supported by the sandbox`);
    return { apiVersion, kind, ...decodeMessage(raw ?? new Uint8Array(), desc, kind) };
  } catch (err) {
    if (err instanceof WireError) throw new StatusError(400, 'BadRequest', `malformed protobuf body: ${err.message}`);
    throw err;
  }
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function decodeMessage(buf: Uint8Array, desc: MessageDesc, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const d = desc[f.field];
    if (!d) {
      if ((f.bytes && f.bytes.length > 0) || (f.varint !== undefined && f.varint !== 0n))
        throw unsupported(`protobuf field ${f.field} of ${path} is not supported by the sandbox`);
      continue;
    }
    if (d.ignore) continue;
    const childPath = d.name ? `${path}.${d.name}` : path;
    const value = decodeValue(f, d, childPath);
    if (d.name === '') {
      Object.assign(out, value); // an embedded Go struct, inlined in JSON
    } else if (d.repeated) {
      const list = (out[d.name] as unknown[] | undefined) ?? [];
      list.push(value);
      out[d.name] = list;
    } else if (typeof d.type === 'object' && 'map' in d.type) {
      const [k, v] = value as [string, unknown];
      out[d.name] = { ...(out[d.name] as object | undefined), [k]: v };
    } else {
      out[d.name] = value;
    }
  }
  // Zero values of non-pointer fields are what gogo-proto writes for "unset": drop them like omitempty.
  for (const d of Object.values(desc)) if (d.name && !d.repeated && !d.ptr && isZero(out[d.name])) delete out[d.name];
  return out;
}

function decodeValue(f: WireField, d: FieldDesc, path: string): unknown {
  const t = d.type;
  if (typeof t === 'string') return decodeScalar(f, t, path);
  if ('map' in t) {
    let key = '';
    let value: unknown = typeof t.map === 'string' ? (t.map === 'bytes' ? '' : t.map === 'string' ? '' : 0) : {};
    for (const e of readFields(expectBytes(f, path))) {
      if (e.field === 1) key = decodeScalar(e, 'string', path) as string;
      if (e.field === 2) value = typeof t.map === 'string' ? decodeScalar(e, t.map, path) : decodeMessage(expectBytes(e, path), t.map, `${path}[${key}]`);
    }
    return [key, value];
  }
  return decodeMessage(expectBytes(f, path), t, path);
}

function expectBytes(f: WireField, path: string): Uint8Array {
  if (f.wire !== WIRE_BYTES || !f.bytes) throw new WireError(`${path}: expected a length-delimited field`);
  return f.bytes;
}

function expectVarint(f: WireField, path: string): bigint {
  if (f.wire !== WIRE_VARINT || f.varint === undefined) throw new WireError(`${path}: expected a varint`);
  return f.varint;
}

function decodeScalar(f: WireField, t: Scalar, path: string): unknown {
  switch (t) {
    case 'string': return utf8.decode(expectBytes(f, path));
    case 'bytes': return Buffer.from(expectBytes(f, path)).toString('base64');
    case 'int32': return Number(BigInt.asIntN(32, expectVarint(f, path)));
    case 'int64': return Number(BigInt.asIntN(64, expectVarint(f, path)));
    case 'bool': return expectVarint(f, path) !== 0n;
    case 'quantity': {
      const q = readFields(expectBytes(f, path)).find((x) => x.field === 1);
      return q ? utf8.decode(expectBytes(q, path)) : '';
    }
    case 'intOrString': {
      let type = 0n;
      let intVal = 0;
      let strVal = '';
      for (const x of readFields(expectBytes(f, path))) {
        if (x.field === 1) type = expectVarint(x, path);
        if (x.field === 2) intVal = Number(BigInt.asIntN(32, expectVarint(x, path)));
        if (x.field === 3) strVal = utf8.decode(expectBytes(x, path));
      }
      return type === 1n ? strVal : intVal;
    }
    case 'time': {
      let seconds = 0n;
      for (const x of readFields(expectBytes(f, path))) if (x.field === 1) seconds = BigInt.asIntN(64, expectVarint(x, path));
      return seconds === 0n ? undefined : new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    }
  }
}
