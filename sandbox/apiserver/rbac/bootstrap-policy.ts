// The default ClusterRoles and ClusterRoleBindings every cluster starts with (plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy): cluster-admin for system:masters, discovery, public info and self-review for everyone
// authenticated, and the user-facing admin/edit/view roles. admin/edit/view list their rules explicitly — the
// union upstream aggregates from system:aggregate-to-{admin,edit,view}, for the API groups this cluster serves
// (plus apps/batch/networking/policy/autoscaling kinds it does not serve, kept so the roles read as upstream's).
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

export const BOOTSTRAP_CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  'cluster-admin': [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
  admin: [...VIEW_RULES, ...EDIT_RULES, ...ADMIN_RULES],
  edit: [...VIEW_RULES, ...EDIT_RULES],
  view: VIEW_RULES,
  'system:discovery': [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
  'system:public-info-viewer': [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])],
  'system:basic-user': [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ],
};

/** ClusterRoleBindings by name (the bound ClusterRole has the same name) → the groups bound. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: Record<string, string[]> = {
  'cluster-admin': [SYSTEM_MASTERS],
  'system:discovery': [ALL_AUTHENTICATED],
  'system:basic-user': [ALL_AUTHENTICATED],
  'system:public-info-viewer': [ALL_AUTHENTICATED, ALL_UNAUTHENTICATED],
};

const BOOTSTRAP_METADATA = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** Creates the bootstrap policy objects that do not exist yet (existing ones are left as an admin changed them). */
export function ensureBootstrapPolicy(api: ClusterApi): void {
  const roles = api.type(RBAC_GROUP, 'clusterroles');
  const bindings = api.type(RBAC_GROUP, 'clusterrolebindings');
  for (const [name, rules] of Object.entries(BOOTSTRAP_CLUSTER_ROLES)) {
    if (api.tryGet(roles, undefined, name)) continue;
    const role: KubeObject = { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: BOOTSTRAP_METADATA(name), rules: structuredClone(rules) };
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
