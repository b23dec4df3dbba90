// Istio's security.istio.io kinds the sandbox mesh enforces (control-plane/istio/peer-authentication.ts,
// authorization-policy-compiler.ts, authorization-layer.ts): what each field does here, and what it does not.
import type { KindSupport } from '../support-registry.js';

const ISTIO_SECURITY_VERSIONS = ['v1', 'v1beta1'];

export const PEER_AUTHENTICATION_SUPPORT: KindSupport = {
  api: 'Istio',
  group: 'security.istio.io',
  kind: 'PeerAuthentication',
  versions: ISTIO_SECURITY_VERSIONS,
  summary:
    'The mTLS mode of workloads: mesh-wide (root namespace istio-system), per namespace or per workload, composed as Istio does (workload > namespace > mesh, oldest wins, UNSET inherits; default PERMISSIVE). STRICT resets plaintext connections; DISABLE makes meshed clients send plaintext (auto-mTLS).',
  docs: 'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
  fields: [
    { path: 'spec.selector', support: 'full', note: 'matchLabels against the pod labels; a policy in istio-system with a selector is ignored elsewhere, as pilot does' },
    { path: 'spec.mtls.mode', support: 'full', note: 'STRICT: plaintext connections are reset (curl: 000, exit 56); PERMISSIVE: both; DISABLE: plaintext only, and clients stop sending mTLS; UNSET: inherit' },
    { path: 'spec.portLevelMtls', support: 'full', note: 'by container port (the Service targetPort); needs a selector, as Istio validates' },
  ],
  warnOnApply: true,
};

export const AUTHORIZATION_POLICY_SUPPORT: KindSupport = {
  api: 'Istio',
  group: 'security.istio.io',
  kind: 'AuthorizationPolicy',
  versions: ISTIO_SECURITY_VERSIONS,
  summary:
    'Access control at the server sidecar, evaluated as Envoy RBAC: CUSTOM, then DENY (any match denies), then ALLOW (when any applies, one must match; an empty spec allows nothing). Denials answer 403 "RBAC: access denied" (gRPC PERMISSION_DENIED). Root-namespace policies apply mesh-wide.',
  docs: 'https://istio.io/latest/docs/reference/config/security/authorization-policy/',
  fields: [
    { path: 'spec.selector', support: 'full', note: 'matchLabels against the pod labels; in istio-system it selects workloads of every namespace' },
    { path: 'spec.targetRef', support: 'none', note: 'attaches the policy to a Gateway or waypoint, which the sandbox mesh does not run: the policy applies to no sidecar' },
    { path: 'spec.targetRefs', support: 'none', note: 'attaches the policy to a Gateway or waypoint, which the sandbox mesh does not run: the policy applies to no sidecar' },
    { path: 'spec.action', support: 'partial', note: 'ALLOW, DENY and AUDIT as Istio (AUDIT decides nothing; there is no audit log sink); CUSTOM has no external authorizer here, so as Istio without a provider its matching requests are denied' },
    { path: 'spec.provider', support: 'none', note: 'no extension providers (ext_authz) in the sandbox mesh; a CUSTOM policy denies what it matches' },
    { path: 'spec.rules', support: 'full', note: 'rules are ORed; an empty list matches nothing' },
    { path: 'spec.rules[].from[].source.principals', support: 'full', note: '"cluster.local/ns/<ns>/sa/<sa>"; a plaintext request has no principal' },
    { path: 'spec.rules[].from[].source.notPrincipals', support: 'full' },
    { path: 'spec.rules[].from[].source.namespaces', support: 'full', note: 'from the peer certificate (mTLS only)' },
    { path: 'spec.rules[].from[].source.notNamespaces', support: 'full' },
    { path: 'spec.rules[].from[].source.trustDomains', support: 'full', note: 'the sandbox trust domain is cluster.local' },
    { path: 'spec.rules[].from[].source.notTrustDomains', support: 'full' },
    { path: 'spec.rules[].from[].source.ipBlocks', support: 'full', note: 'IPv4 addresses and CIDRs' },
    { path: 'spec.rules[].from[].source.notIpBlocks', support: 'full' },
    { path: 'spec.rules[].from[].source.remoteIpBlocks', support: 'partial', note: 'the peer address, as at a sidecar with no trusted X-Forwarded-For hops' },
    { path: 'spec.rules[].from[].source.notRemoteIpBlocks', support: 'partial', note: 'the peer address, as at a sidecar with no trusted X-Forwarded-For hops' },
    { path: 'spec.rules[].from[].source.requestPrincipals', support: 'partial', note: 'no RequestAuthentication (JWT) in the sandbox: no request has a request principal, so this never matches' },
    { path: 'spec.rules[].from[].source.notRequestPrincipals', support: 'partial', note: 'no JWT: every request lacks a request principal' },
    { path: 'spec.rules[].from[].source.serviceAccounts', support: 'none', note: 'use principals ("cluster.local/ns/<ns>/sa/<sa>"); an ALLOW rule with it never matches, a DENY rule always does' },
    { path: 'spec.rules[].from[].source.notServiceAccounts', support: 'none', note: 'use notPrincipals; an ALLOW rule with it never matches, a DENY rule always does' },
    { path: 'spec.rules[].to[].operation.hosts', support: 'full', note: 'Host / :authority, case-insensitive, with or without the port' },
    { path: 'spec.rules[].to[].operation.notHosts', support: 'full' },
    { path: 'spec.rules[].to[].operation.ports', support: 'full', note: 'the container port the request arrived on' },
    { path: 'spec.rules[].to[].operation.notPorts', support: 'full' },
    { path: 'spec.rules[].to[].operation.methods', support: 'full' },
    { path: 'spec.rules[].to[].operation.notMethods', support: 'full' },
    { path: 'spec.rules[].to[].operation.paths', support: 'partial', note: 'exact, prefix "abc*", suffix "*abc" and "*"; path templates ({*}, {**}) are compared literally' },
    { path: 'spec.rules[].to[].operation.notPaths', support: 'partial', note: 'as paths' },
    {
      path: 'spec.rules[].when',
      support: 'partial',
      note: 'keys request.headers[<name>], source.ip, remote.ip, source.namespace, source.principal, destination.ip, destination.port, and request.auth.* (never present: no JWT); other keys (connection.sni, experimental.*) are reported: an ALLOW rule with one never matches, a DENY rule always does',
    },
  ],
  warnOnApply: true,
};

export const ISTIO_SECURITY_KINDS: KindSupport[] = [PEER_AUTHENTICATION_SUPPORT, AUTHORIZATION_POLICY_SUPPORT];
