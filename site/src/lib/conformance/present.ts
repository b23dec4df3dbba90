// Words and classes the conformance page shows for results, grades and dates; one place so the page, its
// components and the search index say the same thing.
import type { ConformanceSiteData, ConformanceTestEntry, ProfileResult, SmiGrade, TestResult } from './data-contract.ts';

/** The badge's colour class (global.css): green, red, amber; the text always says the result too. */
export function resultClass(result: TestResult | ProfileResult | SmiGrade | 'passed' | 'failed'): 'pass' | 'fail' | 'partial' {
  if (result === 'passed' || result === 'success' || result === 'Full') return 'pass';
  if (result === 'failed' || result === 'failure' || result === 'None') return 'fail';
  return 'partial';
}

/** A row's fragment id, so search results and links can point at one test. */
export function testAnchor(t: Pick<ConformanceTestEntry, 'profile' | 'name'>): string {
  return `test-${t.profile}-${t.name}`.toLowerCase();
}

/** "2026-11-27 17:00 UTC": the run's time without the reader's locale guessing. */
export function utcTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The shipped placeholder (and any run that skipped everything) has no result to show. */
export function noRunRecorded(data: ConformanceSiteData): boolean {
  return data.tests.every((t) => t.result === 'skipped');
}

export function testsOf(data: ConformanceSiteData, profile: string): ConformanceTestEntry[] {
  return data.tests.filter((t) => t.profile === profile);
}

/** "MeshHTTPRouteRewritePath" → ["Mesh", "HTTPRoute", "Rewrite", "Path"]: where a long test or feature name may wrap. */
export function camelParts(name: string): string[] {
  return name.split(/(?<=[a-z0-9])(?=[A-Z])/);
}
