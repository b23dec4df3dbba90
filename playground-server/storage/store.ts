// What the server persists: sessions (by token hash), benchmark results and lesson progress. An async
// interface so a PostgreSQL implementation can satisfy it; SQLite (sqlite-store.ts) is the default.
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
}

export interface PlaygroundStore {
  saveSession(record: SessionRecord): Promise<void>;
  sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  touchSession(id: string, lastSeenAt: string): Promise<void>;
  endSession(id: string, endedAt: string): Promise<void>;
  /** Live sessions not seen since `before`. */
  idleSessions(before: string): Promise<SessionRecord[]>;
  /** Live sessions (for re-attaching after a restart). */
  liveSessions(): Promise<SessionRecord[]>;

  saveBenchmark(record: BenchmarkRecord): Promise<void>;
  /** At startup: benchmarks left `running` by a server that stopped become `interrupted`; returns how many. */
  interruptRunningBenchmarks(at: string, reason: string): Promise<number>;
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
