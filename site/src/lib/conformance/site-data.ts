// The conformance data the site is built from, read and checked once per build. astro.config.mjs decides which file
// (site/src/data/conformance.json, or PLAYGROUND_CONFORMANCE_DATA for a build against a test fixture); a file that
// does not match the contract stops the build with the problems listed.
import { readFileSync } from 'node:fs';
import { parseConformanceData, type ConformanceSiteData } from './data-contract.ts';

declare const __PLAYGROUND_CONFORMANCE_DATA__: string;

let cached: ConformanceSiteData | undefined;

export function conformanceData(): ConformanceSiteData {
  if (cached) return cached;
  const path = __PLAYGROUND_CONFORMANCE_DATA__;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`the conformance page's data file ${path} cannot be read (${(err as Error).message}); generate it with \`npm run conformance:site\``);
  }
  cached = parseConformanceData(text, path);
  return cached;
}
