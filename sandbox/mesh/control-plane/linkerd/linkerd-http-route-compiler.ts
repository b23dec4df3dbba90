// policy.linkerd.io HTTPRoute (v1alpha1 … v1beta3) with Service parents → the same route-table entries as a Gateway
// API HTTPRoute (compileRouteOf), with rule kind 'LinkerdHTTPRoute'. What differs is what Linkerd's policy controller
// reads (policy-controller/k8s/index/src/outbound/index/http.rs convert_linkerd_rule): the filters
// RequestHeaderModifier, ResponseHeaderModifier and RequestRedirect (on rules and backendRefs — the CRD has no
// URLRewrite, RequestMirror or ExtensionRef), `timeouts.request` (v1beta3; `backendRequest` is not read: Linkerd's
// `timeout.linkerd.io/response` annotation is its backend timeout), no `retry` field (annotations only).
// Parents of kind Server (policy.linkerd.io) are inbound routes: another compiler owns them and their status.
//
// Status: controllerName is the sandbox mesh's CONTROLLER_NAME (as for Gateway API routes), not Linkerd's
// `linkerd.io/policy-controller`: the sandbox has one mesh controller, and writing a second name would suggest a
// Linkerd control plane that is not there. The parentRef is written as Linkerd's controller writes it for a Service
// (group "core", kind Service, namespace, name, port).
import type { KubeObject } from '../../../apiserver/store.js';
import type { CompiledRule } from '../../config/snapshot.js';
import { compileMatch, compileRouteOf, compileRule, Problems, str, type CompiledHttpRoute, type RouteKindCompiler, type RouteLookups } from '../http-route-compiler.js';
import { CORE_GROUPS, type ParentRef } from '../route-parents.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const LINKERD_POLICY_GROUP = 'policy.linkerd.io';

/** The filter types Linkerd's outbound policy applies for this kind (convert_linkerd_filter, convert_gateway_backend_filter). */
export const LINKERD_HTTP_FILTER_TYPES = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect']);

/** A parentRef naming a Linkerd Server (an inbound route): not this compiler's. */
export const isServerParent = (ref: ParentRef) => ref.kind === 'Server' && (ref.group ?? LINKERD_POLICY_GROUP) === LINKERD_POLICY_GROUP;

const LINKERD_HTTP_ROUTE: RouteKindCompiler = {
  kind: 'HTTPRoute',
  rule: compileLinkerdRule,
  match: (m, field, problems) => {
    const match = compileMatch(m, field, problems);
    return match && { match };
  },
  ownsParent: (ref) => !isServerParent(ref),
  statusParentRef: (p) =>
    p.service && CORE_GROUPS.has(p.ref.group ?? '') && p.ref.kind === 'Service'
      ? { group: 'core', kind: 'Service', namespace: p.service.namespace, name: p.service.name, ...(p.ref.port !== undefined ? { port: p.ref.port } : {}) }
      : p.ref,
};

export function compileLinkerdHttpRoute(route: KubeObject, lookups: RouteLookups): CompiledHttpRoute {
  return compileRouteOf(LINKERD_HTTP_ROUTE, route, lookups);
}

/** Whether a policy.linkerd.io HTTPRoute has any parent this compiler owns (a Service or other non-Server parent). */
export function hasOutboundParents(route: KubeObject): boolean {
  const spec = isObj(route.spec) ? route.spec : {};
  return arr(spec.parentRefs).some((p) => isObj(p) && !isServerParent({ name: str(p.name) ?? '', group: str(p.group), kind: str(p.kind) }));
}

function compileLinkerdRule(rule: Obj, field: string, ns: string, routeName: string, lookups: RouteLookups, problems: Problems): CompiledRule {
  let foreign = false;
  const check = (list: unknown, f: string) =>
    arr(list).forEach((flt, k) => {
      const type = isObj(flt) ? str(flt.type) : undefined;
      if (type !== undefined && LINKERD_HTTP_FILTER_TYPES.has(type)) return;
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${f}[${k}].type: ${JSON.stringify(type)} is not a policy.linkerd.io HTTPRoute filter (supported: ${[...LINKERD_HTTP_FILTER_TYPES].join(', ')})` });
      foreign = true;
    });
  check(rule.filters, `${field}.filters`);
  arr(rule.backendRefs).forEach((b, j) => check(isObj(b) ? b.filters : undefined, `${field}.backendRefs[${j}].filters`));
  const timeouts = isObj(rule.timeouts) && rule.timeouts.request !== undefined ? { request: rule.timeouts.request } : undefined;
  const compiled: CompiledRule = {
    ...compileRule({ name: rule.name, backendRefs: rule.backendRefs, filters: rule.filters, matches: rule.matches, ...(timeouts ? { timeouts } : {}) }, field, ns, routeName, lookups, problems),
    kind: 'LinkerdHTTPRoute',
  };
  if (foreign) compiled.reject ??= { status: 500, reason: 'the rule has a filter policy.linkerd.io HTTPRoute does not define' };
  return compiled;
}
