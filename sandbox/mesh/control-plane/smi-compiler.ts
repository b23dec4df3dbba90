// SMI → compiled config: TrafficSplit (+ HTTPRouteGroup matches) becomes a route table on the apex Service;
// TrafficTarget becomes access rules on the destination ServiceAccount. Problems are reported as strings
// (the control plane logs them as Events-like warnings); a bad object never throws.
import { unsafeRegexReason } from './safe-regex.js';
import type { KubeObject } from '../../apiserver/store.js';
import type { AccessRule, CompiledRule, HttpRouteGroupMatch, RouteEntry, RouteTable } from '../config/snapshot.js';
import { spiffeId } from '../identity/spiffe.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An HTTPRouteGroup's matches, keyed by match name; regexes compiled once. */
export function compileRouteGroup(group: KubeObject, problems: string[]): Map<string, HttpRouteGroupMatch> {
  const out = new Map<string, HttpRouteGroupMatch>();
  const spec = isObj(group.spec) ? group.spec : {};
  arr(spec.matches).forEach((raw, i) => {
    const m = isObj(raw) ? raw : {};
    const where = `HTTPRouteGroup ${group.metadata.namespace}/${group.metadata.name} spec.matches[${i}]`;
    const name = str(m.name) ?? `match-${i}`;
    const match: HttpRouteGroupMatch = { name, headers: [] };
    const path = str(m.pathRegex);
    if (path !== undefined) {
      try {
        const unsafe = unsafeRegexReason(path);
        if (unsafe) throw new Error(unsafe);
        match.pathRegex = new RegExp(`^(?:${path})`); // SMI: anchored to the beginning of the URI
      } catch (err) {
        problems.push(`${where}.pathRegex: invalid regular expression: ${(err as Error).message}`);
        return;
      }
    }
    const methods = arr(m.methods).filter((x): x is string => typeof x === 'string');
    if (methods.length && !methods.includes('*')) match.methods = new Set(methods.map((x) => x.toUpperCase()));
    // v1alpha4 headers: a map, or (per the CRD schema) a list of maps; every entry must match.
    const headerMaps = Array.isArray(m.headers) ? m.headers : [m.headers];
    for (const hm of headerMaps) {
      if (!isObj(hm)) continue;
      for (const [k, v] of Object.entries(hm)) {
        if (typeof v !== 'string') continue;
        try {
          const unsafe = unsafeRegexReason(v);
          if (unsafe) throw new Error(unsafe);
          match.headers.push({ name: k.toLowerCase(), regex: new RegExp(v) });
        } catch (err) {
          problems.push(`${where}.headers.${k}: invalid regular expression: ${(err as Error).message}`);
          return;
        }
      }
    }
    out.set(name, match);
  });
  return out;
}

export function routeGroupMatches(m: HttpRouteGroupMatch, method: string, path: string, headers: Record<string, string | string[] | undefined>): boolean {
  if (m.methods && !m.methods.has(method)) return false;
  if (m.pathRegex && !m.pathRegex.test(path)) return false;
  for (const h of m.headers) {
    const v = headers[h.name];
    const value = Array.isArray(v) ? v.join(',') : v;
    if (value === undefined || !h.regex.test(value)) return false;
  }
  return true;
}

/**
 * A TrafficSplit as a route table on its apex Service. Backend port 0 means "the port the client called"
 * (SMI has no ports: the root's port must exist on each backend). With `matches`, requests outside the
 * route groups go to the apex Service itself.
 */
export function compileTrafficSplit(
  split: KubeObject,
  groups: (name: string) => Map<string, HttpRouteGroupMatch> | undefined,
  serviceExists: (name: string) => boolean,
  problems: string[],
): { apex: string; table: RouteTable } | undefined {
  const ns = split.metadata.namespace ?? 'default';
  const name = split.metadata.name ?? '';
  const spec = isObj(split.spec) ? split.spec : {};
  const apex = str(spec.service);
  const where = `TrafficSplit ${ns}/${name}`;
  if (!apex) {
    problems.push(`${where}: spec.service is required`);
    return undefined;
  }
  const apexName = apex.split('.')[0]; // SMI allows the FQDN; the sandbox resolves within the namespace
  const rule: CompiledRule = { label: name, kind: 'TrafficSplit', routeNamespace: ns, routeName: name, backends: [], totalWeight: 0 };
  arr(spec.backends).forEach((raw, i) => {
    const b = isObj(raw) ? raw : {};
    const service = str(b.service) ?? '';
    const weight = typeof b.weight === 'number' && b.weight >= 0 ? Math.floor(b.weight) : 0;
    const backend = { namespace: ns, service, port: 0, weight, invalid: undefined as string | undefined };
    if (!serviceExists(service)) {
      backend.invalid = `${where} spec.backends[${i}]: Service "${ns}/${service}" not found`;
      problems.push(backend.invalid);
    }
    rule.backends.push(backend);
  });
  rule.totalWeight = rule.backends.reduce((s, b) => s + b.weight, 0);
  if (rule.totalWeight === 0) {
    problems.push(`${where}: spec.backends has no backend with a weight above 0`);
    return undefined;
  }

  const entries: RouteEntry[] = [];
  const catchAll = { type: 'PathPrefix' as const, value: '/' };
  const matchRefs = arr(spec.matches);
  if (matchRefs.length === 0) {
    entries.push({ match: { path: catchAll, headers: [], query: [] }, rule });
  } else {
    // Route-group matches are regexes over path/method/headers: they are checked by the matcher through
    // `smi`, after which unmatched requests fall through to the apex Service.
    const smi: HttpRouteGroupMatch[] = [];
    for (const ref of matchRefs) {
      const g = isObj(ref) ? groups(str(ref.name) ?? '') : undefined;
      if (!g) problems.push(`${where} spec.matches: HTTPRouteGroup "${isObj(ref) ? str(ref.name) : ''}" not found`);
      else smi.push(...g.values());
    }
    entries.push({ match: { path: catchAll, headers: [], query: [], smi }, rule });
    const apexRule: CompiledRule = {
      label: `${name}/unmatched`,
      kind: 'TrafficSplit',
      routeNamespace: ns,
      routeName: name,
      backends: [{ namespace: ns, service: apexName, port: 0, weight: 1 }],
      totalWeight: 1,
    };
    entries.push({ match: { path: catchAll, headers: [], query: [] }, rule: apexRule });
  }
  return { apex: apexName, table: { entries, ports: 'all' } };
}

/** TrafficTargets of one namespace → access rules by destination ServiceAccount name. */
export function compileTrafficTargets(
  targets: KubeObject[],
  groups: (name: string) => Map<string, HttpRouteGroupMatch> | undefined,
  problems: string[],
): Map<string, AccessRule[]> {
  const access = new Map<string, AccessRule[]>();
  for (const t of targets) {
    const ns = t.metadata.namespace ?? 'default';
    const where = `TrafficTarget ${ns}/${t.metadata.name}`;
    const spec = isObj(t.spec) ? t.spec : {};
    const dest = isObj(spec.destination) ? spec.destination : {};
    const destName = str(dest.name);
    if (!destName || (str(dest.kind) ?? 'ServiceAccount') !== 'ServiceAccount') {
      problems.push(`${where} spec.destination: a ServiceAccount name is required`);
      continue;
    }
    if ((str(dest.namespace) ?? ns) !== ns) {
      problems.push(`${where} spec.destination.namespace: must be the TrafficTarget's own namespace "${ns}"`);
      continue;
    }
    const sources = new Set<string>();
    for (const s of arr(spec.sources)) {
      if (isObj(s) && str(s.name) && (str(s.kind) ?? 'ServiceAccount') === 'ServiceAccount') sources.add(spiffeId(str(s.namespace) ?? ns, str(s.name)!));
    }
    let matches: AccessRule['matches'] = [];
    let anyTcp = false;
    for (const raw of arr(spec.rules)) {
      const r = isObj(raw) ? raw : {};
      if (str(r.kind) === 'TCPRoute') {
        anyTcp = true;
        continue;
      }
      if (str(r.kind) !== 'HTTPRouteGroup') continue;
      const g = groups(str(r.name) ?? '');
      if (!g) {
        problems.push(`${where} spec.rules: HTTPRouteGroup "${str(r.name)}" not found (no access granted through it)`);
        continue;
      }
      const names = arr(r.matches).filter((x): x is string => typeof x === 'string');
      for (const [n, m] of g) if (!names.length || names.includes(n)) matches.push(m);
    }
    // Only L4 rules: the whole destination is open to the sources.
    if (matches.length === 0 && anyTcp) matches = 'all';
    const list = access.get(destName) ?? [];
    list.push({ sources, matches, target: t.metadata.name ?? '' });
    access.set(destName, list);
  }
  return access;
}
