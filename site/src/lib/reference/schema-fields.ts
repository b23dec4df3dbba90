// Any OpenAPI / JSON schema as the fields a reader expands: name, type, whether required, default, validation
// (enum, bounds, pattern, CEL rules' messages, one-of groups) and the upstream description, nested to any depth.
// Pure (no site or sandbox imports): the schema tree component renders it, the generator and the build-time test
// count with it, so "every field appears on the page" is checked against the same walk that renders.

export type JsonSchema = { [k: string]: unknown };

/** One validation fact, as a reader wants it: `maximum` `1000000`. */
export interface FieldFact {
  label: string;
  value: string;
}

/** A CEL rule (x-kubernetes-validations): the message the API server answers with, and the rule itself. */
export interface FieldRule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
}

export interface SchemaField {
  name: string;
  /** Dotted path from the schema root; `[]` for every element of a list, `*` for every value of a map: `spec.rules[].backendRefs[].weight`. */
  path: string;
  /** The fragment id (kubectl explain's form, no brackets): `spec.rules.backendRefs.weight`. */
  anchor: string;
  depth: number;
  required: boolean;
  /** `string`, `integer (int32)`, `[]object`, `map[string]string`, `int-or-string`… */
  type: string;
  description?: string;
  facts: FieldFact[];
  rules: FieldRule[];
  children: SchemaField[];
  /** A `$ref` the caller resolves to a link (OpenAPI components); children are not walked through it. */
  ref?: string;
}

export interface SchemaFieldOptions {
  /** Prefix of paths and anchors (`spec` when walking from a spec schema, or `''` from the object root). */
  rootPath?: string;
  /** Depth limit: a guard for recursive schemas; CRD schemas are finite trees. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 32;

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const isObj = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A reader's type name, kubectl explain's vocabulary: `[]string`, `map[string]object`, `integer (int32)`. */
export function typeName(s: JsonSchema): string {
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop() ?? 'object';
  if (s['x-kubernetes-int-or-string']) return 'int-or-string';
  if (Array.isArray(s.anyOf) && s.anyOf.every((a) => isObj(a) && (a.type === 'integer' || a.type === 'string')) && s.anyOf.length === 2) return 'int-or-string';
  const t = Array.isArray(s.type) ? s.type.join(' | ') : typeof s.type === 'string' ? s.type : undefined;
  if (t === 'array') return `[]${isObj(s.items) ? typeName(s.items) : 'any'}`;
  if (t === 'object' || (!t && isObj(s.properties))) {
    if (isObj(s.additionalProperties)) return `map[string]${typeName(s.additionalProperties)}`;
    return 'object';
  }
  if (s.const !== undefined) return `const ${JSON.stringify(s.const)}`;
  if (!t && s['x-kubernetes-preserve-unknown-fields']) return 'object (any fields)';
  const base = t ?? 'any';
  return typeof s.format === 'string' ? `${base} (${s.format})` : base;
}

/** One alternative of a oneOf/anyOf, in words: `exact`, `httpHeaderName + ttl`, `none of them`. */
function alternativeText(a: unknown): string {
  if (!isObj(a)) return str(a);
  if (Array.isArray(a.required)) return a.required.join(' + ');
  if (isObj(a.not)) return 'none of them';
  if (Array.isArray(a.oneOf)) return `(${alternativesText('oneOf', a.oneOf)})`;
  if (Array.isArray(a.anyOf)) return `(${alternativesText('anyOf', a.anyOf)})`;
  return typeName(a);
}

function alternativesText(kind: 'oneOf' | 'anyOf', alts: unknown[]): string {
  const named = alts.filter((a) => !(isObj(a) && isObj(a.not))).map(alternativeText);
  // Istio's generated form: oneOf [not anyOf [required a, required b], required a, required b] means "at most one".
  const atMost = kind === 'oneOf' && alts.some((a) => isObj(a) && isObj(a.not));
  return `${atMost ? 'at most one of' : kind === 'oneOf' ? 'exactly one of' : 'at least one of'}: ${named.join(', ')}`;
}

/** The validation facts of one schema node, in a stable order. */
export function schemaFacts(s: JsonSchema): FieldFact[] {
  const facts: FieldFact[] = [];
  const add = (label: string, v: unknown) => {
    if (v !== undefined) facts.push({ label, value: str(v) });
  };
  add('default', s.default === undefined ? undefined : JSON.stringify(s.default));
  if (Array.isArray(s.enum)) add('enum', s.enum.map((v) => JSON.stringify(v)).join(', '));
  add('minimum', s.minimum);
  add('maximum', s.maximum);
  if (s.exclusiveMinimum !== undefined) add('exclusive minimum', s.exclusiveMinimum);
  if (s.exclusiveMaximum !== undefined) add('exclusive maximum', s.exclusiveMaximum);
  add('min length', s.minLength);
  add('max length', s.maxLength);
  add('pattern', s.pattern);
  add('min items', s.minItems);
  add('max items', s.maxItems);
  add('min properties', s.minProperties);
  add('max properties', s.maxProperties);
  if (s.uniqueItems) add('unique items', 'true');
  if (s.nullable) add('nullable', 'true');
  if (typeof s['x-kubernetes-list-type'] === 'string') {
    const keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? ` (keys: ${(s['x-kubernetes-list-map-keys'] as unknown[]).join(', ')})` : '';
    add('list type', `${s['x-kubernetes-list-type'] as string}${keys}`);
  }
  if (typeof s['x-kubernetes-map-type'] === 'string') add('map type', s['x-kubernetes-map-type']);
  if (s['x-kubernetes-preserve-unknown-fields']) add('unknown fields', 'kept');
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = s[k];
    // int-or-string's anyOf is the type, not a constraint
    if (Array.isArray(alts) && typeName(s) !== 'int-or-string') add(k === 'oneOf' ? 'one of' : 'any of', alternativesText(k, alts));
  }
  if (Array.isArray(s.allOf)) {
    for (const part of s.allOf) {
      if (isObj(part) && Array.isArray(part.oneOf)) add('one of', alternativesText('oneOf', part.oneOf));
      else if (isObj(part) && Array.isArray(part.anyOf)) add('any of', alternativesText('anyOf', part.anyOf));
    }
  }
  return facts;
}

export function schemaRules(s: JsonSchema): FieldRule[] {
  const v = s['x-kubernetes-validations'];
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((r) => ({
    rule: str(r.rule),
    ...(typeof r.message === 'string' ? { message: r.message } : typeof r.messageExpression === 'string' ? { message: `(expression) ${r.messageExpression}` } : {}),
    ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
    ...(typeof r.fieldPath === 'string' ? { fieldPath: r.fieldPath } : {}),
  }));
}

/**
 * The node whose properties are a field's children: the schema itself, the item schema of a list (of lists…), or
 * the value schema of a map; with the path suffix the step adds (`[]` per list level, `.*` per map level).
 */
function childContainer(s: JsonSchema): { node: JsonSchema; suffix: string } | undefined {
  let node = s;
  let suffix = '';
  for (let i = 0; i < 4; i++) {
    if (isObj(node.properties)) return { node, suffix };
    if (isObj(node.items)) {
      node = node.items;
      suffix += '[]';
    } else if (isObj(node.additionalProperties)) {
      node = node.additionalProperties;
      suffix += '.*';
    } else return undefined;
  }
  return undefined;
}

/** The fields of a schema node's properties, recursively. */
export function schemaFields(schema: JsonSchema, options: SchemaFieldOptions = {}): SchemaField[] {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const walk = (s: JsonSchema, path: string, depth: number): SchemaField[] => {
    if (depth > maxDepth) return [];
    const props = isObj(s.properties) ? s.properties : {};
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    return Object.entries(props).filter((e): e is [string, JsonSchema] => isObj(e[1])).map(([name, sub]) => {
      const fieldPath = path ? `${path}.${name}` : name;
      const container = typeof sub.$ref === 'string' ? undefined : childContainer(sub);
      const childPath = `${fieldPath}${container?.suffix ?? ''}`;
      // The element or value schema's own constraints belong to the field too (`items.maxLength`, an item's enum).
      const inner = container && container.node !== sub ? container.node : isObj(sub.items) ? sub.items : undefined;
      const innerFacts = inner ? schemaFacts(inner).map((f) => ({ label: `${isObj(sub.items) ? 'each item' : 'each value'}: ${f.label}`, value: f.value })) : [];
      return {
        name,
        path: fieldPath,
        anchor: anchorOf(fieldPath),
        depth,
        required: required.has(name),
        type: typeName(sub),
        ...(typeof sub.description === 'string' ? { description: sub.description } : {}),
        facts: [...schemaFacts(sub), ...innerFacts],
        rules: [...schemaRules(sub), ...(inner ? schemaRules(inner) : [])],
        children: container ? walk(container.node, childPath, depth + 1) : [],
        ...(typeof sub.$ref === 'string' ? { ref: sub.$ref } : {}),
      };
    });
  };
  return walk(schema, options.rootPath ?? '', 0);
}

/** `spec.rules[].backendRefs[].weight` → `spec.rules.backendRefs.weight` (a fragment id without brackets). */
export function anchorOf(path: string): string {
  return path.replace(/\[\]/g, '');
}

/** Every field of the tree, depth first, in render order. */
export function flattenFields(fields: readonly SchemaField[]): SchemaField[] {
  const out: SchemaField[] = [];
  const visit = (f: SchemaField) => {
    out.push(f);
    f.children.forEach(visit);
  };
  fields.forEach(visit);
  return out;
}

/** The first sentence of a description, for a summary line (the whole text is in the body). */
export function firstSentence(text: string | undefined, max = 160): string {
  if (!text) return '';
  const line = text.split(/\n\s*\n/)[0].replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(line);
  const s = m ? m[1] : line;
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}
