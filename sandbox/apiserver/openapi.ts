// OpenAPI documents. kubectl reads /openapi/v3/<group-version> to learn that PATCH of a kind accepts
// `fieldValidation` (then it leaves validation to the server: Strict by default); `kubectl explain`
// reads the schemas. /openapi/v2 is served empty (kubectl 1.32 reads v3 for explain and field validation).
// Custom kinds come and go with their CRDs: the documents are rebuilt when the registry changes.
import { createHash } from 'node:crypto';
import type { ResourceRegistry, ResourceType } from './resources.js';
import { StatusError } from './errors.js';
import { schemaOf } from './schema/structural.js';
import { describedSchema } from './openapi-descriptions.js';
import { allTypes, KUBERNETES_VERSION } from './discovery.js';

/**
 * What kube-openapi's handler answers for a protobuf request (pkg/handler/handler.go): clients ask for
 * `…spec.v2@v1.0+protobuf`, but '@' is not a token character, so the reply says `…spec.v2.v1.0+protobuf`
 * (with '@', Go's mime.ParseMediaType fails and kubectl reports "failed to download openapi").
 */
const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** /openapi/v2: an empty document, as protobuf (zero bytes is a valid empty message) or JSON. */
export function openapiV2(accept: string | undefined): { contentType: string; body: string } {
  if (accept?.includes('protobuf')) return { contentType: PROTOBUF_V2, body: '' };
  return { contentType: 'application/json', body: JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion }, paths: {} }) };
}

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

/** The schema name the API server would use: io.k8s.api.core.v1.Pod, io.k8s.networking.gateway.v1.HTTPRoute. */
function definitionName(t: ResourceType): string {
  if (!t.schema) {
    const group = t.group === '' ? 'core' : t.group.replace(/\.k8s\.io$/, '').split('.')[0];
    return `io.k8s.api.${group}.${t.version}.${t.kind}`;
  }
  return `${t.group.split('.').reverse().join('.')}.${t.version}.${t.kind}`;
}

function param(name: string, description: string): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type: 'string', uniqueItems: true } };
}

const WRITE_PARAMS = [
  param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.'),
];
const PATCH_PARAMS = [...WRITE_PARAMS, { name: 'force', in: 'query', description: 'Force is going to "force" Apply requests.', schema: { type: 'boolean', uniqueItems: true } }];

function operations(t: ResourceType): Record<string, unknown> {
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const ref = { $ref: `#/components/schemas/${definitionName(t)}` };
  const body = { content: { 'application/json': { schema: ref } }, required: true };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const op = (action: string, verb: string, extra: Record<string, unknown> = {}) => ({
    operationId: `${verb}${t.kind}`,
    tags: [t.group || 'core'],
    responses: ok,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const base = `/${gvPath(t.group, t.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
  const pathParams = [
    ...(t.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
  ];
  const item = {
    parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }, ...pathParams],
    get: op('get', 'read'),
    put: op('put', 'replace', { parameters: WRITE_PARAMS, requestBody: body }),
    patch: op('patch', 'patch', {
      parameters: PATCH_PARAMS,
      requestBody: {
        content: Object.fromEntries(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', ...(t.schema ? [] : ['application/strategic-merge-patch+json'])]
          .map((m) => [m, { schema: { type: 'object' } }])),
        required: true,
      },
    }),
    delete: op('delete', 'delete', { parameters: [param('dryRun', 'When present, indicates that modifications should not be persisted.')] }),
  };
  const collection = {
    parameters: pathParams,
    get: op('list', 'list'),
    post: op('post', 'create', { parameters: WRITE_PARAMS, requestBody: body }),
  };
  return { [base]: collection, [`${base}/{name}`]: item };
}

export class OpenApiV3 {
  private docs = new Map<string, { body: string; hash: string }>();
  private generation: number;

  constructor(private registry: ResourceRegistry) {
    this.generation = registry.generation;
  }

  private groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const t of allTypes(this.registry)) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
    return [...seen.values()];
  }

  private doc(group: string, version: string): { body: string; hash: string } {
    const key = gvPath(group, version);
    if (this.generation !== this.registry.generation) {
      this.docs.clear();
      this.generation = this.registry.generation;
    }
    let d = this.docs.get(key);
    if (!d) {
      const types = allTypes(this.registry).filter((t) => t.group === group && t.version === version);
      if (!types.length) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      const paths: Record<string, unknown> = {};
      const schemas: Record<string, unknown> = {};
      for (const t of types) {
        Object.assign(paths, operations(t));
        const schema = schemaOf(t);
        schemas[definitionName(t)] = {
          ...(schema ? describedSchema(t.group, t.kind, schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
          'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }],
        };
      }
      const body = JSON.stringify({
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion },
        paths,
        components: { schemas },
      });
      d = { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase() };
      this.docs.set(key, d);
    }
    return d;
  }

  root(): Record<string, unknown> {
    const paths: Record<string, unknown> = {};
    for (const { group, version } of this.groupVersions()) {
      const p = gvPath(group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${this.doc(group, version).hash}` };
    }
    return { paths };
  }

  groupVersion(group: string, version: string): string {
    return this.doc(group, version).body;
  }
}


