// A route's parentRefs (HTTPRoute and GRPCRoute alike) → the Services it attaches to, and a status.parents entry for
// every parentRef: Accepted=True for a Service this mesh attaches the route to, Accepted=False with a standard
// Gateway API reason (apis/v1/shared_types.go: NoMatchingParent, UnsupportedValue) and a message saying how to fix it
// for everything else — a route that attaches nowhere is never silent.
//
// A Service parent is `kind: Service` with `group: ""`, as GAMMA writes it, or `group: core`, as Linkerd's docs
// write it (Linkerd's policy controller accepts both). The CRD defaults `group` to gateway.networking.k8s.io and
// `kind` to Gateway, and the API server stores those defaults, so `kind: Service` with no group reads back as
// `group: gateway.networking.k8s.io` — a kind that group does not have.
import type { ServiceFacts } from './http-route-compiler.js';
import { CONTROLLER_NAME } from '../constants.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface ParentRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  port?: number;
  sectionName?: string;
}

export interface RouteParentStatus {
  parentRef: ParentRef;
  controllerName: string;
  conditions: Condition[];
}

/** One parentRef as this mesh sees it: the Service port(s) it attaches to, or why it does not. */
export interface ResolvedParent {
  ref: ParentRef;
  /** Set when the parent is a Service this mesh attaches the route to (port undefined = every port). */
  service?: { namespace: string; name: string; port?: number };
  /** Why the parentRef is not accepted (reason: a standard RouteConditionReason). */
  problem?: { reason: string; message: string };
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** The spellings of the core API group a Service parentRef may use. */
export const CORE_GROUPS = new Set(['', 'core']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads spec.parentRefs as stored (defaults applied by the API server are kept, so status echoes the stored ref). */
export function readParentRefs(parentRefs: unknown): { ref: ParentRef; index: number }[] {
  if (!Array.isArray(parentRefs)) return [];
  return parentRefs.flatMap((raw, index) => {
    if (!isObj(raw)) return [];
    const ref: ParentRef = { name: str(raw.name) ?? '' };
    if (raw.group !== undefined) ref.group = str(raw.group);
    if (raw.kind !== undefined) ref.kind = str(raw.kind);
    if (raw.namespace !== undefined) ref.namespace = str(raw.namespace);
    if (typeof raw.port === 'number') ref.port = raw.port;
    if (raw.sectionName !== undefined) ref.sectionName = str(raw.sectionName);
    return [{ ref, index }];
  });
}

export function resolveParents(
  routeKind: 'HTTPRoute' | 'GRPCRoute',
  routeNamespace: string,
  parentRefs: unknown,
  service: (namespace: string, name: string) => ServiceFacts | undefined,
  /** Only these parentRefs (others belong to another compiler and get no status entry from this one). */
  owns?: (ref: ParentRef) => boolean,
): ResolvedParent[] {
  return readParentRefs(parentRefs)
    .filter(({ ref }) => !owns || owns(ref))
    .map(({ ref, index }) => resolveParent(routeKind, routeNamespace, ref, `spec.parentRefs[${index}]`, service));
}

function resolveParent(routeKind: string, routeNs: string, ref: ParentRef, field: string, service: (namespace: string, name: string) => ServiceFacts | undefined): ResolvedParent {
  const group = ref.group ?? GATEWAY_GROUP;
  const kind = ref.kind ?? 'Gateway';
  const parentNs = ref.namespace ?? routeNs;
  const serviceExample = `parentRefs: [{group: "", kind: Service, name: ${ref.name || '<service>'}, port: <port>}]`;
  const rejected = (reason: string, message: string): ResolvedParent => ({ ref, problem: { reason, message: `${field}: ${message}` } });

  if (kind === 'Service' && !CORE_GROUPS.has(group)) {
    return rejected(
      'NoMatchingParent',
      group === GATEWAY_GROUP || group === 'policy.linkerd.io'
        ? `kind Service in group ${group} does not exist (a parentRef without a group gets the default group ${group}): a Service is in the core group; write group: "" (or core) — ${serviceExample}`
        : `kind Service in group ${JSON.stringify(group)} does not exist: a Service is in the core group; write group: "" (or core) — ${serviceExample}`,
    );
  }
  if (group === GATEWAY_GROUP && (kind === 'Gateway' || kind === 'ListenerSet' || kind === 'XListenerSet')) {
    return rejected(
      'NoMatchingParent',
      `${kind} "${parentNs}/${ref.name}" is not served: the sandbox has no Gateway controller, only the mesh (GAMMA), which attaches ${routeKind}s to Services — ${serviceExample}`,
    );
  }
  if (!CORE_GROUPS.has(group) || kind !== 'Service') {
    return rejected('UnsupportedValue', `parent kind ${kind} in group ${JSON.stringify(group)} is not supported: the mesh attaches ${routeKind}s to Services only — ${serviceExample}`);
  }

  const svc = service(parentNs, ref.name);
  if (!svc) return rejected('NoMatchingParent', `Service "${parentNs}/${ref.name}" not found: create it, or name an existing Service`);
  const portList = svc.ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ') || 'none';
  let port = ref.port;
  if (port !== undefined && !svc.ports.some((p) => p.port === port)) {
    return rejected('NoMatchingParent', `Service "${parentNs}/${ref.name}" has no port ${port} (ports: ${portList})`);
  }
  if (ref.sectionName !== undefined) {
    // For a Service parent, sectionName names one of its ports (GEP-1426).
    const named = svc.ports.find((p) => p.name === ref.sectionName);
    if (!named) return rejected('NoMatchingParent', `Service "${parentNs}/${ref.name}" has no port named ${JSON.stringify(ref.sectionName)} (ports: ${portList})`);
    if (port !== undefined && named.port !== port) return rejected('NoMatchingParent', `sectionName ${JSON.stringify(ref.sectionName)} is port ${named.port}, not ${port}`);
    port = named.port;
  }
  return { ref, service: { namespace: parentNs, name: ref.name, port } };
}

/**
 * The status entry for each parent: Accepted from the parent's own problem, else the route's (first reason wins,
 * every message kept), and ResolvedRefs from the route's references.
 */
export function parentStatuses(
  parents: ResolvedParent[],
  route: { accepted: { reason: string; message: string }[]; refs: { reason: string; message: string }[] },
  attachedMessage = 'Route is attached to the Service',
): RouteParentStatus[] {
  return parents.map((p) => {
    const accepted: Condition = p.problem
      ? { type: 'Accepted', status: 'False', reason: p.problem.reason, message: p.problem.message }
      : route.accepted.length
        ? { type: 'Accepted', status: 'False', reason: route.accepted[0].reason, message: route.accepted.map((x) => x.message).join('; ') }
        : { type: 'Accepted', status: 'True', reason: 'Accepted', message: attachedMessage };
    const resolved: Condition = route.refs.length
      ? { type: 'ResolvedRefs', status: 'False', reason: route.refs[0].reason, message: route.refs.map((x) => x.message).join('; ') }
      : { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' };
    return { parentRef: p.ref, controllerName: CONTROLLER_NAME, conditions: [accepted, resolved] };
  });
}

/** Whether the status entry for this parent says the route attached. */
export const isAccepted = (s: RouteParentStatus) => s.conditions.some((c) => c.type === 'Accepted' && c.status === 'True');
