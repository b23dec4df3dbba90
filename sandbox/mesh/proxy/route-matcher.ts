// Picks the rule for a request to a Service: the client namespace's consumer routes if it has any for this
// Service, else the Service's producer routes, else an SMI TrafficSplit, else the Service itself.
// With a route table attached and no rule matching: rejected (404), as the Gateway API requires.
import type { CompiledMatch, CompiledRule, MeshSnapshot, RouteTable, ServiceEntry } from '../config/snapshot.js';
import { routeGroupMatches } from '../control-plane/smi-compiler.js';
import { istioConditionsMatch, type ClientFacts } from './istio-match.js';

export interface RequestFacts {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The calling pod (Istio `sourceLabels` / `sourceNamespace` matches). */
  client?: ClientFacts;
}

const defaultRules = new WeakMap<ServiceEntry, CompiledRule>();

/** The implicit route of a Service with nothing attached: all of it to the Service's own endpoints. */
export function defaultRule(svc: ServiceEntry): CompiledRule {
  let rule = defaultRules.get(svc);
  if (!rule) {
    rule = {
      label: '',
      kind: 'default',
      routeNamespace: svc.namespace,
      routeName: '',
      backends: [{ namespace: svc.namespace, service: svc.name, port: 0, weight: 1 }],
      totalWeight: 1,
      ...svc.defaultPolicy, // the Service's Linkerd retry/timeout annotations
    };
    defaultRules.set(svc, rule);
  }
  return rule;
}

const covers = (t: RouteTable | undefined, port: number): t is RouteTable => !!t && (t.ports === 'all' || t.ports.has(port));

export function tableFor(snap: MeshSnapshot, clientNs: string, svc: ServiceEntry, port: number): RouteTable | undefined {
  if (clientNs !== svc.namespace) {
    const consumer = snap.namespaces.get(clientNs)?.consumerRoutes.get(`${svc.namespace}/${svc.name}`);
    if (covers(consumer, port)) return consumer;
  }
  const ns = snap.namespaces.get(svc.namespace);
  const producer = ns?.producerRoutes.get(svc.name);
  if (covers(producer, port)) return producer;
  return ns?.splits.get(svc.name);
}

export function matchRule(table: RouteTable, port: number, req: RequestFacts): CompiledRule | undefined {
  let query: URLSearchParams | undefined;
  for (const e of table.entries) {
    if (e.port !== undefined && e.port !== port) continue;
    if (!pathMatches(e.match, req.path)) continue;
    if (e.match.method && e.match.method !== req.method) continue;
    let ok = true;
    for (const h of e.match.headers) {
      const raw = req.headers[h.name];
      const v = Array.isArray(raw) ? raw.join(',') : raw;
      if (v === undefined || (h.exact !== undefined ? v !== h.exact : !h.regex!.test(v))) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (e.match.query.length) {
      query ??= new URLSearchParams(req.query);
      for (const q of e.match.query) {
        const v = query.get(q.name);
        if (v === null || (q.exact !== undefined ? v !== q.exact : !q.regex!.test(v))) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
    }
    if (e.match.smi && !e.match.smi.some((m) => routeGroupMatches(m, req.method, req.path, req.headers))) continue;
    if (e.match.istio && !istioConditionsMatch(e.match.istio, req.method, e.match.istio.withoutHeaders ? req.headers : {}, req.client)) continue;
    return e.rule;
  }
  return undefined;
}

function pathMatches(m: CompiledMatch, path: string): boolean {
  const { type, value, regex } = m.path;
  if (type === 'Exact') return path === value;
  if (type === 'RegularExpression') return regex!.test(path);
  if (value === '/') return true;
  return path.startsWith(value) && (path.length === value.length || path.charCodeAt(value.length) === 47 /* / */);
}

/** Weighted choice among a rule's backends (weights are proportional; zero never chosen). */
export function pickBackend(rule: CompiledRule): CompiledRule['backends'][number] {
  if (rule.backends.length === 1) return rule.backends[0];
  let r = Math.random() * rule.totalWeight;
  for (const b of rule.backends) {
    if (b.weight <= 0) continue;
    if (r < b.weight) return b;
    r -= b.weight;
  }
  return rule.backends[rule.backends.length - 1]; // floating-point edge: r landed on the total
}
