// The try-it editor's schema for one kind, made at build time from the CRD schema the reference pages show (the
// one the sandbox validates with): Kubernetes' OpenAPI extensions become plain JSON Schema that monaco-yaml
// understands, apiVersion and kind are pinned to the kind's served versions, and `status` (written by
// controllers, never by a learner) is left out so completion does not offer it.

type Schema = { [k: string]: unknown };

/** The part of a reference kind the editor schema needs (site/src/data/mesh-reference.json). */
export interface ReferenceKindSchema {
  group: string;
  kind: string;
  versions: { name: string }[];
  schema: Schema;
}

function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!s || typeof s !== 'object') return s;
  const src = s as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-kubernetes-')) continue;
    // Property names are data, not keywords: a field called `x-kubernetes-…` or `type` is kept as it is.
    out[k] = k === 'properties' || k === 'patternProperties' ? Object.fromEntries(Object.entries(v as Schema).map(([n, sub]) => [n, toJsonSchema(sub)])) : toJsonSchema(v);
  }
  if (src['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

export function editorSchema(k: ReferenceKindSchema): Schema {
  const base = toJsonSchema(k.schema) as Schema;
  const { status: _status, ...props } = (base.properties as Schema | undefined) ?? {};
  const apiVersions = k.versions.map((v) => `${k.group}/${v.name}`);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...base,
    title: `${k.kind} (${k.group})`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata'],
    properties: {
      ...props,
      apiVersion: { enum: apiVersions, description: `${k.kind} is served as ${apiVersions.join(', ')}` },
      kind: { const: k.kind },
      metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } }, annotations: { type: 'object', additionalProperties: { type: 'string' } } } },
    },
  };
}
