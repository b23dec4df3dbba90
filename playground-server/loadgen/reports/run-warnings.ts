// Every caveat about a run's numbers — what the wire outcomes say about the target (wire-warnings.ts), then the
// percentiles the sample is too small for (sample-size.ts) — in the one order the page, the text report and the
// exported documents (playground extension, fortio `Warnings`) carry them.
import type { LoadResult } from '../result.js';
import { sampleSizeWarnings } from './sample-size.js';
import { wireWarnings } from './wire-warnings.js';

export function runWarnings(r: LoadResult): string[] {
  return [...wireWarnings(r), ...sampleSizeWarnings(r)];
}
