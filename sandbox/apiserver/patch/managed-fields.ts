// metadata.managedFields: who owns which field. Updates (create/put/patch) give the writer the fields it
// changed; server-side apply (server-side-apply.ts) gives an applier exactly the fields it applies.
import type { KubeObject } from '../store.js';
import type { JSONSchema } from '../schema/structural.js';
import { deepEqual } from './strategic-merge.js';
import { fieldsOf, fromFieldsV1, minus, pathElements, toFieldsV1, union, valueAt, type FieldSet, type FieldsV1 } from './field-set.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

export interface Ownership {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A list item path (`k:`/`v:`) is owned as "this item exists", not by its value. */
export const isItemPath = (key: string) => {
  const els = pathElements(key);
  const last = els[els.length - 1] ?? '';
  return last.startsWith('k:') || last.startsWith('v:');
};

export function readOwnership(obj: KubeObject | undefined): Ownership[] {
  const raw = obj?.metadata.managedFields;
  if (!Array.isArray(raw)) return [];
  return (raw as ManagedFieldsEntry[])
    .filter((e) => e && typeof e.manager === 'string' && e.fieldsType === 'FieldsV1')
    .map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
}

export function writeOwnership(owners: Ownership[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.set.size > 0)
    .map(({ entry, set }) => ({ ...entry, fieldsType: 'FieldsV1' as const, fieldsV1: toFieldsV1(set) }));
}

const scopeOf = (subresource: string | undefined) => (subresource === 'status' ? 'status' : 'main');
const sameScope = (e: ManagedFieldsEntry, subresource: string | undefined) => (e.subresource ?? '') === (subresource ?? '');

/**
 * Records a non-apply write by `manager` in next.metadata.managedFields: it now owns what it changed,
 * and others lose fields it changed or removed. Managed fields written explicitly by the client win.
 */
export function recordUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  opts: { manager: string; apiVersion: string; schema: JSONSchema | undefined; subresource?: string },
): void {
  if (old && next.metadata.managedFields !== undefined && !deepEqual(next.metadata.managedFields, old.metadata.managedFields)) {
    if (!Array.isArray(next.metadata.managedFields) || next.metadata.managedFields.length === 0) delete next.metadata.managedFields;
    return; // an explicit rewrite (e.g. kubectl's client-side to server-side apply migration)
  }
  const scope = scopeOf(opts.subresource);
  const newSet = fieldsOf(next, opts.schema, scope);
  const oldSet = old ? fieldsOf(old, opts.schema, scope) : new Set<string>();
  const changed = new Set<string>();
  for (const p of newSet) {
    const before = old ? valueAt(old, pathElements(p), opts.schema) : undefined;
    if (before === undefined || (!isItemPath(p) && !deepEqual(before, valueAt(next, pathElements(p), opts.schema)))) changed.add(p);
  }
  const removed = minus(oldSet, newSet);
  const owners = readOwnership(old);
  if (changed.size === 0 && removed.size === 0) {
    if (old?.metadata.managedFields) next.metadata.managedFields = old.metadata.managedFields;
    else delete next.metadata.managedFields;
    return;
  }
  let mine = owners.find((o) => o.entry.manager === opts.manager && o.entry.operation === 'Update' && sameScope(o.entry, opts.subresource));
  for (const o of owners) if (o !== mine) o.set = minus(minus(o.set, changed), removed);
  if (!mine) {
    mine = { entry: { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} }, set: new Set() };
    if (opts.subresource) mine.entry.subresource = opts.subresource;
    owners.push(mine);
  }
  mine.set = minus(union(mine.set, changed), removed);
  mine.entry = { ...mine.entry, apiVersion: opts.apiVersion, time: now() };
  const entries = writeOwnership(owners);
  if (entries.length) next.metadata.managedFields = entries;
  else delete next.metadata.managedFields;
}
