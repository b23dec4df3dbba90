// HTTPRoute `filters` (on a rule or on one of its backendRefs) → HttpFilters for the data plane, with the checks the
// Gateway API CRD makes in CEL (the sandbox's API server does not evaluate CEL, so the mesh enforces what matters
// here) and the status reasons upstream names: IncompatibleFilters for combinations the spec forbids
// (apis/v1/shared_types.go RouteReasonIncompatibleFilters), UnsupportedValue for values it does not know,
// BackendNotFound / InvalidKind for a mirror's backendRef. Pure, never throws.
import type { HeaderModifier, HttpFilters, MirrorSpec, PathModifier, RedirectSpec, RewriteSpec } from '../config/snapshot.js';
import type { RouteLookups } from './http-route-compiler.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface FilterProblems {
  accepted: { reason: string; message: string }[];
  refs: { reason: string; message: string }[];
}

export interface FilterContext {
  namespace: string;
  lookups: RouteLookups;
  problems: FilterProblems;
  /** The rule's PathPrefix value when the rule has exactly one match and it is a PathPrefix (else undefined). */
  prefixMatch: string | undefined;
  /** Whether the rule has backendRefs (a rule's RequestRedirect must not be used with them). */
  hasBackendRefs: boolean;
}

export interface CompiledFilters {
  filters: HttpFilters;
  /** ExtensionRef filters, left to the caller (the rule's sandbox fault filter). */
  extensionRefs: { ref: Obj; field: string }[];
  /** Why requests must get a 500 instead (a filter the mesh does not implement). */
  unsupported?: string;
}

/** Filters the sandbox mesh implements, for messages. */
export const SUPPORTED_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', 'ExtensionRef to a fault ConfigMap'];

/** Filter types the CRD says "cannot be repeated" (RequestMirror may be). */
const SINGLE = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'CORS'];
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
/** PreciseHostname (RFC 1123 subdomain, no wildcard), as the CRD's pattern. */
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/**
 * Characters a path modifier may hold: the CRD's class for path match values. The CRD only bounds the length of
 * replaceFullPath / replacePrefixMatch; the mesh also refuses anything else because the value lands in a request
 * line or a Location header (no spaces, CR/LF or non-ASCII).
 */
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})*$/;
const MAX_PATH_MODIFIER_LENGTH = 1024;

export function compileFilters(list: unknown, field: string, ctx: FilterContext, scope: 'rule' | 'backendRef'): CompiledFilters {
  const out: CompiledFilters = { filters: {}, extensionRefs: [] };
  const { problems } = ctx;
  const incompatible = (message: string) => problems.accepted.push({ reason: 'IncompatibleFilters', message });
  const unsupportedValue = (message: string) => problems.accepted.push({ reason: 'UnsupportedValue', message });

  const filters = arr(list).map((raw) => (isObj(raw) ? raw : {}));
  const types = filters.map((f) => str(f.type));
  for (const t of SINGLE) if (types.filter((x) => x === t).length > 1) incompatible(`${field}: ${t} filter cannot be repeated`);
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) incompatible(`${field}: May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both`);
  if (scope === 'rule' && ctx.hasBackendRefs && types.includes('RequestRedirect')) incompatible(`${field}: RequestRedirect filter must not be used together with backendRefs`);

  filters.forEach((flt, j) => {
    const f = `${field}[${j}]`;
    const type = types[j];
    const key = type ? type.charAt(0).toLowerCase() + type.slice(1) : '';
    const body = type === 'URLRewrite' ? flt.urlRewrite : type === 'ExtensionRef' ? flt.extensionRef : flt[key];
    const bodyKey = type === 'URLRewrite' ? 'urlRewrite' : key;
    if (type && ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror', 'ExtensionRef'].includes(type) && !isObj(body)) {
      unsupportedValue(`${f}: filter.${bodyKey} must be specified for ${type} filter.type`);
      return;
    }
    switch (type) {
      case 'RequestHeaderModifier':
        out.filters.requestHeaders = headerModifier(body);
        break;
      case 'ResponseHeaderModifier':
        out.filters.responseHeaders = headerModifier(body);
        break;
      case 'RequestRedirect': {
        const r = compileRedirect(body as Obj, `${f}.requestRedirect`, ctx, unsupportedValue);
        if (r) out.filters.redirect = r;
        break;
      }
      case 'URLRewrite': {
        const r = compileRewrite(body as Obj, `${f}.urlRewrite`, ctx, unsupportedValue);
        if (r) out.filters.rewrite = r;
        break;
      }
      case 'RequestMirror': {
        const m = compileMirror(body as Obj, `${f}.requestMirror`, ctx, unsupportedValue);
        if (m) (out.filters.mirrors ??= []).push(m);
        break;
      }
      case 'ExtensionRef':
        if (scope === 'rule') {
          out.extensionRefs.push({ ref: body as Obj, field: `${f}.extensionRef` });
          break;
        }
      // falls through: the sandbox's fault filter is a rule-level filter
      default:
        unsupportedValue(`${f}.type: ${JSON.stringify(type)} is not supported by the sandbox mesh${scope === 'backendRef' ? ' on a backendRef' : ''} (supported: ${SUPPORTED_FILTERS.join(', ')}${scope === 'backendRef' ? ' (rules only)' : ''})`);
        out.unsupported ??= `unsupported filter ${type}`;
    }
  });
  return out;
}

export function headerModifier(v: unknown): HeaderModifier {
  const m = isObj(v) ? v : {};
  const pairs = (list: unknown): [string, string][] =>
    arr(list).flatMap((h) => (isObj(h) && typeof h.name === 'string' && typeof h.value === 'string' ? [[h.name.toLowerCase(), h.value] as [string, string]] : []));
  return { set: pairs(m.set), add: pairs(m.add), remove: arr(m.remove).filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()) };
}

function compilePath(v: unknown, field: string, filterName: string, ctx: FilterContext, bad: (m: string) => void): PathModifier | undefined | false {
  if (v === undefined) return undefined;
  const p = isObj(v) ? v : {};
  const type = str(p.type);
  const value = type === 'ReplaceFullPath' ? p.replaceFullPath : type === 'ReplacePrefixMatch' ? p.replacePrefixMatch : undefined;
  if (type !== 'ReplaceFullPath' && type !== 'ReplacePrefixMatch') {
    bad(`${field}.type: unsupported value ${JSON.stringify(type)}: supported values: "ReplaceFullPath", "ReplacePrefixMatch"`);
    return false;
  }
  const name = type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
  if (typeof value !== 'string') {
    bad(`${field}: ${name} must be specified when type is set to '${type}'`);
    return false;
  }
  if (value.length > MAX_PATH_MODIFIER_LENGTH || !PATH_CHARS.test(value) || (value !== '' && !value.startsWith('/')) || (type === 'ReplaceFullPath' && value === '')) {
    bad(`${field}.${name}: must be an absolute path (starting with "/", at most ${MAX_PATH_MODIFIER_LENGTH} characters of [-A-Za-z0-9/._~!$&'()*+,;=:@] or %XX)`);
    return false;
  }
  if (type === 'ReplaceFullPath') return { type, value };
  if (ctx.prefixMatch === undefined) {
    bad(`${field}: When using ${filterName} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`);
    return false;
  }
  return { type, value, prefix: ctx.prefixMatch };
}

function hostname(v: unknown, field: string, bad: (m: string) => void): string | undefined | false {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 253 || !PRECISE_HOSTNAME.test(v)) {
    bad(`${field}: ${JSON.stringify(v)} is not a valid hostname (an RFC 1123 subdomain: lower-case letters, digits, '-' and '.')`);
    return false;
  }
  return v;
}

function compileRedirect(r: Obj, field: string, ctx: FilterContext, bad: (m: string) => void): RedirectSpec | undefined {
  let ok = true;
  const spec: RedirectSpec = { status: 302 };
  if (r.scheme !== undefined) {
    if (r.scheme === 'http' || r.scheme === 'https') spec.scheme = r.scheme;
    else {
      bad(`${field}.scheme: unsupported value ${JSON.stringify(r.scheme)}: supported values: "http", "https"`);
      ok = false;
    }
  }
  const host = hostname(r.hostname, `${field}.hostname`, bad);
  if (host === false) ok = false;
  else if (host) spec.hostname = host;
  const path = compilePath(r.path, `${field}.path`, 'RequestRedirect', ctx, bad);
  if (path === false) ok = false;
  else if (path) spec.path = path;
  if (r.port !== undefined) {
    if (typeof r.port === 'number' && Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535) spec.port = r.port;
    else {
      bad(`${field}.port: must be an integer from 1 to 65535`);
      ok = false;
    }
  }
  if (r.statusCode !== undefined) {
    if (typeof r.statusCode === 'number' && REDIRECT_CODES.has(r.statusCode)) spec.status = r.statusCode as RedirectSpec['status'];
    else {
      bad(`${field}.statusCode: unsupported value ${JSON.stringify(r.statusCode)}: supported values: 301, 302, 303, 307, 308`);
      ok = false;
    }
  }
  return ok ? spec : undefined;
}

function compileRewrite(r: Obj, field: string, ctx: FilterContext, bad: (m: string) => void): RewriteSpec | undefined {
  const spec: RewriteSpec = {};
  const host = hostname(r.hostname, `${field}.hostname`, bad);
  const path = compilePath(r.path, `${field}.path`, 'URLRewrite', ctx, bad);
  if (host === false || path === false) return undefined;
  if (host) spec.hostname = host;
  if (path) spec.path = path;
  return spec;
}

function compileMirror(m: Obj, field: string, ctx: FilterContext, bad: (m: string) => void): MirrorSpec | undefined {
  const ref = isObj(m.backendRef) ? m.backendRef : {};
  const f = `${field}.backendRef`;
  let numerator = 100;
  let denominator = 100;
  if (m.percent !== undefined && m.fraction !== undefined) {
    bad(`${field}: Only one of percent or fraction may be specified in HTTPRequestMirrorFilter`);
    return undefined;
  }
  if (m.percent !== undefined) {
    if (typeof m.percent !== 'number' || !Number.isInteger(m.percent) || m.percent < 0 || m.percent > 100) {
      bad(`${field}.percent: must be an integer from 0 to 100`);
      return undefined;
    }
    numerator = m.percent;
  } else if (m.fraction !== undefined) {
    const fr = isObj(m.fraction) ? m.fraction : {};
    const n = fr.numerator;
    const d = fr.denominator ?? 100;
    if (typeof n !== 'number' || typeof d !== 'number' || !Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 1 || n > d) {
      bad(`${field}.fraction: numerator must be an integer from 0 to denominator, denominator an integer of at least 1`);
      return undefined;
    }
    numerator = n;
    denominator = d;
  }
  if ((str(ref.group) ?? '') !== '' || (str(ref.kind) ?? 'Service') !== 'Service') {
    ctx.problems.refs.push({ reason: 'InvalidKind', message: `${f}: unsupported kind ${str(ref.group) ?? ''}/${str(ref.kind)}: only core Services are supported` });
    return undefined;
  }
  const namespace = str(ref.namespace) ?? ctx.namespace;
  const service = str(ref.name) ?? '';
  const svc = ctx.lookups.service(namespace, service);
  // An unresolved mirror is dropped (ResolvedRefs=False); the rule keeps serving its backends.
  if (!svc) {
    ctx.problems.refs.push({ reason: 'BackendNotFound', message: `${f}: Service "${namespace}/${service}" not found` });
    return undefined;
  }
  let port = typeof ref.port === 'number' ? ref.port : 0;
  if (!port && svc.ports.length === 1) port = svc.ports[0].port;
  if (!port || !svc.ports.some((p) => p.port === port)) {
    ctx.problems.refs.push({ reason: 'BackendNotFound', message: port ? `${f}.port: Service "${namespace}/${service}" has no port ${port}` : `${f}.port: port is required for a Service backend` });
    return undefined;
  }
  return { namespace, service, port, numerator, denominator };
}
