// `npm run gen:manifest-schema` (part of `npm run build`): writes openapi/generated/manifest-schema.json, the JSON
// Schema of the manifests the sandbox accepts, from the same sources the sandbox validates with: the vendored
// CRDs (HTTPRoute, TrafficSplit, TrafficTarget, HTTPRouteGroup) and the built-in kinds' schemas. Kubernetes'
// OpenAPI extensions are translated to plain JSON Schema for the site's manifest editor, which imports only
// the generated file (the site never imports sandbox code).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { BUILTIN_SCHEMAS, bundledCrdText } from '../sandbox/index.js';

export const MANIFEST_SCHEMA_JSON = fileURLToPath(new URL('../openapi/generated/manifest-schema.json', import.meta.url));

type Schema = { [k: string]: unknown };
export interface KindSchema { apiVersion: string; kind: string; schema: Schema }

/** Built-in kinds a session may apply, with their group/version. */
const BUILTIN_KINDS: Record<string, string> = {
  '/Pod': 'v1',
  '/Service': 'v1',
  '/ConfigMap': 'v1',
  '/Secret': 'v1',
  '/ServiceAccount': 'v1',
  'apps/Deployment': 'apps/v1',
  'apps/ReplicaSet': 'apps/v1',
};

/** Kubernetes extensions → JSON Schema the YAML language service understands. */
function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!s || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else out[k] = toJsonSchema(v);
  }
  const src = s as Schema;
  if (src['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

function withIdentity(schema: Schema, apiVersion: string, kind: string): Schema {
  const props = { ...((schema.properties as Schema | undefined) ?? {}) };
  props.apiVersion = { const: apiVersion, description: `${kind} is served as ${apiVersion}` };
  props.kind = { const: kind };
  if (!props.metadata || !(props.metadata as Schema).properties)
    props.metadata = toJsonSchema((BUILTIN_SCHEMAS['/ConfigMap'] as Schema & { properties: Schema }).properties.metadata);
  return { ...schema, title: `${kind} (${apiVersion})`, type: 'object', required: ['apiVersion', 'kind', 'metadata'], properties: props };
}

function crdKinds(text: string): KindSchema[] {
  const out: KindSchema[] = [];
  for (const d of parseAllDocuments(text)) {
    const crd = d.toJS() as { spec?: { group: string; names: { kind: string }; versions: { name: string; served: boolean; storage?: boolean; schema?: { openAPIV3Schema: Schema } }[] } } | null;
    if (!crd?.spec) continue;
    const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions.find((v) => v.served);
    if (!version?.schema) continue;
    const apiVersion = `${crd.spec.group}/${version.name}`;
    out.push({ apiVersion, kind: crd.spec.names.kind, schema: withIdentity(toJsonSchema(version.schema.openAPIV3Schema) as Schema, apiVersion, crd.spec.names.kind) });
  }
  return out;
}

export function manifestKinds(): KindSchema[] {
  const builtin = Object.entries(BUILTIN_KINDS).map(([key, apiVersion]) => {
    const kind = key.split('/')[1];
    return { apiVersion, kind, schema: withIdentity(toJsonSchema(BUILTIN_SCHEMAS[key]) as Schema, apiVersion, kind) };
  });
  const crds = (['httproutes.experimental', 'split', 'access', 'httproutegroup'] as const).flatMap((name) => crdKinds(bundledCrdText(name)));
  return [...crds, ...builtin];
}

/** One schema for any document of a manifest: the kind decides which branch applies. */
export function manifestSchema(): Schema {
  const kinds = manifestKinds();
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'A Kubernetes object the playground sandbox accepts',
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata'],
    properties: {
      apiVersion: { enum: [...new Set(kinds.map((k) => k.apiVersion))] },
      kind: { enum: kinds.map((k) => k.kind) },
    },
    allOf: kinds.map((k) => ({ if: { properties: { kind: { const: k.kind } }, required: ['kind'] }, then: k.schema })),
  };
}

/** The file's exact text (what `npm run build` writes and the repository holds). */
export function manifestSchemaJsonText(): string {
  return `${JSON.stringify(manifestSchema(), null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? MANIFEST_SCHEMA_JSON);
  writeFileSync(out, manifestSchemaJsonText(), { mode: 0o644 });
}
