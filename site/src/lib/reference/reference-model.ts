// The mesh reference's data (site/src/data/mesh-reference.json, written by `npm run gen:mesh-reference` from the CRDs
// the sandbox serves) and the page addresses derived from it. Pure: the generator, the pages and the tests share it.
import { flattenFields, schemaFields, type JsonSchema, type SchemaField } from './schema-fields.ts';

export const MESH_REFERENCE_COMMAND = 'npm run gen:mesh-reference';

export interface ReferenceVersion {
  name: string;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  /** `shown`: the version the page documents; `same`: its schema is identical; `differs`: see added/removed. */
  schema: 'shown' | 'same' | 'differs';
  /** Field paths this version has that the shown one lacks, and the reverse. */
  added?: string[];
  removed?: string[];
}

export interface ReferenceKind {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  scope: 'Namespaced' | 'Cluster';
  /** Served versions, as the CRD lists them. */
  versions: ReferenceVersion[];
  /** The version whose schema the page shows: the preferred one (Kubernetes' version priority: v1 before v1beta1 before v1alpha1). */
  shownVersion: string;
  /** The CRD's openAPIV3Schema of the shown version, unchanged (upstream descriptions kept). */
  schema: JsonSchema;
}

export interface MeshReferenceData {
  source: string;
  command: string;
  kinds: ReferenceKind[];
}

/** `/docs/reference/gateway.networking.k8s.io/httproute/` */
export function kindHref(k: Pick<ReferenceKind, 'group' | 'kind'>): string {
  return `/docs/reference/${k.group}/${k.kind.toLowerCase()}/`;
}

export function apiVersionOf(k: Pick<ReferenceKind, 'group' | 'shownVersion'>): string {
  return k.group ? `${k.group}/${k.shownVersion}` : k.shownVersion;
}

/** The fields the page lists: everything under the object root but apiVersion/kind/metadata, whose schemas CRDs leave empty. */
export function referenceFields(k: Pick<ReferenceKind, 'schema'>): SchemaField[] {
  return schemaFields(k.schema);
}

/** Every field path of a schema (the count the build-time test holds the page to). */
export function fieldPaths(schema: JsonSchema): string[] {
  return flattenFields(schemaFields(schema)).map((f) => f.path);
}
