// Strict SMP parsing with protobufjs from the vendored protos (smp-proto/): a document in the protobuf JSON
// mapping is checked field by field against the message's descriptor — unknown fields are REJECTED (as a
// protobuf JSON parser without ignoringUnknownFields does), names are lowerCamelCase JSON names or the proto
// names, google.protobuf.Timestamp is an RFC 3339 string, 64-bit integers a number or a decimal string —, then
// encoded to the protobuf binary and decoded back, so what passes is exactly an SMP message.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('./smp-proto/', import.meta.url));
const ENTRY = 'protos/service_mesh_performance.proto';

let root: protobuf.Root | null = null;

function smpRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // The protos import each other as "protos/x.proto" (from the repository root); google/* are protobufjs' bundled copies.
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') || path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
  r.loadSync(path.join(PROTO_DIR, ENTRY), { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export class SmpFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const jsonName = (protoName: string): string => protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

function timestamp(v: unknown, field: string): { seconds: number; nanos: number } {
  if (typeof v !== 'string' || !RFC3339.test(v)) throw new SmpFormatError(field, 'expected an RFC 3339 timestamp string (google.protobuf.Timestamp in JSON)');
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new SmpFormatError(field, 'not a valid time');
  const frac = RFC3339.exec(v)![7] ?? '';
  const nanos = frac ? Number(frac.slice(1).padEnd(9, '0')) : 0;
  return { seconds: Math.floor(ms / 1000), nanos };
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function scalar(type: string, v: unknown, field: string, enumType?: protobuf.Enum): unknown {
  if (enumType) {
    if (typeof v === 'string' && v in enumType.values) return enumType.values[v];
    if (typeof v === 'number' && Number.isInteger(v) && Object.values(enumType.values).includes(v)) return v;
    throw new SmpFormatError(field, `expected one of ${Object.keys(enumType.values).join(', ')}`);
  }
  if (type === 'string') {
    if (typeof v !== 'string') throw new SmpFormatError(field, 'expected a string');
    return v;
  }
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw new SmpFormatError(field, 'expected true or false');
    return v;
  }
  if (type === 'double' || type === 'float') {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    throw new SmpFormatError(field, `expected a number (${type})`);
  }
  if (INT32.has(type) || INT64.has(type)) {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new SmpFormatError(field, `expected an integer (${type})`);
    if (type.startsWith('u') || type.startsWith('fixed')) if (n < 0) throw new SmpFormatError(field, `expected a non-negative integer (${type})`);
    if (INT32.has(type) && (n < -2147483648 || n > 4294967295)) throw new SmpFormatError(field, `out of range for ${type}`);
    return n;
  }
  if (type === 'bytes') {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) throw new SmpFormatError(field, 'expected base64');
    return v;
  }
  throw new SmpFormatError(field, `unsupported field type ${type}`);
}

/** The protobufjs object (proto field names) of a JSON message, checked strictly. */
function fromJson(type: protobuf.Type, json: unknown, at: string): Record<string, unknown> {
  if (type.fullName === '.google.protobuf.Timestamp') return timestamp(json, at);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SmpFormatError(at, `expected an object (${type.fullName.slice(1)})`);
  const byJsonName = new Map<string, protobuf.Field>();
  for (const f of type.fieldsArray) {
    byJsonName.set(jsonName(f.name), f);
    byJsonName.set(f.name, f);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const field = `${at}.${key}`;
    const f = byJsonName.get(key);
    if (!f) throw new SmpFormatError(field, `unknown field (not in ${type.fullName.slice(1)}; a strict protobuf JSON parser rejects it)`);
    if (f.name in out) throw new SmpFormatError(field, 'given twice (JSON name and proto name)');
    if (value === null) continue; // protobuf JSON: null is the default value
    f.resolve();
    const sub = f.resolvedType;
    const one = (v: unknown, where: string): unknown => (sub instanceof protobuf.Type ? fromJson(sub, v, where) : scalar(f.type, v, where, sub instanceof protobuf.Enum ? sub : undefined));
    if (f instanceof protobuf.MapField) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new SmpFormatError(field, 'expected an object (a map)');
      out[f.name] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, one(v, `${field}.${k}`)]));
    } else if (f.repeated) {
      if (!Array.isArray(value)) throw new SmpFormatError(field, 'expected an array (a repeated field)');
      out[f.name] = value.map((v, i) => one(v, `${field}[${i}]`));
    } else out[f.name] = one(value, field);
  }
  return out;
}

/** A message type of the `smp` package: PerformanceTestResult, ServiceMeshConfig, EnvironmentConfig, … */
export function smpType(name: string): protobuf.Type {
  return smpRoot().lookupType(`smp.${name}`);
}

/**
 * Parse an SMP document of message `typeName` strictly; returns the decoded message as protobufjs gives it
 * (proto field names; 64-bit integers and enums as strings, timestamps as {seconds, nanos}).
 */
export function parseSmpMessage(json: unknown, typeName = 'PerformanceTestResult'): Record<string, unknown> {
  const type = smpType(typeName);
  const obj = fromJson(type, json, typeName);
  const problem = type.verify(obj);
  if (problem) throw new SmpFormatError(typeName, problem);
  const bytes = type.encode(type.fromObject(obj)).finish();
  return type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: true }) as Record<string, unknown>;
}
