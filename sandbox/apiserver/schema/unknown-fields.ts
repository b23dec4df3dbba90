// Unknown fields: found by walking an object against its structural schema, then dropped (pruning, as
// the API server does for Ignore and Warn) or reported (Strict). Paths are printed the way the API server
// prints them: `spec.rules[0].foo`.
import { fieldSchema, isPlainObject, preservesUnknown, type JSONSchema } from './structural.js';

/** Removes fields the schema does not describe from `value` (in place) and returns their paths. */
export function pruneUnknownFields(value: unknown, schema: JSONSchema | undefined): string[] {
  const found: string[] = [];
  walk(value, schema, '', found);
  return found;
}

function walk(value: unknown, schema: JSONSchema | undefined, path: string, found: string[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => walk(item, schema.items, `${path}[${i}]`, found));
    return;
  }
  if (!isPlainObject(value)) return;
  const keepsUnknown = preservesUnknown(schema);
  for (const key of Object.keys(value)) {
    const child = fieldSchema(schema, key);
    const childPath = path ? `${path}.${key}` : key;
    if (!path && (key === 'apiVersion' || key === 'kind')) continue; // always part of an object, schema or not
    if (child) walk(value[key], child, childPath, found);
    else if (!keepsUnknown && (schema.properties || schema.additionalProperties === false || schema.type === 'object')) {
      found.push(childPath);
      delete value[key];
    }
  }
}

/** The message of a strict decoding failure, as the API server words it. */
export function strictDecodingMessage(paths: string[]): string {
  return `strict decoding error: ${paths.map((p) => `unknown field "${p}"`).join(', ')}`;
}
