// What makes a session namespace a tenant, as on any multi-tenant Kubernetes cluster: the learner's Role (an
// allow-list: no pods/status, no writes to Endpoints/EndpointSlices, read-only guard rails), a ResourceQuota and
// a LimitRange that bound what one learner can spend, and a NetworkPolicy that admits only the namespace's own
// pods. The same objects are created in the embedded sandbox and on a real cluster (`up --kubeconfig`).
import type { ApplyObject } from '../kube/apply.js';

export const LEARNER_ROLE = 'playground-learner';
export const SESSION_QUOTA = 'playground-quota';
export const SESSION_LIMITS = 'playground-limits';
export const SESSION_NETWORK_POLICY = 'playground-same-namespace';

const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const READ = ['get', 'list', 'watch'];
/** Subresources that take their verb from the HTTP method (proxy) or are created (exec, attach, port-forward). */
const CONNECT = ['get', 'create', 'update', 'patch', 'delete'];

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Everything a lesson, a try-it panel, a benchmark or a learner's kubectl needs in its own namespace, and no more. */
export const LEARNER_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods/log'], verbs: READ },
  { apiGroups: [''], resources: ['pods/proxy', 'services/proxy', 'pods/exec', 'pods/attach', 'pods/portforward'], verbs: CONNECT },
  // kubectl debug adds an ephemeral container with a PATCH of this subresource (PUT for older clients).
  { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['endpoints', 'events', 'resourcequotas', 'limitranges'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: WRITE },
  { apiGroups: ['apps'], resources: ['deployments/scale', 'replicasets/scale', 'statefulsets/scale'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: WRITE },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: READ },
  { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: READ },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes', 'grpcroutes', 'referencegrants'], verbs: WRITE },
  { apiGroups: ['split.smi-spec.io'], resources: ['trafficsplits'], verbs: WRITE },
  { apiGroups: ['access.smi-spec.io'], resources: ['traffictargets'], verbs: WRITE },
  { apiGroups: ['specs.smi-spec.io'], resources: ['httproutegroups', 'tcproutes', 'udproutes'], verbs: WRITE },
  {
    apiGroups: ['policy.linkerd.io'],
    resources: ['servers', 'serverauthorizations', 'authorizationpolicies', 'meshtlsauthentications', 'networkauthentications', 'httproutes'],
    verbs: WRITE,
  },
  { apiGroups: ['networking.istio.io'], resources: ['virtualservices', 'destinationrules', 'sidecars'], verbs: WRITE },
  { apiGroups: ['security.istio.io'], resources: ['peerauthentications', 'authorizationpolicies', 'requestauthentications'], verbs: WRITE },
  { apiGroups: ['telemetry.istio.io'], resources: ['telemetries'], verbs: WRITE },
];

/**
 * Sized for the default session (Bookinfo's six deployments, httpbin, httpbin-direct and curl: 9 pods, 8 with a
 * sidecar) plus what lessons do (a deployment scaled to 5, rollouts, load-generator pods), with room and no more.
 * 20 pods × 100 sessions is the sandbox's pod cap. No `limits.*`: the pod count times the LimitRange's max bounds them.
 */
export const SESSION_QUOTA_HARD: Record<string, string> = {
  pods: '20',
  'requests.cpu': '4',
  'requests.memory': '4Gi',
  services: '20',
  'services.loadbalancers': '0',
  'services.nodeports': '0',
  persistentvolumeclaims: '0',
  configmaps: '30',
  secrets: '30',
  'count/serviceaccounts': '20',
  'count/deployments.apps': '20',
  'count/replicasets.apps': '100',
  'count/jobs.batch': '10',
  'count/cronjobs.batch': '5',
  'count/statefulsets.apps': '10',
  'count/daemonsets.apps': '5',
  'count/httproutes.gateway.networking.k8s.io': '30',
  'count/grpcroutes.gateway.networking.k8s.io': '30',
  'count/trafficsplits.split.smi-spec.io': '30',
  'count/traffictargets.access.smi-spec.io': '30',
  'count/httproutegroups.specs.smi-spec.io': '30',
  'count/virtualservices.networking.istio.io': '30',
  'count/destinationrules.networking.istio.io': '30',
  'count/sidecars.networking.istio.io': '10',
  'count/peerauthentications.security.istio.io': '10',
  'count/authorizationpolicies.security.istio.io': '30',
  'count/requestauthentications.security.istio.io': '10',
  'count/telemetries.telemetry.istio.io': '10',
  'count/servers.policy.linkerd.io': '30',
  'count/serverauthorizations.policy.linkerd.io': '30',
  'count/authorizationpolicies.policy.linkerd.io': '30',
  'count/meshtlsauthentications.policy.linkerd.io': '30',
  'count/networkauthentications.policy.linkerd.io': '30',
  'count/httproutes.policy.linkerd.io': '30',
  // Sandbox extension: total ConfigMap + Secret data. A real cluster's quota controller ignores the name; etcd's
  // object size limit and the counts above bound it there.
  'mesh.playground.dev/configmap-secret-bytes': '2Mi',
};

/**
 * Defaults for containers that name no resources (upstream samples name none; the injected sidecar included) and
 * ceilings that still admit Istio's own sidecar (2 CPU / 1Gi), so the same objects work on a real mesh. No
 * maxLimitRequestRatio: a sidecar requesting 10m would be refused by any useful ratio.
 */
export const SESSION_LIMITS_SPEC = [
  { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' }, max: { cpu: '2', memory: '1Gi' } },
  { type: 'Pod', max: { cpu: '4', memory: '2Gi' } },
];

/** The tenancy objects of a session namespace, server-side applied by the server's own (admin) identity. */
export function tenancyObjects(namespace: string, learnerServiceAccount: string): ApplyObject[] {
  const meta = (name: string) => ({ name, namespace, labels: { 'app.kubernetes.io/managed-by': 'mesh-playground' } });
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(LEARNER_ROLE), rules: LEARNER_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(LEARNER_ROLE),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: LEARNER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: learnerServiceAccount, namespace }],
    },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta(SESSION_QUOTA), spec: { hard: SESSION_QUOTA_HARD } },
    { apiVersion: 'v1', kind: 'LimitRange', metadata: meta(SESSION_LIMITS), spec: { limits: SESSION_LIMITS_SPEC } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(SESSION_NETWORK_POLICY),
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
    },
  ];
}
