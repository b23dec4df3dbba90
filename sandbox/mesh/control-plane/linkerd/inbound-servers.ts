// Each port of a pod → the InboundServer Linkerd's policy controller sends its proxy (index.rs reindex_servers,
// default_inbound_server, inbound_server): the oldest Server whose podSelector and port select it, else the default
// server of the pod's default-inbound-policy; with its authorizations and HTTP routes. A Server with no routes, and
// every default server, gets the `default` route (everything) plus a `probe` route authorizing the pod's own
// HTTP probe paths from any network without authentication; once a route attaches, only the routes apply.
import type { KubeObject } from '../../../apiserver/store.js';
import type { CompiledMatch, CompiledRule, RouteTable } from '../../config/snapshot.js';
import { compareEntries, type RankedEntry } from '../route-precedence.js';
import { ALL_NETWORKS, type ClientAuthorization } from './client-authorization.js';
import { defaultAuthorizations, type DefaultPolicy } from './default-policy.js';
import { POLICY_GROUP, type LinkerdServer, type NamespacePolicyObjects, type ProxyProtocol } from './policy-objects.js';
import type { InboundRouteRef, ServerRoutes } from './server-routes.js';

export interface InboundRoute {
  ref: InboundRouteRef;
  /** The route's own authorizations, then the Server's (a Server-level authorization covers all its routes). */
  authorizations: ClientAuthorization[];
  /** Metric label text: `route_group=…,route_kind=…,route_name=…`. */
  labels: string;
}

export interface InboundServer {
  /** `server/<name>` or `default/<policy>` (what viz calls `default:all-unauthenticated`). */
  kind: 'server' | 'default';
  name: string;
  protocol: ProxyProtocol;
  authorizations: ClientAuthorization[];
  /** Every match of every route, in precedence order (the proxy's route-matcher reads it). */
  table: RouteTable;
  routes: Map<CompiledRule, InboundRoute>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The pod's container ports by name, and its HTTP probe paths by port (workload.rs pod_http_probes). */
export function podPorts(pod: KubeObject): { byName: Map<string, number[]>; probes: Map<number, Set<string>> } {
  const byName = new Map<string, number[]>();
  const probes = new Map<number, Set<string>>();
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const c of arr(spec.containers)) {
    if (!isObj(c)) continue;
    const named = new Map<string, number>();
    for (const p of arr(c.ports)) {
      if (isObj(p) && typeof p.containerPort === 'number' && typeof p.name === 'string') {
        named.set(p.name, p.containerPort);
        byName.set(p.name, [...(byName.get(p.name) ?? []), p.containerPort]);
      }
    }
    for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const probe = isObj(c[key]) ? (c[key] as Obj) : undefined;
      const get = probe && isObj(probe.httpGet) ? probe.httpGet : undefined;
      if (!get) continue;
      const port = typeof get.port === 'number' ? get.port : typeof get.port === 'string' ? (/^\d+$/.test(get.port) ? Number(get.port) : named.get(get.port)) : undefined;
      if (port === undefined) continue;
      const set = probes.get(port) ?? new Set<string>();
      set.add(typeof get.path === 'string' ? get.path : '/');
      probes.set(port, set);
    }
  }
  return { byName, probes };
}

/** One Prometheus label, its value escaped (exposition format 0.0.4: backslash, quote, newline). */
const label = (k: string, v: string) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const routeLabels = (r: InboundRouteRef) => [label('route_group', r.group), label('route_kind', r.kind), label('route_name', r.name)].join(',');

const PREFIX_ALL: CompiledMatch = { path: { type: 'PathPrefix', value: '/' }, headers: [], query: [] };
const PROBE_AUTHZ: ClientAuthorization = { ref: { group: '', kind: 'default', name: 'probe' }, authentication: { kind: 'unauthenticated' }, networks: ALL_NETWORKS };

function stubRule(name: string): CompiledRule {
  return { label: name, kind: 'default', routeNamespace: '', routeName: name, backends: [], totalWeight: 0 };
}

/** default_inbound_http_routes: `default` (all requests, the Server's authorizations) and `probe` (GET probe paths). */
function defaultRoutes(serverAuthz: ClientAuthorization[], probePaths: Set<string> | undefined): Pick<InboundServer, 'table' | 'routes'> {
  const entries: RankedEntry[] = [];
  const routes = new Map<CompiledRule, InboundRoute>();
  const add = (name: string, matches: CompiledMatch[], own: ClientAuthorization[]) => {
    const rule = stubRule(name);
    const ref = { group: '', kind: 'default', name };
    routes.set(rule, { ref, authorizations: [...own, ...serverAuthz], labels: routeLabels(ref) });
    matches.forEach((match, i) => entries.push({ match, rule, created: '', key: `default/${name}`, ruleIndex: 0, matchIndex: i }));
  };
  add('default', [PREFIX_ALL], []);
  if (probePaths?.size) add('probe', [...probePaths].map((p) => ({ path: { type: 'Exact', value: p }, method: 'GET', headers: [], query: [] })), [PROBE_AUTHZ]);
  entries.sort(compareEntries);
  return { table: { entries, ports: 'all' }, routes };
}

export function defaultServer(policy: DefaultPolicy, probePaths: Set<string> | undefined): InboundServer {
  const authorizations = defaultAuthorizations(policy);
  return { kind: 'default', name: policy, protocol: 'unknown', authorizations, ...defaultRoutes(authorizations, probePaths) };
}

/** What a Server grants: its ServerAuthorizations, AuthorizationPolicies on it or the namespace, its accessPolicy. */
export function serverAuthorizations(server: LinkerdServer, objs: NamespacePolicyObjects): ClientAuthorization[] {
  const out: ClientAuthorization[] = [];
  for (const saz of objs.serverAuthorizations) if (saz.selects(server)) out.push(saz.authz);
  for (const p of objs.policies) if ((p.target.kind === 'Server' && p.target.name === server.name) || p.target.kind === 'Namespace') out.push(p.authz);
  // accessPolicy last: a named authorization gets the credit (metrics) when both match.
  out.push(...defaultAuthorizations(server.accessPolicy));
  return out;
}

export function linkerdServer(server: LinkerdServer, objs: NamespacePolicyObjects, routes: ServerRoutes | undefined, probePaths: Set<string> | undefined): InboundServer {
  const authorizations = serverAuthorizations(server, objs);
  const base = { kind: 'server' as const, name: server.name, protocol: server.protocol, authorizations };
  // A gRPC Server's default routes (grpc_routes) have no probe route.
  if (!routes?.entries.length) return { ...base, ...defaultRoutes(authorizations, server.protocol === 'gRPC' ? undefined : probePaths) };
  const inbound = new Map<CompiledRule, InboundRoute>();
  for (const [rule, ref] of routes.routeOf) {
    const own = objs.policies.filter(({ target: t }) => (t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute') && t.kind === ref.kind && t.group === ref.group && t.name.toLowerCase() === ref.name.toLowerCase()).map((p) => p.authz);
    inbound.set(rule, { ref, authorizations: [...own, ...authorizations], labels: routeLabels(ref) });
  }
  return { ...base, table: { entries: routes.entries, ports: 'all' }, routes: inbound };
}

const serverLabelCache = new WeakMap<InboundServer, Map<number, string>>();
/** The label text of a server on a port: `srv_group=…,srv_kind=…,srv_name=…,srv_port=…` (made once per server and port). */
export function serverLabels(s: InboundServer, port: number): string {
  let byPort = serverLabelCache.get(s);
  if (!byPort) serverLabelCache.set(s, (byPort = new Map()));
  let text = byPort.get(port);
  if (text === undefined) {
    text = [label('srv_group', s.kind === 'server' ? POLICY_GROUP : ''), label('srv_kind', s.kind), label('srv_name', s.name), label('srv_port', String(port))].join(',');
    byPort.set(port, text);
  }
  return text;
}

const authzLabelCache = new WeakMap<ClientAuthorization, string>();
export function authzLabels(a: ClientAuthorization): string {
  let text = authzLabelCache.get(a);
  if (text === undefined) authzLabelCache.set(a, (text = [label('authz_group', a.ref.group), label('authz_kind', a.ref.kind), label('authz_name', a.ref.name)].join(',')));
  return text;
}

export { label as promLabel };
