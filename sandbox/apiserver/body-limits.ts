// Limits on what a request body may make the API server build: nesting depth (a 20,000-deep JSON array
// parses fine but overflows the stack of every recursive walk after it) and YAML alias expansion (a
// "billion laughs" document). Exceeding either is a 400 BadRequest that names the limit, never a 500.
import type { Document } from 'yaml';
import { badRequest } from './errors.js';

/**
 * Deepest nesting of objects and arrays a body may have. Upstream's JSON decoder stops at 10000 levels; the
 * sandbox's recursive walks (schema validation, patches, structuredClone) need a lower bound, and no
 * Kubernetes object comes near 1000.
 */
export const MAX_NESTING_DEPTH = 1000;
/** Alias expansions one YAML document may make (go-yaml refuses "excessive aliasing" similarly). */
export const MAX_YAML_ALIAS_COUNT = 100;

/** Throws 400 when `value` nests objects/arrays deeper than MAX_NESTING_DEPTH (iterative: no recursion). */
export function assertNestingDepth(value: unknown, what = 'the request body'): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_NESTING_DEPTH) throw badRequest(`${what} is nested too deeply: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}

/** A parsed YAML document as plain data, with alias expansion and nesting bounded; errors are 400s. */
export function yamlDocumentToJS(doc: Document.Parsed, what = 'the request body'): unknown {
  if (doc.errors.length) throw badRequest(`error converting YAML to JSON: ${doc.errors[0].message.split('\n')[0]}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message))
      throw badRequest(`error converting YAML to JSON: yaml: document contains excessive aliasing (more than ${MAX_YAML_ALIAS_COUNT} alias expansions)`);
    if (err instanceof RangeError) throw badRequest(`${what} is nested too deeply: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    throw badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  assertNestingDepth(value, what);
  return value;
}
