// Server replicas on one store: sessions per second and per-operation p99 over REST with one replica on SQLite
// (the embedded default, for reference), one replica on PostgreSQL and two replicas on PostgreSQL, each replica
// a real `playground up` process on one `playground sandbox` process and one real PostgreSQL. With two replicas
// the client alternates between them request by request, as a load balancer without affinity would, so every
// session is re-attached by the replica that did not create it. The machine is shared: read the ratios.
//   REPLICAS_BENCH_SESSIONS (default 6) sessions created at once, then REPLICAS_BENCH_ROUNDS (default 20) rounds
//   of describeSession + listBenchmarks + getProgress + updateProgress per session, all sessions at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../test/server/postgres-server.js';
import { startReplicaProcess, startSandboxProcess, type ReplicaProcess } from '../test/server/replica-processes.js';
import { pct } from './lib/child-sandbox.js';
import { TimedOperations } from './lib/timed-operations.js';

const SESSIONS = Number(process.env.REPLICAS_BENCH_SESSIONS ?? 6);
const ROUNDS = Number(process.env.REPLICAS_BENCH_ROUNDS ?? 20);

interface Outcome {
  name: string;
  sessionsPerSecond: number;
  opsPerSecond: number;
  latencies: Map<string, number[]>;
  errors: number;
  errorSamples: string[];
}

async function measure(name: string, replicas: ReplicaProcess[]): Promise<Outcome> {
  const timed = new TimedOperations();
  let turn = 0;
  // Round robin over the replicas, request by request: no session affinity.
  const op = (label: string, method: string, path: string, token?: string, body?: unknown) => timed.op(label, replicas[turn++ % replicas.length].url, method, path, token, body);

  const t0 = performance.now();
  // Only the curl workload (apps: []): the cost measured is the server's and the store's, not Bookinfo's rollout.
  const sessions = (await Promise.all(Array.from({ length: SESSIONS }, () => op('createSession', 'POST', '/api/sessions', undefined, { apps: [] })))).filter(Boolean) as { token: string }[];
  const createdIn = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  await Promise.all(
    sessions.map(async ({ token }) => {
      for (let i = 0; i < ROUNDS; i++) {
        await op('describeSession', 'GET', '/api/session', token);
        await op('listBenchmarks', 'GET', '/api/session/benchmarks', token);
        await op('getProgress', 'GET', '/api/session/progress', token);
        await op('updateProgress', 'PUT', '/api/session/progress/traffic-split', token, { step: `step-${i}`, completed: false });
      }
    }),
  );
  const opsIn = (performance.now() - t1) / 1000;
  for (const { token } of sessions) await op('endSession', 'DELETE', '/api/session', token);
  const opsCount = sessions.length * ROUNDS * 4;
  return { name, sessionsPerSecond: sessions.length / createdIn, opsPerSecond: opsCount / opsIn, latencies: timed.latencies, errors: timed.errors, errorSamples: timed.errorSamples };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-replicas-'));
const [postgres, sandbox] = await Promise.all([startPostgres(), startSandboxProcess('bench-replicas-sandbox-')]);
const outcomes: Outcome[] = [];
try {
  const configs: { name: string; database: () => Promise<string>; replicas: number }[] = [
    { name: 'SQLite ×1', database: async () => `sqlite:${join(dir, 'sqlite', 'playground.db')}`, replicas: 1 },
    { name: 'PostgreSQL ×1', database: () => postgres.database('one_replica'), replicas: 1 },
    { name: 'PostgreSQL ×2', database: () => postgres.database('two_replicas'), replicas: 2 },
  ];
  for (const c of configs) {
    const database = await c.database();
    const replicas = await Promise.all(Array.from({ length: c.replicas }, (_, k) => startReplicaProcess(sandbox.kubeconfig, database, join(dir, `${c.name.replace(/\W+/g, '-')}-${k}`), SESSIONS * 2)));
    try {
      outcomes.push(await measure(c.name, replicas));
    } finally {
      for (const r of replicas) await r.stop();
    }
  }
} finally {
  await sandbox.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}

const col = (s: string, n = 14) => s.padStart(n);
const reference = outcomes.find((o) => o.name === 'PostgreSQL ×1')!;
process.stdout.write(`${SESSIONS} sessions created at once, then ${ROUNDS} rounds of 4 operations per session, all sessions at once\n`);
process.stdout.write(`${'store × replicas'.padEnd(16)}${col('sessions/s')}${col('ops/s')}${col('errors', 8)}\n`);
for (const o of outcomes) process.stdout.write(`${o.name.padEnd(16)}${col(o.sessionsPerSecond.toFixed(2))}${col(o.opsPerSecond.toFixed(0))}${col(String(o.errors), 8)}\n`);
const ops = ['createSession', 'describeSession', 'listBenchmarks', 'getProgress', 'updateProgress'];
process.stdout.write(`\np99 ms per operation (p50 in brackets)\n${'operation'.padEnd(16)}${outcomes.map((o) => col(o.name, 20)).join('')}\n`);
for (const name of ops) {
  process.stdout.write(name.padEnd(16) + outcomes.map((o) => {
    const xs = o.latencies.get(name) ?? [];
    return col(`${pct(xs, 99).toFixed(1)} (${pct(xs, 50).toFixed(1)})`, 20);
  }).join('') + '\n');
}
process.stdout.write(`\nratios against PostgreSQL ×1 (same run):\n`);
for (const o of outcomes) {
  if (o === reference) continue;
  const p99 = (n: string) => pct(o.latencies.get(n) ?? [], 99) / pct(reference.latencies.get(n) ?? [], 99);
  process.stdout.write(`  ${o.name}: sessions/s ${(o.sessionsPerSecond / reference.sessionsPerSecond).toFixed(2)}×, ops/s ${(o.opsPerSecond / reference.opsPerSecond).toFixed(2)}×, p99 ${ops.slice(1).map((n) => `${n} ${p99(n).toFixed(2)}×`).join(', ')}\n`);
}
const errors = outcomes.reduce((n, o) => n + o.errors, 0);
process.stdout.write(`errors: ${errors} (goal 0)${errors ? ` e.g. ${outcomes.flatMap((o) => o.errorSamples.map((e) => `${o.name} ${e}`)).slice(0, 5).join(' | ')}` : ''}\n`);
process.exitCode = errors ? 1 : 0;
