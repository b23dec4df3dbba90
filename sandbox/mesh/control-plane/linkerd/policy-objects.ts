// One namespace's policy.linkerd.io objects read into what the policy controller indexes (k8s/index/src/inbound/*.rs):
// Servers (oldest first), the authorizations each AuthorizationPolicy and ServerAuthorization grants, and what they
// target. An object Linkerd would ignore ("Illegal AuthorizationPolicy; ignoring") is reported in `problems` and
// grants nothing — the same fail-closed outcome as upstream.
import type { KubeObject } from '../../../apiserver/store.js';
import { compileLabelSelector, type LabelSelector, type Selector } from '../../../apiserver/selectors.js';
import {
  ALL_NETWORKS,
  compileNetwork,
  namespaceIdentity,
  parseIdentityMatch,
  serviceAccountIdentity,
  type ClientAuthentication,
  type ClientAuthorization,
  type CompiledNetwork,
  type IdentityMatch,
} from './client-authorization.js';
import { CLUSTER_NETWORKS, isDefaultPolicy, type DefaultPolicy } from './default-policy.js';

export const POLICY_GROUP = 'policy.linkerd.io';
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export type ProxyProtocol = 'unknown' | 'HTTP/1' | 'HTTP/2' | 'gRPC' | 'opaque' | 'TLS';
const PROTOCOLS: readonly string[] = ['unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS'];

export interface LinkerdServer {
  name: string;
  created: string;
  labels: Record<string, string>;
  selects: Selector;
  port: number | string;
  protocol: ProxyProtocol;
  /** accessPolicy (v1beta3, default deny): what traffic no authorization matches gets. */
  accessPolicy: DefaultPolicy;
}

/** What an AuthorizationPolicy targets (authorization_policy.rs Target). */
export type PolicyTarget = { kind: 'Server'; name: string } | { kind: 'Namespace' } | { kind: 'HTTPRoute' | 'GRPCRoute'; group: string; name: string };

export interface PolicyAuthorization {
  target: PolicyTarget;
  authz: ClientAuthorization;
}

export interface ServerAuthorizationSpec {
  selects(server: LinkerdServer): boolean;
  authz: ClientAuthorization;
}

export interface NamespacePolicyObjects {
  servers: LinkerdServer[];
  policies: PolicyAuthorization[];
  serverAuthorizations: ServerAuthorizationSpec[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const spec = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});
const byAge = (a: KubeObject, b: KubeObject) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

export function readPolicyObjects(
  ns: string,
  objs: { servers: Iterable<KubeObject>; authorizationPolicies: Iterable<KubeObject>; serverAuthorizations: Iterable<KubeObject>; meshTls: Map<string, KubeObject>; networks: Map<string, KubeObject> },
  problems: string[],
): NamespacePolicyObjects {
  const servers = [...objs.servers].sort(byAge).flatMap((s) => readServer(ns, s, problems) ?? []);
  const policies = [...objs.authorizationPolicies].flatMap((p) => readAuthorizationPolicy(ns, p, objs.meshTls, objs.networks, problems) ?? []);
  const serverAuthorizations = [...objs.serverAuthorizations].flatMap((s) => readServerAuthorization(ns, s, problems) ?? []);
  return { servers, policies, serverAuthorizations };
}

function readServer(ns: string, s: KubeObject, problems: string[]): LinkerdServer | undefined {
  const sp = spec(s);
  const where = `Server ${ns}/${s.metadata.name}`;
  if (!isObj(sp.podSelector)) {
    problems.push(`${where}: ${sp.externalWorkloadSelector ? 'externalWorkloadSelector is not supported by the sandbox (it has no ExternalWorkloads)' : 'spec.podSelector is required'}; the Server selects nothing`);
    return undefined;
  }
  const port = typeof sp.port === 'number' ? sp.port : str(sp.port);
  if (port === undefined || port === '') {
    problems.push(`${where}: spec.port must be a port number or a container port name; the Server selects nothing`);
    return undefined;
  }
  const protocol = str(sp.proxyProtocol) ?? 'unknown';
  const access = str(sp.accessPolicy) ?? 'deny';
  if (!isDefaultPolicy(access)) problems.push(`${where}: spec.accessPolicy ${JSON.stringify(access)} is not one of the default policies; using deny`);
  return {
    name: s.metadata.name!,
    created: s.metadata.creationTimestamp ?? '',
    labels: s.metadata.labels ?? {},
    selects: compileLabelSelector(sp.podSelector as LabelSelector),
    port: typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port,
    protocol: PROTOCOLS.includes(protocol) ? (protocol as ProxyProtocol) : 'unknown',
    accessPolicy: isDefaultPolicy(access) ? access : 'deny',
  };
}

/** targetRef / requiredAuthenticationRefs entry: group, kind, name, namespace. */
interface Ref {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}
const readRef = (v: unknown): Ref => {
  const r = isObj(v) ? v : {};
  return { group: str(r.group) ?? '', kind: str(r.kind) ?? '', name: str(r.name) ?? '', namespace: str(r.namespace) };
};
const refIs = (r: Ref, group: string, kind: string) => r.kind.toLowerCase() === kind.toLowerCase() && r.group.toLowerCase() === group;

function readAuthorizationPolicy(ns: string, p: KubeObject, meshTls: Map<string, KubeObject>, networks: Map<string, KubeObject>, problems: string[]): PolicyAuthorization | undefined {
  const name = p.metadata.name!;
  const where = `AuthorizationPolicy ${ns}/${name}`;
  const sp = spec(p);
  const t = readRef(sp.targetRef);
  let target: PolicyTarget;
  if (refIs(t, POLICY_GROUP, 'Server')) target = { kind: 'Server', name: t.name };
  else if (refIs(t, '', 'Namespace') || refIs(t, 'core', 'Namespace')) {
    if (t.name !== ns) {
      problems.push(`${where}: a Namespace target must name the policy's own namespace ${ns} (got ${JSON.stringify(t.name)}); ignored`);
      return undefined;
    }
    target = { kind: 'Namespace' };
  } else if (refIs(t, POLICY_GROUP, 'HTTPRoute') || refIs(t, GATEWAY_GROUP, 'HTTPRoute')) target = { kind: 'HTTPRoute', group: t.group.toLowerCase(), name: t.name };
  else if (refIs(t, GATEWAY_GROUP, 'GRPCRoute')) target = { kind: 'GRPCRoute', group: GATEWAY_GROUP, name: t.name };
  else {
    problems.push(`${where}: unsupported authorization target type ${t.kind}${t.group ? `.${t.group}` : ''} (Server, HTTPRoute, GRPCRoute or Namespace); ignored`);
    return undefined;
  }

  let identities: IdentityMatch[] | undefined;
  let nets: CompiledNetwork[] | undefined;
  const illegal = (why: string) => {
    problems.push(`${where}: ${why}; ignored (Illegal AuthorizationPolicy, as Linkerd's policy controller says)`);
    return undefined;
  };
  for (const raw of arr(sp.requiredAuthenticationRefs)) {
    const r = readRef(raw);
    const refNs = r.namespace ?? ns;
    if (refIs(r, POLICY_GROUP, 'MeshTLSAuthentication')) {
      if (identities) return illegal('policy must not include multiple MeshTLSAuthentications (or a ServiceAccount as well)');
      const authn = refNs === ns ? meshTls.get(r.name) : undefined;
      if (!authn) return illegal(`could not find MeshTLSAuthentication ${r.name} in namespace ${refNs}${refNs !== ns ? ' (the sandbox resolves authentications in the policy\'s namespace only)' : ''}`);
      const ids = meshTlsIdentities(ns, authn, problems);
      if (!ids) return illegal(`MeshTLSAuthentication ${r.name} configures no identities`);
      identities = ids;
    } else if (refIs(r, POLICY_GROUP, 'NetworkAuthentication')) {
      if (nets) return illegal('policy must not include multiple NetworkAuthentications');
      const authn = refNs === ns ? networks.get(r.name) : undefined;
      if (!authn) return illegal(`could not find NetworkAuthentication ${r.name} in namespace ${refNs}`);
      const n = readNetworks(spec(authn).networks, `NetworkAuthentication ${ns}/${r.name}`, problems);
      if (!n.length) return illegal(`NetworkAuthentication ${r.name} configures no valid networks`);
      nets = n;
    } else if (refIs(r, '', 'ServiceAccount') || refIs(r, 'core', 'ServiceAccount')) {
      if (identities) return illegal('policy must not include multiple ServiceAccounts (or a MeshTLSAuthentication as well)');
      identities = [{ exact: serviceAccountIdentity(refNs, r.name) }];
    } else {
      return illegal(`unsupported authentication target ${r.kind}${r.group ? `.${r.group}` : ''}`);
    }
  }
  const authentication: ClientAuthentication = identities ? { kind: 'tlsAuthenticated', identities } : { kind: 'unauthenticated' };
  return { target, authz: { ref: { group: POLICY_GROUP, kind: 'authorizationpolicy', name }, authentication, networks: nets ?? ALL_NETWORKS } };
}

function meshTlsIdentities(ns: string, authn: KubeObject, problems: string[]): IdentityMatch[] | undefined {
  const sp = spec(authn);
  const ids: IdentityMatch[] = arr(sp.identities).flatMap((s) => (typeof s === 'string' ? [parseIdentityMatch(s)] : []));
  for (const raw of arr(sp.identityRefs)) {
    const r = readRef(raw);
    if (refIs(r, '', 'ServiceAccount') || refIs(r, 'core', 'ServiceAccount')) ids.push({ exact: serviceAccountIdentity(r.namespace ?? ns, r.name) });
    else if (refIs(r, '', 'Namespace') || refIs(r, 'core', 'Namespace')) ids.push(parseIdentityMatch(namespaceIdentity(r.name)));
    else {
      problems.push(`MeshTLSAuthentication ${ns}/${authn.metadata.name}: unsupported identityRefs target type ${r.kind}; the authentication is unusable`);
      return undefined;
    }
  }
  return ids.length ? ids : undefined;
}

function readNetworks(list: unknown, where: string, problems: string[]): CompiledNetwork[] {
  return arr(list).flatMap((raw, i) => {
    const n = isObj(raw) ? raw : {};
    const compiled = compileNetwork(str(n.cidr) ?? '', arr(n.except).filter((e): e is string => typeof e === 'string'));
    if (typeof compiled === 'string') {
      problems.push(`${where}: networks[${i}]: ${compiled}; that network is ignored`);
      return [];
    }
    return [compiled];
  });
}

function readServerAuthorization(ns: string, s: KubeObject, problems: string[]): ServerAuthorizationSpec | undefined {
  const name = s.metadata.name!;
  const where = `ServerAuthorization ${ns}/${name}`;
  const sp = spec(s);
  const server = isObj(sp.server) ? sp.server : {};
  const client = isObj(sp.client) ? sp.client : {};
  const serverName = str(server.name);
  const selector = isObj(server.selector) ? compileLabelSelector(server.selector as LabelSelector) : undefined;
  const selects = serverName !== undefined ? (srv: LinkerdServer) => srv.name === serverName : (srv: LinkerdServer) => (selector ? selector(srv.labels) : true);

  let authentication: ClientAuthentication;
  if (client.unauthenticated === true) authentication = { kind: 'unauthenticated' };
  else if (isObj(client.meshTLS)) {
    const m = client.meshTLS;
    if (m.unauthenticatedTLS === true) authentication = { kind: 'tlsUnauthenticated' };
    else {
      const identities: IdentityMatch[] = arr(m.identities).flatMap((i) => (typeof i === 'string' ? [parseIdentityMatch(i)] : []));
      for (const raw of arr(m.serviceAccounts)) {
        const sa = isObj(raw) ? raw : {};
        if (typeof sa.name === 'string') identities.push({ exact: serviceAccountIdentity(str(sa.namespace) ?? ns, sa.name) });
      }
      if (!identities.length) {
        problems.push(`${where}: authorization authorizes no clients; ignored`);
        return undefined;
      }
      authentication = { kind: 'tlsAuthenticated', identities };
    }
  } else {
    problems.push(`${where}: no client authentication configured (client.meshTLS or client.unauthenticated); ignored`);
    return undefined;
  }
  // No networks: the cluster's networks (to_authz in policy-controller grpc/src/inbound.rs).
  const networks = readNetworks(client.networks, where, problems);
  return { selects, authz: { ref: { group: POLICY_GROUP, kind: 'serverauthorization', name }, authentication, networks: networks.length ? networks : CLUSTER_NETWORKS } };
}
