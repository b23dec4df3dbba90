// Linkerd's inbound policy kinds (policy.linkerd.io): what the sandbox mesh honours (control-plane/linkerd/).
import type { KindSupport } from '../support-registry.js';

const REFERENCE = 'https://linkerd.io/2/reference/authorization-policy/';

export const LINKERD_POLICY_KINDS: KindSupport[] = [
  {
    api: 'Linkerd',
    group: 'policy.linkerd.io',
    kind: 'Server',
    versions: ['v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1'],
    summary: "Selects a port of a set of pods: that port's traffic is denied unless an AuthorizationPolicy or ServerAuthorization admits it (or its accessPolicy does); ports no Server selects keep the default-inbound-policy.",
    docs: REFERENCE,
    warnOnApply: true,
    fields: [
      { path: 'spec.podSelector', support: 'full', note: 'matchLabels and matchExpressions; the oldest Server wins a port two Servers select' },
      { path: 'spec.externalWorkloadSelector', support: 'none', note: 'the sandbox has no ExternalWorkloads; the Server selects nothing' },
      { path: 'spec.port', support: 'full', note: 'a number, or a container port name (every container port of that name)' },
      { path: 'spec.proxyProtocol', support: 'partial', note: 'unknown, HTTP/1, HTTP/2 and gRPC are authorized per request; opaque and TLS per connection (refused when unauthorized) — the sandbox relays only HTTP, so opaque traffic is not otherwise served' },
      { path: 'spec.accessPolicy', support: 'full', note: 'any default-inbound-policy value; default deny' },
    ],
  },
  {
    api: 'Linkerd',
    group: 'policy.linkerd.io',
    kind: 'AuthorizationPolicy',
    versions: ['v1alpha1'],
    summary: 'Authorizes clients that satisfy all of its required authentications to use a Server, an HTTPRoute or GRPCRoute on a Server, or every Server of the namespace.',
    docs: REFERENCE,
    warnOnApply: true,
    fields: [
      { path: 'spec.targetRef', support: 'full', note: 'Server, HTTPRoute (policy.linkerd.io or gateway.networking.k8s.io), GRPCRoute (gateway.networking.k8s.io) and Namespace (its own)' },
      { path: 'spec.requiredAuthenticationRefs', support: 'partial', note: 'MeshTLSAuthentication, NetworkAuthentication and ServiceAccount, all required; authentications are looked up in the policy\'s own namespace only' },
    ],
  },
  {
    api: 'Linkerd',
    group: 'policy.linkerd.io',
    kind: 'MeshTLSAuthentication',
    versions: ['v1alpha1'],
    summary: 'A set of mesh identities (`<sa>.<ns>.serviceaccount.identity.linkerd.cluster.local`, `*.` suffixes, `*`, or the SPIFFE form) a client must have, over mTLS.',
    docs: REFERENCE,
    warnOnApply: true,
    fields: [
      { path: 'spec.identities', support: 'full' },
      { path: 'spec.identityRefs', support: 'full', note: 'ServiceAccount and Namespace' },
    ],
  },
  {
    api: 'Linkerd',
    group: 'policy.linkerd.io',
    kind: 'NetworkAuthentication',
    versions: ['v1alpha1'],
    summary: "Client networks (CIDRs, with exceptions) a client's address must be in; the sandbox's pod network is 127.1.0.0/16.",
    docs: REFERENCE,
    warnOnApply: true,
    fields: [{ path: 'spec.networks', support: 'full' }],
  },
  {
    api: 'Linkerd',
    group: 'policy.linkerd.io',
    kind: 'ServerAuthorization',
    versions: ['v1beta1', 'v1alpha1'],
    summary: "Linkerd's earlier authorization (deprecated upstream, still in its tasks): clients allowed to use Servers chosen by name or label selector.",
    docs: REFERENCE,
    warnOnApply: true,
    fields: [
      { path: 'spec.server', support: 'full', note: 'name or selector' },
      { path: 'spec.client.meshTLS', support: 'full', note: 'identities, serviceAccounts, unauthenticatedTLS' },
      { path: 'spec.client.unauthenticated', support: 'full' },
      { path: 'spec.client.networks', support: 'full', note: 'absent: the cluster network only, as Linkerd' },
    ],
  },
];
