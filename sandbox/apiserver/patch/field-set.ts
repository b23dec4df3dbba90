// Field sets for server-side apply: which fields of an object a manager owns. A set is a Set of paths; a
// path is a JSON array of FieldsV1 path elements (`f:spec`, `k:{"name":"app"}`, `v:"x"`). Stored in
// metadata.managedFields as the FieldsV1 tree the API server uses, so clients can read it.
import { fieldSchema, isGranularMap, isPlainObject, listKind, type JSONSchema } from '../schema/structural.js';
import { deepEqual } from './strategic-merge.js';

export type FieldSet = Set<string>;
type Obj = Record<string, unknown>;
export type FieldsV1 = { [element: string]: FieldsV1 };

/** Server-owned metadata that no manager owns (as the API server strips them from field sets). */
const IGNORED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

export const pathKey = (elements: string[]) => JSON.stringify(elements);
export const pathElements = (key: string) => JSON.parse(key) as string[];

function itemKey(item: unknown, keys: string[]): string {
  const o = isPlainObject(item) ? item : {};
  const picked: Obj = {};
  for (const k of [...keys].sort()) if (o[k] !== undefined) picked[k] = o[k];
  return `k:${JSON.stringify(picked)}`;
}

/** All fields set in an object; `scope` says whether it covers the main resource or its status. */
export function fieldsOf(obj: Obj, schema: JSONSchema | undefined, scope: 'main' | 'status' = 'main'): FieldSet {
  const out: FieldSet = new Set();
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if ((key === 'status') !== (scope === 'status')) continue;
    if (key === 'metadata' && isPlainObject(value)) {
      const meta = Object.fromEntries(Object.entries(value).filter(([k]) => !IGNORED_METADATA.has(k)));
      collect(meta, fieldSchema(schema, 'metadata'), ['f:metadata'], out, true);
      continue;
    }
    collect(value, fieldSchema(schema, key), [`f:${key}`], out, false);
  }
  return out;
}

function collect(value: unknown, schema: JSONSchema | undefined, path: string[], out: FieldSet, isRootMeta: boolean): void {
  if (Array.isArray(value)) {
    const kind = listKind(schema);
    if (kind.kind === 'atomic' || value.length === 0) { out.add(pathKey(path)); return; }
    for (const item of value) {
      if (kind.kind === 'set') { out.add(pathKey([...path, `v:${JSON.stringify(item)}`])); continue; }
      const itemPath = [...path, itemKey(item, kind.keys)];
      out.add(pathKey(itemPath));
      if (isPlainObject(item)) for (const [k, v] of Object.entries(item)) collect(v, fieldSchema(schema?.items, k), [...itemPath, `f:${k}`], out, false);
    }
    return;
  }
  if (isPlainObject(value) && isGranularMap(schema) && (Object.keys(value).length > 0 || isRootMeta)) {
    for (const [k, v] of Object.entries(value)) collect(v, fieldSchema(schema, k), [...path, `f:${k}`], out, false);
    return;
  }
  if (!isRootMeta) out.add(pathKey(path));
}

/** The value at a path (undefined when absent). */
export function valueAt(obj: unknown, elements: string[], schema: JSONSchema | undefined): unknown {
  let cur: unknown = obj;
  let s = schema;
  for (const el of elements) {
    if (el.startsWith('f:')) {
      const name = el.slice(2);
      if (!isPlainObject(cur)) return undefined;
      cur = cur[name];
      s = fieldSchema(s, name);
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const kind = listKind(s);
      const keys = kind.kind === 'map' ? kind.keys : [];
      cur = cur.find((item) => itemKey(item, keys) === el);
      s = s?.items;
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const v = JSON.parse(el.slice(2));
      cur = cur.some((x) => deepEqual(x, v)) ? v : undefined;
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field at a path from an object (in place). */
export function removeAt(obj: Obj, elements: string[], schema: JSONSchema | undefined): void {
  let cur: unknown = obj;
  let s = schema;
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i];
    const last = i === elements.length - 1;
    if (el.startsWith('f:')) {
      if (!isPlainObject(cur)) return;
      const name = el.slice(2);
      if (last) { delete cur[name]; return; }
      cur = cur[name];
      s = fieldSchema(s, name);
    } else if (Array.isArray(cur)) {
      const list = cur;
      const kind = listKind(s);
      const idx = el.startsWith('k:')
        ? list.findIndex((item) => itemKey(item, kind.kind === 'map' ? kind.keys : []) === el)
        : list.findIndex((x) => deepEqual(x, JSON.parse(el.slice(2))));
      if (idx < 0) return;
      if (last) { list.splice(idx, 1); return; }
      cur = list[idx];
      s = s?.items;
    } else return;
  }
}

export function toFieldsV1(set: FieldSet): FieldsV1 {
  const root: FieldsV1 = {};
  const keys = [...set].sort();
  for (const key of keys) {
    let node = root;
    for (const el of pathElements(key)) node = node[el] ??= {};
  }
  // A path that is both owned and a parent of owned paths is marked with ".", as in FieldsV1.
  for (const key of keys) {
    let node = root;
    for (const el of pathElements(key)) node = node[el];
    if (Object.keys(node).length > 0 && !('.' in node)) node['.'] = {};
  }
  return root;
}

export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: string[]) => {
    if (!isPlainObject(node)) return;
    const children = Object.keys(node).filter((k) => k !== '.');
    if (children.length === 0 || '.' in node) { if (path.length) out.add(pathKey(path)); }
    for (const c of children) walk(node[c], [...path, c]);
  };
  walk(tree, []);
  return out;
}

/** `.spec.template.spec.containers[name="app"].image` — how conflicts are named to people. */
export function describePath(key: string): string {
  let out = '';
  for (const el of pathElements(key)) {
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const k = JSON.parse(el.slice(2)) as Obj;
      out += `[${Object.entries(k).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}

export const union = (a: FieldSet, b: FieldSet): FieldSet => new Set([...a, ...b]);
export const minus = (a: FieldSet, b: FieldSet): FieldSet => new Set([...a].filter((p) => !b.has(p)));
