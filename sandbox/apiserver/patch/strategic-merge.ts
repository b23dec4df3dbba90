// Strategic merge patch, written here because no maintained JS implementation exists. Follows
// k8s.io/apimachinery/pkg/util/strategicpatch: lists with a patch merge key merge item by item, other lists
// are replaced, and the directives $patch (replace|delete|merge), $retainKeys, $setElementOrder/<field>
// and $deleteFromPrimitiveList/<field> are honoured. Merge keys come from the kind's schema.
import { badRequest } from '../errors.js';
import { fieldSchema, isPlainObject, patchMeta, type JSONSchema } from '../schema/structural.js';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Applies `patch` to `original` (neither is modified) and returns the result. */
export function applyStrategicMergePatch(original: Obj, patch: unknown, schema: JSONSchema | undefined): Obj {
  if (!isPlainObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  const merged = mergeMap(structuredClone(original), patch, schema);
  return merged ?? {};
}

/** Returns undefined when the patch deletes the map itself. */
function mergeMap(original: Obj, patch: Obj, schema: JSONSchema | undefined): Obj | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return clean(withoutDirectives(patch), schema) as Obj;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`Unknown patch type: ${String(directive)}`);

  const result: Obj = original;
  for (const [key, value] of Object.entries(patch)) {
    if (key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE.length);
      if (!Array.isArray(value)) throw badRequest(`${key}: expected a list`);
      const current = result[field];
      if (Array.isArray(current)) {
        const kept = current.filter((v) => !value.some((d) => deepEqual(d, v)));
        if (kept.length) result[field] = kept;
        else delete result[field];
      }
      continue;
    }
    const child = fieldSchema(schema, key);
    if (value === null) {
      delete result[key];
    } else if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(result[key]) ? (result[key] as Obj) : {}, value, child);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, child, patch[SET_ORDER + key]);
    } else {
      result[key] = value;
    }
  }
  // $setElementOrder may reorder a list the patch does not otherwise touch.
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    if (field in patch || !Array.isArray(result[field]) || !Array.isArray(order)) continue;
    const meta = patchMeta(fieldSchema(schema, field));
    result[field] = reorder(result[field] as unknown[], [], result[field] as unknown[], order, meta.mergeKey);
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest(`${RETAIN_KEYS} must be a list of field names`);
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown, patch: unknown[], schema: JSONSchema | undefined, order: unknown): unknown[] {
  const meta = patchMeta(schema);
  const itemSchema = schema?.items;
  const replaceMarker = patch.findIndex((p) => isPlainObject(p) && p[DIRECTIVE] === 'replace' && Object.keys(p).length === 1);
  if (replaceMarker >= 0) return patch.filter((_, i) => i !== replaceMarker).map((p) => clean(p, itemSchema));
  if (!meta.merge) return patch.map((p) => clean(p, itemSchema));
  const current = Array.isArray(original) ? structuredClone(original) : [];

  if (!meta.mergeKey) {
    // A merged list of primitives: a union that keeps the original order and appends new values.
    const result = [...current];
    for (const v of patch) if (!result.some((c) => deepEqual(c, v))) result.push(v);
    return Array.isArray(order) ? reorder(result, patch, current, order, undefined) : result;
  }

  const key = meta.mergeKey;
  const result: unknown[] = [...current];
  const touched: unknown[] = [];
  for (const item of patch) {
    if (!isPlainObject(item)) throw badRequest(`merging an object in json but data type is not map, mergeKey ${key}`);
    if (!(key in item)) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const idx = result.findIndex((c) => isPlainObject(c) && deepEqual(c[key], item[key]));
    if (item[DIRECTIVE] === 'delete') {
      if (idx >= 0) result.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      result[idx] = mergeMap(result[idx] as Obj, item, itemSchema) ?? result[idx];
      touched.push(result[idx]);
    } else {
      const added = mergeMap({}, item, itemSchema) ?? {};
      result.push(added);
      touched.push(added);
    }
  }
  if (!Array.isArray(order)) return result;
  return reorder(result, touched, current, order, key);
}

/**
 * Orders a merged list as `$setElementOrder` says, the way strategicpatch's normalizeElementOrder does: items
 * named by the order (or patched) are sorted by it, items only on the server keep their original relative
 * order, and the two sequences are merged by the items' positions in the original list.
 */
function reorder(merged: unknown[], touched: unknown[], original: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (v: unknown) => (key && isPlainObject(v) ? v[key] : v);
  const indexIn = (list: unknown[], v: unknown) => list.findIndex((x) => deepEqual(id(x), id(v)));
  const inOrder = (v: unknown) => indexIn(order, v) >= 0 || touched.some((t) => deepEqual(id(t), id(v)));
  const patchSide = merged.filter(inOrder).sort((a, b) => rank(indexIn(order, a)) - rank(indexIn(order, b)));
  const serverOnly = merged.filter((v) => !inOrder(v)).sort((a, b) => indexIn(original, a) - indexIn(original, b));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchSide.length) {
    if (j >= patchSide.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patchSide[j++]);
    else {
      const li = indexIn(original, serverOnly[i]);
      const ri = indexIn(original, patchSide[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchSide[j++]);
    }
  }
  return out;
}

const rank = (i: number) => (i < 0 ? Number.MAX_SAFE_INTEGER : i);

function withoutDirectives(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (k !== DIRECTIVE && k !== RETAIN_KEYS && !k.startsWith(SET_ORDER) && !k.startsWith(DELETE_FROM_PRIMITIVE)) out[k] = v;
  return out;
}

/** A patch value stored as is, minus any directives inside it. */
function clean(value: unknown, schema: JSONSchema | undefined): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isPlainObject(v) && v[DIRECTIVE] === 'delete')).map((v) => clean(v, schema?.items));
  if (!isPlainObject(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(withoutDirectives(value))) if (v !== null) out[k] = clean(v, fieldSchema(schema, k));
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ak = Object.keys(a as Obj);
  const bo = b as Obj;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => k in bo && deepEqual((a as Obj)[k], bo[k]));
}
