// One test's outcome as the runner records it (upstream's resultType: SUCCEEDED, FAILED, SKIPPED, NOT_SUPPORTED),
// and the progress events a display listens to.

export type Outcome = 'passed' | 'failed' | 'skipped' | 'not-supported';

export interface TestResult {
  suite: 'mesh' | 'smi';
  name: string;
  outcome: Outcome;
  /** Why it failed or was not run (empty when it passed). */
  reason: string;
  durationMs: number;
  provisional?: boolean;
  /** SMI: the capability grade (Meshery's Full / Partial / None). */
  grade?: 'Full' | 'Partial' | 'None';
  /** SMI: assertions that passed / all assertions. */
  assertions?: { passed: number; total: number };
  /** SMI: each assertion's outcome, in the scenario's order. */
  checks?: SmiCheckResult[];
}

export interface SmiCheckResult {
  name: string;
  passed: boolean;
  reason?: string;
}

export type ProgressEvent =
  | { type: 'phase'; message: string }
  | { type: 'test-start'; suite: 'mesh' | 'smi'; name: string; index: number; total: number }
  | { type: 'step'; name: string; step: string }
  | { type: 'test-end'; result: TestResult; index: number; total: number };

export type ProgressListener = (event: ProgressEvent) => void;
