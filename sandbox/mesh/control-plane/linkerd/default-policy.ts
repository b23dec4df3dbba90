// Linkerd's default inbound policies (policy-controller k8s/index/src/defaults.rs): the value of
// `config.linkerd.io/default-inbound-policy` (pod, else namespace, else the cluster's `all-unauthenticated`) and a
// Server's `accessPolicy`, as the authorizations they grant. The cluster network is the sandbox's pod network.
import { POD_CIDR } from '../../../runtime/addresses.js';
import { ALL_NETWORKS, compileNetwork, type ClientAuthorization, type CompiledNetwork } from './client-authorization.js';

export const DEFAULT_POLICIES = ['all-unauthenticated', 'all-authenticated', 'cluster-unauthenticated', 'cluster-authenticated', 'deny', 'audit'] as const;
export type DefaultPolicy = (typeof DEFAULT_POLICIES)[number];

/** The cluster-wide default (`proxy.defaultInboundPolicy` at install). */
export const CLUSTER_DEFAULT_POLICY: DefaultPolicy = 'all-unauthenticated';

/** Linkerd's `clusterNetworks`: every pod address the sandbox hands out. */
export const CLUSTER_NETWORKS: CompiledNetwork[] = [compileNetwork(POD_CIDR) as CompiledNetwork];

export const isDefaultPolicy = (v: string): v is DefaultPolicy => (DEFAULT_POLICIES as readonly string[]).includes(v);

/** DefaultPolicy::default_authzs: deny grants nothing; audit allows everyone, under the name `audit`. */
export function defaultAuthorizations(policy: DefaultPolicy): ClientAuthorization[] {
  if (policy === 'deny') return [];
  const ref = { group: '', kind: 'default' as const, name: policy };
  if (policy === 'audit' || policy === 'all-unauthenticated') return [{ ref, authentication: { kind: 'unauthenticated' }, networks: ALL_NETWORKS }];
  const networks = policy.startsWith('cluster-') ? CLUSTER_NETWORKS : ALL_NETWORKS;
  const authentication = policy.endsWith('-authenticated') ? { kind: 'tlsAuthenticated' as const, identities: [{ suffix: [] }] } : { kind: 'unauthenticated' as const };
  return [{ ref, authentication, networks }];
}
