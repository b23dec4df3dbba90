// NetworkPolicy (networking.k8s.io/v1) semantics, as the upstream API documents them and CNIs implement them:
// a policy selects pods of its namespace (podSelector); a pod selected by any policy with policyType Ingress
// is isolated for ingress and then admits a connection only if some such policy's ingress rule matches it
// (peers: podSelector / namespaceSelector / both / ipBlock with except; ports: number, named port, protocol,
// endPort); Egress the same for the connecting pod. Pure functions: the enforcer compiles, indexes and caches.
import { inIpv4Range, ipv4Range, ipv4ToInt } from './ipv4-range.js';
import { compileLabelSelector, type LabelSelector, type Selector } from '../../apiserver/selectors.js';
import type { KubeObject } from '../../apiserver/store.js';
import type { ContainerPort } from '../workload.js';

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicySpec {
  podSelector?: LabelSelector;
  ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  policyTypes?: string[];
}

export interface NetworkPolicy extends KubeObject {
  spec?: NetworkPolicySpec;
}

/** One end of a connection as policy sees it: any address, and the pod behind it when there is one. */
export interface Endpoint {
  ip: string;
  pod?: { namespace: string; labels: Readonly<Record<string, string>>; ports: readonly ContainerPort[] };
}

type Peer =
  | { kind: 'pods'; pods: Selector; namespaces?: Selector } // namespaces undefined: the policy's own namespace
  | { kind: 'ipBlock'; cidr: Cidr; except: Cidr[] };

type Port = { protocol: string; port?: number; name?: string; endPort?: number };

interface Rule {
  peers?: Peer[]; // undefined: every peer
  ports?: Port[]; // undefined: every port
}

export interface CompiledPolicy {
  namespace: string;
  name: string;
  selects: Selector;
  /** Rules when the policy is of type Ingress (an empty list isolates and admits nothing). */
  ingress?: Rule[];
  egress?: Rule[];
}

/** policyTypes as the API server defaults them: Ingress always, Egress when egress rules are present. */
export function defaultPolicyTypes(spec: NetworkPolicySpec): string[] {
  if (spec.policyTypes?.length) return spec.policyTypes;
  return (spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function compilePolicy(policy: NetworkPolicy): CompiledPolicy {
  const spec = policy.spec ?? {};
  const types = defaultPolicyTypes(spec);
  const out: CompiledPolicy = {
    namespace: policy.metadata.namespace ?? '',
    name: policy.metadata.name ?? '',
    selects: compileLabelSelector(spec.podSelector),
  };
  if (types.includes('Ingress')) out.ingress = (spec.ingress ?? []).map((r) => compileRule(r.from, r.ports));
  if (types.includes('Egress')) out.egress = (spec.egress ?? []).map((r) => compileRule(r.to, r.ports));
  return out;
}

function compileRule(peers: NetworkPolicyPeer[] | undefined, ports: NetworkPolicyPort[] | undefined): Rule {
  return {
    peers: peers?.length ? peers.map(compilePeer) : undefined,
    ports: ports?.length ? ports.map(compilePort) : undefined,
  };
}

function compilePeer(p: NetworkPolicyPeer): Peer {
  if (p.ipBlock) return { kind: 'ipBlock', cidr: parseCidr(p.ipBlock.cidr), except: (p.ipBlock.except ?? []).map(parseCidr) };
  return {
    kind: 'pods',
    pods: compileLabelSelector(p.podSelector), // absent with a namespaceSelector: every pod of those namespaces
    namespaces: p.namespaceSelector ? compileLabelSelector(p.namespaceSelector) : undefined,
  };
}

function compilePort(p: NetworkPolicyPort): Port {
  const protocol = p.protocol ?? 'TCP';
  if (p.port === undefined) return { protocol };
  if (typeof p.port === 'number') return { protocol, port: p.port, endPort: p.endPort };
  if (/^\d+$/.test(p.port)) return { protocol, port: Number(p.port), endPort: p.endPort };
  return { protocol, name: p.port };
}

/**
 * Whether `rules` admit a connection between the policy's pod and `peer`, to `port` of `target` (the
 * destination pod, whose container ports name ports). `namespaceLabels` gives a namespace's labels.
 */
function rulesAllow(
  policy: CompiledPolicy,
  rules: Rule[],
  peer: Endpoint,
  target: Endpoint,
  port: number,
  protocol: string,
  namespaceLabels: (ns: string) => Readonly<Record<string, string>> | undefined,
): boolean {
  for (const rule of rules) {
    if (rule.ports && !rule.ports.some((p) => portMatches(p, target, port, protocol))) continue;
    if (!rule.peers || rule.peers.some((p) => peerMatches(p, policy.namespace, peer, namespaceLabels))) return true;
  }
  return false;
}

function portMatches(p: Port, target: Endpoint, port: number, protocol: string): boolean {
  if (p.protocol !== protocol) return false;
  if (p.name !== undefined) return (target.pod?.ports ?? []).some((c) => c.name === p.name && c.containerPort === port && (c.protocol ?? 'TCP') === protocol);
  if (p.port === undefined) return true;
  return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
}

function peerMatches(
  p: Peer,
  policyNamespace: string,
  peer: Endpoint,
  namespaceLabels: (ns: string) => Readonly<Record<string, string>> | undefined,
): boolean {
  if (p.kind === 'ipBlock') {
    const ip = ipv4ToInt(peer.ip);
    return ip !== undefined && inCidr(ip, p.cidr) && !p.except.some((c) => inCidr(ip, c));
  }
  const pod = peer.pod;
  if (!pod) return false; // pod and namespace selectors only ever match pods
  if (p.namespaces === undefined) {
    if (pod.namespace !== policyNamespace) return false;
  } else if (!p.namespaces(namespaceLabels(pod.namespace) ?? {})) return false;
  return p.pods(pod.labels);
}

export interface PolicyVerdict {
  allowed: boolean;
  /** When denied: which side's policies refused ("ingress of ns/pod" or "egress of ns/pod"). */
  deniedBy?: 'ingress' | 'egress';
}

/**
 * The decision for one connection from `source` to `destination:port`: the destination pod's ingress
 * policies and the source pod's egress policies must both admit it. `policiesOf(ns)` lists a namespace's policies.
 */
export function evaluate(
  source: Endpoint,
  destination: Endpoint,
  port: number,
  policiesOf: (ns: string) => readonly CompiledPolicy[],
  namespaceLabels: (ns: string) => Readonly<Record<string, string>> | undefined,
  protocol = 'TCP',
): PolicyVerdict {
  if (destination.pod && !sideAllows('ingress', destination, source, destination, port, protocol, policiesOf, namespaceLabels))
    return { allowed: false, deniedBy: 'ingress' };
  if (source.pod && !sideAllows('egress', source, destination, destination, port, protocol, policiesOf, namespaceLabels))
    return { allowed: false, deniedBy: 'egress' };
  return { allowed: true };
}

function sideAllows(
  direction: 'ingress' | 'egress',
  self: Endpoint,
  peer: Endpoint,
  target: Endpoint,
  port: number,
  protocol: string,
  policiesOf: (ns: string) => readonly CompiledPolicy[],
  namespaceLabels: (ns: string) => Readonly<Record<string, string>> | undefined,
): boolean {
  const pod = self.pod!;
  let isolated = false;
  for (const policy of policiesOf(pod.namespace)) {
    const rules = policy[direction];
    if (!rules || !policy.selects(pod.labels)) continue;
    isolated = true;
    if (rulesAllow(policy, rules, peer, target, port, protocol, namespaceLabels)) return true;
  }
  return !isolated;
}

// ---- IPv4 CIDRs ---------------------------------------------------------------------------------------

interface Cidr {
  base: number;
  mask: number;
  /** An unparsable CIDR (validation refuses them; in-process writes are not validated) matches nothing. */
  never?: boolean;
}

const NEVER: Cidr = { base: 0, mask: 0, never: true };

export function parseCidr(text: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text ?? '');
  return (m && ipv4Range(m[1], Number(m[2]))) || NEVER;
}

function inCidr(ip: number, c: Cidr): boolean {
  return !c.never && inIpv4Range(ip, c);
}
