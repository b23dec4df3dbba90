// One Istio HTTPMatchRequest (VirtualService spec.http[].match[]) → a CompiledMatch the sidecar's route matcher
// checks, plus the Service port it is limited to. StringMatch `exact` stays exact; `prefix` becomes an anchored
// regular expression (Istio's prefix is a plain string prefix, not the Gateway API's path-element prefix), `regex`
// a full-string match (RE2 in Envoy, JavaScript's syntax here). A condition the sandbox cannot check makes the
// match unusable and is reported, so a match never silently matches more than it says.
import type { CompiledMatch, IstioMatchConditions, ValueMatch } from '../../config/snapshot.js';
import { unsafeRegexReason } from '../safe-regex.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export interface CompiledIstioMatch {
  match: CompiledMatch;
  /** `port`: only requests to this Service port. */
  port?: number;
  /** The uri prefix matched, "/" without a uri condition (for `rewrite.uri`, which replaces the matched prefix). */
  uriPrefix?: string;
}

/** A StringMatch → a regular expression (anchored, whole value), or the error. */
function stringMatchRegex(m: Obj, field: string, ignoreCase = false): RegExp | { error: string } | undefined {
  const flags = ignoreCase ? 'i' : '';
  const exact = str(m.exact);
  const prefix = str(m.prefix);
  const regex = str(m.regex);
  const set = [exact, prefix, regex].filter((v) => v !== undefined).length;
  if (set > 1) return { error: `${field}: only one of exact, prefix, regex may be set` };
  if (exact !== undefined) return new RegExp(`^${escapeRegex(exact)}$`, flags);
  if (prefix !== undefined) return new RegExp(`^${escapeRegex(prefix)}[\\s\\S]*$`, flags);
  if (regex !== undefined) {
    const unsafe = unsafeRegexReason(regex);
    if (unsafe) return { error: `${field}.regex: ${JSON.stringify(regex.slice(0, 80))} is refused: ${unsafe}` };
    try {
      return new RegExp(`^(?:${regex})$`);
    } catch (err) {
      return { error: `${field}.regex: invalid regular expression ${JSON.stringify(regex)}: ${(err as Error).message}` };
    }
  }
  return undefined;
}

/** A header or query parameter StringMatch → ValueMatch (`{}` = present with any value). */
function valueMatch(name: string, raw: unknown, field: string, problems: string[]): ValueMatch | undefined {
  const m = isObj(raw) ? raw : {};
  if (typeof m.exact === 'string' && m.prefix === undefined && m.regex === undefined) return { name, exact: m.exact };
  const re = stringMatchRegex(m, field);
  if (re && 'error' in re) {
    problems.push(re.error);
    return undefined;
  }
  return { name, regex: re ?? /^[\s\S]*$/ };
}

function valueMatches(raw: unknown, field: string, lower: boolean, problems: string[]): ValueMatch[] | undefined {
  if (raw === undefined) return [];
  if (!isObj(raw)) {
    problems.push(`${field}: must be a map of name to StringMatch`);
    return undefined;
  }
  const out: ValueMatch[] = [];
  for (const [name, m] of Object.entries(raw)) {
    const v = valueMatch(lower ? name.toLowerCase() : name, m, `${field}.${name}`, problems);
    if (!v) return undefined;
    out.push(v);
  }
  return out;
}

/** Whether a match applies to sidecars: `gateways` on a match, when set, must include `mesh`. */
export function matchAppliesToMesh(m: Obj): boolean {
  const gateways = Array.isArray(m.gateways) ? m.gateways : undefined;
  return !gateways || gateways.length === 0 || gateways.includes('mesh');
}

/** A match → CompiledIstioMatch, or undefined (with the reason in problems) when it cannot be honoured. */
export function compileIstioMatch(m: Obj, field: string, problems: string[]): CompiledIstioMatch | undefined {
  const before = problems.length;
  const match: CompiledMatch = { path: { type: 'PathPrefix', value: '/' }, headers: [], query: [] };
  const out: CompiledIstioMatch = { match };
  const istio: IstioMatchConditions = {};
  const ignoreCase = m.ignoreUriCase === true;

  // Without a uri condition Istio's route matches prefix "/", which a rewrite.uri replaces.
  if (m.uri === undefined) out.uriPrefix = '/';
  else {
    const uri = isObj(m.uri) ? m.uri : {};
    const exact = str(uri.exact);
    const prefix = str(uri.prefix);
    const regex = str(uri.regex);
    if (exact !== undefined && !ignoreCase && prefix === undefined && regex === undefined) match.path = { type: 'Exact', value: exact };
    else if (prefix === '/' && exact === undefined && regex === undefined) match.path = { type: 'PathPrefix', value: '/' };
    else {
      const re = stringMatchRegex(uri, `${field}.uri`, ignoreCase && regex === undefined);
      if (!re) problems.push(`${field}.uri: one of exact, prefix, regex is required`);
      else if ('error' in re) problems.push(re.error);
      else match.path = { type: 'RegularExpression', value: exact ?? prefix ?? regex ?? '', regex: re };
    }
    if (prefix !== undefined) out.uriPrefix = prefix;
  }

  if (m.method !== undefined) {
    const method = isObj(m.method) ? m.method : {};
    if (typeof method.exact === 'string' && method.prefix === undefined && method.regex === undefined) match.method = method.exact;
    else {
      const re = stringMatchRegex(method, `${field}.method`);
      if (!re) problems.push(`${field}.method: one of exact, prefix, regex is required`);
      else if ('error' in re) problems.push(re.error);
      else istio.methodRegex = re;
    }
  }

  const headers = valueMatches(m.headers, `${field}.headers`, true, problems);
  if (headers) match.headers.push(...headers);
  if (m.authority !== undefined) {
    // :authority is the Host header on HTTP/1.
    const host = valueMatch('host', m.authority, `${field}.authority`, problems);
    if (host) match.headers.push(host);
  }
  const query = valueMatches(m.queryParams, `${field}.queryParams`, false, problems);
  if (query) match.query = query;
  const without = valueMatches(m.withoutHeaders, `${field}.withoutHeaders`, true, problems);
  if (without?.length) istio.withoutHeaders = without;

  if (m.port !== undefined) {
    if (typeof m.port === 'number' && Number.isInteger(m.port) && m.port > 0 && m.port < 65536) out.port = m.port;
    else problems.push(`${field}.port: must be a port number`);
  }
  if (m.sourceLabels !== undefined) {
    if (isObj(m.sourceLabels) && Object.values(m.sourceLabels).every((v) => typeof v === 'string')) istio.sourceLabels = m.sourceLabels as Record<string, string>;
    else problems.push(`${field}.sourceLabels: must be a map of label to value`);
  }
  if (m.sourceNamespace !== undefined) {
    if (typeof m.sourceNamespace === 'string') istio.sourceNamespace = m.sourceNamespace;
    else problems.push(`${field}.sourceNamespace: must be a string`);
  }
  if (m.scheme !== undefined) problems.push(`${field}.scheme: not supported by the sandbox mesh (apps speak plain HTTP to their sidecar); this match never matches`);

  if (problems.length > before) return undefined;
  if (Object.keys(istio).length) match.istio = istio;
  return out;
}
