// Gateway API HTTPRoute match precedence: exact path, then the longest prefix, then method, then the most
// header matches, then the most query matches; ties go to the oldest route, then namespace/name
// alphabetically, then rule and match order. RegularExpression paths are implementation-specific: the
// sandbox ranks them after every prefix, so a regex never shadows a literal path.
import type { RouteEntry } from '../config/snapshot.js';

export interface RankedEntry extends RouteEntry {
  created: string;
  key: string; // namespace/name
  ruleIndex: number;
  matchIndex: number;
}

const pathRank = (e: RouteEntry) => (e.match.path.type === 'Exact' ? 2 : e.match.path.type === 'PathPrefix' ? 1 : 0);

export function compareEntries(a: RankedEntry, b: RankedEntry): number {
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
