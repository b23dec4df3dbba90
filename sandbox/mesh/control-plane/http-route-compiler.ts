// HTTPRoute (Gateway API v1, GAMMA form) → route-table entries per parent Service, and the route's
// status.parents[] conditions. Pure: everything it needs from the cluster comes through RouteLookups.
// A bad route is reported in its status and contributes nothing; it never throws.
import { unsafeRegexReason } from './safe-regex.js';
import type { KubeObject } from '../../apiserver/store.js';
import type { CompiledBackend, CompiledMatch, CompiledRule, FaultSpec, ValueMatch } from '../config/snapshot.js';
import { MAX_FAULT_DELAY_MS, MAX_RETRY_ATTEMPTS } from '../constants.js';
import { parseGatewayDuration } from './duration.js';
import { compileFilters, type FilterContext } from './http-filter-compiler.js';
import type { RankedEntry } from './route-precedence.js';
import { parentStatuses, resolveParents, type ParentRef, type ResolvedParent, type RouteParentStatus } from './route-parents.js';

export interface ServiceFacts {
  ports: { port: number; name?: string }[];
  /** The Service's annotations (Linkerd's retry and timeout annotations are per-Service route defaults). */
  annotations?: Record<string, string>;
}

export interface RouteLookups {
  service(namespace: string, name: string): ServiceFacts | undefined;
  configMap(namespace: string, name: string): Record<string, string> | undefined;
}

export type { Condition, ParentRef, RouteParentStatus } from './route-parents.js';

export interface RouteAttachment {
  namespace: string;
  service: string;
  port?: number;
  entries: RankedEntry[];
}

export interface CompiledHttpRoute {
  attachments: RouteAttachment[];
  /** Status for the parents this mesh is responsible for (Service parents). */
  parents: RouteParentStatus[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Collects problems by the condition they affect, with the field path in each message. */
export class Problems {
  accepted: { reason: string; message: string }[] = [];
  refs: { reason: string; message: string }[] = [];
}

export const DEFAULT_RETRY_CODES = [500, 502, 503, 504];
const DEFAULT_RETRY_BACKOFF_MS = 25;

/** What differs between route kinds: how one rule and one match compile (GRPCRoute adds its method rank). */
export interface RouteKindCompiler {
  kind: 'HTTPRoute' | 'GRPCRoute';
  rule(rule: Obj, field: string, ns: string, routeName: string, lookups: RouteLookups, problems: Problems): CompiledRule;
  match(m: Obj, field: string, problems: Problems): Pick<RankedEntry, 'match' | 'grpc'> | undefined;
  /**
   * The parentRefs this compiler answers for (default: all). policy.linkerd.io HTTPRoutes with a `Server` parent are
   * inbound routes, compiled and given status elsewhere: their compiler leaves them out.
   */
  ownsParent?(ref: ParentRef): boolean;
  /** How a status entry names its parent (default: the stored ref; Linkerd's controller writes `group: core`). */
  statusParentRef?(resolved: ResolvedParent): ParentRef;
}

/** A route of either kind → its entries per accepted parent Service, and status.parents[]. */
export function compileRouteOf(k: RouteKindCompiler, route: KubeObject, lookups: RouteLookups): CompiledHttpRoute {
  const ns = route.metadata.namespace ?? 'default';
  const name = route.metadata.name ?? '';
  const spec = isObj(route.spec) ? route.spec : {};
  const problems = new Problems();
  const ranked: Omit<RankedEntry, 'port'>[] = [];

  arr(spec.rules).forEach((rawRule, ruleIndex) => {
    const rule = isObj(rawRule) ? rawRule : {};
    const field = `spec.rules[${ruleIndex}]`;
    const compiled = k.rule(rule, field, ns, name, lookups, problems);
    const matches = arr(rule.matches).length ? arr(rule.matches) : [{}];
    matches.forEach((m, matchIndex) => {
      const match = k.match(isObj(m) ? m : {}, `${field}.matches[${matchIndex}]`, problems);
      if (match) ranked.push({ ...match, rule: compiled, created: route.metadata.creationTimestamp ?? '', key: `${ns}/${name}`, ruleIndex, matchIndex });
    });
  });

  const resolved = resolveParents(k.kind, ns, spec.parentRefs, (n, svc) => lookups.service(n, svc), k.ownsParent);
  const parents = parentStatuses(resolved, problems);
  if (k.statusParentRef) parents.forEach((p, i) => (p.parentRef = k.statusParentRef!(resolved[i])));
  const attachments: RouteAttachment[] = [];
  resolved.forEach((p, i) => {
    if (p.service && parents[i].conditions[0].status === 'True') attachments.push(attachTo(p.service, ranked));
  });
  return { attachments, parents };
}

const HTTP_ROUTE: RouteKindCompiler = {
  kind: 'HTTPRoute',
  rule: compileRule,
  match: (m, field, problems) => {
    const match = compileMatch(m, field, problems);
    return match && { match };
  },
};

export function compileHttpRoute(route: KubeObject, lookups: RouteLookups): CompiledHttpRoute {
  return compileRouteOf(HTTP_ROUTE, route, lookups);
}

/**
 * A route's entries on one parent Service port. A rule without backendRefs sends to the parent Service itself, as
 * Linkerd and Istio do for mesh routes (Linkerd's docs attach such routes to a Service for per-route metrics).
 */
export function attachTo(parent: { namespace: string; name: string; port?: number }, ranked: Omit<RankedEntry, 'port'>[]): RouteAttachment {
  const toParent = new Map<CompiledRule, CompiledRule>();
  const entries = ranked.map((e): RankedEntry => {
    let rule = e.rule;
    if (rule.backends.length === 0 && !rule.reject && !rule.redirect) {
      rule = toParent.get(e.rule) ?? { ...e.rule, backends: [{ namespace: parent.namespace, service: parent.name, port: parent.port ?? 0, weight: 1 }], totalWeight: 1 };
      toParent.set(e.rule, rule);
    }
    return { ...e, rule, port: parent.port };
  });
  return { namespace: parent.namespace, service: parent.name, port: parent.port, entries };
}

export function compileMatch(m: Obj, field: string, problems: Problems): CompiledMatch | undefined {
  let ok = true;
  const bad = (message: string) => {
    problems.accepted.push({ reason: 'UnsupportedValue', message });
    ok = false;
  };
  const path = isObj(m.path) ? m.path : {};
  const type = (str(path.type) ?? 'PathPrefix') as CompiledMatch['path']['type'];
  const value = str(path.value) ?? '/';
  const compiledPath: CompiledMatch['path'] = { type, value };
  if (type === 'RegularExpression') {
    const re = safeRegex(value);
    if (typeof re === 'string') bad(`${field}.path.value: invalid regular expression ${JSON.stringify(value)}: ${re}`);
    else compiledPath.regex = re;
  } else if (type !== 'Exact' && type !== 'PathPrefix') {
    bad(`${field}.path.type: unsupported value ${JSON.stringify(type)}: supported values: "Exact", "PathPrefix", "RegularExpression"`);
  } else if (!value.startsWith('/')) {
    bad(`${field}.path.value: must be an absolute path starting with "/"`);
  } else if (type === 'PathPrefix' && value.length > 1 && value.endsWith('/')) {
    compiledPath.value = value.slice(0, -1); // "/foo/" matches like "/foo" on element boundaries
  }
  const values = (list: unknown, sub: string, lower: boolean): ValueMatch[] =>
    arr(list).flatMap((h, j): ValueMatch[] => {
      const hm = isObj(h) ? h : {};
      const n = str(hm.name);
      const v = str(hm.value);
      const t = str(hm.type) ?? 'Exact';
      if (!n || v === undefined) {
        bad(`${field}.${sub}[${j}]: name and value are required`);
        return [];
      }
      if (t === 'RegularExpression') {
        const re = safeRegex(v);
        if (typeof re === 'string') {
          bad(`${field}.${sub}[${j}].value: invalid regular expression ${JSON.stringify(v)}: ${re}`);
          return [];
        }
        return [{ name: lower ? n.toLowerCase() : n, regex: re } as ValueMatch];
      }
      if (t !== 'Exact') {
        bad(`${field}.${sub}[${j}].type: unsupported value ${JSON.stringify(t)}: supported values: "Exact", "RegularExpression"`);
        return [];
      }
      return [{ name: lower ? n.toLowerCase() : n, exact: v } as ValueMatch];
    });
  const headers = values(m.headers, 'headers', true);
  const query = values(m.queryParams, 'queryParams', false);
  const method = str(m.method);
  return ok ? { path: compiledPath, method, headers, query } : undefined;
}

export function compileRule(rule: Obj, field: string, ns: string, routeName: string, lookups: RouteLookups, problems: Problems): CompiledRule {
  const ruleName = str(rule.name);
  const compiled: CompiledRule = {
    label: ruleName ? `${routeName}/${ruleName}` : routeName,
    kind: 'HTTPRoute',
    routeNamespace: ns,
    routeName,
    backends: [],
    totalWeight: 0,
  };
  const rejectWith = (status: number, reason: string) => (compiled.reject ??= { status, reason });

  arr(rule.backendRefs).forEach((raw, j) => {
    const b = isObj(raw) ? raw : {};
    const f = `${field}.backendRefs[${j}]`;
    const weight = typeof b.weight === 'number' ? b.weight : 1;
    const backend: CompiledBackend = { namespace: str(b.namespace) ?? ns, service: str(b.name) ?? '', port: typeof b.port === 'number' ? b.port : 0, weight };
    if ((str(b.group) ?? '') !== '' || (str(b.kind) ?? 'Service') !== 'Service') {
      backend.invalid = `${f}: unsupported kind ${str(b.group) ?? ''}/${str(b.kind)}: only core Services are supported`;
      problems.refs.push({ reason: 'InvalidKind', message: backend.invalid });
    } else {
      const svc = lookups.service(backend.namespace, backend.service);
      if (!svc) {
        backend.invalid = `${f}: Service "${backend.namespace}/${backend.service}" not found`;
        problems.refs.push({ reason: 'BackendNotFound', message: backend.invalid });
      } else if (!backend.port) {
        if (svc.ports.length === 1) backend.port = svc.ports[0].port;
        else {
          backend.invalid = `${f}.port: port is required for a Service backend`;
          problems.refs.push({ reason: 'BackendNotFound', message: backend.invalid });
        }
      } else if (!svc.ports.some((p) => p.port === backend.port)) {
        backend.invalid = `${f}.port: Service "${backend.namespace}/${backend.service}" has no port ${backend.port}`;
        problems.refs.push({ reason: 'BackendNotFound', message: backend.invalid });
      }
    }
    if (weight < 0 || !Number.isFinite(weight)) {
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${f}.weight: must be between 0 and 1000000` });
      backend.weight = 0;
    }
    compiled.backends.push(backend);
  });
  compiled.totalWeight = compiled.backends.reduce((s, b) => s + b.weight, 0);

  const timeouts = isObj(rule.timeouts) ? rule.timeouts : {};
  for (const [key, prop] of [['request', 'requestTimeoutMs'], ['backendRequest', 'backendTimeoutMs']] as const) {
    if (timeouts[key] === undefined) continue;
    const ms = parseGatewayDuration(timeouts[key]);
    if (typeof ms !== 'number') problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}.timeouts.${key}: ${ms.error}` });
    else if (ms > 0) compiled[prop] = ms; // "0s" disables the timeout
  }
  if (compiled.requestTimeoutMs && compiled.backendTimeoutMs && compiled.backendTimeoutMs > compiled.requestTimeoutMs) {
    problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}.timeouts.backendRequest: must not be greater than timeouts.request` });
  }

  if (isObj(rule.retry)) {
    const r = rule.retry;
    const attempts = typeof r.attempts === 'number' ? r.attempts : 1;
    let backoffMs = DEFAULT_RETRY_BACKOFF_MS;
    if (r.backoff !== undefined) {
      const ms = parseGatewayDuration(r.backoff);
      if (typeof ms !== 'number') problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}.retry.backoff: ${ms.error}` });
      else backoffMs = ms;
    }
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_RETRY_ATTEMPTS) {
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}.retry.attempts: must be an integer from 1 to ${MAX_RETRY_ATTEMPTS}` });
    } else {
      const codes = arr(r.codes).filter((c): c is number => typeof c === 'number');
      compiled.retry = { attempts, backoffMs, codes: new Set(codes.length ? codes : DEFAULT_RETRY_CODES) };
    }
  }

  const filterCtx: FilterContext = { namespace: ns, lookups, problems, prefixMatch: singlePrefixMatch(rule), hasBackendRefs: compiled.backends.length > 0 };
  const ruleFilters = compileFilters(rule.filters, `${field}.filters`, filterCtx, 'rule');
  Object.assign(compiled, ruleFilters.filters);
  for (const { ref, field: f } of ruleFilters.extensionRefs) {
    const fault = resolveFaultFilter(ref, ns, f, lookups, problems);
    if (fault) compiled.fault = fault;
    else rejectWith(500, `filter ${f} could not be resolved`);
  }
  if (ruleFilters.unsupported) rejectWith(500, ruleFilters.unsupported);
  arr(rule.backendRefs).forEach((raw, j) => {
    if (!isObj(raw) || raw.filters === undefined) return;
    const backendFilters = compileFilters(raw.filters, `${field}.backendRefs[${j}].filters`, filterCtx, 'backendRef');
    if (Object.keys(backendFilters.filters).length) compiled.backends[j].filters = backendFilters.filters;
    // A backendRef whose filter the mesh cannot apply: requests sent to it get a 500, as to an invalid backend.
    if (backendFilters.unsupported) compiled.backends[j].invalid ??= backendFilters.unsupported;
  });
  // All weights zero: the spec says such requests get a 500 — unless a redirect answers them. No backendRefs at all:
  // the parent Service (attachTo).
  if (compiled.totalWeight === 0 && compiled.backends.length && !compiled.redirect) rejectWith(500, 'all backendRefs have weight 0');
  return compiled;
}

/**
 * The rule's PathPrefix when it has exactly one match and that match is a PathPrefix (a rule without matches has the
 * CRD's default, PathPrefix "/"): what ReplacePrefixMatch replaces. Trailing "/" trimmed, as the matcher does.
 */
function singlePrefixMatch(rule: Obj): string | undefined {
  const matches = arr(rule.matches);
  if (matches.length > 1) return undefined;
  const m = isObj(matches[0]) ? matches[0] : {};
  const path = isObj(m.path) ? m.path : {};
  if ((str(path.type) ?? 'PathPrefix') !== 'PathPrefix') return undefined;
  const value = str(path.value) ?? '/';
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

/**
 * Sandbox-only fault filter: an ExtensionRef to a ConfigMap (group "", kind ConfigMap) whose data holds
 * `abort.httpStatus`, `abort.percentage`, `delay.fixedDelay`, `delay.percentage` (Istio's fault vocabulary).
 */
function resolveFaultFilter(ref: Obj, ns: string, field: string, lookups: RouteLookups, problems: Problems): FaultSpec | undefined {
  if ((str(ref.group) ?? '') !== '' || str(ref.kind) !== 'ConfigMap') {
    problems.refs.push({ reason: 'InvalidKind', message: `${field}: unsupported extension ${str(ref.group) ?? ''}/${str(ref.kind)}: the sandbox mesh supports ExtensionRef to a ConfigMap (group "", kind ConfigMap) describing a fault` });
    return undefined;
  }
  const data = lookups.configMap(ns, str(ref.name) ?? '');
  if (!data) {
    problems.refs.push({ reason: 'FilterNotFound', message: `${field}: ConfigMap "${ns}/${str(ref.name)}" not found` });
    return undefined;
  }
  const fault: FaultSpec = {};
  const pct = (key: string) => {
    const v = data[key] === undefined ? 100 : Number(data[key]);
    if (!Number.isFinite(v) || v < 0 || v > 100) {
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}: ConfigMap key ${key} must be a number from 0 to 100` });
      return 0;
    }
    return v;
  };
  if (data['abort.httpStatus'] !== undefined) {
    const status = Number(data['abort.httpStatus']);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}: ConfigMap key abort.httpStatus must be an HTTP status from 200 to 599` });
    } else fault.abort = { status, percentage: pct('abort.percentage') };
  }
  if (data['delay.fixedDelay'] !== undefined) {
    const ms = parseGatewayDuration(data['delay.fixedDelay']);
    if (typeof ms !== 'number' || ms > MAX_FAULT_DELAY_MS) {
      problems.accepted.push({ reason: 'UnsupportedValue', message: `${field}: ConfigMap key delay.fixedDelay: ${typeof ms === 'number' ? `at most ${MAX_FAULT_DELAY_MS / 1000}s` : ms.error}` });
    } else fault.delay = { ms, percentage: pct('delay.percentage') };
  }
  return fault;
}

/** A user regular expression compiled safely: the error text instead of a throw. */
export function safeRegex(source: string): RegExp | string {
  const unsafe = unsafeRegexReason(source); // the sidecars run every route's regexes: no catastrophic backtracking
  if (unsafe) return unsafe;
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    return (err as Error).message;
  }
}
