// One namespace's Linkerd inbound policy, compiled once per namespace compile: its policy.linkerd.io objects and the
// HTTPRoutes (Linkerd's and the Gateway API's) whose parent is one of its Servers. Pods ask it for their layer.
import type { KubeObject } from '../../../apiserver/store.js';
import type { NamespaceObjects } from '../namespace-compiler.js';
import type { LinkerdNamespacePolicy } from './linkerd-inbound-layer.js';
import { GATEWAY_GROUP, POLICY_GROUP, readPolicyObjects } from './policy-objects.js';
import { compileServerRoutes, serverParents } from './server-routes.js';

export type LinkerdPolicySources = Pick<
  NamespaceObjects,
  'linkerdServers' | 'linkerdAuthorizationPolicies' | 'linkerdServerAuthorizations' | 'meshTlsAuthentications' | 'networkAuthentications' | 'linkerdHttpRoutes' | 'httproutes' | 'grpcroutes'
>;

export function compileLinkerdPolicy(ns: string, objs: LinkerdPolicySources, problems: string[]): LinkerdNamespacePolicy {
  const objects = readPolicyObjects(
    ns,
    {
      servers: objs.linkerdServers.values(),
      authorizationPolicies: objs.linkerdAuthorizationPolicies.values(),
      serverAuthorizations: objs.linkerdServerAuthorizations.values(),
      meshTls: objs.meshTlsAuthentications,
      networks: objs.networkAuthentications,
    },
    problems,
  );
  const servers = new Set(objects.servers.map((s) => s.name));
  const attached = (list: { group: string; kind: 'HTTPRoute' | 'GRPCRoute'; route: KubeObject }[]) => {
    const onServers = list.filter((r) => serverParents(r.route).length > 0);
    return onServers.length ? compileServerRoutes(ns, onServers, servers, problems) : new Map();
  };
  return {
    objects,
    routes: attached([
      ...[...objs.linkerdHttpRoutes.values()].map((route) => ({ group: POLICY_GROUP, kind: 'HTTPRoute' as const, route })),
      ...[...objs.httproutes.values()].map((route) => ({ group: GATEWAY_GROUP, kind: 'HTTPRoute' as const, route })),
    ]),
    grpcRoutes: attached([...objs.grpcroutes.values()].map((route) => ({ group: GATEWAY_GROUP, kind: 'GRPCRoute' as const, route }))),
  };
}
