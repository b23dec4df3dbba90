// Server-side apply (application/apply-patch+yaml): the applied configuration is merged into the live
// object by schema (lists with keys merge by key, atomic lists and maps are replaced); changing a field
// another manager owns is a conflict unless forced; fields the applier applied before and no longer
// applies are removed unless someone else owns them.
import { StatusError } from '../errors.js';
import type { KubeObject } from '../store.js';
import { fieldSchema, isGranularMap, isPlainObject, listKind, type JSONSchema } from '../schema/structural.js';
import { deepEqual } from './strategic-merge.js';
import { describePath, fieldsOf, minus, pathElements, removeAt, valueAt, type FieldSet } from './field-set.js';
import { isItemPath, now, readOwnership, writeOwnership, type Ownership } from './managed-fields.js';

type Obj = Record<string, unknown>;

export interface ApplyOptions {
  manager: string;
  force: boolean;
  apiVersion: string;
  schema: JSONSchema | undefined;
  subresource?: 'status';
}

const SERVER_OWNED_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** Returns the object to store (with managedFields); throws 409 Conflict naming the conflicting fields. */
export function serverSideApply(live: KubeObject | undefined, applied: Obj, opts: ApplyOptions): KubeObject {
  const scope = opts.subresource === 'status' ? 'status' : 'main';
  const config = scoped(applied, scope);
  defaultListMapKeys(config, opts.schema);
  const appliedSet = fieldsOf(config, opts.schema, scope);
  const owners = readOwnership(live);
  const isMine = (o: Ownership) => o.entry.manager === opts.manager && o.entry.operation === 'Apply' && (o.entry.subresource ?? '') === (opts.subresource ?? '');
  const mine = owners.find(isMine);
  const others = owners.filter((o) => !isMine(o));

  // Conflicts: a field someone else owns whose value this apply would change.
  const conflicts: { owner: Ownership; path: string }[] = [];
  if (live) {
    for (const path of appliedSet) {
      if (isItemPath(path)) continue;
      const els = pathElements(path);
      if (deepEqual(valueAt(live, els, opts.schema), valueAt(config, els, opts.schema))) continue;
      for (const o of others) if (o.set.has(path)) conflicts.push({ owner: o, path });
    }
  }
  if (conflicts.length && !opts.force) throw conflictError(conflicts);
  for (const { owner, path } of conflicts) owner.set.delete(path);

  const merged = (live ? mergeValue(structuredClone(live), config, opts.schema) : structuredClone(config)) as KubeObject;
  const othersOwn: FieldSet = new Set(others.flatMap((o) => [...o.set]));
  const stale = minus(minus(mine?.set ?? new Set(), appliedSet), othersOwn);
  removeFields(merged, [...stale].filter((p) => !hasDescendant(appliedSet, p) && !hasDescendant(othersOwn, p)), opts.schema);

  const next: Ownership[] = others;
  const changed = !mine || mine.set.size !== appliedSet.size || [...appliedSet].some((p) => !mine.set.has(p));
  const entry = {
    manager: opts.manager,
    operation: 'Apply' as const,
    apiVersion: opts.apiVersion,
    time: changed || !mine?.entry.time ? now() : mine.entry.time,
    fieldsType: 'FieldsV1' as const,
    fieldsV1: {},
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  };
  const position = mine ? owners.indexOf(mine) : owners.length;
  next.splice(Math.min(position, next.length), 0, { entry, set: appliedSet });
  merged.metadata ??= {};
  const entries = writeOwnership(next);
  if (entries.length) merged.metadata.managedFields = entries;
  else delete merged.metadata.managedFields;
  return merged;
}

/**
 * Items of keyed lists are identified by all their keys; keys with a schema default (a container port's
 * protocol) may be left out of an applied configuration, so they are defaulted first, as the apiserver does.
 */
function defaultListMapKeys(value: unknown, schema: JSONSchema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const kind = listKind(schema);
    for (const item of value) {
      if (kind.kind === 'map' && isPlainObject(item)) {
        for (const key of kind.keys) {
          const d = schema.items?.properties?.[key]?.default;
          if (item[key] === undefined && d !== undefined) item[key] = structuredClone(d);
        }
      }
      defaultListMapKeys(item, schema.items);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) defaultListMapKeys(v, fieldSchema(schema, k));
}

/** The part of an applied configuration that counts for this endpoint (status only via /status). */
function scoped(applied: Obj, scope: 'main' | 'status'): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(applied)) {
    if (k === 'status' && scope === 'main') continue;
    if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind' && scope === 'status') continue;
    out[k] = v;
  }
  if (isPlainObject(out.metadata)) {
    const meta = { ...out.metadata };
    for (const k of SERVER_OWNED_METADATA) if (k !== 'name' && k !== 'namespace') delete meta[k];
    out.metadata = meta;
  }
  return out;
}

function mergeValue(live: unknown, applied: unknown, schema: JSONSchema | undefined): unknown {
  if (Array.isArray(applied)) {
    const kind = listKind(schema);
    if (kind.kind === 'atomic' || !Array.isArray(live)) return structuredClone(applied);
    const result = [...live];
    for (const item of applied) {
      if (kind.kind === 'set') {
        if (!result.some((x) => deepEqual(x, item))) result.push(structuredClone(item));
        continue;
      }
      const idx = result.findIndex((x) => isPlainObject(x) && isPlainObject(item) && kind.keys.every((k) => deepEqual(x[k], item[k])));
      if (idx >= 0) result[idx] = mergeValue(result[idx], item, schema?.items);
      else result.push(structuredClone(item));
    }
    return result;
  }
  if (isPlainObject(applied) && isPlainObject(live) && isGranularMap(schema)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeValue(live[k], v, fieldSchema(schema, k));
    return out;
  }
  return structuredClone(applied);
}

function hasDescendant(set: FieldSet, path: string): boolean {
  const prefix = path.slice(0, -1) + ',';
  for (const p of set) if (p.startsWith(prefix)) return true;
  return false;
}

/**
 * Removes fields and the maps and lists left empty by their removal. Whole list items go first (while
 * their keys still identify them), then leaves, deepest first.
 */
function removeFields(obj: KubeObject, paths: string[], schema: JSONSchema | undefined): void {
  const items = paths.filter(isItemPath).map(pathElements).sort((a, b) => a.length - b.length);
  const leaves = paths.filter((p) => !isItemPath(p)).map(pathElements).sort((a, b) => b.length - a.length);
  for (const els of [...items, ...leaves]) {
    removeAt(obj, els, schema);
    for (let i = els.length - 1; i > 0; i--) {
      const parent = els.slice(0, i);
      if (!parent[parent.length - 1].startsWith('f:') || (parent.length === 1 && parent[0] === 'f:metadata')) break;
      const v = valueAt(obj, parent, schema);
      const empty = (isPlainObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
      if (!empty) break;
      removeAt(obj, parent, schema);
    }
  }
}

function conflictError(conflicts: { owner: Ownership; path: string }[]): StatusError {
  const byManager = new Map<string, string[]>();
  for (const { owner, path } of conflicts) {
    const who = `"${owner.entry.manager}" using ${owner.entry.apiVersion}`;
    byManager.set(who, [...(byManager.get(who) ?? []), describePath(path)]);
  }
  const n = conflicts.length;
  const parts = [...byManager.entries()].map(([who, paths]) =>
    paths.length === 1 ? `conflict with ${who}: ${paths[0]}` : `conflicts with ${who}:\n${paths.map((p) => `- ${p}`).join('\n')}`);
  const message = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new StatusError(409, 'Conflict', message, {
    causes: conflicts.map(({ owner, path }) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${owner.entry.manager}" using ${owner.entry.apiVersion}`,
      field: describePath(path),
    })),
  });
}
