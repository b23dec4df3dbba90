// PlaygroundStore on SQLite (better-sqlite3) in the data directory: WAL mode, one file, schema created on
// open (and widened in place for databases written by older versions). Synchronous under the hood, which is fine for small rows; the interface stays async. The directory
// is made 0700 and the database with its -wal/-shm files 0600; it holds no credential in plain text (session
// tokens as SHA-256 hashes, no cluster tokens), and deleted rows are overwritten (secure_delete).
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Schemas } from '../api/types.js';
import type { BenchmarkRecord, PlaygroundStore, SessionRecord } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  namespace TEXT NOT NULL,
  apps TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  ended_at TEXT
);
CREATE INDEX IF NOT EXISTS sessions_live ON sessions (ended_at, last_seen_at);
CREATE TABLE IF NOT EXISTS benchmarks (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  started_at TEXT NOT NULL,
  benchmark TEXT NOT NULL,
  result TEXT
);
CREATE INDEX IF NOT EXISTS benchmarks_session ON benchmarks (session_id, started_at);
CREATE TABLE IF NOT EXISTS replicas (
  id TEXT PRIMARY KEY,
  lease_until TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS check_results (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_results_session ON check_results (session_id, seq);
CREATE TABLE IF NOT EXISTS lesson_progress (
  session_id TEXT NOT NULL,
  lesson TEXT NOT NULL,
  progress TEXT NOT NULL,
  PRIMARY KEY (session_id, lesson)
);
`;

/** Check results kept per session (oldest dropped), so a learner hammering "check" cannot grow the file. */
export const MAX_CHECK_RESULTS_PER_SESSION = 500;

interface SessionRow {
  id: string;
  token_hash: string;
  namespace: string;
  apps: string;
  created_at: string;
  last_seen_at: string;
  ended_at: string | null;
}

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  namespace: r.namespace,
  apps: JSON.parse(r.apps) as SessionRecord['apps'],
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  endedAt: r.ended_at,
});

export const DATA_DIR_MODE = 0o700;
export const DB_FILE_MODE = 0o600;

export class SqliteStore implements PlaygroundStore {
  private db: Database.Database;

  constructor(private readonly file: string) {
    if (file !== ':memory:') {
      const dir = dirname(file);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
      // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
      closeSync(openSync(file, 'a', DB_FILE_MODE));
      chmodSync(file, DB_FILE_MODE);
    }
    this.db = new Database(file);
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.addBenchmarkColumns();
    this.scrubLegacyCredentials();
    this.tightenSidecarFiles();
  }

  /** Databases written by older versions kept the learner's cluster token: remove it (secure_delete overwrites it). */
  private scrubLegacyCredentials(): void {
    const columns = this.db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[];
    if (columns.some((c) => c.name === 'cluster_token')) {
      this.db.prepare('UPDATE sessions SET cluster_token = NULL WHERE cluster_token IS NOT NULL').run();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
  }

  /** Databases from before several replicas: the replica running a benchmark, and a cancel asked by another. */
  private addBenchmarkColumns(): void {
    const columns = new Set((this.db.prepare('PRAGMA table_info(benchmarks)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('owner')) this.db.exec('ALTER TABLE benchmarks ADD COLUMN owner TEXT');
    if (!columns.has('cancel_requested')) this.db.exec('ALTER TABLE benchmarks ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0');
  }

  private tightenSidecarFiles(): void {
    if (this.file === ':memory:') return;
    for (const suffix of ['-wal', '-shm']) if (existsSync(this.file + suffix)) chmodSync(this.file + suffix, DB_FILE_MODE);
  }

  async saveSession(s: SessionRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO sessions (id, token_hash, namespace, apps, created_at, last_seen_at, ended_at)
         VALUES (@id, @tokenHash, @namespace, @apps, @createdAt, @lastSeenAt, @endedAt)
         ON CONFLICT(id) DO UPDATE SET namespace = excluded.namespace, apps = excluded.apps, last_seen_at = excluded.last_seen_at,
           ended_at = excluded.ended_at`,
      )
      .run({ id: s.id, tokenHash: s.tokenHash, namespace: s.namespace, apps: JSON.stringify(s.apps), createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, endedAt: s.endedAt });
  }

  async sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash) as SessionRow | undefined;
    return row && toSession(row);
  }

  async touchSession(id: string, lastSeenAt: string): Promise<void> {
    this.db.prepare('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ? AND ended_at IS NULL').run(lastSeenAt, id);
  }

  async endSession(id: string, endedAt: string): Promise<void> {
    this.db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ?').run(endedAt, id);
  }

  async endIdleSession(id: string, before: string, endedAt: string): Promise<boolean> {
    return this.db.prepare('UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL AND last_seen_at < ?').run(endedAt, id, before).changes === 1;
  }

  async idleSessions(before: string): Promise<SessionRecord[]> {
    return (this.db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL AND last_seen_at < ?').all(before) as SessionRow[]).map(toSession);
  }

  async liveSessions(): Promise<SessionRecord[]> {
    return (this.db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL').all() as SessionRow[]).map(toSession);
  }

  async saveBenchmark(r: BenchmarkRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO benchmarks (id, session_id, started_at, benchmark, result, owner) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET benchmark = excluded.benchmark, result = excluded.result, owner = excluded.owner`,
      )
      .run(r.benchmark.id, r.sessionId, r.benchmark.startedAt, JSON.stringify(r.benchmark), r.result === null || r.result === undefined ? null : JSON.stringify(r.result), r.owner ?? null);
  }

  async interruptRunningBenchmarks(at: string, reason: string, unowned = true): Promise<number> {
    const orphaned = this.db.prepare(
      `SELECT id, benchmark FROM benchmarks WHERE json_extract(benchmark, '$.status') = 'running'
         AND (CASE WHEN owner IS NULL THEN ? ELSE NOT EXISTS (SELECT 1 FROM replicas WHERE replicas.id = benchmarks.owner AND replicas.lease_until > ?) END)`,
    );
    const update = this.db.prepare(`UPDATE benchmarks SET benchmark = ?, owner = NULL WHERE id = ? AND json_extract(benchmark, '$.status') = 'running'`);
    // One transaction: the read and the writes see the same leases.
    const tx = this.db.transaction(() => {
      const rows = orphaned.all(unowned ? 1 : 0, at) as { id: string; benchmark: string }[];
      for (const r of rows) {
        const b = JSON.parse(r.benchmark) as Schemas['Benchmark'];
        update.run(JSON.stringify({ ...b, status: 'interrupted', finishedAt: at, error: reason } satisfies Schemas['Benchmark']), r.id);
      }
      // Expired leases have done their job; a replica that comes back renews its own.
      this.db.prepare('DELETE FROM replicas WHERE lease_until <= ?').run(at);
      return rows.length;
    });
    return tx.immediate();
  }

  async renewReplicaLease(replica: string, until: string): Promise<void> {
    this.db.prepare('INSERT INTO replicas (id, lease_until) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET lease_until = excluded.lease_until').run(replica, until);
  }

  async releaseReplicaLease(replica: string): Promise<void> {
    this.db.prepare('DELETE FROM replicas WHERE id = ?').run(replica);
  }

  async requestBenchmarkCancel(sessionId: string, id: string): Promise<boolean> {
    return this.db.prepare(`UPDATE benchmarks SET cancel_requested = 1 WHERE session_id = ? AND id = ? AND json_extract(benchmark, '$.status') = 'running'`).run(sessionId, id).changes === 1;
  }

  async benchmarkCancelRequested(sessionId: string, id: string): Promise<boolean> {
    const row = this.db.prepare('SELECT cancel_requested FROM benchmarks WHERE session_id = ? AND id = ?').get(sessionId, id) as { cancel_requested: number } | undefined;
    return row?.cancel_requested === 1;
  }

  async benchmark(sessionId: string, id: string): Promise<BenchmarkRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM benchmarks WHERE session_id = ? AND id = ?').get(sessionId, id) as { session_id: string; benchmark: string; result: string | null } | undefined;
    return row && { sessionId: row.session_id, benchmark: JSON.parse(row.benchmark) as Schemas['Benchmark'], result: row.result === null ? null : (JSON.parse(row.result) as unknown) };
  }

  async benchmarks(sessionId: string): Promise<BenchmarkRecord[]> {
    const rows = this.db.prepare('SELECT session_id, benchmark FROM benchmarks WHERE session_id = ? ORDER BY started_at DESC, id DESC LIMIT 200').all(sessionId) as { session_id: string; benchmark: string }[];
    return rows.map((r) => ({ sessionId: r.session_id, benchmark: JSON.parse(r.benchmark) as Schemas['Benchmark'], result: null }));
  }

  async recordCheck(sessionId: string, result: Schemas['CheckResult']): Promise<void> {
    const tx = this.db.transaction(() => {
      this.db.prepare('INSERT INTO check_results (session_id, result) VALUES (?, ?)').run(sessionId, JSON.stringify(result));
      this.db
        .prepare('DELETE FROM check_results WHERE session_id = ? AND seq NOT IN (SELECT seq FROM check_results WHERE session_id = ? ORDER BY seq DESC LIMIT ?)')
        .run(sessionId, sessionId, MAX_CHECK_RESULTS_PER_SESSION);
    });
    tx();
  }

  async checkResults(sessionId: string): Promise<Schemas['CheckResult'][]> {
    const rows = this.db.prepare('SELECT result FROM check_results WHERE session_id = ? ORDER BY seq').all(sessionId) as { result: string }[];
    return rows.map((r) => JSON.parse(r.result) as Schemas['CheckResult']);
  }

  async saveLessonProgress(sessionId: string, p: Schemas['LessonProgress']): Promise<void> {
    this.db
      .prepare('INSERT INTO lesson_progress (session_id, lesson, progress) VALUES (?, ?, ?) ON CONFLICT(session_id, lesson) DO UPDATE SET progress = excluded.progress')
      .run(sessionId, p.lesson, JSON.stringify(p));
  }

  async lessonProgress(sessionId: string): Promise<Schemas['LessonProgress'][]> {
    const rows = this.db.prepare('SELECT progress FROM lesson_progress WHERE session_id = ? ORDER BY lesson').all(sessionId) as { progress: string }[];
    return rows.map((r) => JSON.parse(r.progress) as Schemas['LessonProgress']);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
