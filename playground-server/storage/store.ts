// What the server persists: sessions (by token hash), benchmark results, lesson progress and the leases of the
// server replicas sharing the store. Async, implemented twice: SQLite (sqlite-store.ts, the embedded default) and
// PostgreSQL (postgres-store.ts, shared by several replicas); test/server/store-behaviour.test.ts holds both to
// one table of cases.
import type { Schemas } from '../api/types.js';

export interface SessionRecord {
  id: string;
  /** SHA-256 of the session token (the token itself is never stored). */
  tokenHash: string;
  namespace: string;
  apps: Schemas['SampleApp'][];
  createdAt: string;
  lastSeenAt: string;
  endedAt: string | null;
  // No cluster credential is stored: the learner's ServiceAccount token lives in memory only, and a session
  // re-attached after a restart gets a fresh one from the TokenRequest API.
}

export interface BenchmarkRecord {
  sessionId: string;
  benchmark: Schemas['Benchmark'];
  /** The loadgen result (JSON) the exports are rendered from; null until the run ends. */
  result: unknown;
  /** The replica running it (while `running`): its lease keeps the run from being marked interrupted. */
  owner?: string | null;
}

export interface PlaygroundStore {
  saveSession(record: SessionRecord): Promise<void>;
  sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  touchSession(id: string, lastSeenAt: string): Promise<void>;
  endSession(id: string, endedAt: string): Promise<void>;
  /**
   * Ends a live session only if it has not been seen since `before`; true if this call ended it. With several
   * replicas sweeping at once exactly one wins, and only the winner deletes the namespace.
   */
  endIdleSession(id: string, before: string, endedAt: string): Promise<boolean>;
  /** Live sessions not seen since `before`. */
  idleSessions(before: string): Promise<SessionRecord[]>;
  /** Live sessions (for re-attaching after a restart). */
  liveSessions(): Promise<SessionRecord[]>;

  saveBenchmark(record: BenchmarkRecord): Promise<void>;
  /**
   * Benchmarks left `running` by a replica that holds no lease at `at` (it stopped or was killed) become
   * `interrupted`; returns how many. Runs of live replicas stay. Records without an owner (written by a server
   * from before leases) are included when `unowned` is true, as a replica does when it starts.
   */
  interruptRunningBenchmarks(at: string, reason: string, unowned?: boolean): Promise<number>;
  /** This replica is alive until `until` (renewed on a timer, like a Kubernetes Lease). */
  renewReplicaLease(replica: string, until: string): Promise<void>;
  /** A replica stopping cleanly gives its lease up, so its unfinished runs are interrupted at once. */
  releaseReplicaLease(replica: string): Promise<void>;
  /** Asks whichever replica runs a benchmark to cancel it (the owner polls); false if it is not running. */
  requestBenchmarkCancel(sessionId: string, id: string): Promise<boolean>;
  /** Whether a cancel was asked for this run (by any replica). */
  benchmarkCancelRequested(sessionId: string, id: string): Promise<boolean>;
  benchmark(sessionId: string, id: string): Promise<BenchmarkRecord | undefined>;
  benchmarks(sessionId: string): Promise<BenchmarkRecord[]>;

  recordCheck(sessionId: string, result: Schemas['CheckResult']): Promise<void>;
  checkResults(sessionId: string): Promise<Schemas['CheckResult'][]>;
  saveLessonProgress(sessionId: string, progress: Schemas['LessonProgress']): Promise<void>;
  lessonProgress(sessionId: string): Promise<Schemas['LessonProgress'][]>;

  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
