// Linkerd's inbound policy for one pod as an InboundLayer: what its proxy does with the InboundServer of each port
// (linkerd2-proxy inbound policy). HTTP ports (detected, HTTP/1, HTTP/2, gRPC) are checked per request: the request
// picks a route (none → 404 `no route found for request`), then the route's or the Server's authorizations must admit
// the client (none → 403 `unauthorized request on route`; gRPC clients get PERMISSION_DENIED from the HTTP/2 path).
// Opaque and TLS ports are checked per connection, which is refused (`unauthorized connection on server/<name>`).
// Every decision counts in Linkerd's inbound_{http,tcp}_authz_{allow,deny}_total.
import type { KubeObject } from '../../../apiserver/store.js';
import type { InboundConnectionFacts, InboundDenial, InboundLayer } from '../../config/inbound-policy.js';
import type { PodInfo } from '../../config/snapshot.js';
import { DEFAULT_INBOUND_POLICY } from '../../constants.js';
import { matchRule } from '../../proxy/route-matcher.js';
import { isAuthorized, linkerdName } from './client-authorization.js';
import { CLUSTER_DEFAULT_POLICY, isDefaultPolicy, type DefaultPolicy } from './default-policy.js';
import { authzLabels, defaultServer, linkerdServer, podPorts, promLabel, serverLabels, type InboundServer } from './inbound-servers.js';
import type { NamespacePolicyObjects } from './policy-objects.js';
import type { ServerRoutes } from './server-routes.js';

/** Linkerd's synthetic responses carry no body; the reason is in `l5d-proxy-error`. */
const ROUTE_NOT_FOUND: InboundDenial = { status: 404, message: 'no route found for request', body: '' };
const UNAUTHORIZED: InboundDenial = { status: 403, message: 'unauthorized request on route', body: '' };

const NO_IDENTITY = promLabel('tls', 'no_identity');
const identityLabelCache = new Map<string, string>();
/** `tls="true",client_id="<Linkerd name>"`, made once per identity (bounded). */
function identityLabels(spiffeId: string): string {
  let text = identityLabelCache.get(spiffeId);
  if (text === undefined) {
    if (identityLabelCache.size >= 4096) identityLabelCache.clear();
    identityLabelCache.set(spiffeId, (text = `${promLabel('tls', 'true')},${promLabel('client_id', linkerdName(spiffeId) ?? spiffeId)}`));
  }
  return text;
}

/** Audit mode's INFO line, with Linkerd's field names (server.*, route.*, authz.*, client.*): grep `authz.name=audit`. */
function auditLine(s: InboundServer, port: number, route: { group: string; kind: string; name: string }, c: InboundConnectionFacts): string {
  const tls = c.tls ? (c.peerIdentity ? `Some(Established { client_id: ${linkerdName(c.peerIdentity) ?? c.peerIdentity} })` : 'Some(Established)') : 'None(NoClientHello)';
  return `INFO inbound:server{port=${port}}: Request allowed server.group=${s.kind === 'server' ? 'policy.linkerd.io' : ''} server.kind=${s.kind} server.name=${s.name} route.group=${route.group} route.kind=${route.kind} route.name=${route.name} authz.group= authz.kind=default authz.name=audit client.tls=${tls} client.ip=${c.sourceIP}`;
}

/** A namespace's compiled Linkerd policy, asked once per pod. */
export interface LinkerdNamespacePolicy {
  objects: NamespacePolicyObjects;
  /** HTTPRoutes by Server name (used by Servers of every protocol but gRPC). */
  routes: Map<string, ServerRoutes>;
  /** GRPCRoutes by Server name (used by `proxyProtocol: gRPC` Servers). */
  grpcRoutes: Map<string, ServerRoutes>;
}

/**
 * The pod's default-inbound-policy: its annotation (the injector copies the namespace's there at creation, as
 * Linkerd's does; workload.rs reads only the pod's), else the cluster's.
 */
export function podDefaultPolicy(pod: KubeObject | undefined, problems: string[]): DefaultPolicy {
  const value = pod?.metadata.annotations?.[DEFAULT_INBOUND_POLICY];
  if (value === undefined) return CLUSTER_DEFAULT_POLICY;
  if (isDefaultPolicy(value)) return value;
  problems.push(`pod ${pod?.metadata.namespace}/${pod?.metadata.name}: ${DEFAULT_INBOUND_POLICY} ${JSON.stringify(value)} is not one of all-unauthenticated, all-authenticated, cluster-unauthenticated, cluster-authenticated, deny, audit; the cluster default (${CLUSTER_DEFAULT_POLICY}) applies`);
  return CLUSTER_DEFAULT_POLICY;
}

/** The pod's layer; undefined when it allows everything unobserved (no Server, all-unauthenticated: the fast path). */
export function linkerdInboundLayer(pod: PodInfo, podObj: KubeObject | undefined, policy: LinkerdNamespacePolicy, problems: string[]): InboundLayer | undefined {
  const fallback = podDefaultPolicy(podObj, problems);
  const { byName, probes } = podObj ? podPorts(podObj) : { byName: new Map<string, number[]>(), probes: new Map<number, Set<string>>() };
  const servers = new Map<number, InboundServer>();
  for (const s of policy.objects.servers) {
    if (!s.selects(pod.labels)) continue;
    for (const port of typeof s.port === 'number' ? [s.port] : byName.get(s.port) ?? []) {
      const prior = servers.get(port);
      if (prior) problems.push(`Server ${pod.namespace}/${s.name}: pod ${pod.name} port ${port} is already selected by Server ${prior.name} (older); skipped, as Linkerd does`);
      else servers.set(port, linkerdServer(s, policy.objects, (s.protocol === 'gRPC' ? policy.grpcRoutes : policy.routes).get(s.name), probes.get(port)));
    }
  }
  if (!servers.size && fallback === 'all-unauthenticated') return undefined;
  const defaults = new Map<number, InboundServer>();
  const serverFor = (port: number): InboundServer => {
    let s = servers.get(port) ?? defaults.get(port);
    if (!s) defaults.set(port, (s = defaultServer(fallback, probes.get(port))));
    return s;
  };
  const clientLabels = (c: InboundConnectionFacts) => (c.tls && c.peerIdentity ? identityLabels(c.peerIdentity) : NO_IDENTITY);
  const names = [...new Set([...servers.values()].map((s) => `Server ${s.name}`))];
  return {
    source: `Linkerd inbound policy (${[...names, `default ${fallback}`].join(', ')})`,
    refuseConnection(c) {
      const s = serverFor(c.port);
      if (s.protocol !== 'opaque' && s.protocol !== 'TLS') return undefined; // HTTP: decided per request
      const a = s.authorizations.find((x) => isAuthorized(x, c));
      const base = `${serverLabels(s, c.port)},${clientLabels(c)}`;
      if (a) {
        c.metrics?.count('inbound_tcp_authz_allow_total', `${base},${authzLabels(a)}`);
        return undefined;
      }
      c.metrics?.count('inbound_tcp_authz_deny_total', base);
      return `unauthorized connection on ${s.kind}/${s.name}`;
    },
    authorize(r) {
      const s = serverFor(r.port);
      if (s.protocol === 'opaque' || s.protocol === 'TLS') return undefined; // decided per connection
      const rule = matchRule(s.table, r.port, { method: r.method, path: r.path, query: r.query ?? '', headers: r.headers });
      const route = rule && s.routes.get(rule);
      if (!route) {
        r.metrics?.count('inbound_http_route_not_found_total', `${serverLabels(s, r.port)},${clientLabels(r)}`);
        return ROUTE_NOT_FOUND;
      }
      const a = route.authorizations.find((x) => isAuthorized(x, r));
      const base = `${serverLabels(s, r.port)},${route.labels}`;
      if (a) {
        r.metrics?.count('inbound_http_authz_allow_total', `${base},${authzLabels(a)},${clientLabels(r)}`);
        if (a.ref.kind === 'default' && a.ref.name === 'audit') r.log?.(auditLine(s, r.port, route.ref, r));
        return undefined;
      }
      r.metrics?.count('inbound_http_authz_deny_total', `${base},${clientLabels(r)}`);
      return UNAUTHORIZED;
    },
  };
}
