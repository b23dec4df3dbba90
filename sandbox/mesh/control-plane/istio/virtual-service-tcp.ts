// Istio VirtualService `spec.tcp[]` (TCPRoute) → the sidecars' TCP route entries: for a connection to the host's
// Service, the first entry whose match holds (in written order) picks a weighted destination — a Service port and
// DestinationRule subset — once per connection, as Envoy's tcp_proxy weighted clusters do. A match's `port` is the
// only condition the sandbox checks; a match with any other condition is reported and not used, so a rule never
// matches more connections than it says.
import type { TcpRouteEntry } from '../../config/snapshot.js';
import type { RouteLookups } from '../http-route-compiler.js';
import { matchAppliesToMesh } from './virtual-service-match.js';
import { compileIstioRoute } from './virtual-service-route.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** L4MatchAttributes fields the sandbox does not check (a match naming one is not used). */
const UNCHECKED = ['destinationSubnets', 'sourceLabels', 'sourceNamespace', 'sourceSubnet'];

export function compileTcpRoutes(tcp: unknown, ns: string, vsName: string, lookups: RouteLookups, problems: string[]): TcpRouteEntry[] {
  const entries: TcpRouteEntry[] = [];
  arr(tcp).forEach((raw, i) => {
    const t = isObj(raw) ? raw : {};
    const field = `spec.tcp[${i}]`;
    const { rule } = compileIstioRoute({ route: t.route }, field, ns, vsName, lookups, problems);
    delete rule.retry; // HTTP retries do not apply to a TCP connection (Envoy's tcp_proxy has none)
    const matches = arr(t.match);
    if (!matches.length) {
      entries.push({ rule });
      return;
    }
    matches.forEach((rawMatch, j) => {
      const m = isObj(rawMatch) ? rawMatch : {};
      const mf = `${field}.match[${j}]`;
      if (!matchAppliesToMesh(m)) return;
      const unchecked = UNCHECKED.filter((k) => m[k] !== undefined);
      if (unchecked.length) {
        problems.push(`${mf}: ${unchecked.join(', ')} ${unchecked.length === 1 ? 'is' : 'are'} not supported by the sandbox mesh; this match is not used`);
        return;
      }
      if (m.port !== undefined && (typeof m.port !== 'number' || !Number.isInteger(m.port) || m.port < 1 || m.port > 65535)) {
        problems.push(`${mf}.port: a port number from 1 to 65535; this match is not used`);
        return;
      }
      entries.push({ rule, ...(typeof m.port === 'number' ? { port: m.port } : {}) });
    });
  });
  return entries;
}
