// PlaygroundStore on PostgreSQL (node-postgres), shared by several server replicas so any of them serves any
// session. Parameterised queries only; JSON documents in JSONB; times in TIMESTAMPTZ, handed back as ISO
// strings like the SQLite store's. The schema is migrated on open (postgres-schema.ts).
import pg from 'pg';
import type { Schemas } from '../api/types.js';
import { migrate } from './postgres-schema.js';
import { MAX_CHECK_RESULTS_PER_SESSION } from './sqlite-store.js';
import type { BenchmarkRecord, PlaygroundStore, SessionRecord } from './store.js';

/** Connections one replica holds at most: the database's max_connections is shared by every replica. */
export const POOL_SIZE = 10;
/** Bounds on reaching the database and on one statement, so a stuck database fails requests instead of hanging them. */
const CONNECT_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 15_000;

interface SessionRow {
  id: string;
  token_hash: string;
  namespace: string;
  apps: SessionRecord['apps'];
  created_at: Date;
  last_seen_at: Date;
  ended_at: Date | null;
}

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  namespace: r.namespace,
  apps: r.apps,
  createdAt: r.created_at.toISOString(),
  lastSeenAt: r.last_seen_at.toISOString(),
  endedAt: r.ended_at ? r.ended_at.toISOString() : null,
});

export class PostgresStore implements PlaygroundStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects, migrates the schema, and returns the store; the pool is closed again if that fails. */
  static async open(connectionString: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, statement_timeout: STATEMENT_TIMEOUT_MS, application_name: 'playground-server' });
    // An idle client whose connection drops emits 'error' on the pool; without a listener that kills the process.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool);
  }

  private async rows<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  async saveSession(s: SessionRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO sessions (id, token_hash, namespace, apps, created_at, last_seen_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, apps = excluded.apps, last_seen_at = excluded.last_seen_at, ended_at = excluded.ended_at`,
      [s.id, s.tokenHash, s.namespace, JSON.stringify(s.apps), s.createdAt, s.lastSeenAt, s.endedAt],
    );
  }

  async sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const [row] = await this.rows<SessionRow>('SELECT * FROM sessions WHERE token_hash = $1', [tokenHash]);
    return row && toSession(row);
  }

  async touchSession(id: string, lastSeenAt: string): Promise<void> {
    // GREATEST: two replicas touching one session never move its clock backwards.
    await this.pool.query('UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE id = $2 AND ended_at IS NULL', [lastSeenAt, id]);
  }

  async endSession(id: string, endedAt: string): Promise<void> {
    await this.pool.query('UPDATE sessions SET ended_at = $1 WHERE id = $2', [endedAt, id]);
  }

  async endIdleSession(id: string, before: string, endedAt: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL AND last_seen_at < $3', [endedAt, id, before]);
    return rowCount === 1;
  }

  async idleSessions(before: string): Promise<SessionRecord[]> {
    return (await this.rows<SessionRow>('SELECT * FROM sessions WHERE ended_at IS NULL AND last_seen_at < $1', [before])).map(toSession);
  }

  async liveSessions(): Promise<SessionRecord[]> {
    return (await this.rows<SessionRow>('SELECT * FROM sessions WHERE ended_at IS NULL', [])).map(toSession);
  }

  async saveBenchmark(r: BenchmarkRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO benchmarks (id, session_id, started_at, status, owner, benchmark, result) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, owner = excluded.owner, benchmark = excluded.benchmark, result = excluded.result`,
      [r.benchmark.id, r.sessionId, r.benchmark.startedAt, r.benchmark.status, r.owner ?? null, JSON.stringify(r.benchmark), r.result === null || r.result === undefined ? null : JSON.stringify(r.result)],
    );
  }

  async interruptRunningBenchmarks(at: string, reason: string, unowned = true): Promise<number> {
    // One statement: a run whose owner renews its lease meanwhile is either seen as live or not, never half-updated.
    const { rowCount } = await this.pool.query(
      `UPDATE benchmarks b SET status = 'interrupted', owner = NULL,
         benchmark = b.benchmark || jsonb_build_object('status', 'interrupted', 'finishedAt', $1::text, 'error', $2::text)
       WHERE b.status = 'running'
         AND (CASE WHEN b.owner IS NULL THEN $4::boolean ELSE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = b.owner AND r.lease_until > $3::timestamptz) END)`,
      // `at` twice: as the document's text (kept exactly as given) and as the instant leases are compared with.
      [at, reason, at, unowned],
    );
    // Expired leases have done their job; a replica that comes back renews its own.
    await this.pool.query('DELETE FROM replicas WHERE lease_until <= $1', [at]);
    return rowCount ?? 0;
  }

  async renewReplicaLease(replica: string, until: string): Promise<void> {
    await this.pool.query('INSERT INTO replicas (id, lease_until) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until', [replica, until]);
  }

  async releaseReplicaLease(replica: string): Promise<void> {
    await this.pool.query('DELETE FROM replicas WHERE id = $1', [replica]);
  }

  async requestBenchmarkCancel(sessionId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE benchmarks SET cancel_requested = true WHERE session_id = $1 AND id = $2 AND status = 'running'`, [sessionId, id]);
    return rowCount === 1;
  }

  async benchmarkCancelRequested(sessionId: string, id: string): Promise<boolean> {
    const [row] = await this.rows<{ cancel_requested: boolean }>('SELECT cancel_requested FROM benchmarks WHERE session_id = $1 AND id = $2', [sessionId, id]);
    return row?.cancel_requested === true;
  }

  async benchmark(sessionId: string, id: string): Promise<BenchmarkRecord | undefined> {
    const [row] = await this.rows<{ session_id: string; benchmark: Schemas['Benchmark']; result: unknown }>('SELECT session_id, benchmark, result FROM benchmarks WHERE session_id = $1 AND id = $2', [sessionId, id]);
    return row && { sessionId: row.session_id, benchmark: row.benchmark, result: row.result ?? null };
  }

  async benchmarks(sessionId: string): Promise<BenchmarkRecord[]> {
    const rows = await this.rows<{ session_id: string; benchmark: Schemas['Benchmark'] }>('SELECT session_id, benchmark FROM benchmarks WHERE session_id = $1 ORDER BY started_at DESC, id DESC LIMIT 200', [sessionId]);
    return rows.map((r) => ({ sessionId: r.session_id, benchmark: r.benchmark, result: null }));
  }

  async recordCheck(sessionId: string, result: Schemas['CheckResult']): Promise<void> {
    await this.pool.query('INSERT INTO check_results (session_id, result) VALUES ($1, $2)', [sessionId, JSON.stringify(result)]);
    // Trimmed after the insert committed, so two replicas recording at once still leave at most the bound.
    await this.pool.query('DELETE FROM check_results WHERE session_id = $1 AND seq NOT IN (SELECT seq FROM check_results WHERE session_id = $1 ORDER BY seq DESC LIMIT $2)', [sessionId, MAX_CHECK_RESULTS_PER_SESSION]);
  }

  async checkResults(sessionId: string): Promise<Schemas['CheckResult'][]> {
    return (await this.rows<{ result: Schemas['CheckResult'] }>('SELECT result FROM check_results WHERE session_id = $1 ORDER BY seq', [sessionId])).map((r) => r.result);
  }

  async saveLessonProgress(sessionId: string, p: Schemas['LessonProgress']): Promise<void> {
    await this.pool.query('INSERT INTO lesson_progress (session_id, lesson, progress) VALUES ($1, $2, $3) ON CONFLICT (session_id, lesson) DO UPDATE SET progress = excluded.progress', [sessionId, p.lesson, JSON.stringify(p)]);
  }

  async lessonProgress(sessionId: string): Promise<Schemas['LessonProgress'][]> {
    return (await this.rows<{ progress: Schemas['LessonProgress'] }>('SELECT progress FROM lesson_progress WHERE session_id = $1 ORDER BY lesson COLLATE "C"', [sessionId])).map((r) => r.progress);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
