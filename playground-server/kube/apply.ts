// Server-side apply of manifest objects into one namespace, all-or-nothing as far as the API allows: every
// object is checked locally (kind known, namespaced, in this namespace), then dry-run applied by the
// server (schema and conflicts), and only when all pass is anything written.
import { parseAllDocuments } from 'yaml';
import { ApiError, badRequest, forbidden, validationFailed, type FieldError } from '../api/errors.js';
import { resourcePath, type ApiResourceType, type ResourceDiscovery } from './discovery.js';
import type { KubeHttp } from './kube-http.js';

export const FIELD_MANAGER = 'mesh-playground';
/** Most documents in one apply (a lesson manifest has a handful). */
export const MAX_APPLY_DOCUMENTS = 100;
/** Most alias expansions in one document (a YAML alias bomb expands exponentially). */
export const MAX_YAML_ALIASES = 50;
/** Deepest nesting of mappings/sequences in a manifest. */
export const MAX_MANIFEST_DEPTH = 64;

const aliasBomb = (where: string) =>
  badRequest('AliasLimit', `${where}: too many YAML alias expansions; the limit is ${MAX_YAML_ALIASES} (maxYamlAliases) — write the values out instead of aliasing them`, { limit: 'maxYamlAliases', value: MAX_YAML_ALIASES });
const tooDeep = (where: string) =>
  badRequest('NestingTooDeep', `${where}: mappings/sequences nest deeper than the limit of ${MAX_MANIFEST_DEPTH} levels (maxManifestDepth)`, { limit: 'maxManifestDepth', value: MAX_MANIFEST_DEPTH });

/** True when a parsed value nests deeper than the limit (the walk stops at the limit). */
function nestsDeeper(value: unknown, limit: number, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= limit) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (nestsDeeper(v, limit, depth + 1)) return true;
  return false;
}

/** Flow-style nesting ([[[…]]] or {{…}}) counted on the text before the parser recurses into it. */
function flowNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') {
      if (++depth > limit) return true;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return false;
}

export interface ApplyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [field: string]: unknown;
}

export interface AppliedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  resourceVersion?: string;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Multi-document YAML → objects; every problem names its document and field. */
export function parseManifestText(text: string): ApplyObject[] {
  // Brackets inside quoted strings count too: a false positive needs 64 unclosed brackets in a string.
  if (flowNestingExceeds(text, MAX_MANIFEST_DEPTH)) throw tooDeep('manifest');
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text);
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep('manifest');
    throw err;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const objects: ApplyObject[] = [];
  const errors: FieldError[] = [];
  list.forEach((doc, i) => {
    const where = `manifest[${i}]`;
    if (doc.errors.length) {
      errors.push({ field: where, message: `not valid YAML: ${doc.errors[0].message.split('\n')[0]}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
    } catch (err) {
      if (err instanceof RangeError) throw tooDeep(where);
      if (/alias/i.test((err as Error).message)) throw aliasBomb(where);
      throw badRequest('InvalidManifest', `${where}: ${(err as Error).message.split('\n')[0].slice(0, 200)}`);
    }
    if (nestsDeeper(value, MAX_MANIFEST_DEPTH)) throw tooDeep(where);
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ field: where, message: 'must be a Kubernetes object (a mapping with apiVersion, kind and metadata)' });
      return;
    }
    const o = value as Partial<ApplyObject>;
    if (typeof o.apiVersion !== 'string' || !o.apiVersion) errors.push({ field: `${where}.apiVersion`, message: 'is required' });
    if (typeof o.kind !== 'string' || !o.kind) errors.push({ field: `${where}.kind`, message: 'is required' });
    if (o.kind === 'List') errors.push({ field: `${where}.kind`, message: 'List is not supported; write each object as its own YAML document' });
    const name = o.metadata?.name;
    if (typeof name !== 'string' || !NAME.test(name)) errors.push({ field: `${where}.metadata.name`, message: 'is required and must be a lowercase DNS name (a-z, 0-9, "-", ".")' });
    objects.push(o as ApplyObject);
  });
  if (errors.length) throw validationFailed(errors);
  if (!objects.length) throw validationFailed([{ field: 'manifest', message: 'has no objects' }]);
  if (objects.length > MAX_APPLY_DOCUMENTS) throw validationFailed([{ field: 'manifest', message: `has ${objects.length} objects; the limit is ${MAX_APPLY_DOCUMENTS}` }]);
  return objects;
}

export interface ApplyOptions {
  dryRun?: boolean;
  force?: boolean;
}

export async function applyToNamespace(http: KubeHttp, discovery: ResourceDiscovery, namespace: string, objects: ApplyObject[], opts: ApplyOptions = {}): Promise<AppliedObject[]> {
  const planned: { type: ApiResourceType; obj: ApplyObject }[] = [];
  const errors: FieldError[] = [];
  for (const [i, input] of objects.entries()) {
    const obj = structuredClone(input);
    let type: ApiResourceType;
    try {
      type = await discovery.byKind(obj.apiVersion, obj.kind);
    } catch (err) {
      errors.push({ field: `manifest[${i}].kind`, message: (err as Error).message });
      continue;
    }
    if (!type.namespaced) throw forbidden('ClusterScoped', `manifest[${i}]: ${obj.kind} "${obj.metadata.name}" is cluster-scoped; a session may only create objects in its namespace "${namespace}"`);
    if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== namespace)
      throw forbidden('OtherNamespace', `manifest[${i}]: ${obj.kind} "${obj.metadata.name}" names namespace "${obj.metadata.namespace}"; a session may only use its own namespace "${namespace}" (remove metadata.namespace)`);
    obj.metadata.namespace = namespace;
    planned.push({ type, obj });
  }
  if (errors.length) throw validationFailed(errors);

  const apply = (p: (typeof planned)[number], dryRun: boolean) =>
    http.json<{ metadata?: { resourceVersion?: string } }>({
      method: 'PATCH',
      path: resourcePath(p.type, namespace, p.obj.metadata.name),
      query: { fieldManager: FIELD_MANAGER, force: opts.force ? 'true' : undefined, dryRun: dryRun ? 'All' : undefined, fieldValidation: 'Strict' },
      contentType: 'application/apply-patch+yaml',
      body: p.obj,
    });
  const describe = (p: (typeof planned)[number]) => `${p.obj.kind} "${p.obj.metadata.name}"`;

  // Dry run everything first: nothing is written unless every object would be accepted.
  for (const p of planned) {
    try {
      await apply(p, true);
    } catch (err) {
      throw withObject(err, describe(p));
    }
  }
  if (opts.dryRun) return planned.map((p) => ({ apiVersion: p.obj.apiVersion, kind: p.obj.kind, name: p.obj.metadata.name, namespace }));
  const applied: AppliedObject[] = [];
  for (const p of planned) {
    try {
      const stored = await apply(p, false);
      applied.push({ apiVersion: p.obj.apiVersion, kind: p.obj.kind, name: p.obj.metadata.name, namespace, resourceVersion: stored.metadata?.resourceVersion });
    } catch (err) {
      throw withObject(err, describe(p), applied);
    }
  }
  return applied;
}

function withObject(err: unknown, what: string, applied?: AppliedObject[]): ApiError {
  if (!(err instanceof ApiError)) return badRequest('ApplyFailed', `${what}: ${(err as Error).message}`);
  const details = { ...(err.details ?? {}), object: what, ...(applied ? { appliedBeforeFailure: applied } : {}) };
  return new ApiError(err.code, err.reason, `${what}: ${err.message}`, details);
}
