// The readable summary at the end of a run: one row per test (suite, test, result, reason), SMI rows with their
// grade, then each profile's summary line from the report.
import type { ConformanceReport } from './report.js';
import type { TestResult } from './results.js';

const RESULT = { passed: 'passed', failed: 'FAILED', skipped: 'skipped', 'not-supported': 'not supported' } as const;
const MAX_REASON = 160;

export function resultsTable(results: readonly TestResult[], report?: ConformanceReport): string {
  const rows = results.map((r) => [r.suite === 'mesh' ? 'GAMMA' : 'SMI', r.name, r.grade ? `${RESULT[r.outcome]} (${r.grade}${r.assertions ? ` ${r.assertions.passed}/${r.assertions.total}` : ''})` : RESULT[r.outcome], oneLine(r.reason)]);
  const header = ['SUITE', 'TEST', 'RESULT', 'REASON'];
  const widths = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join('   ').trimEnd();
  const lines = [fmt(header), ...rows.map(fmt)];
  for (const p of report?.profiles ?? []) lines.push('', `${p.name}: ${p.summary}`);
  return `${lines.join('\n')}\n`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON - 1)}…` : flat;
}
