// GRPCRoute (Gateway API v1, GAMMA form) → the same route-table entries as HTTPRoute, per parent Service port, and
// the route's status.parents[]. A gRPC call is an HTTP/2 POST to `/<package.Service>/<Method>`, so a method match is
// a path match: service and method → that exact path; service only → the `/<service>/` prefix; method only, or
// RegularExpression → a path regex. Header matches, backendRefs and weights, and the filters (header modifiers and
// mirrors, on rules and backendRefs) are the HTTPRoute compiler's. Pure, like compileHttpRoute: a bad route is reported in its status, never thrown.
import type { KubeObject } from '../../apiserver/store.js';
import type { CompiledMatch, CompiledRule } from '../config/snapshot.js';
import { compileMatch, compileRouteOf, compileRule, Problems, safeRegex, str, type CompiledHttpRoute, type RouteKindCompiler, type RouteLookups } from './http-route-compiler.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The CRD's CEL rules for Exact names (the sandbox's API server does not evaluate CEL, so they are checked here). */
const EXACT_SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const EXACT_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

const GRPC_ROUTE: RouteKindCompiler = {
  kind: 'GRPCRoute',
  rule: (rule, field, ns, name, lookups, problems) => compileGrpcRule(rule, field, ns, name, lookups, problems),
  match: (m, field, problems) => {
    const compiled = compileGrpcMatch(m, field, problems);
    return compiled && { match: compiled.match, grpc: compiled.rank };
  },
};

export function compileGrpcRoute(route: KubeObject, lookups: RouteLookups): CompiledHttpRoute {
  return compileRouteOf(GRPC_ROUTE, route, lookups);
}

/** A GRPCRouteMatch as a path match plus header matches, and its precedence (characters of service and method). */
export function compileGrpcMatch(m: Obj, field: string, problems: Problems): { match: CompiledMatch; rank: { service: number; method: number } } | undefined {
  const base = compileMatch({ headers: m.headers }, field, problems); // header matches: HTTPRoute's semantics
  if (!base) return undefined;
  if (m.method === undefined) return { match: base, rank: { service: 0, method: 0 } };
  const bad = (message: string) => {
    problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}.method${message}` });
    return undefined;
  };
  const mm = isObj(m.method) ? m.method : {};
  const type = str(mm.type) ?? 'Exact';
  const service = str(mm.service) || undefined;
  const method = str(mm.method) || undefined;
  if (!service && !method) return bad(": one or both of service or method must be specified");
  const rank = { service: service?.length ?? 0, method: method?.length ?? 0 };
  let path: CompiledMatch['path'];
  if (type === 'Exact') {
    if (service && !EXACT_SERVICE.test(service)) return bad(`.service: ${JSON.stringify(service)} is not a gRPC service name (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)`);
    if (method && !EXACT_METHOD.test(method)) return bad(`.method: ${JSON.stringify(method)} is not a gRPC method name (matching ^[A-Za-z_][A-Za-z_0-9]*$)`);
    if (service && method) path = { type: 'Exact', value: `/${service}/${method}` };
    else if (service) path = { type: 'PathPrefix', value: `/${service}` }; // element-wise: /svc/<any method>
    else path = { type: 'RegularExpression', value: `/[^/]+/${method}`, regex: new RegExp(`^/[^/]+/${method}$`) };
  } else if (type === 'RegularExpression') {
    const source = `/(?:${service ?? '[^/]+'})/(?:${method ?? '[^/]+'})`;
    const re = safeRegex(source);
    if (typeof re === 'string') return bad(`: invalid regular expression: ${re}`);
    path = { type: 'RegularExpression', value: source, regex: re };
  } else {
    return bad(`.type: unsupported value ${JSON.stringify(type)}: supported values: "Exact", "RegularExpression"`);
  }
  return { match: { ...base, path }, rank };
}

/** The filter types GRPCRoute defines (on rules and on backendRefs); HTTPRoute's redirect and rewrite are not among them. */
const GRPC_FILTER_TYPES = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);

/** A GRPCRoute rule compiles as an HTTPRoute rule (backends, weights, filters on the rule and its backendRefs). */
function compileGrpcRule(rule: Obj, field: string, ns: string, routeName: string, lookups: RouteLookups, problems: Problems): CompiledRule {
  let foreign = false;
  const check = (list: unknown, f: string) =>
    arr(list).forEach((flt, k) => {
      const type = isObj(flt) ? str(flt.type) : undefined;
      if (type !== undefined && GRPC_FILTER_TYPES.has(type)) return;
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${f}[${k}].type: ${JSON.stringify(type)} is not a GRPCRoute filter (supported: ${[...GRPC_FILTER_TYPES].join(', ')})` });
      foreign = true;
    });
  check(rule.filters, `${field}.filters`);
  arr(rule.backendRefs).forEach((b, j) => check(isObj(b) ? b.filters : undefined, `${field}.backendRefs[${j}].filters`));
  const compiled: CompiledRule = { ...compileRule({ name: rule.name, backendRefs: rule.backendRefs, filters: rule.filters }, field, ns, routeName, lookups, problems), kind: 'GRPCRoute' };
  // A filter that cannot be applied must not be skipped: the rule answers with an error instead (the spec's rule).
  if (foreign) compiled.reject ??= { status: 500, reason: 'the rule has a filter GRPCRoute does not define' };
  return compiled;
}
