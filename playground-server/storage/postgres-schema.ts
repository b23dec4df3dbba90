// The PostgreSQL store's schema as numbered migrations, applied at startup under a transaction-scoped advisory
// lock: two replicas starting at once take turns (concurrent CREATE TABLE IF NOT EXISTS can otherwise fail on
// pg_type's unique index), and each migration runs once, recorded in playground_schema_migrations.
import type { Pool } from 'pg';

/** pg_advisory_xact_lock key for migrations: any constant the database's other users do not take ("PGMIGRAT"). */
export const MIGRATION_LOCK_KEY = 0x50474d49_47524154n;

export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  namespace TEXT NOT NULL,
  apps JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  ended_at TIMESTAMPTZ
);
CREATE INDEX sessions_live ON sessions (last_seen_at) WHERE ended_at IS NULL;
CREATE TABLE benchmarks (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  status TEXT NOT NULL,
  owner TEXT,
  benchmark JSONB NOT NULL,
  result JSONB
);
CREATE INDEX benchmarks_session ON benchmarks (session_id, started_at DESC);
CREATE INDEX benchmarks_running ON benchmarks (owner) WHERE status = 'running';
CREATE TABLE check_results (
  seq BIGSERIAL PRIMARY KEY,
  session_id TEXT NOT NULL,
  result JSONB NOT NULL
);
CREATE INDEX check_results_session ON check_results (session_id, seq);
CREATE TABLE lesson_progress (
  session_id TEXT NOT NULL,
  lesson TEXT NOT NULL,
  progress JSONB NOT NULL,
  PRIMARY KEY (session_id, lesson)
);
CREATE TABLE replicas (
  id TEXT PRIMARY KEY,
  lease_until TIMESTAMPTZ NOT NULL
);`,
  },
  {
    version: 2,
    // A cancel asked through one replica for a run another replica owns (the owner polls it).
    sql: 'ALTER TABLE benchmarks ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT false',
  },
];

/** Applies the migrations this database has not seen; returns the versions applied (empty when up to date). */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS playground_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM playground_schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO playground_schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
