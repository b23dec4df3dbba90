// Gateway API route match precedence. HTTPRoute: exact path, then the longest prefix, then method, then the most
// header matches, then the most query matches; ties go to the oldest route, then namespace/name
// alphabetically, then rule and match order. RegularExpression paths are implementation-specific: the
// sandbox ranks them after every prefix, so a regex never shadows a literal path.
import type { RouteEntry } from '../config/snapshot.js';

export interface RankedEntry extends RouteEntry {
  created: string;
  key: string; // namespace/name
  ruleIndex: number;
  matchIndex: number;
  /** GRPCRoute matches rank by the characters of their service and method, not by path (grpc-route-compiler.ts). */
  grpc?: { service: number; method: number };
}

const pathRank = (e: RouteEntry) => (e.match.path.type === 'Exact' ? 2 : e.match.path.type === 'PathPrefix' ? 1 : 0);

export function compareEntries(a: RankedEntry, b: RankedEntry): number {
  if (a.grpc && b.grpc) return compareGrpcEntries(a, b);
  return (
    pathRank(b) - pathRank(a) ||
    (a.match.path.type === 'PathPrefix' ? b.match.path.value.length - a.match.path.value.length : 0) ||
    Number(!!b.match.method) - Number(!!a.match.method) ||
    b.match.headers.length - a.match.headers.length ||
    b.match.query.length - a.match.query.length ||
    a.created.localeCompare(b.created) ||
    a.key.localeCompare(b.key) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}

/**
 * GRPCRoute precedence (apis/v1/grpcroute_types.go, GRPCRouteRule.Matches): the most characters in a matching service,
 * then in a matching method, then the most header matches; then the oldest route, namespace/name, rule and match
 * order. (Hostnames come first there; GAMMA routes ignore hostnames, GEP-1294.)
 */
function compareGrpcEntries(a: RankedEntry, b: RankedEntry): number {
  return (
    b.grpc!.service - a.grpc!.service ||
    b.grpc!.method - a.grpc!.method ||
    b.match.headers.length - a.match.headers.length ||
    a.created.localeCompare(b.created) ||
    a.key.localeCompare(b.key) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}
