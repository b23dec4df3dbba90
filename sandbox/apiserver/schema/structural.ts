// Navigation of structural (Kubernetes-flavoured OpenAPI v3) schemas: the one place that knows how a
// field's schema, a list's kind (atomic / set / map with keys) and a map's kind are read from a schema.
import type { ResourceType } from '../resources.js';
import { BUILTIN_SCHEMAS, objectMeta } from './builtin-schemas.js';

export interface JSONSchema {
  type?: string;
  format?: string;
  properties?: Record<string, JSONSchema>;
  additionalProperties?: JSONSchema | boolean;
  items?: JSONSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  description?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  [keyword: string]: unknown;
}

export type ListKind = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: string[] };

const schemaCache = new WeakMap<ResourceType, JSONSchema | null>();

/**
 * The schema of a whole object of this kind, with metadata described as ObjectMeta (CRD schemas leave it
 * open). Undefined for kinds without a schema (they are then stored as given).
 */
export function schemaOf(t: ResourceType): JSONSchema | undefined {
  let s = schemaCache.get(t);
  if (s === undefined) {
    const base = (t.schema as JSONSchema | undefined) ?? BUILTIN_SCHEMAS[`${t.group}/${t.kind}`];
    s = base ? { ...base, properties: { ...base.properties, metadata: objectMeta } } : null;
    schemaCache.set(t, s);
  }
  return s ?? undefined;
}

/** The schema of `value[key]` when `schema` describes an object, or undefined when the field is unknown. */
export function fieldSchema(schema: JSONSchema | undefined, key: string): JSONSchema | undefined {
  if (!schema) return undefined;
  const p = schema.properties?.[key];
  if (p) return p;
  if (typeof schema.additionalProperties === 'object') return schema.additionalProperties;
  return undefined;
}

/** Whether fields not described by the schema are kept (and not reported) below this point. */
export function preservesUnknown(schema: JSONSchema | undefined): boolean {
  if (!schema) return true;
  if (schema['x-kubernetes-preserve-unknown-fields'] || schema['x-kubernetes-int-or-string']) return true;
  if (schema.additionalProperties === true) return true;
  return false;
}

/** Whether an object-valued field is a struct/map whose fields are owned and merged one by one. */
export function isGranularMap(schema: JSONSchema | undefined): boolean {
  if (!schema) return true;
  if (schema['x-kubernetes-map-type'] === 'atomic') return false;
  // An open object with no declared fields is treated as one value (SSA treats untyped blobs atomically).
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return false;
  return true;
}

export function listKind(schema: JSONSchema | undefined): ListKind {
  const t = schema?.['x-kubernetes-list-type'];
  const keys = schema?.['x-kubernetes-list-map-keys'];
  if (t === 'map' && keys?.length) return { kind: 'map', keys };
  if (t === 'set') return { kind: 'set' };
  return { kind: 'atomic' };
}

/** Strategic-merge-patch metadata of a list: its merge key (for lists of objects) and strategies. */
export function patchMeta(schema: JSONSchema | undefined): { mergeKey?: string; merge: boolean; retainKeys: boolean } {
  const strategy = (schema?.['x-kubernetes-patch-strategy'] ?? '').split(',');
  return {
    mergeKey: schema?.['x-kubernetes-patch-merge-key'],
    merge: strategy.includes('merge'),
    retainKeys: strategy.includes('retainKeys'),
  };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
