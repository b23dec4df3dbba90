// One Istio HTTPRoute (VirtualService spec.http[i], not the Gateway API kind) → the CompiledRule the sidecar runs:
// weighted destinations (with DestinationRule subsets), fault, timeout, retries, mirrors, rewrite, redirect and
// header operations. Matches are compiled apart (virtual-service-match.ts): `rewrite.uri` depends on the match
// (it replaces the matched prefix), so the caller finishes it per match with withUriRewrite().
import type { CompiledBackend, CompiledRule, FaultSpec, HeaderModifier, MirrorSpec, RedirectSpec } from '../../config/snapshot.js';
import { MAX_FAULT_DELAY_MS } from '../../constants.js';
import type { RouteLookups } from '../http-route-compiler.js';
import { parseIstioDuration } from './istio-duration.js';
import { resolveIstioHost } from './istio-host.js';
import { compileIstioRetries, istioDefaultRetryPolicy } from './virtual-service-retries.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Envoy's fault filter answers an injected abort with this body (source/extensions/filters/http/fault/fault_filter.cc). */
export const FAULT_ABORT_BODY = 'fault filter abort';

/** gRPC status names (Istio's abort.grpcStatus) → codes. */
const GRPC_STATUS: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

export interface CompiledIstioRoute {
  rule: CompiledRule;
  /** `rewrite.uri`, applied per match by withUriRewrite(). */
  uriRewrite?: string;
}

/** A Destination → the Service port it sends to (0 = the port the client dialled, as Istio does for multi-port Services). */
function destinationOf(d: Obj, field: string, ns: string, lookups: RouteLookups): Omit<CompiledBackend, 'weight'> {
  const host = str(d.host) ?? '';
  const subset = str(d.subset);
  const portNumber = isObj(d.port) && typeof d.port.number === 'number' ? d.port.number : undefined;
  const resolved = resolveIstioHost(host, ns, (n, s) => lookups.service(n, s));
  if ('error' in resolved) return { namespace: ns, service: host, port: 0, subset, invalid: `${field}.host: ${resolved.error}` };
  const b: Omit<CompiledBackend, 'weight'> = { namespace: resolved.namespace, service: resolved.service, port: 0, ...(subset ? { subset } : {}) };
  if (portNumber !== undefined) {
    if (!resolved.facts.ports.some((p) => p.port === portNumber)) b.invalid = `${field}.port.number: Service "${resolved.namespace}/${resolved.service}" has no port ${portNumber}`;
    else b.port = portNumber;
  } else if (resolved.facts.ports.length === 1) b.port = resolved.facts.ports[0].port;
  return b;
}

function headerOps(raw: unknown): HeaderModifier | undefined {
  if (!isObj(raw)) return undefined;
  const pairs = (m: unknown): [string, string][] => (isObj(m) ? Object.entries(m).flatMap(([k, v]) => (typeof v === 'string' ? [[k.toLowerCase(), v] as [string, string]] : [])) : []);
  const mod: HeaderModifier = { set: pairs(raw.set), add: pairs(raw.add), remove: arr(raw.remove).flatMap((r) => (typeof r === 'string' ? [r.toLowerCase()] : [])) };
  return mod.set.length || mod.add.length || mod.remove.length ? mod : undefined;
}

/** Istio Percent ({value: 0-100}) or the legacy integer percent; `fallback` when neither is set. */
function percentOf(percentage: unknown, legacy: unknown, field: string, problems: string[], fallback = 100): number {
  const v = isObj(percentage) ? percentage.value : legacy;
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
    problems.push(`${field}: a percentage from 0 to 100`);
    return 0;
  }
  return v;
}

function compileFault(f: Obj, field: string, problems: string[]): FaultSpec | undefined {
  const fault: FaultSpec = {};
  if (isObj(f.delay)) {
    const d = f.delay;
    if (d.exponentialDelay !== undefined) problems.push(`${field}.delay.exponentialDelay: not supported by the sandbox mesh (nor by Istio's Envoy); ignored`);
    if (d.fixedDelay !== undefined) {
      const ms = parseIstioDuration(d.fixedDelay);
      if (typeof ms !== 'number') problems.push(`${field}.delay.fixedDelay: ${ms.error}`);
      else if (ms > MAX_FAULT_DELAY_MS) problems.push(`${field}.delay.fixedDelay: the sandbox mesh delays at most ${MAX_FAULT_DELAY_MS / 1000}s`);
      else fault.delay = { ms, percentage: percentOf(d.percentage, d.percent, `${field}.delay.percentage`, problems) };
    }
  }
  if (isObj(f.abort)) {
    const a = f.abort;
    const percentage = percentOf(a.percentage, undefined, `${field}.abort.percentage`, problems);
    if (typeof a.httpStatus === 'number') {
      if (!Number.isInteger(a.httpStatus) || a.httpStatus < 200 || a.httpStatus > 599) problems.push(`${field}.abort.httpStatus: an HTTP status from 200 to 599`);
      else fault.abort = { status: a.httpStatus, percentage, body: FAULT_ABORT_BODY };
    } else if (typeof a.grpcStatus === 'string') {
      const code = GRPC_STATUS[a.grpcStatus];
      if (code === undefined) problems.push(`${field}.abort.grpcStatus: unknown gRPC status ${JSON.stringify(a.grpcStatus)} (e.g. UNAVAILABLE)`);
      // An HTTP/1 caller gets the HTTP status Envoy maps it to; gRPC calls get the grpc-status itself.
      else fault.abort = { status: 503, grpcStatus: code, percentage, body: FAULT_ABORT_BODY };
    } else if (a.http2Error !== undefined) problems.push(`${field}.abort.http2Error: not supported by the sandbox mesh; ignored`);
  }
  return fault.abort || fault.delay ? fault : undefined;
}

function mirrorOf(d: unknown, pct: number, field: string, ns: string, lookups: RouteLookups, problems: string[]): MirrorSpec | undefined {
  const dest = isObj(d) ? d : {};
  const resolved = resolveIstioHost(str(dest.host) ?? '', ns, (n, s) => lookups.service(n, s));
  if ('error' in resolved) {
    problems.push(`${field}.host: ${resolved.error}; not mirrored`);
    return undefined;
  }
  const portNumber = isObj(dest.port) && typeof dest.port.number === 'number' ? dest.port.number : resolved.facts.ports[0]?.port;
  if (portNumber === undefined || !resolved.facts.ports.some((p) => p.port === portNumber)) {
    problems.push(`${field}.port: Service "${resolved.namespace}/${resolved.service}" has no port ${portNumber}; not mirrored`);
    return undefined;
  }
  const subset = str(dest.subset);
  return { namespace: resolved.namespace, service: resolved.service, port: portNumber, ...(subset ? { subset } : {}), numerator: Math.round(pct * 10_000), denominator: 1_000_000 };
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

function compileRedirect(r: Obj, field: string, problems: string[]): RedirectSpec | undefined {
  const status = r.redirectCode ?? 301;
  if (typeof status !== 'number' || !REDIRECT_CODES.has(status)) {
    problems.push(`${field}.redirectCode: the sandbox mesh redirects with 301, 302, 303, 307 or 308`);
    return undefined;
  }
  const spec: RedirectSpec = { status: status as RedirectSpec['status'] };
  if (typeof r.uri === 'string') spec.path = { type: 'ReplaceFullPath', value: r.uri };
  if (typeof r.authority === 'string') spec.hostname = r.authority;
  if (r.scheme === 'http' || r.scheme === 'https') spec.scheme = r.scheme;
  else if (r.scheme !== undefined) problems.push(`${field}.scheme: must be http or https`);
  if (typeof r.port === 'number') spec.port = r.port;
  if (r.derivePort !== undefined) problems.push(`${field}.derivePort: not supported by the sandbox mesh; ignored`);
  return spec;
}

export function compileIstioRoute(http: Obj, field: string, ns: string, vsName: string, lookups: RouteLookups, problems: string[]): CompiledIstioRoute {
  const name = str(http.name);
  const rule: CompiledRule = { label: name ? `${vsName}/${name}` : vsName, kind: 'VirtualService', routeNamespace: ns, routeName: vsName, backends: [], totalWeight: 0 };
  const out: CompiledIstioRoute = { rule };
  const reject = (reason: string) => (rule.reject ??= { status: 500, reason });

  const routes = arr(http.route);
  routes.forEach((raw, j) => {
    const r = isObj(raw) ? raw : {};
    const f = `${field}.route[${j}]`;
    const backend: CompiledBackend = { ...destinationOf(isObj(r.destination) ? r.destination : {}, `${f}.destination`, ns, lookups), weight: 0 };
    // One destination takes all the traffic whatever its weight; among several, an unset weight is 0 (Istio).
    backend.weight = routes.length === 1 ? 100 : typeof r.weight === 'number' && r.weight > 0 ? r.weight : 0;
    if (backend.invalid) problems.push(backend.invalid);
    const h = isObj(r.headers) ? r.headers : {};
    const requestHeaders = headerOps(h.request);
    const responseHeaders = headerOps(h.response);
    if (requestHeaders || responseHeaders) backend.filters = { ...(requestHeaders ? { requestHeaders } : {}), ...(responseHeaders ? { responseHeaders } : {}) };
    rule.backends.push(backend);
  });
  rule.totalWeight = rule.backends.reduce((s, b) => s + b.weight, 0);
  if (rule.backends.length && rule.totalWeight === 0) reject('every route destination has weight 0');

  if (isObj(http.redirect)) {
    const redirect = compileRedirect(http.redirect, `${field}.redirect`, problems);
    if (redirect) rule.redirect = redirect;
    else reject(`${field}.redirect could not be compiled`);
  }
  if (http.directResponse !== undefined) reject(`${field}.directResponse is not supported by the sandbox mesh`);
  if (http.delegate !== undefined) reject(`${field}.delegate is not supported by the sandbox mesh`);
  if (!routes.length && !rule.redirect && !rule.reject) reject(`${field}: no route, redirect or directResponse`);

  if (isObj(http.rewrite)) {
    const rw = http.rewrite;
    if (typeof rw.authority === 'string') rule.rewrite = { hostname: rw.authority };
    if (typeof rw.uri === 'string') out.uriRewrite = rw.uri;
    if (rw.uriRegexRewrite !== undefined) problems.push(`${field}.rewrite.uriRegexRewrite: not supported by the sandbox mesh; ignored`);
  }

  if (http.timeout !== undefined) {
    const ms = parseIstioDuration(http.timeout);
    if (typeof ms !== 'number') problems.push(`${field}.timeout: ${ms.error}`);
    else if (ms > 0) rule.requestTimeoutMs = ms; // "0s" disables it; Istio sets no route timeout by default
  }
  rule.retry = isObj(http.retries) ? compileIstioRetries(http.retries, `${field}.retries`, problems) : istioDefaultRetryPolicy();
  if (!rule.retry) delete rule.retry;

  if (isObj(http.fault)) {
    const fault = compileFault(http.fault, `${field}.fault`, problems);
    if (fault) rule.fault = fault;
  }

  const mirrors: MirrorSpec[] = [];
  if (http.mirror !== undefined) {
    const legacy = http.mirrorPercent ?? http.mirror_percent;
    const m = mirrorOf(http.mirror, percentOf(http.mirrorPercentage, legacy, `${field}.mirrorPercentage`, problems), `${field}.mirror`, ns, lookups, problems);
    if (m) mirrors.push(m);
  }
  arr(http.mirrors).forEach((raw, j) => {
    const mp = isObj(raw) ? raw : {};
    const m = mirrorOf(mp.destination, percentOf(mp.percentage, undefined, `${field}.mirrors[${j}].percentage`, problems), `${field}.mirrors[${j}].destination`, ns, lookups, problems);
    if (m) mirrors.push(m);
  });
  if (mirrors.length) rule.mirrors = mirrors;

  const headers = isObj(http.headers) ? http.headers : {};
  const requestHeaders = headerOps(headers.request);
  const responseHeaders = headerOps(headers.response);
  if (requestHeaders) rule.requestHeaders = requestHeaders;
  if (responseHeaders) rule.responseHeaders = responseHeaders;
  return out;
}

/** The rule for one match when the route rewrites the URI: the matched prefix is replaced, else the whole path. */
export function withUriRewrite(route: CompiledIstioRoute, uriPrefix: string | undefined): CompiledRule {
  if (route.uriRewrite === undefined) return route.rule;
  const path = uriPrefix !== undefined ? { type: 'ReplacePrefixMatch' as const, value: route.uriRewrite, prefix: uriPrefix } : { type: 'ReplaceFullPath' as const, value: route.uriRewrite };
  return { ...route.rule, rewrite: { ...route.rule.rewrite, path } };
}
