// The value matching of Istio's AuthorizationPolicy, compiled once per policy: a string is exact, a prefix (`abc*`),
// a suffix (`*abc`) or `*` (any non-empty value), as istio.io's AuthorizationPolicy reference defines; an IP block is an
// IPv4 address or CIDR. A field's list matches when any value matches; its `not…` list when none does.
import { inIpv4Range, ipv4Range, ipv4ToInt } from '../../../runtime/network/ipv4-range.js';

/** One compiled value test. */
export type ValueTest = (value: string) => boolean;

/**
 * Istio string match (security/v1beta1 "Rule": exact, prefix `abc*`, suffix `*abc`, presence `*`). `lower` compares
 * case-insensitively (hosts are).
 */
export function stringMatch(pattern: string, lower = false): ValueTest {
  const p = lower ? pattern.toLowerCase() : pattern;
  const norm = lower ? (v: string) => v.toLowerCase() : (v: string) => v;
  if (p === '*') return (v) => v.length > 0;
  if (p.length > 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => norm(v).startsWith(prefix);
  }
  if (p.length > 1 && p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => norm(v).endsWith(suffix);
  }
  return (v) => norm(v) === p;
}

/** Any of the patterns (an exact-only list becomes one Set lookup: the common case stays O(1)). */
export function anyOf(patterns: string[], make: (p: string) => ValueTest = (p) => stringMatch(p)): ValueTest {
  if (patterns.length === 1) return make(patterns[0]);
  const tests = patterns.map(make);
  return (v) => {
    for (const t of tests) if (t(v)) return true;
    return false;
  };
}

/** An exact-match set when no pattern uses `*` (methods, ports, principals usually), else the general list. */
export function anyOfStrings(patterns: string[], lower = false): ValueTest {
  if (patterns.some((p) => p.includes('*'))) return anyOf(patterns, (p) => stringMatch(p, lower));
  const set = new Set(lower ? patterns.map((p) => p.toLowerCase()) : patterns);
  return lower ? (v) => set.has(v.toLowerCase()) : (v) => set.has(v);
}

/** An `ipBlocks` entry (`1.2.3.4` or `1.2.3.0/24`); undefined when it is not IPv4 (the caller reports it). */
export function ipBlock(text: string): ValueTest | undefined {
  const m = /^([\d.]+)(?:\/(\d{1,2}))?$/.exec(text.trim());
  const range = m ? ipv4Range(m[1], m[2] === undefined ? 32 : Number(m[2])) : undefined;
  if (!range) return undefined;
  return (v) => {
    const ip = ipv4ToInt(v);
    return ip !== undefined && inIpv4Range(ip, range);
  };
}
