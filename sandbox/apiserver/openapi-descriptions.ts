// Descriptions the published OpenAPI schemas carry, for `kubectl explain`: upstream's texts for every kind's
// apiVersion, kind and metadata (the API server adds them to custom resources' schemas too) and the kind-level
// descriptions of the built-in kinds (from k8s.io/api's types.go). Field-level descriptions of built-in kinds
// are not published (builtin-schemas.ts carries types, not docs).
import type { JSONSchema } from './schema/structural.js';

const CONVENTIONS = 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md';

export const STANDARD_FIELDS: Record<'apiVersion' | 'kind' | 'metadata', string> = {
  apiVersion: `APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: ${CONVENTIONS}#resources`,
  kind: `Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: ${CONVENTIONS}#types-kinds`,
  metadata: `Standard object's metadata. More info: ${CONVENTIONS}#metadata`,
};

const KIND_DESCRIPTIONS: Record<string, string> = {
  '/Namespace': 'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
  '/Pod': 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.',
  '/Service': 'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
  '/Endpoints': 'Endpoints is a collection of endpoints that implement the actual service.',
  '/ConfigMap': 'ConfigMap holds configuration data for pods to consume.',
  '/Secret': 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.',
  '/ServiceAccount': 'ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets',
  '/Event': 'Event is a report of an event somewhere in the cluster. Events have a limited retention time and triggers and messages may evolve with time.',
  '/ResourceQuota': 'ResourceQuota sets aggregate quota restrictions enforced per namespace',
  '/LimitRange': 'LimitRange sets resource usage limits for each kind of resource in a Namespace.',
  'apps/Deployment': 'Deployment enables declarative updates for Pods and ReplicaSets.',
  'apps/ReplicaSet': 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.',
  'discovery.k8s.io/EndpointSlice': 'EndpointSlice represents a subset of the endpoints that implement a service.',
  'networking.k8s.io/NetworkPolicy': 'NetworkPolicy describes what network traffic is allowed for a set of Pods',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods',
  'rbac.authorization.k8s.io/Role': 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
  'rbac.authorization.k8s.io/RoleBinding': 'RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.',
  'rbac.authorization.k8s.io/ClusterRole': 'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
};

/**
 * A copy of a kind's published schema with the standard descriptions filled in where it has none; apiVersion
 * and kind are added when a CRD's schema leaves them out, as apiextensions-apiserver publishes them.
 */
export function describedSchema(group: string, kind: string, schema: JSONSchema): JSONSchema {
  const properties: Record<string, JSONSchema> = { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...schema.properties };
  for (const [field, description] of Object.entries(STANDARD_FIELDS)) {
    const p = properties[field];
    if (p && !p.description) properties[field] = { ...p, description };
  }
  const description = schema.description ?? KIND_DESCRIPTIONS[`${group}/${kind}`];
  return { ...schema, ...(description ? { description } : {}), properties };
}
