// Everything a written object goes through before admission and the store, in the apiserver's order:
// decode checks and unknown fields (Strict/Warn/Ignore), status reset, defaulting, validation. Works on a
// copy and throws before anything is stored, so a rejected object is never half-applied.
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../resources.js';
import type { KubeObject } from '../store.js';
import { badRequest, invalid, type StatusCause } from '../errors.js';
import { isPlainObject, schemaOf } from '../schema/structural.js';
import { pruneUnknownFields, strictDecodingMessage } from '../schema/unknown-fields.js';
import { validateAgainstSchema } from '../schema/schema-validator.js';
import { applyBuiltinDefaults, initialStatus } from './builtin-defaults.js';
import { validateBuiltin, validateMetadata, validateName } from './builtin-rules.js';
import { normalizeSecretData } from './secret-data.js';
import { ephemeralContainersOnCreate } from './ephemeral-containers.js';
import { crdWarnings } from '../crd/crd-warnings.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  const v = value.charAt(0).toUpperCase() + value.slice(1).toLowerCase();
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation: Invalid value: ${JSON.stringify(value)}: fieldValidation must be one of: Ignore, Warn, Strict`);
}

export interface WriteContext {
  operation: 'CREATE' | 'UPDATE';
  old?: KubeObject;
  subresource?: 'status';
  fieldValidation: FieldValidation;
  /** apiVersions the body may carry (all served versions of the kind). */
  acceptedApiVersions: string[];
}

/** Checks that the body is an object of the URL's kind; returns a copy with apiVersion/kind set. */
export function decodeObject(t: ResourceType, input: unknown, acceptedApiVersions: string[]): KubeObject {
  if (!isPlainObject(input)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(input)}'`);
  const expected = acceptedApiVersions[0];
  if (input.apiVersion !== undefined && !acceptedApiVersions.includes(String(input.apiVersion)))
    throw badRequest(`the API version in the data (${String(input.apiVersion)}) does not match the expected API version (${expected})`);
  if (input.kind !== undefined && input.kind !== t.kind)
    throw badRequest(`the kind in the data (${String(input.kind)}) does not match the expected kind (${t.kind})`);
  if (input.metadata !== undefined && !isPlainObject(input.metadata)) throw badRequest('metadata: expected an object');
  const obj = withoutNulls(input) as KubeObject;
  obj.metadata ??= {};
  obj.apiVersion = expected;
  obj.kind = t.kind;
  return obj;
}

/**
 * A copy without null-valued fields: Go clients send `creationTimestamp: null` (kubectl run does), and the
 * apiserver decodes null as "unset" (structural pruning drops nulls of non-nullable fields too).
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

/** Drops unknown fields; Strict turns them into a 400, Warn into warnings. */
export function handleUnknownFields(t: ResourceType, obj: KubeObject, mode: FieldValidation): string[] {
  const unknown = pruneUnknownFields(obj, schemaOf(t));
  if (!unknown.length) return [];
  if (mode === 'Strict') {
    // The handlers' transformDecodeError wording, for built-in and custom kinds alike (custom resources are
    // decoded by the same generic create/update handlers).
    throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${strictDecodingMessage(unknown)}`);
  }
  return mode === 'Warn' ? unknown.map((p) => `unknown field "${p}"`) : [];
}

export function prepareWrite(t: ResourceType, input: KubeObject, ctx: WriteContext): { object: KubeObject; warnings: string[] } {
  const obj = structuredClone(input);
  const warnings = handleUnknownFields(t, obj, ctx.fieldValidation);
  const old = ctx.old;
  if (t.group === '' && t.kind === 'Secret' && ctx.subresource === undefined) normalizeSecretData(obj);

  if (ctx.operation === 'CREATE') {
    // A fresh uid, whatever the client sent (FillObjectMetaSystemFields), before defaulting may use it.
    obj.metadata.uid = randomUUID();
    if (t.subresources.status) {
      const status = initialStatus(t);
      if (status === undefined) delete obj.status;
      else obj.status = status;
    }
    applyBuiltinDefaults(t, obj, true);
  } else if (old && ctx.subresource === 'status') {
    // Only status changes through /status; the rest is validated as it is stored.
    const status = obj.status;
    const rv = obj.metadata.resourceVersion;
    Object.assign(obj, structuredClone(old));
    obj.status = status;
    obj.metadata.resourceVersion = rv;
  } else if (old && t.subresources.status) {
    if (old.status === undefined) delete obj.status;
    else obj.status = structuredClone(old.status);
  }
  if (ctx.operation === 'UPDATE') applyBuiltinDefaults(t, obj);

  const causes: StatusCause[] = [];
  const schema = schemaOf(t);
  if (schema) causes.push(...validateAgainstSchema(obj, schema));
  const name = obj.metadata.name;
  if (ctx.operation === 'CREATE' && typeof name === 'string' && name) causes.push(...validateName(t, name));
  causes.push(...validateMetadata(obj));
  if (!t.schema) causes.push(...validateBuiltin(t, obj, ctx.subresource ? undefined : old));
  if (ctx.operation === 'CREATE' && t.group === '' && t.kind === 'Pod') causes.push(...ephemeralContainersOnCreate(obj.spec));
  if (causes.length) throw invalid(t.kind, t.group, name ?? obj.metadata.generateName ?? '', causes);
  if (t.group === 'apiextensions.k8s.io' && t.kind === 'CustomResourceDefinition' && ctx.subresource === undefined) warnings.push(...crdWarnings(obj));
  return { object: obj, warnings };
}
