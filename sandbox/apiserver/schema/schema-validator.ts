// Schema validation and defaulting with ajv, reported the way the API server reports it: one StatusCause per
// field (`spec.rules[0].backendRefs[0].weight`) with the apiserver's wording. Kubernetes extensions are
// translated for ajv (int-or-string) or tolerated as annotations (x-kubernetes-*). CEL rules
// (x-kubernetes-validations) are not evaluated.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { StatusCause } from '../errors.js';
import { isPlainObject, listKind, type JSONSchema } from './structural.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, validateFormats: true, coerceTypes: false });
addFormats(ajv);
for (const f of ['int32', 'int64']) ajv.addFormat(f, { type: 'number', validate: (n: number) => Number.isInteger(n) });
for (const f of ['float', 'double']) ajv.addFormat(f, { type: 'number', validate: () => true });
ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
for (const f of ['binary', 'password', 'quantity', 'int-or-string']) ajv.addFormat(f, () => true);
// Kubernetes' `duration` is Go's time.ParseDuration syntax ("3s", "1h30m", "500ms"), not ajv-formats' ISO 8601 ("PT3S").
ajv.addFormat('duration', /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/);

const compiled = new WeakMap<JSONSchema, ValidateFunction>();

/** Translates the Kubernetes dialect into plain JSON Schema that ajv understands. */
function forAjv(s: JSONSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-') || k === 'description' || k === 'example' || k === 'externalDocs') continue;
    if (k === 'properties' && isPlainObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, child]) => [name, forAjv(child as JSONSchema)]));
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && isPlainObject(v)) {
      out[k] = forAjv(v as JSONSchema);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map((c) => forAjv(c as JSONSchema));
    } else {
      out[k] = v;
    }
  }
  if (s['x-kubernetes-int-or-string']) {
    delete out.anyOf; // k8s writes int-or-string as anyOf[integer,string] plus the flag
    out.type = ['integer', 'string'];
    delete out.format;
  }
  if (out.nullable !== undefined && out.type === undefined) delete out.nullable;
  return out;
}

function validatorFor(schema: JSONSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(forAjv(schema));
    compiled.set(schema, v);
  }
  return v;
}

/** Applies schema defaults to `value` (in place) and returns what is invalid. */
export function validateAgainstSchema(value: unknown, schema: JSONSchema): StatusCause[] {
  const validate = validatorFor(schema);
  const causes: StatusCause[] = [];
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      const cause = causeOf(e, value);
      if (!cause) continue;
      const key = `${cause.field}|${cause.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      causes.push(cause);
    }
  }
  duplicateKeys(value, schema, '', causes);
  return causes;
}

/** `/spec/rules/0/weight` → `spec.rules[0].weight`. */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** A value as Go's %v prints it in "Invalid value: ..." messages. */
export function printValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isPlainObject(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function causeOf(e: ErrorObject, root: unknown): StatusCause | undefined {
  const field = fieldPath(e.instancePath);
  const v = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const invalid = (msg: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${printValue(v)}: ${field} in body ${msg}` });
  switch (e.keyword) {
    case 'required': {
      const f = field ? `${field}.${p.missingProperty}` : String(p.missingProperty);
      return { reason: 'FieldValueRequired', field: f, message: 'Required value' };
    }
    case 'minimum': return invalid(`should be greater than or equal to ${p.limit}`);
    case 'exclusiveMinimum': return invalid(`should be greater than ${p.limit}`);
    case 'maximum': return invalid(`should be less than or equal to ${p.limit}`);
    case 'exclusiveMaximum': return invalid(`should be less than ${p.limit}`);
    case 'minLength': return invalid(`should be at least ${p.limit} chars long`);
    case 'maxLength': return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${p.limit} bytes` };
    case 'pattern': return invalid(`should match '${p.pattern}'`);
    case 'minItems': return invalid(`should have at least ${p.limit} items`);
    case 'maxItems': return { reason: 'FieldValueTooMany', field, message: `Too many: ${Array.isArray(v) ? v.length : '?'}: must have at most ${p.limit} items` };
    case 'minProperties': return invalid(`should have at least ${p.limit} properties`);
    case 'maxProperties': return { reason: 'FieldValueTooMany', field, message: `Too many: must have at most ${p.limit} items` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((a) => JSON.stringify(a)).join(', ');
      return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${printValue(v)}: supported values: ${allowed}` };
    }
    case 'type': {
      const want = Array.isArray(p.type) ? p.type.join(', ') : String(p.type);
      return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${jsonType(v)}": ${field} in body must be of type ${want}: "${jsonType(v)}"` };
    }
    case 'format': return invalid(`must be of type ${p.format}: ${printValue(v)}`);
    case 'uniqueItems': return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${printValue(v)}` };
    case 'anyOf': case 'oneOf': case 'allOf': case 'not': return undefined; // the branches' own errors say more
    default: return invalid(e.message ?? 'is invalid');
  }
}

/** `x-kubernetes-list-type: map|set` lists may not repeat a key (e.g. two containers named alike). */
function duplicateKeys(value: unknown, schema: JSONSchema | undefined, path: string, out: StatusCause[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const kind = listKind(schema);
    if (kind.kind !== 'atomic') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = kind.kind === 'map' && isPlainObject(item)
          ? JSON.stringify(Object.fromEntries(kind.keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])))
          : JSON.stringify(item);
        if (seen.has(key)) out.push({ reason: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${key}` });
        seen.add(key);
      });
    }
    if (schema.items) value.forEach((item, i) => duplicateKeys(item, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(value) || !schema.properties) return;
  for (const [k, child] of Object.entries(schema.properties)) {
    if (value[k] !== undefined) duplicateKeys(value[k], child, path ? `${path}.${k}` : k, out);
  }
}
