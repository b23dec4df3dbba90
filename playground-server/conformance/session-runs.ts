// The last conformance run of each session, kept so a lesson check can ask "did the learner run the suite, and
// what came out?" (playground-checks.ts). In this process's memory only: the runner leaves nothing in the cluster
// (it deletes what it applied), and a run is a few test results, not worth a table. With several replicas a check
// answered by another replica than the run's says "no run yet" — the learner runs it again.
import type { Schemas } from '../api/types.js';

export interface RecordedConformanceRun {
  finishedAt: string;
  profiles: string[];
  results: Schemas['ConformanceTestResult'][];
}

/** Sessions remembered at most (oldest forgotten first): a bound on memory whatever learners do. */
const MAX_SESSIONS = 2000;
const runs = new Map<string, RecordedConformanceRun>();

export function recordConformanceRun(sessionId: string, run: RecordedConformanceRun): void {
  runs.delete(sessionId);
  runs.set(sessionId, run);
  while (runs.size > MAX_SESSIONS) runs.delete(runs.keys().next().value!);
}

export function lastConformanceRun(sessionId: string): RecordedConformanceRun | undefined {
  return runs.get(sessionId);
}
