// The site search's matcher: whole words (a query word matches the start of a word, so "fault" finds "fault
// injection" but not "default"), every query term must match, and a small synonym table so "mTLS" finds "mutual TLS"
// and "canary" finds "traffic shifting". Titles weigh more than text. Dependency-free: it ships on every page.

export interface SearchEntry {
  kind: 'lesson' | 'step' | 'operation' | 'schema' | 'page' | 'heading' | 'conformance test';
  title: string;
  text: string;
  href: string;
}

/** Each group: phrases that name the same thing (lowercase, words separated by one space). */
export const SYNONYMS: readonly (readonly string[])[] = [
  ['mtls', 'mutual tls', 'peerauthentication', 'peer authentication'],
  ['authz', 'authorization', 'authorisation', 'authorizationpolicy', 'authorization policy', 'access control'],
  ['canary', 'traffic shifting', 'traffic splitting', 'traffic split', 'trafficsplit', 'weighted routing'],
  ['circuit breaker', 'circuit breaking', 'circuit breakers', 'outlier detection'],
  ['smi', 'service mesh interface'],
  ['gamma', 'gateway api mesh', 'gateway api for mesh', 'mesh conformance'],
  ['fault injection', 'inject faults', 'injecting faults', 'chaos'],
  ['retry', 'retries', 'retrying'],
  ['mirroring', 'mirror', 'shadowing', 'traffic mirroring'],
  ['tracing', 'distributed tracing', 'traces', 'spans'],
  ['metrics', 'telemetry', 'golden metrics'],
  ['k8s', 'kubernetes'],
  ['virtualservice', 'virtual service'],
  ['destinationrule', 'destination rule'],
  ['httproute', 'http route'],
  ['latency', 'p99', 'percentile'],
];

/** Lowercase words of a text, split at anything not a letter or digit ("mTLS" → "mtls", "circuit-breaking" → two words). */
export function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** A query term: the alternatives any one of which must appear (a lone word, or a synonym group's phrases). */
type Term = string[];

/** The query's terms, longest synonym phrase first: "mutual tls policy" → [[mtls, mutual tls, …], [policy]]. */
export function queryTerms(query: string): Term[] {
  const q = words(query);
  const phrases = SYNONYMS.flatMap((group) => group.map((p) => ({ p: p.split(' '), group }))).sort((a, b) => b.p.length - a.p.length);
  const terms: Term[] = [];
  for (let i = 0; i < q.length; ) {
    const hit = phrases.find(({ p }) => p.every((w, k) => q[i + k] === w));
    if (hit) {
      terms.push([...hit.group]);
      i += hit.p.length;
    } else terms.push([q[i++]]);
  }
  return terms;
}

/** Does `haystack` (words joined by single spaces, with a leading space) hold `phrase` starting at a word boundary? */
const holds = (haystack: string, phrase: string) => haystack.includes(` ${phrase}`);

/** Each entry's words, normalised once (the index is searched on every keystroke). */
const normalised = new WeakMap<SearchEntry, { title: string; text: string }>();
function wordsOf(e: SearchEntry): { title: string; text: string } {
  let n = normalised.get(e);
  if (!n) normalised.set(e, (n = { title: ` ${words(e.title).join(' ')}`, text: ` ${words(e.text).join(' ')}` }));
  return n;
}

/** Entries every term matches, best first (title matches weigh 3, text 1). */
export function searchEntries(entries: SearchEntry[], query: string, limit = 12): SearchEntry[] {
  const terms = queryTerms(query);
  if (!terms.length) return [];
  const scored: { e: SearchEntry; score: number; i: number }[] = [];
  entries.forEach((e, i) => {
    const { title, text } = wordsOf(e);
    let score = 0;
    for (const alternatives of terms) {
      if (alternatives.some((a) => holds(title, a))) score += 3;
      else if (alternatives.some((a) => holds(text, a))) score += 1;
      else return;
    }
    scored.push({ e, score, i });
  });
  return scored.sort((a, b) => b.score - a.score || a.i - b.i).slice(0, limit).map((s) => s.e);
}
