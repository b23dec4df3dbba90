// The SMI suite's workloads and policies, as objects: a namespace of its own with three echo Deployments that run
// as three ServiceAccounts (so the client, echo-v1 and echo-v2 have distinct mTLS identities), their Services, and
// the TrafficTarget / HTTPRouteGroup / TrafficSplit objects each scenario applies (SMI access v1alpha3, specs
// v1alpha4, split v1alpha4 — the versions in ../../../../shared/specs/smi and the sandbox's CRDs).
import type { ApplyObject } from '../../kube/apply.js';

export const SMI_NAMESPACE = 'smi-conformance';
/** The pod the requests are sent from (its `echo` container has the echo client). */
export const SMI_CLIENT_APP = 'client';
export const ECHO_IMAGE = 'registry.k8s.io/gateway-api/conformance/echo-advanced:v0.1.0';

const ns = SMI_NAMESPACE;

function echoDeployment(name: string, labels: Record<string, string>, serviceAccount: string): ApplyObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name: 'echo', image: ECHO_IMAGE, args: ['--port=8080'], ports: [{ containerPort: 8080, protocol: 'TCP' }] }],
        },
      },
    },
  };
}

const service = (name: string, selector: Record<string, string>): ApplyObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 8080, appProtocol: 'http' }] },
});

const serviceAccount = (name: string): ApplyObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });

export function smiBaseObjects(): ApplyObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'smi-conformance': 'true' } } },
    serviceAccount('echo-client'),
    serviceAccount('echo-v1'),
    serviceAccount('echo-v2'),
    echoDeployment('client', { app: SMI_CLIENT_APP }, 'echo-client'),
    echoDeployment('echo-v1', { app: 'echo', version: 'v1' }, 'echo-v1'),
    echoDeployment('echo-v2', { app: 'echo', version: 'v2' }, 'echo-v2'),
    service('echo', { app: 'echo' }),
    service('echo-v1', { app: 'echo', version: 'v1' }),
    service('echo-v2', { app: 'echo', version: 'v2' }),
  ];
}

export interface RouteGroupMatch {
  name: string;
  pathRegex?: string;
  methods?: string[];
}

export const httpRouteGroup = (name: string, matches: RouteGroupMatch[]): ApplyObject => ({
  apiVersion: 'specs.smi-spec.io/v1alpha4',
  kind: 'HTTPRouteGroup',
  metadata: { name, namespace: ns },
  spec: { matches },
});

/** Lets `sources` (ServiceAccount names) reach `destination` on the named matches of a route group. */
export const trafficTarget = (name: string, destination: string, sources: string[], group: string, matches?: string[]): ApplyObject => ({
  apiVersion: 'access.smi-spec.io/v1alpha3',
  kind: 'TrafficTarget',
  metadata: { name, namespace: ns },
  spec: {
    destination: { kind: 'ServiceAccount', name: destination, namespace: ns },
    rules: [{ kind: 'HTTPRouteGroup', name: group, ...(matches ? { matches } : {}) }],
    sources: sources.map((s) => ({ kind: 'ServiceAccount', name: s, namespace: ns })),
  },
});

export const trafficSplit = (name: string, apex: string, backends: Record<string, number>): ApplyObject => ({
  apiVersion: 'split.smi-spec.io/v1alpha4',
  kind: 'TrafficSplit',
  metadata: { name, namespace: ns },
  spec: { service: apex, backends: Object.entries(backends).map(([svc, weight]) => ({ service: svc, weight })) },
});
