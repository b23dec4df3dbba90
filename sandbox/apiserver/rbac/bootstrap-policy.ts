// The default ClusterRoles and ClusterRoleBindings every cluster starts with (plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy): cluster-admin for system:masters, discovery, public info and self-review for everyone
// authenticated, and the user-facing admin/edit/view roles, aggregated (aggregationRule) from
// system:aggregate-to-{admin,edit,view} as upstream. Those hold upstream's rules for the core, apps, batch,
// autoscaling, policy, networking and coordination groups (kinds this cluster does not serve included, so the
// roles read as upstream's); upstream's rules for other groups (storage, extensions, …) are left out.
import type { ClusterApi } from '../api.js';
import type { KubeObject } from '../store.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, SYSTEM_MASTERS } from '../auth.js';
import { RBAC_GROUP } from './authorizer.js';
import type { PolicyRule } from './policy-rules.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = [...READ, ...WRITE];

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

/** system:aggregate-to-view: read access to non-escalating namespaced resources (no Secrets). */
const VIEW_RULES: PolicyRule[] = [
  rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
  rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];

/** system:aggregate-to-edit: writes of user-level resources, no `/status`, quota or limits; Secrets readable. */
const EDIT_RULES: PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
];

/** system:aggregate-to-admin: edit plus granting access inside the namespace. */
const ADMIN_RULES: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles']),
];

const AGGREGATE_TO = (role: string) => `rbac.authorization.k8s.io/aggregate-to-${role}`;

interface BootstrapRole {
  rules: PolicyRule[];
  labels?: Record<string, string>;
  /** Aggregated from the ClusterRoles labelled aggregate-to-<this>; `rules` is what aggregation yields at start. */
  aggregateFrom?: string;
}

/** The rules in the order the aggregation controller unions them: matching ClusterRoles by name, no duplicates. */
const union = (...lists: PolicyRule[][]) => lists.flat().filter((r, i, all) => all.findIndex((x) => JSON.stringify(x) === JSON.stringify(r)) === i);

export const BOOTSTRAP_CLUSTER_ROLES: Record<string, BootstrapRole> = {
  'cluster-admin': { rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  // admin ⊇ edit ⊇ view: edit is labelled aggregate-to-admin, view aggregate-to-edit.
  admin: { aggregateFrom: 'admin', rules: union(EDIT_RULES, VIEW_RULES, ADMIN_RULES) },
  edit: { aggregateFrom: 'edit', labels: { [AGGREGATE_TO('admin')]: 'true' }, rules: union(EDIT_RULES, VIEW_RULES) },
  view: { aggregateFrom: 'view', labels: { [AGGREGATE_TO('edit')]: 'true' }, rules: VIEW_RULES },
  'system:aggregate-to-admin': { labels: { [AGGREGATE_TO('admin')]: 'true' }, rules: ADMIN_RULES },
  'system:aggregate-to-edit': { labels: { [AGGREGATE_TO('edit')]: 'true' }, rules: EDIT_RULES },
  'system:aggregate-to-view': { labels: { [AGGREGATE_TO('view')]: 'true' }, rules: VIEW_RULES },
  'system:discovery': { rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])] },
  'system:public-info-viewer': { rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  'system:basic-user': {
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ],
  },
};

/** ClusterRoleBindings by name (the bound ClusterRole has the same name) → the groups bound. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: Record<string, string[]> = {
  'cluster-admin': [SYSTEM_MASTERS],
  'system:discovery': [ALL_AUTHENTICATED],
  'system:basic-user': [ALL_AUTHENTICATED],
  'system:public-info-viewer': [ALL_AUTHENTICATED, ALL_UNAUTHENTICATED],
};

const BOOTSTRAP_METADATA = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** Creates the bootstrap policy objects that do not exist yet (existing ones are left as an admin changed them). */
export function ensureBootstrapPolicy(api: ClusterApi): void {
  const roles = api.type(RBAC_GROUP, 'clusterroles');
  const bindings = api.type(RBAC_GROUP, 'clusterrolebindings');
  for (const [name, { rules, labels, aggregateFrom }] of Object.entries(BOOTSTRAP_CLUSTER_ROLES)) {
    if (api.tryGet(roles, undefined, name)) continue;
    const role: KubeObject = { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: BOOTSTRAP_METADATA(name, labels), rules: structuredClone(rules) };
    if (aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(aggregateFrom)]: 'true' } }] };
    api.create(roles, role);
  }
  for (const [name, groups] of Object.entries(BOOTSTRAP_CLUSTER_ROLE_BINDINGS)) {
    if (api.tryGet(bindings, undefined, name)) continue;
    api.create(bindings, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: BOOTSTRAP_METADATA(name),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects: groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: g })),
    });
  }
}
