// Routes attached to a Linkerd Server (parentRef `{group: policy.linkerd.io, kind: Server}`): HTTPRoutes (Linkerd's
// own policy.linkerd.io kind or the Gateway API's) and Gateway API GRPCRoutes, the inbound routes of that Server's
// ports. Matches compile with the same compilers as outbound routes and rank by Gateway API precedence (Linkerd's
// inbound routes do, too). Once any route is attached, a request matching none gets 404 and each route has its own
// authorizations. Which kind applies depends on the Server's proxyProtocol (gRPC: GRPCRoutes; else HTTPRoutes).
import type { KubeObject } from '../../../apiserver/store.js';
import type { CompiledRule } from '../../config/snapshot.js';
import { compileMatch, Problems } from '../http-route-compiler.js';
import { compileGrpcMatch } from '../grpc-route-compiler.js';
import { compareEntries, type RankedEntry } from '../route-precedence.js';
import { readParentRefs } from '../route-parents.js';
import { POLICY_GROUP } from './policy-objects.js';

/** A route as the authz metrics name it (`route_group`, `route_kind`, `route_name`). */
export interface InboundRouteRef {
  group: string;
  kind: string;
  name: string;
}

export interface ServerRoutes {
  /** Every match of every route on the Server, in precedence order. */
  entries: RankedEntry[];
  /** The route each entry's rule belongs to. */
  routeOf: Map<CompiledRule, InboundRouteRef>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Whether a parentRef names a Linkerd Server of this namespace (routes.rs selects_server). */
export function serverParents(route: KubeObject): string[] {
  const ns = route.metadata.namespace;
  return readParentRefs(isObj(route.spec) ? route.spec.parentRefs : undefined)
    .filter(({ ref }) => ref.group === POLICY_GROUP && ref.kind === 'Server' && (ref.namespace === undefined || ref.namespace === ns))
    .map(({ ref }) => ref.name);
}

/** Routes by the Server they attach to (only Servers that exist). */
export function compileServerRoutes(ns: string, routes: { group: string; kind: 'HTTPRoute' | 'GRPCRoute'; route: KubeObject }[], servers: Set<string>, problems: string[]): Map<string, ServerRoutes> {
  const out = new Map<string, ServerRoutes>();
  for (const { group, kind, route } of routes) {
    const parents = serverParents(route).filter((s) => {
      if (servers.has(s)) return true;
      problems.push(`${kind}.${group} ${ns}/${route.metadata.name}: parent Server ${JSON.stringify(s)} not found; not attached`);
      return false;
    });
    if (!parents.length) continue;
    const name = route.metadata.name ?? '';
    const ref: InboundRouteRef = { group, kind, name };
    const bad = new Problems();
    const rule: CompiledRule = { label: name, kind: kind === 'GRPCRoute' ? 'GRPCRoute' : group === POLICY_GROUP ? 'LinkerdHTTPRoute' : 'HTTPRoute', routeNamespace: ns, routeName: name, backends: [], totalWeight: 0 };
    const entries: RankedEntry[] = [];
    const spec = isObj(route.spec) ? route.spec : {};
    arr(spec.rules).forEach((raw, ruleIndex) => {
      const r = isObj(raw) ? raw : {};
      const matches = arr(r.matches).length ? arr(r.matches) : [{}];
      matches.forEach((m, matchIndex) => {
        const field = `spec.rules[${ruleIndex}].matches[${matchIndex}]`;
        const raw = isObj(m) ? m : {};
        const compiled = kind === 'GRPCRoute' ? compileGrpcMatch(raw, field, bad) : compileMatch(raw, field, bad);
        if (!compiled) return;
        const ranked = 'rank' in compiled ? { match: compiled.match, grpc: compiled.rank } : { match: compiled };
        entries.push({ ...ranked, rule, created: route.metadata.creationTimestamp ?? '', key: `${ns}/${name}`, ruleIndex, matchIndex });
      });
    });
    // A route with no rules matches nothing, as upstream (InboundRouteRule list empty).
    for (const p of bad.accepted) problems.push(`${kind}.${group} ${ns}/${name}: ${p.message}; that match is ignored`);
    for (const server of parents) {
      const sr: ServerRoutes = out.get(server) ?? { entries: [], routeOf: new Map() };
      sr.entries.push(...entries);
      sr.routeOf.set(rule, ref);
      out.set(server, sr);
    }
  }
  for (const sr of out.values()) sr.entries.sort(compareEntries);
  return out;
}
