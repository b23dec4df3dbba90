// The contract, loaded: openapi/playground.yaml becomes a table of operations (method, path, parameters,
// body, stream or not) and, for each, the validators both transports run before a handler sees anything.
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { operations } from '../../openapi/generated/playground.js';
import { validationFailed, type FieldError } from './errors.js';
import { contractOperations, readContractFile, type HttpMethod } from '../../openapi/contract.js';

export type OperationId = keyof operations;

export const SPEC_PATH = fileURLToPath(new URL('../../openapi/playground.yaml', import.meta.url));
const COMPONENTS_ID = 'https://mesh.playground.dev/openapi/components';
/** The spec's own annotation keywords inside schemas (the error catalogue's): ajv's strict mode must know them. */
const SCHEMA_EXTENSIONS = ['x-status', 'x-kubernetes', 'x-client'];

type JsonSchema = Record<string, unknown>;

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
  $ref?: string;
}

interface OperationObject {
  operationId: string;
  security?: unknown[];
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }>; $ref?: string; 'x-result-schema'?: JsonSchema; 'x-event-schema'?: JsonSchema }>;
  'x-stream'?: boolean;
  'x-stream-events'?: boolean;
  'x-rest-only'?: boolean;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, OperationObject>>>;
  components: { schemas: Record<string, JsonSchema>; parameters: Record<string, ParameterObject> };
}

export interface OperationSpec {
  operationId: OperationId;
  method: string;
  /** The path template, e.g. /api/session/resources/{resource}. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyFields: boolean;
  /** No session needed (security: []). */
  public: boolean;
  /** Streams events then a result (NDJSON over REST). */
  stream: boolean;
  /** May send progress events over the WebSocket while a plain result is awaited. */
  streamEvents: boolean;
  restOnly: boolean;
  successStatus: number;
  successContentType: string;
  /** Validates (and defaults) one WS message's params. */
  validateParams(params: unknown): Record<string, unknown>;
  /** Validates a REST request's path + query strings (coerced) and JSON body, merged into params. */
  validateRest(path: Record<string, string>, query: Record<string, string>, body: unknown): Record<string, unknown>;
  /** Validates a success result (used by tests). */
  validateResult(result: unknown): FieldError[];
  /** Validates a stream event (used by tests). */
  validateEvent(event: unknown): FieldError[];
}

export interface LoadedSpec {
  document: OpenApiDocument;
  operations: Map<OperationId, OperationSpec>;
  /** Validates a value against a components schema by name (compiled once; the WS envelopes, Error). */
  validateComponent(name: string, value: unknown): FieldError[];
}

let cached: LoadedSpec | undefined;

export function loadSpec(path = SPEC_PATH): LoadedSpec {
  if (cached && path === SPEC_PATH) return cached;
  const document = readContractFile<OpenApiDocument>(path);
  const loaded = compileSpec(document);
  if (path === SPEC_PATH) cached = loaded;
  return loaded;
}

/** `#/components/schemas/X` → the components schema registered with ajv. */
function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/') ? `${COMPONENTS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}` : rewriteRefs(v);
    }
    return out as T;
  }
  return value;
}

function newAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, coerceTypes: coerce, allowUnionTypes: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
  addFormats(ajv);
  ajv.addVocabulary(SCHEMA_EXTENSIONS);
  return ajv;
}

export function compileSpec(document: OpenApiDocument): LoadedSpec {
  const defs = rewriteRefs(document.components.schemas);
  const strict = newAjv(false);
  const coercing = newAjv(true);
  for (const ajv of [strict, coercing]) ajv.addSchema({ $id: COMPONENTS_ID, $defs: defs });
  const globalSecurity = (document as unknown as { security?: unknown[] }).security ?? [];

  const operations = new Map<OperationId, OperationSpec>();
  for (const { path, method, operation: op, parameters: params } of contractOperations<OperationObject, ParameterObject>(document)) {
    const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
    const queryParams = params.filter((p) => p.in === 'query').map((p) => p.name);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const p of params) {
      properties[p.name] = rewriteRefs(p.schema);
      if (p.required || p.in === 'path') required.push(p.name);
    }
    const bodySchema = op.requestBody?.content['application/json']?.schema;
    const bodyRef = bodySchema ? rewriteRefs(bodySchema) : undefined;

    const wsSchema: JsonSchema = { type: 'object', properties, required, unevaluatedProperties: false, ...(bodyRef ? { allOf: [bodyRef] } : {}) };
    const restParamSchema: JsonSchema = { type: 'object', properties, required, additionalProperties: false };
    const bodyOnly: JsonSchema | undefined = bodyRef ? { type: 'object', allOf: [bodyRef], unevaluatedProperties: false } : undefined;

    const validateWs = strict.compile(wsSchema);
    const validatePathQuery = coercing.compile(restParamSchema);
    const validateBody = bodyOnly ? strict.compile(bodyOnly) : undefined;

    const [successCode, success] = Object.entries(op.responses).find(([code]) => code.startsWith('2')) ?? ['200', { content: {} }];
    const successContentType = Object.keys(success.content ?? {})[0] ?? 'application/json';
    const stream = op['x-stream'] === true;
    const resultSchema = stream ? success['x-result-schema'] : success.content?.[successContentType]?.schema;
    const eventSchema = stream || op['x-stream-events'] === true ? success['x-event-schema'] : undefined;
    const validateResult = resultSchema ? strict.compile(rewriteRefs(resultSchema)) : undefined;
    const validateEvent = eventSchema ? strict.compile(rewriteRefs(eventSchema)) : undefined;

    const operationId = op.operationId as OperationId;
    if (operations.has(operationId)) throw new Error(`spec: duplicate operationId ${operationId}`);
    operations.set(operationId, {
      operationId,
      method: method.toUpperCase(),
      path,
      pathParams,
      queryParams,
      bodyFields: !!bodyRef,
      public: (op.security ?? globalSecurity).length === 0,
      stream,
      streamEvents: op['x-stream-events'] === true,
      restOnly: op['x-rest-only'] === true,
      successStatus: Number(successCode),
      successContentType,
      validateParams(input) {
        const value = input === undefined ? {} : structuredClone(input);
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw validationFailed([{ field: 'params', message: 'must be an object' }]);
        if (!validateWs(value)) throw validationFailed(fieldErrors(validateWs.errors));
        return value as Record<string, unknown>;
      },
      validateRest(pathValues, queryValues, body) {
        const pq: Record<string, unknown> = { ...queryValues, ...pathValues };
        const errors: FieldError[] = [];
        if (!validatePathQuery(pq)) errors.push(...fieldErrors(validatePathQuery.errors));
        let bodyValue: Record<string, unknown> = {};
        if (validateBody) {
          if (body === undefined) {
            if (op.requestBody?.required) errors.push({ field: 'body', message: 'a JSON body is required' });
          } else if (!validateBody(body)) errors.push(...fieldErrors(validateBody.errors));
          else bodyValue = body as Record<string, unknown>;
        } else if (body !== undefined) errors.push({ field: 'body', message: 'this operation takes no body' });
        if (errors.length) throw validationFailed(errors);
        return { ...bodyValue, ...pq };
      },
      validateResult: (result) => (validateResult && !validateResult(result) ? fieldErrors(validateResult.errors) : []),
      validateEvent: (event) => (validateEvent && !validateEvent(event) ? fieldErrors(validateEvent.errors) : []),
    });
  }
  const components = new Map<string, ValidateFunction>();
  const validateComponent = (name: string, value: unknown): FieldError[] => {
    let validate = components.get(name);
    if (!validate) {
      if (!document.components.schemas[name]) throw new Error(`spec: no components schema ${name}`);
      validate = strict.compile({ $ref: `${COMPONENTS_ID}#/$defs/${name}` });
      components.set(name, validate);
    }
    return validate(value) ? [] : fieldErrors(validate.errors);
  };
  return { document, operations, validateComponent };
}

/** ajv errors → `{field, message}` naming the field as the caller wrote it. */
export function fieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'params';
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      field = field === 'params' ? missing : `${field}.${missing}`;
      message = 'is required';
    } else if (e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties') {
      const extra = (e.params as { unevaluatedProperty?: string; additionalProperty?: string }).unevaluatedProperty ?? (e.params as { additionalProperty?: string }).additionalProperty;
      field = field === 'params' ? String(extra) : `${field}.${extra}`;
      message = 'is not a known field of this operation';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'if' || e.keyword === 'allOf' || e.keyword === 'oneOf') continue;
    const key = `${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
    if (out.length >= 10) break;
  }
  return out.length ? out : [{ field: 'params', message: 'is invalid' }];
}

/** Path template → a regular expression with one group per parameter. */
export function pathMatcher(template: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((seg) => {
      const m = seg.match(/^\{(\w+)\}$/);
      if (m) {
        names.push(m[1]);
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}$`), names };
}

export type { ValidateFunction };
