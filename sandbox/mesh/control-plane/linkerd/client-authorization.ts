// Linkerd's ClientAuthorization (policy-controller core/src/inbound.rs, identity_match.rs, network_match.rs): who may
// use a Server or a route — an authentication (any client, any mTLS client, or mTLS clients with given identities)
// and the client networks — and the check the proxy makes per request (HTTP) or per connection (opaque).
import { inIpv4Range, ipv4Range, ipv4ToInt, type Ipv4Range } from '../../../runtime/network/ipv4-range.js';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { InboundConnectionFacts } from '../../config/inbound-policy.js';
import { TRUST_DOMAIN } from '../../constants.js';

/** `name.ns.serviceaccount.identity.linkerd.cluster.local` exactly, or every name ending in the given labels. */
export type IdentityMatch = { exact: string } | { suffix: string[] };

export type ClientAuthentication =
  | { kind: 'unauthenticated' }
  /** meshTLS.unauthenticatedTLS: any TLS client, with or without an identity. */
  | { kind: 'tlsUnauthenticated' }
  | { kind: 'tlsAuthenticated'; identities: IdentityMatch[] };

/** A network with its exceptions: IPv4 as integer ranges (checked per request, so cheap), IPv6 through node's BlockList. */
export interface CompiledNetwork {
  text: string;
  v4: Ipv4Range[];
  v4Except: Ipv4Range[];
  v6: BlockList;
  v6Except: BlockList;
}

/** What the proxy's authz metrics call the authorization: `authz_group`, `authz_kind`, `authz_name`. */
export interface AuthzRef {
  group: string;
  kind: 'default' | 'authorizationpolicy' | 'serverauthorization';
  name: string;
}

export interface ClientAuthorization {
  ref: AuthzRef;
  authentication: ClientAuthentication;
  networks: CompiledNetwork[];
}

/** Linkerd's identity of a ServiceAccount (ClusterInfo::service_account_identity, control plane `linkerd`). */
export const serviceAccountIdentity = (namespace: string, name: string) => `${name}.${namespace}.serviceaccount.identity.linkerd.${TRUST_DOMAIN}`;
/** Every ServiceAccount of a namespace (ClusterInfo::namespace_identity). */
export const namespaceIdentity = (namespace: string) => `*.${namespace}.serviceaccount.identity.linkerd.${TRUST_DOMAIN}`;

const SPIFFE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

const NAME_CACHE_LIMIT = 4096;
const names = new Map<string, string | undefined>();

/** The sandbox's SPIFFE identity as Linkerd names it (Linkerd's certificates carry both; policy matches the DNS form). */
export function linkerdName(spiffeId: string): string | undefined {
  if (names.has(spiffeId)) return names.get(spiffeId);
  const m = SPIFFE.exec(spiffeId);
  const name = m ? serviceAccountIdentity(m[2], m[3]) : undefined;
  if (names.size >= NAME_CACHE_LIMIT) names.clear();
  names.set(spiffeId, name);
  return name;
}

/** IdentityMatch::from_str: `*` is every identity, `*.a.b` a suffix, anything else exact. */
export function parseIdentityMatch(s: string): IdentityMatch {
  if (s === '*') return { suffix: [] };
  if (s.startsWith('*.')) return { suffix: s.split('.').slice(1) };
  return { exact: s };
}

function identityMatches(m: IdentityMatch, spiffeId: string, dnsName: string | undefined): boolean {
  if ('exact' in m) return m.exact === dnsName || m.exact === spiffeId;
  if (!m.suffix.length) return true;
  if (!dnsName) return false;
  const labels = dnsName.split('.');
  if (labels.length < m.suffix.length) return false;
  const tail = labels.slice(labels.length - m.suffix.length);
  return tail.every((l, i) => l === m.suffix[i]);
}

/** One `cidr` (+ `except`) entry; a bad CIDR is an error naming it. */
export function compileNetwork(cidr: string, except: string[] = []): CompiledNetwork | string {
  const n: CompiledNetwork = { text: except.length ? `${cidr} except ${except.join(', ')}` : cidr, v4: [], v4Except: [], v6: new BlockList(), v6Except: new BlockList() };
  const add = (text: string, excepted: boolean): string | undefined => {
    const [addr, bits, extra] = text.split('/');
    const family = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || extra !== undefined || !(prefix >= 0 && prefix <= max)) return `invalid CIDR ${JSON.stringify(text)}`;
    if (family === 'ipv4') {
      (excepted ? n.v4Except : n.v4).push(ipv4Range(addr, prefix)!);
    } else (excepted ? n.v6Except : n.v6).addSubnet(addr, prefix, 'ipv6');
    return undefined;
  };
  const bad = add(cidr, false) ?? except.map((e) => add(e, true)).find((e) => e);
  return bad ?? n;
}

/** 0.0.0.0/0 and ::/0: what an authorization without networks allows (policy_client_authz). */
export const ALL_NETWORKS: CompiledNetwork[] = [compileNetwork('0.0.0.0/0') as CompiledNetwork, compileNetwork('::/0') as CompiledNetwork];

const inRanges = (ranges: Ipv4Range[], ip: number) => ranges.some((r) => inIpv4Range(ip, r));

function inNetworks(networks: CompiledNetwork[], ip: string): boolean {
  const v4 = ipv4ToInt(ip);
  if (v4 !== undefined) return networks.some((n) => inRanges(n.v4, v4) && !inRanges(n.v4Except, v4));
  if (!isIPv6(ip)) return false;
  return networks.some((n) => n.v6.check(ip, 'ipv6') && !n.v6Except.check(ip, 'ipv6'));
}

/** The proxy's is_authorized: the client's address is in a network, and its TLS identity (if required) matches. */
export function isAuthorized(a: ClientAuthorization, c: InboundConnectionFacts): boolean {
  if (!inNetworks(a.networks, c.sourceIP)) return false;
  const authn = a.authentication;
  if (authn.kind === 'unauthenticated') return true;
  if (!c.tls) return false;
  if (authn.kind === 'tlsUnauthenticated') return true;
  if (!c.peerIdentity) return false;
  const dns = linkerdName(c.peerIdentity);
  return authn.identities.some((m) => identityMatches(m, c.peerIdentity!, dns));
}
