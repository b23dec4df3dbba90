// Defaulting and validation of CustomResourceDefinition objects, as apiextensions-apiserver does them
// (pkg/apis/apiextensions/v1/defaults.go, pkg/apis/apiextensions/validation/validation.go and the structural
// schema rules of pkg/apiserver/schema/validation.go), with upstream's field paths and messages.
// Not checked: CEL rules (x-kubernetes-validations), conversion webhooks' client config, selectableFields.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import { isPlainObject, type JSONSchema } from '../schema/structural.js';
import { printValue } from '../schema/schema-validator.js';
import { dns1035Label, dns1123Subdomain } from '../validation/name-rules.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'name', 'password'];
const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const required = (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${printValue(value)}: ${detail}` });
const forbidden = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
const notSupported = (field: string, value: unknown, allowed: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${printValue(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
});

function specOf(crd: KubeObject): Record<string, unknown> {
  if (!isPlainObject(crd.spec)) crd.spec = {};
  return crd.spec as Record<string, unknown>;
}

/** SetDefaults_CustomResourceDefinition(Spec): singular, listKind, conversion strategy, storedVersions. */
export function defaultCrd(crd: KubeObject): void {
  const spec = specOf(crd);
  const names = isPlainObject(spec.names) ? spec.names : (spec.names = {});
  if (!str(names.singular) && str(names.kind)) names.singular = str(names.kind).toLowerCase();
  if (!str(names.listKind) && str(names.kind)) names.listKind = `${str(names.kind)}List`;
  if (!isPlainObject(spec.conversion)) spec.conversion = { strategy: 'None' };
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  for (const v of versions) {
    if (isPlainObject(v) && Array.isArray(v.additionalPrinterColumns)) {
      for (const c of v.additionalPrinterColumns) if (isPlainObject(c) && c.priority === undefined) c.priority = 0;
    }
  }
  const status = isPlainObject(crd.status) ? crd.status : (crd.status = {});
  if (!Array.isArray(status.storedVersions) || !status.storedVersions.length) {
    status.storedVersions = versions.filter((v) => isPlainObject(v) && v.storage === true).map((v) => (v as Record<string, unknown>).name);
  }
}

function validateNames(names: Record<string, unknown>, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const lowerLabel = (field: string, v: string) =>
    dns1035Label(field, v.toLowerCase()).map((c) => ({ ...c, message: c.message.replace(/^Invalid value: "[^"]*": /, `Invalid value: ${JSON.stringify(v)}: may have mixed case, but should otherwise match: `) }));
  if (str(names.plural)) out.push(...dns1035Label(`${path}.plural`, str(names.plural)));
  if (str(names.singular)) out.push(...dns1035Label(`${path}.singular`, str(names.singular)));
  if (str(names.kind)) out.push(...lowerLabel(`${path}.kind`, str(names.kind)));
  if (str(names.listKind)) out.push(...lowerLabel(`${path}.listKind`, str(names.listKind)));
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s, i) => out.push(...dns1035Label(`${path}.shortNames[${i}]`, str(s))));
  if (str(names.kind) && names.kind === names.listKind) out.push(invalidValue(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((s, i) => out.push(...dns1035Label(`${path}.categories[${i}]`, str(s))));
  return out;
}

/** The structural-schema rules (pkg/apiserver/schema/validation.go) that learners' schemas trip over. */
function validateStructural(s: unknown, path: string, where: 'root' | 'field' | 'item', out: StatusCause[]): void {
  if (!isPlainObject(s)) return;
  const schema = s as JSONSchema;
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined && !intOrString && !preserve) {
    const detail = where === 'root' ? 'must not be empty at the root' : where === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    out.push(required(`${path}.type`, detail));
  } else if (schema.type !== undefined && !SCHEMA_TYPES.includes(String(schema.type))) {
    out.push(notSupported(`${path}.type`, schema.type, SCHEMA_TYPES));
  }
  if (where === 'root' && schema.type !== undefined && schema.type !== 'object') out.push(invalidValue(`${path}.type`, schema.type, 'must be object at the root'));
  if (schema.type === 'array' && !isPlainObject(schema.items)) out.push(required(`${path}.items`, 'must be specified'));
  if (schema.properties && schema.additionalProperties !== undefined && schema.additionalProperties !== false)
    out.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) out.push(invalidValue(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (typeof schema.pattern === 'string') {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (err) {
      out.push(invalidValue(`${path}.pattern`, schema.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
    }
  }
  if (isPlainObject(schema.properties)) {
    for (const [k, child] of Object.entries(schema.properties)) validateStructural(child, `${path}.properties[${k}]`, 'field', out);
  }
  if (isPlainObject(schema.items)) validateStructural(schema.items, `${path}.items`, 'item', out);
  if (isPlainObject(schema.additionalProperties)) validateStructural(schema.additionalProperties, `${path}.additionalProperties`, 'field', out);
}

function validateVersion(v: Record<string, unknown>, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  out.push(...dns1035Label(`${path}.name`, str(v.name)));
  const schema = isPlainObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
  if (!isPlainObject(schema)) out.push(required(`${path}.schema.openAPIV3Schema`));
  else validateStructural(schema, `${path}.schema.openAPIV3Schema`, 'root', out);
  const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
  columns.forEach((c, i) => {
    const p = `${path}.additionalPrinterColumns[${i}]`;
    const col = isPlainObject(c) ? c : {};
    if (!str(col.name)) out.push(required(`${p}.name`));
    if (!str(col.type)) out.push(required(`${p}.type`, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
    else if (!PRINTER_COLUMN_TYPES.includes(str(col.type))) out.push(invalidValue(`${p}.type`, col.type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
    if (str(col.format) && !PRINTER_COLUMN_FORMATS.includes(str(col.format))) out.push(invalidValue(`${p}.format`, col.format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
    if (!str(col.jsonPath)) out.push(required(`${p}.JSONPath`));
    else if (!str(col.jsonPath).startsWith('.')) out.push(invalidValue(`${p}.JSONPath`, col.jsonPath, 'must be a simple json path starting with .'));
  });
  const scale = isPlainObject(v.subresources) ? v.subresources.scale : undefined;
  if (isPlainObject(scale)) {
    const p = `${path}.subresources.scale`;
    if (!str(scale.specReplicasPath)) out.push(required(`${p}.specReplicasPath`));
    else if (!str(scale.specReplicasPath).startsWith('.spec.')) out.push(invalidValue(`${p}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!str(scale.statusReplicasPath)) out.push(required(`${p}.statusReplicasPath`));
    else if (!str(scale.statusReplicasPath).startsWith('.status.')) out.push(invalidValue(`${p}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
  }
  return out;
}

const APPROVAL = 'api-approved.kubernetes.io';

/** validateAPIApproval: CRDs in the community's groups (*.k8s.io, *.kubernetes.io) carry an approval annotation. */
function validateApiApproval(crd: KubeObject, old: KubeObject | undefined, group: string): StatusCause[] {
  const isProtected = group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
  if (!isProtected) return [];
  const state = (o: KubeObject): { state: string; reason: string; value: string } => {
    const value = o.metadata.annotations?.[APPROVAL] ?? '';
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!value) return { state: 'missing', value, reason: `protected groups must have approval annotation "${APPROVAL}", see https://github.com/kubernetes/enhancements/pull/1111` };
    if (value.startsWith('unapproved')) return { state: 'bypassed', value, reason: '' };
    if (url && url.host && url.protocol) return { state: 'approved', value, reason: '' };
    return { state: 'invalid', value, reason: `protected groups must have approval annotation "${APPROVAL}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111` };
  };
  const now = state(crd);
  if (old && state(old).state === now.state) return [];
  const field = `metadata.annotations[${APPROVAL}]`;
  if (now.state === 'missing') return [required(field, now.reason)];
  if (now.state === 'invalid') return [invalidValue(field, now.value, now.reason)];
  return [];
}

/** ValidateCustomResourceDefinition (and …Update when `old` is given), after defaulting. */
export function validateCrd(crd: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = specOf(crd);
  const names = isPlainObject(spec.names) ? spec.names : {};
  const group = str(spec.group);
  const name = str(crd.metadata.name);
  if (name && name !== `${str(names.plural)}.${group}`) out.push(invalidValue('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));

  if (!group) out.push(required('spec.group'));
  else {
    const bad = dns1123Subdomain('spec.group', group);
    if (bad.length) out.push(...bad);
    else if (group.split('.').length < 2) out.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (!str(spec.scope)) out.push(required('spec.scope'));
  else if (!['Cluster', 'Namespaced'].includes(str(spec.scope))) out.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));

  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (!versions.length) out.push(required('spec.versions'));
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((raw, i) => {
    const v = isPlainObject(raw) ? raw : {};
    if (seen.has(str(v.name))) unique = false;
    seen.add(str(v.name));
    if (v.storage === true) storage++;
    out.push(...validateVersion(v, `spec.versions[${i}]`));
  });
  if (!unique) out.push(invalidValue('spec.versions', versions, 'must contain unique version names'));
  if (versions.length && storage !== 1) out.push(invalidValue('spec.versions', versions, 'must have exactly one version marked as storage version'));

  for (const k of ['plural', 'singular', 'kind', 'listKind']) if (!str(names[k])) out.push(required(`spec.names.${k}`));
  out.push(...validateNames(names, 'spec.names'));
  const conversion = isPlainObject(spec.conversion) ? spec.conversion : {};
  if (str(conversion.strategy) !== 'None') {
    // The sandbox runs no conversion webhooks: only None is accepted (upstream also allows Webhook).
    out.push(notSupported('spec.conversion.strategy', conversion.strategy ?? '', ['None']));
  }

  // validatePreserveUnknownFields: v1 keeps unknown fields per schema node, never CRD-wide.
  const oldPreserve = old && isPlainObject(old.spec) && old.spec.preserveUnknownFields === true;
  if (spec.preserveUnknownFields === true && !oldPreserve)
    out.push(invalidValue('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  out.push(...validateApiApproval(crd, old, group));
  if (old) {
    const oldSpec = isPlainObject(old.spec) ? old.spec : {};
    const oldNames = isPlainObject(oldSpec.names) ? oldSpec.names : {};
    const immutable = (field: string, now: unknown, before: unknown) => {
      if (now !== before) out.push(invalidValue(field, now, 'field is immutable'));
    };
    // Once Established, clients rely on the scope and kind: they are frozen (requireImmutableNames).
    const oldStatus = isPlainObject(old.status) ? old.status : {};
    const established = Array.isArray(oldStatus.conditions) && oldStatus.conditions.some((c) => isPlainObject(c) && c.type === 'Established' && c.status === 'True');
    if (established) {
      immutable('spec.scope', spec.scope, oldSpec.scope);
      immutable('spec.names.kind', names.kind, oldNames.kind);
    }
    immutable('spec.group', spec.group, oldSpec.group);
    immutable('spec.names.plural', names.plural, oldNames.plural);
  }
  return out;
}
