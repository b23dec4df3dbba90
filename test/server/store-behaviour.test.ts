// One table of store behaviours, run against both PlaygroundStore implementations: SQLite (a file in a temp
// directory) and PostgreSQL (a real server, test/server/postgres-server.ts, a fresh database per case). Each
// case gets two store handles on the same database (`other`), as two replicas would have.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Schemas } from '../../playground-server/api/types.js';
import { PostgresStore } from '../../playground-server/storage/postgres-store.js';
import { MIGRATIONS } from '../../playground-server/storage/postgres-schema.js';
import { MAX_CHECK_RESULTS_PER_SESSION, SqliteStore } from '../../playground-server/storage/sqlite-store.js';
import type { BenchmarkRecord, PlaygroundStore, SessionRecord } from '../../playground-server/storage/store.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';

interface Handles {
  store: PlaygroundStore;
  /** A second handle on the same database: another replica. */
  other: PlaygroundStore;
}

const iso = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse('2026-05-01T10:00:00.000Z');

const session = (id: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  tokenHash: `hash-${id}`,
  namespace: `pg-${id}`,
  apps: ['httpbin'],
  createdAt: iso(T0),
  lastSeenAt: iso(T0),
  endedAt: null,
  ...over,
});

const benchmark = (id: string, over: Partial<Schemas['Benchmark']> = {}): Schemas['Benchmark'] => ({
  id,
  status: 'running',
  url: 'http://httpbin:8000/get',
  connections: 4,
  rps: null,
  durationSeconds: 5,
  startedAt: iso(T0),
  finishedAt: null,
  summary: null,
  error: null,
  ...over,
});

const run = (sessionId: string, b: Schemas['Benchmark'], owner: string | null = null, result: unknown = null): BenchmarkRecord => ({ sessionId, benchmark: b, result, owner });

const cases: { name: string; run: (h: Handles) => Promise<void> }[] = [
  {
    name: 'a saved session is found by its token hash from another replica, with every field',
    async run({ store, other }) {
      const s = session('s1', { apps: ['httpbin', 'bookinfo'] });
      await store.saveSession(s);
      assert.deepEqual(await other.sessionByTokenHash('hash-s1'), s);
      assert.equal(await other.sessionByTokenHash('hash-nobody'), undefined);
      // Saving again (a resume) updates what may change, not the id or the token.
      await other.saveSession({ ...s, lastSeenAt: iso(T0 + 5000), apps: ['bookinfo'] });
      assert.deepEqual(await store.sessionByTokenHash('hash-s1'), { ...s, lastSeenAt: iso(T0 + 5000), apps: ['bookinfo'] });
    },
  },
  {
    name: 'touching a session moves its clock forward only, and not after it ended',
    async run({ store, other }) {
      await store.saveSession(session('s1'));
      await store.touchSession('s1', iso(T0 + 60_000));
      await other.touchSession('s1', iso(T0 + 30_000)); // a slower replica's older touch
      assert.equal((await store.sessionByTokenHash('hash-s1'))!.lastSeenAt, iso(T0 + 60_000));
      await store.endSession('s1', iso(T0 + 70_000));
      await other.touchSession('s1', iso(T0 + 80_000));
      const ended = (await store.sessionByTokenHash('hash-s1'))!;
      assert.equal(ended.lastSeenAt, iso(T0 + 60_000));
      assert.equal(ended.endedAt, iso(T0 + 70_000));
    },
  },
  {
    name: 'live and idle sessions: ended ones are neither, recent ones are not idle',
    async run({ store }) {
      await store.saveSession(session('old'));
      await store.saveSession(session('new', { lastSeenAt: iso(T0 + 600_000) }));
      await store.saveSession(session('gone', { endedAt: iso(T0 + 1000) }));
      assert.deepEqual((await store.liveSessions()).map((s) => s.id).sort(), ['new', 'old']);
      assert.deepEqual((await store.idleSessions(iso(T0 + 300_000))).map((s) => s.id), ['old']);
    },
  },
  {
    name: 'ending an idle session: exactly one of two replicas wins, and a session seen since is not ended',
    async run({ store, other }) {
      await store.saveSession(session('idle'));
      await store.saveSession(session('busy'));
      await other.touchSession('busy', iso(T0 + 500_000));
      const cutoff = iso(T0 + 300_000);
      const wins = await Promise.all([store.endIdleSession('idle', cutoff, iso(T0 + 400_000)), other.endIdleSession('idle', cutoff, iso(T0 + 400_001))]);
      assert.deepEqual(wins.filter(Boolean).length, 1, `one winner, got ${JSON.stringify(wins)}`);
      assert.ok((await store.sessionByTokenHash('hash-idle'))!.endedAt);
      assert.equal(await store.endIdleSession('busy', cutoff, iso(T0 + 400_000)), false);
      assert.equal((await store.sessionByTokenHash('hash-busy'))!.endedAt, null);
      assert.equal(await store.endIdleSession('nobody', cutoff, iso(T0 + 400_000)), false);
    },
  },
  {
    name: 'benchmarks: saved runs update in place, newest first, results only by id, per session',
    async run({ store, other }) {
      await store.saveBenchmark(run('s1', benchmark('b-1'), 'replica-a'));
      await store.saveBenchmark(run('s1', benchmark('b-2', { startedAt: iso(T0 + 1000) }), 'replica-a'));
      await store.saveBenchmark(run('s2', benchmark('b-3'), 'replica-a'));
      const done = benchmark('b-1', { status: 'completed', finishedAt: iso(T0 + 6000) });
      const result = { version: 'smp', latencies: [1.5, 2, 3], nested: { ok: true, n: null } };
      await store.saveBenchmark(run('s1', done, null, result));
      assert.deepEqual((await other.benchmarks('s1')).map((r) => [r.benchmark.id, r.benchmark.status, r.result]), [['b-2', 'running', null], ['b-1', 'completed', null]]);
      assert.deepEqual(await other.benchmark('s1', 'b-1'), { sessionId: 's1', benchmark: done, result });
      assert.equal(await other.benchmark('s2', 'b-1'), undefined, "another session's run is not visible");
      assert.equal((await other.benchmark('s1', 'b-2'))!.result, null);
    },
  },
  {
    name: 'interrupting: only runs whose owner holds no lease (none, expired, released); live replicas keep theirs',
    async run({ store, other }) {
      const now = T0 + 100_000;
      await store.renewReplicaLease('alive', iso(now + 15_000));
      await store.renewReplicaLease('expired', iso(now - 1));
      await store.renewReplicaLease('released', iso(now + 15_000));
      await store.releaseReplicaLease('released');
      await store.saveBenchmark(run('s1', benchmark('b-alive', { label: 'keep me' }), 'alive'));
      await store.saveBenchmark(run('s1', benchmark('b-expired', { label: 'mine' }), 'expired'));
      await store.saveBenchmark(run('s1', benchmark('b-released'), 'released'));
      await store.saveBenchmark(run('s1', benchmark('b-legacy'), null));
      await store.saveBenchmark(run('s1', benchmark('b-unknown'), 'never-registered'));
      await store.saveBenchmark(run('s1', benchmark('b-done', { status: 'completed', finishedAt: iso(T0) }), null));
      // A replica's periodic round leaves records without an owner (from before leases) to the next start…
      assert.equal(await other.interruptRunningBenchmarks(iso(now), 'the replica stopped', false), 3);
      assert.equal((await store.benchmark('s1', 'b-legacy'))!.benchmark.status, 'running');
      // …which interrupts them too; the reason and time of each run are those of the round that ended it.
      assert.equal(await other.interruptRunningBenchmarks(iso(now), 'the replica stopped'), 1);
      const status = async (id: string) => (await store.benchmark('s1', id))!.benchmark;
      assert.equal((await status('b-alive')).status, 'running');
      assert.equal((await status('b-done')).status, 'completed');
      for (const id of ['b-expired', 'b-released', 'b-legacy', 'b-unknown']) {
        const b = await status(id);
        assert.equal(b.status, 'interrupted', id);
        assert.equal(b.finishedAt, iso(now), id);
        assert.equal(b.error, 'the replica stopped', id);
        assert.equal(b.url, 'http://httpbin:8000/get', `${id} keeps its other fields`);
      }
      assert.equal((await status('b-expired')).label, 'mine');
      assert.deepEqual((await store.benchmarks('s1')).map((r) => r.benchmark.status).sort(), ['completed', 'interrupted', 'interrupted', 'interrupted', 'interrupted', 'running']);
      // Nothing left to interrupt until the live replica's lease runs out; then its run goes too.
      assert.equal(await store.interruptRunningBenchmarks(iso(now + 1000), 'again'), 0);
      assert.equal(await store.interruptRunningBenchmarks(iso(now + 15_000), 'lease ran out'), 1);
      assert.equal((await status('b-alive')).status, 'interrupted');
      // A renewed lease protects a run started later by the same replica.
      await store.renewReplicaLease('alive', iso(now + 60_000));
      await store.saveBenchmark(run('s1', benchmark('b-later'), 'alive'));
      assert.equal(await store.interruptRunningBenchmarks(iso(now + 20_000), 'no'), 0);
    },
  },
  {
    name: 'a cancel asked through one replica is seen by the other, only for a running run of that session',
    async run({ store, other }) {
      await store.saveBenchmark(run('s1', benchmark('b-run'), 'replica-a'));
      await store.saveBenchmark(run('s1', benchmark('b-done', { status: 'completed' })));
      assert.equal(await other.benchmarkCancelRequested('s1', 'b-run'), false);
      assert.equal(await other.requestBenchmarkCancel('s2', 'b-run'), false, "another session's token cannot cancel it");
      assert.equal(await other.requestBenchmarkCancel('s1', 'b-done'), false);
      assert.equal(await other.requestBenchmarkCancel('s1', 'nothing'), false);
      assert.equal(await store.benchmarkCancelRequested('s1', 'b-run'), false);
      assert.equal(await other.requestBenchmarkCancel('s1', 'b-run'), true);
      assert.equal(await store.benchmarkCancelRequested('s1', 'b-run'), true);
      assert.equal(await store.benchmarkCancelRequested('s2', 'b-run'), false);
      // The owner's progress saves do not clear the request.
      await store.saveBenchmark(run('s1', benchmark('b-run', { label: 'still going' }), 'replica-a'));
      assert.equal(await store.benchmarkCancelRequested('s1', 'b-run'), true);
    },
  },
  {
    name: 'check results: in order, per session, the newest kept up to the bound',
    async run({ store, other }) {
      const check = (n: number): Schemas['CheckResult'] => ({ check: `c${n}`, lesson: 'traffic-split', passed: n % 2 === 0, hint: `hint ${n}`, details: { n }, checkedAt: iso(T0 + n) });
      for (let n = 0; n < MAX_CHECK_RESULTS_PER_SESSION + 5; n++) await (n % 2 ? store : other).recordCheck('s1', check(n));
      await store.recordCheck('s2', check(9999));
      const kept = await other.checkResults('s1');
      assert.equal(kept.length, MAX_CHECK_RESULTS_PER_SESSION);
      assert.deepEqual(kept[0], check(5), 'the oldest five were dropped');
      assert.deepEqual(kept.at(-1), check(MAX_CHECK_RESULTS_PER_SESSION + 4));
      assert.deepEqual(await store.checkResults('s2'), [check(9999)]);
      assert.deepEqual(await store.checkResults('nobody'), []);
    },
  },
  {
    name: 'lesson progress: one row per lesson (the last save wins), ordered by lesson name bytes',
    async run({ store, other }) {
      const p = (lesson: string, step: string): Schemas['LessonProgress'] => ({ lesson, step, completed: false, updatedAt: iso(T0) });
      await store.saveLessonProgress('s1', p('traffic-split', 'one'));
      await other.saveLessonProgress('s1', p('traffic-split', 'two'));
      await store.saveLessonProgress('s1', p('Mtls', 'one'));
      await store.saveLessonProgress('s1', p('a-b', 'one'));
      await store.saveLessonProgress('s2', p('retries', 'one'));
      assert.deepEqual(await other.lessonProgress('s1'), [p('Mtls', 'one'), p('a-b', 'one'), p('traffic-split', 'two')]);
    },
  },
  {
    name: 'the store answers ping, and close is final',
    async run({ store }) {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
    },
  },
];

const implementations: { name: string; open: () => Promise<Handles & { dispose(): Promise<void> }>; setup?: () => Promise<void>; teardown?: () => Promise<void> }[] = [];

let tmp: string;
let caseNo = 0;
implementations.push({
  name: 'SQLite',
  async open() {
    const file = join(tmp, `case-${++caseNo}.db`);
    const store = new SqliteStore(file);
    const other = new SqliteStore(file);
    return { store, other, dispose: async () => void (await Promise.all([store.close(), other.close()])) };
  },
});

let postgres: PostgresServer | undefined;
implementations.push({
  name: 'PostgreSQL',
  async open() {
    const url = await postgres!.database(`case_${++caseNo}`);
    // Two replicas starting at once: both migrate, the advisory lock takes them in turn.
    const [store, other] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    return { store, other, dispose: async () => void (await Promise.all([store.close().catch(() => undefined), other.close().catch(() => undefined)])) };
  },
});

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'store-test-'));
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

for (const impl of implementations) {
  describe(impl.name, () => {
    for (const c of cases) {
      test(c.name, { timeout: 60_000 }, async () => {
        const h = await impl.open();
        try {
          await c.run(h);
        } finally {
          await h.dispose();
        }
      });
    }
  });
}

test('PostgreSQL: migrations run once however many replicas start, and reopening an up-to-date database changes nothing', { timeout: 60_000 }, async () => {
  const url = await postgres!.database('migrations');
  const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(url)));
  await stores[0].saveSession(session('kept'));
  await Promise.all(stores.map((s) => s.close()));
  const again = await PostgresStore.open(url);
  assert.ok(await again.sessionByTokenHash('hash-kept'), 'data survives a reopen');
  await again.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number }>('SELECT version FROM playground_schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
  } finally {
    await client.end();
  }
});

test('SQLite: a database from before replica leases gains the owner column and its running runs are interrupted', { timeout: 30_000 }, async () => {
  const file = join(tmp, 'legacy.db');
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  db.exec(`CREATE TABLE benchmarks (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, started_at TEXT NOT NULL, benchmark TEXT NOT NULL, result TEXT)`);
  db.prepare('INSERT INTO benchmarks VALUES (?, ?, ?, ?, NULL)').run('b-old', 's1', iso(T0), JSON.stringify(benchmark('b-old')));
  db.close();
  const store = new SqliteStore(file);
  try {
    assert.equal(await store.interruptRunningBenchmarks(iso(T0 + 1000), 'restarted'), 1);
    assert.equal((await store.benchmark('s1', 'b-old'))!.benchmark.status, 'interrupted');
  } finally {
    await store.close();
  }
});
