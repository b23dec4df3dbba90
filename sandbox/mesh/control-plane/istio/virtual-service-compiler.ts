// Istio VirtualService (networking.istio.io v1, v1beta1, v1alpha3: one schema) → route-table entries for the
// Services its `hosts` name, in the order written: Istio matches spec.http[] top to bottom, first match wins, so these
// entries are never re-sorted by the Gateway API's precedence. A VirtualService in the Service's namespace applies to
// every client (the producer table); one elsewhere to its own namespace's clients (a consumer table). One bound to
// `gateways` without `mesh` does not apply to sidecars. What cannot be honoured is reported in `problems`.
import type { KubeObject } from '../../../apiserver/store.js';
import type { RouteEntry, TcpRouteEntry } from '../../config/snapshot.js';
import type { RouteLookups } from '../http-route-compiler.js';
import { resolveIstioHost } from './istio-host.js';
import { compileIstioMatch, matchAppliesToMesh } from './virtual-service-match.js';
import { compileIstioRoute, withUriRewrite } from './virtual-service-route.js';
import { compileTcpRoutes } from './virtual-service-tcp.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface VirtualServiceAttachment {
  /** The VirtualService, for messages. */
  source: string;
  namespace: string;
  service: string;
  /** In spec.http order, one per match (a route without matches is one catch-all entry). */
  entries: RouteEntry[];
  /** spec.tcp, for the Service's TCP ports (virtual-service-tcp.ts). */
  tcp: TcpRouteEntry[];
}

export interface CompiledVirtualService {
  attachments: VirtualServiceAttachment[];
  /** Namespaces of the hosts and destinations elsewhere (recompile when they change). */
  dependsOn: Set<string>;
}

export function compileVirtualService(vs: KubeObject, lookups: RouteLookups, problems: string[]): CompiledVirtualService {
  const ns = vs.metadata.namespace ?? 'default';
  const name = vs.metadata.name ?? '';
  const where = `VirtualService ${ns}/${name}`;
  const spec = isObj(vs.spec) ? vs.spec : {};
  const out: CompiledVirtualService = { attachments: [], dependsOn: new Set() };
  const report = (msg: string) => problems.push(`${where}: ${msg}`);

  const gateways = arr(spec.gateways);
  if (gateways.length && !gateways.includes('mesh')) {
    report('spec.gateways does not include "mesh": it configures Istio gateways only (the sandbox has none), not sidecars');
    return out;
  }
  if (spec.tls !== undefined) report('spec.tls is not supported by the sandbox mesh; ignored');

  const local: string[] = [];
  const entries: RouteEntry[] = [];
  arr(spec.http).forEach((raw, i) => {
    const http = isObj(raw) ? raw : {};
    const field = `spec.http[${i}]`;
    const route = compileIstioRoute(http, field, ns, name, lookups, local);
    for (const b of route.rule.backends) if (b.namespace !== ns) out.dependsOn.add(b.namespace);
    for (const m of route.rule.mirrors ?? []) if (m.namespace !== ns) out.dependsOn.add(m.namespace);
    if (http.corsPolicy !== undefined) local.push(`${field}.corsPolicy: not supported by the sandbox mesh (CORS matters to browsers, not to sidecar-to-sidecar calls); ignored`);
    const matches = arr(http.match);
    if (!matches.length) {
      entries.push({ match: { path: { type: 'PathPrefix', value: '/' }, headers: [], query: [] }, rule: withUriRewrite(route, '/') });
      return;
    }
    matches.forEach((rawMatch, j) => {
      const m = isObj(rawMatch) ? rawMatch : {};
      if (!matchAppliesToMesh(m)) return;
      const compiled = compileIstioMatch(m, `${field}.match[${j}]`, local);
      if (compiled) entries.push({ match: compiled.match, rule: withUriRewrite(route, compiled.uriPrefix), port: compiled.port });
    });
  });
  const tcp = compileTcpRoutes(spec.tcp, ns, name, lookups, local);
  for (const e of tcp) for (const b of e.rule.backends) if (b.namespace !== ns) out.dependsOn.add(b.namespace);
  for (const p of local) report(p);

  for (const h of arr(spec.hosts)) {
    if (typeof h !== 'string') continue;
    const resolved = resolveIstioHost(h, ns, (n, s) => lookups.service(n, s));
    if ('error' in resolved) {
      report(`spec.hosts: ${resolved.error}`);
      continue;
    }
    if (resolved.namespace !== ns) out.dependsOn.add(resolved.namespace);
    out.attachments.push({ source: where, namespace: resolved.namespace, service: resolved.service, entries, tcp });
  }
  return out;
}
