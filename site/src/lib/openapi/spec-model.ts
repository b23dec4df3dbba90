// The API docs' model, read at build time from the OpenAPI files (the same files the server validates
// against, as JSON in openapi/generated/): every operation with its parameters, body, responses and stream
// schemas, $refs kept for links.
import playgroundSpec from '../../../../openapi/generated/playground.openapi.json' with { type: 'json' };
import bookinfoSpec from '../../../../openapi/generated/bookinfo.openapi.json' with { type: 'json' };

export type JsonSchema = { [key: string]: unknown };
export type SpecId = 'playground' | 'bookinfo';
export interface OpenApiDoc {
  info: { title: string; summary?: string; description?: string };
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, RawParameter>; responses?: Record<string, RawResponse> };
  tags?: { name: string; description?: string }[];
  'x-mesh-services'?: Record<string, string>;
}
interface RawParameter { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema; example?: unknown; $ref?: string }
interface RawMedia { schema?: JsonSchema; example?: unknown }
interface RawResponse { description: string; content?: Record<string, RawMedia>; headers?: Record<string, { description?: string }>; $ref?: string; 'x-event-schema'?: JsonSchema; 'x-result-schema'?: JsonSchema }
interface RawOperation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: RawParameter[];
  requestBody?: { required?: boolean; content: Record<string, RawMedia> };
  responses: Record<string, RawResponse>;
  security?: unknown[];
  'x-stream'?: boolean;
  'x-stream-events'?: boolean;
  'x-rest-only'?: boolean;
  'x-service'?: string;
}

export interface ParameterModel { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required: boolean; description?: string; schema: JsonSchema; example?: unknown }
export interface ResponseModel { status: string; description: string; contentType?: string; schema?: JsonSchema; example?: unknown; eventSchema?: JsonSchema; resultSchema?: JsonSchema; refName?: string }
export interface OperationModel {
  spec: SpecId;
  id: string;
  method: string;
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters: ParameterModel[];
  requestBody?: { required: boolean; contentType: string; schema?: JsonSchema; example?: unknown };
  responses: ResponseModel[];
  stream: boolean;
  streamEvents: boolean;
  restOnly: boolean;
  needsSession: boolean;
  /** Sample app: the mesh URL of the Service that answers (http://reviews:9080). */
  serviceUrl?: string;
}
export interface SpecModel { id: SpecId; title: string; summary?: string; description?: string; doc: OpenApiDoc; operations: OperationModel[]; schemaNames: string[]; tags: { name: string; description?: string }[] }

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function component<T>(doc: OpenApiDoc, ref: string): T {
  const m = /^#\/components\/(schemas|parameters|responses)\/(.+)$/.exec(ref);
  const found = m ? (doc.components?.[m[1] as 'schemas'] as Record<string, unknown> | undefined)?.[m[2]] : undefined;
  if (!found) throw new Error(`unresolved $ref ${ref}`);
  return found as T;
}

/** The schema a `$ref` names (one level), or the schema itself. */
export function deref(doc: OpenApiDoc, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return schema;
  if (typeof schema.$ref === 'string') return deref(doc, component<JsonSchema>(doc, schema.$ref));
  return schema;
}

export const refName = (ref: unknown): string | undefined => (typeof ref === 'string' ? ref.split('/').pop() : undefined);

function operationsOf(id: SpecId, doc: OpenApiDoc): OperationModel[] {
  const out: OperationModel[] = [];
  const services = doc['x-mesh-services'] ?? {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters = (op.parameters ?? []).map((p) => (p.$ref ? component<RawParameter>(doc, p.$ref) : p)).map((p) => ({
        name: p.name,
        in: p.in as ParameterModel['in'],
        required: p.required ?? false,
        description: p.description,
        schema: p.schema ?? {},
        example: p.example,
      }));
      const body = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
      const responses = Object.entries(op.responses).map(([status, raw]) => {
        const r = raw.$ref ? component<RawResponse>(doc, raw.$ref) : raw;
        const media = r.content ? Object.entries(r.content)[0] : undefined;
        return {
          status,
          description: r.description,
          contentType: media?.[0],
          schema: media?.[1].schema,
          example: media?.[1].example,
          eventSchema: raw['x-event-schema'],
          resultSchema: raw['x-result-schema'],
          refName: refName(raw.$ref),
        };
      });
      out.push({
        spec: id,
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? op.operationId,
        description: op.description,
        tags: op.tags ?? [],
        parameters,
        requestBody: body ? { required: op.requestBody!.required ?? false, contentType: body[0], schema: body[1].schema, example: body[1].example } : undefined,
        responses,
        stream: op['x-stream'] ?? false,
        streamEvents: op['x-stream-events'] ?? false,
        restOnly: op['x-rest-only'] ?? false,
        needsSession: !(Array.isArray(op.security) && op.security.length === 0),
        serviceUrl: op['x-service'] ? services[op['x-service']] : undefined,
      });
    }
  }
  return out;
}

function load(id: SpecId, spec: unknown): SpecModel {
  const doc = spec as OpenApiDoc;
  return {
    id,
    title: doc.info.title,
    summary: doc.info.summary,
    description: doc.info.description,
    doc,
    operations: operationsOf(id, doc),
    schemaNames: Object.keys(doc.components?.schemas ?? {}),
    tags: doc.tags ?? [],
  };
}

export const SPECS: SpecModel[] = [load('playground', playgroundSpec), load('bookinfo', bookinfoSpec)];
export const specById = (id: SpecId): SpecModel => SPECS.find((s) => s.id === id)!;
export const operationHref = (op: { spec: SpecId; id: string }) => `/docs/api/${op.spec}/${op.id}/`;
export const schemaHref = (spec: SpecId, name: string) => `/docs/api/${spec}/schemas/${name}/`;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Values of named schemas found inside the spec's own examples (a Session inside createSession's example), so a
 * response without an example is shown with real-looking values rather than "string" where the spec has them.
 */
const harvested = new WeakMap<OpenApiDoc, Map<string, unknown>>();
function examplesByRef(doc: OpenApiDoc): Map<string, unknown> {
  let found = harvested.get(doc);
  if (found) return found;
  const out = new Map<string, unknown>();
  found = out;
  const walk = (schema: JsonSchema | undefined, value: unknown, depth: number): void => {
    if (!schema || value === undefined || depth > 12) return;
    if (typeof schema.$ref === 'string') {
      const name = refName(schema.$ref)!;
      if (!out.has(name) && name !== 'ErrorReason') out.set(name, value);
    }
    const s = deref(doc, schema)!;
    if (isObject(value) && isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) walk(v as JsonSchema, value[k], depth + 1);
    if (Array.isArray(value) && s.items) for (const v of value) walk(s.items as JsonSchema, v, depth + 1);
    if (isObject(value) && s.additionalProperties && typeof s.additionalProperties === 'object') for (const v of Object.values(value)) walk(s.additionalProperties as JsonSchema, v, depth + 1);
    for (const alt of [...((s.oneOf ?? []) as JsonSchema[]), ...((s.anyOf ?? []) as JsonSchema[])]) {
      const d = deref(doc, alt);
      const props = isObject(d?.properties) ? d.properties : undefined;
      if (!props || !isObject(value)) continue;
      const fits = ((d!.required ?? []) as string[]).every((k) => k in value) && Object.keys(value).every((k) => k in props);
      if (fits) walk(alt, value, depth + 1);
    }
  };
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const media of Object.values(op.requestBody?.content ?? {})) walk(media.schema, media.example, 0);
      // Success answers only: an error example's message belongs to its own status.
      for (const [status, raw] of Object.entries(op.responses)) {
        if (!status.startsWith('2')) continue;
        const r = raw.$ref ? component<RawResponse>(doc, raw.$ref) : raw;
        for (const media of Object.values(r.content ?? {})) walk(media.schema, media.example, 0);
      }
    }
  }
  harvested.set(doc, out);
  return found;
}

/**
 * A plausible value for a schema: its example, default or const first, then a value of the same named schema
 * from the spec's own examples, else one built from its shape.
 */
export function sampleOf(doc: OpenApiDoc, schema: JsonSchema | undefined, depth = 0): unknown {
  const name = refName(schema?.$ref);
  if (name && examplesByRef(doc).has(name)) return structuredClone(examplesByRef(doc).get(name));
  const s = deref(doc, schema);
  if (!s || depth > 12) return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.oneOf)) return sampleOf(doc, s.oneOf[0] as JsonSchema, depth + 1);
  if (Array.isArray(s.anyOf)) return sampleOf(doc, s.anyOf[0] as JsonSchema, depth + 1);
  if (Array.isArray(s.allOf)) {
    const parts = s.allOf.map((p) => sampleOf(doc, p as JsonSchema, depth + 1));
    return parts.every((p) => p && typeof p === 'object' && !Array.isArray(p)) ? Object.assign({}, ...parts) : parts[0];
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((s.required as string[] | undefined) ?? []);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) if (required.has(k) || depth === 0) out[k] = sampleOf(doc, v, depth + 1);
    return out;
  }
  if (type === 'array') return [sampleOf(doc, s.items as JsonSchema, depth + 1)];
  if (type === 'integer' || type === 'number') return typeof s.minimum === 'number' ? s.minimum : 0;
  if (type === 'boolean') return false;
  if (s.format === 'date-time') return '2026-01-01T10:00:00.000Z';
  if (typeof s.pattern === 'string') return stringMatching(s.pattern) ?? 'string';
  return 'string';
}

/**
 * A short string a simple pattern accepts (literals, classes, groups, quantifiers — the patterns the specs use),
 * or undefined when the pattern is beyond that or the result does not match.
 */
export function stringMatching(pattern: string): string | undefined {
  let i = 0;
  const parse = (): string => {
    let out = '';
    while (i < pattern.length && pattern[i] !== ')' && pattern[i] !== '|') {
      const c = pattern[i++];
      let piece: (n: number) => string;
      if (c === '^' || c === '$') continue;
      if (c === '\\') {
        const e = pattern[i++];
        const lit = e === 'd' ? '0' : e === 'w' ? 'a' : e;
        piece = (n) => lit.repeat(n);
      } else if (c === '[') {
        const negated = pattern[i] === '^';
        if (negated) i++;
        const chars: string[] = [];
        while (i < pattern.length && pattern[i] !== ']') {
          let a = pattern[i++];
          if (a === '\\') a = pattern[i++];
          if (pattern[i] === '-' && pattern[i + 1] !== ']' && i + 1 < pattern.length) {
            const b = pattern[i + 1];
            i += 2;
            for (let code = a.charCodeAt(0); code <= b.charCodeAt(0) && chars.length < 64; code++) chars.push(String.fromCharCode(code));
          } else chars.push(a);
        }
        i++;
        const pool = negated ? ['a'] : chars;
        piece = (n) => Array.from({ length: n }, (_, k) => pool[k % pool.length]).join('');
      } else if (c === '(') {
        if (pattern.startsWith('?:', i)) i += 2;
        const inner = parse();
        while (pattern[i] === '|') {
          i++;
          parse();
        }
        i++;
        piece = (n) => inner.repeat(n);
      } else if (c === '.') piece = (n) => 'a'.repeat(n);
      else piece = (n) => c.repeat(n);
      let times = 1;
      const q = /^(\{(\d+)(,(\d*))?\}|\?|\*|\+)/.exec(pattern.slice(i));
      if (q) {
        i += q[0].length;
        times = q[0] === '?' ? 0 : q[0] === '*' || q[0] === '+' ? 1 : Math.max(Number(q[2]), Math.min(q[3] === undefined ? Number(q[2]) : q[4] === '' ? 6 : Number(q[4]), 6));
      }
      out += piece(times);
    }
    return out;
  };
  try {
    const value = parse();
    return new RegExp(pattern, 'u').test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The example request an operation's docs, samples and try-it panel start from. */
export function exampleRequest(op: OperationModel): { path: Record<string, string>; query: Record<string, string>; headers: Record<string, string>; body?: unknown } {
  const doc = specById(op.spec).doc;
  const path: Record<string, string> = {};
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const p of op.parameters) {
    const v = p.example ?? sampleOf(doc, p.schema);
    if (p.in === 'path') path[p.name] = String(v);
    else if (p.in === 'query' && p.required) query[p.name] = String(v);
    else if (p.in === 'query' && p.example !== undefined) query[p.name] = String(p.example);
    else if (p.in === 'header' && p.example !== undefined) headers[p.name] = String(p.example);
  }
  const body = op.requestBody ? (op.requestBody.example ?? sampleOf(doc, op.requestBody.schema)) : undefined;
  return { path, query, headers, body };
}

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? `{${name}}`));
}
