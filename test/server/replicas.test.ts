// Several server replicas on one PostgreSQL serve any session: two real `playground up` processes pointed at one
// `playground sandbox` process (through its kubeconfig) and one real PostgreSQL serve a session alternately —
// created on A, resumed on B, terminal on B, benchmarks run on A and read on B — then A is killed (SIGKILL)
// and B serves everything that was written (progress, checks, benchmark results), its WebSocket reconnected;
// the run A left going becomes `interrupted` once A's lease runs out, while A's live run was never touched.
// Then a run on one replica cancelled through the other, and expiry with two replicas: a session one replica
// keeps using is not expired by the other, and when it goes idle exactly one deletes the namespace and both
// refuse it. And the session cap counts every replica's sessions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlaygroundServer } from '../../playground-server/server.js';
import { parseDatabaseUrl } from '../../playground-server/storage/database-url.js';
import { createSession, ndjson, rest, SITE_DIR, WsClient } from './fixture.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { startReplicaProcess, startSandboxProcess, type ReplicaProcess, type SandboxProcess } from './replica-processes.js';

let postgres: PostgresServer;
let sandbox: SandboxProcess;
let dir: string;
const replicas: ReplicaProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'replicas-test-'));
  [postgres, sandbox] = await Promise.all([startPostgres(), startSandboxProcess()]);
});
after(async () => {
  for (const r of replicas) await r.stop();
  await sandbox?.stop();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `ok` holds; returns the last value read (the assertion after it says what was expected). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(250);
    v = await read();
  }
  return v;
}

const kubectl = (...args: string[]) => execFileSync('kubectl', ['--kubeconfig', sandbox.kubeconfig, ...args], { encoding: 'utf8', timeout: 30_000 });
const namespaceExists = (ns: string) => kubectl('get', 'namespaces', '-o', 'name').split('\n').includes(`namespace/${ns}`);

async function terminal(ws: WsClient, line: string): Promise<{ text: string; exitCode: number | undefined }> {
  const answer = await ws.call('runTerminal', { line }, { timeoutMs: 60_000 });
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return { text: answer.events.map((e: { data: string }) => e.data).join(''), exitCode: answer.result.exitCode };
}

test('two replicas on one PostgreSQL serve one session alternately, and nothing is lost when one is killed', { timeout: 420_000 }, async () => {
  const database = await postgres.database('replicas');
  const [a, b] = await Promise.all([startReplicaProcess(sandbox.kubeconfig, database, join(dir, 'a')), startReplicaProcess(sandbox.kubeconfig, database, join(dir, 'b'))]);
  replicas.push(a, b);
  assert.notEqual(a.url, b.url);

  // Created on A, with progress and a check result written there.
  const s = await createSession(a.url);
  const progress = await rest(a.url, 'PUT', '/api/session/progress/traffic-split', { token: s.token, body: { step: 'deploy', completed: true } });
  assert.equal(progress.status, 200, progress.text);
  const check = await rest(a.url, 'POST', '/api/session/checks/deployment-ready', { token: s.token, body: { args: { name: 'httpbin' } } });
  assert.equal(check.body.passed, true, check.text);

  // Resumed on B, which never saw it: the record from the store, a fresh cluster token from the TokenRequest API.
  const resumed = await rest(b.url, 'POST', '/api/sessions/resume', { body: { token: s.token } });
  assert.equal(resumed.status, 200, resumed.text);
  assert.equal(resumed.body.session.namespace, s.namespace);
  assert.equal(resumed.body.session.ready, true);
  const progressOnB = (await rest(b.url, 'GET', '/api/session/progress', { token: s.token })).body;
  assert.deepEqual(progressOnB, (await rest(a.url, 'GET', '/api/session/progress', { token: s.token })).body);
  assert.equal(progressOnB.lessons[0].step, 'deploy');
  assert.equal(progressOnB.checks[0].check, 'deployment-ready');

  // The terminal on B: the real kubectl with the session's kubeconfig, served by B.
  const wsB = await WsClient.connect(b.url, { token: s.token });
  const pods = await terminal(wsB, 'kubectl get deployments');
  assert.equal(pods.exitCode, 0, pods.text);
  assert.match(pods.text, /httpbin/);
  await wsB.close();

  // A benchmark run on A, seen running and then completed on B; B exports its result.
  const wsA = await WsClient.connect(a.url, { token: s.token });
  const first = wsA.call('startBenchmark', { url: 'http://httpbin:8000/get', durationSeconds: 2, connections: 1, label: 'on A' }, { timeoutMs: 120_000 });
  const listB = async () => (await rest(b.url, 'GET', '/api/session/benchmarks', { token: s.token })).body.items as { id: string; status: string; label?: string }[];
  const seen = await eventually(listB, (items) => items.some((x) => x.label === 'on A'), 60_000);
  const firstId = seen.find((x) => x.label === 'on A')?.id;
  assert.ok(firstId, `B lists the run A started: ${JSON.stringify(seen)}`);
  const done = await first;
  assert.equal(done.result?.status, 'completed', JSON.stringify(done));
  const onB = (await rest(b.url, 'GET', `/api/session/benchmarks/${firstId}`, { token: s.token })).body;
  assert.equal(onB.status, 'completed');
  assert.deepEqual(onB.summary, done.result.summary);
  const exported = await rest(b.url, 'GET', `/api/session/benchmarks/${firstId}/export?format=fortio`, { token: s.token });
  assert.equal(exported.status, 200, exported.text);
  assert.equal(exported.body.document.DurationHistogram.Count, done.result.summary.requests);

  // A long run on A. B renews its lease and interrupts orphaned runs every 5 s: across two of its rounds, A's
  // live run stays `running`.
  const second = wsA.call('startBenchmark', { url: 'http://httpbin:8000/get', durationSeconds: 60, connections: 1, rps: 5, label: 'left running' }, { timeoutMs: 120_000 });
  const running = await eventually(listB, (items) => items.some((x) => x.label === 'left running'), 60_000);
  const secondId = running.find((x) => x.label === 'left running')?.id;
  assert.ok(secondId, `B lists the second run: ${JSON.stringify(running)}`);
  await sleep(11_000);
  assert.equal((await rest(b.url, 'GET', `/api/session/benchmarks/${secondId}`, { token: s.token })).body.status, 'running', "a live replica's run is not interrupted by the other");
  // One run at a time per session holds across replicas: B refuses a second run while A's goes on.
  const busy = await rest(b.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', durationSeconds: 1 } });
  assert.equal(busy.status, 409, busy.text);
  assert.equal(busy.body.reason, 'BenchmarkRunning');
  assert.match(busy.body.message, new RegExp(secondId!));

  // A dies mid-run: its socket drops, the client reconnects to B and carries on.
  await a.kill();
  const lost = await second;
  assert.equal(lost.error?.reason, 'SocketClosed');
  const ws2 = await WsClient.connect(b.url, { token: s.token });
  const again = await terminal(ws2, 'kubectl get pods -l app=httpbin -o name');
  assert.equal(again.exitCode, 0, again.text);
  assert.match(again.text, /pod\/httpbin-/);
  const described = await ws2.call('describeSession');
  assert.equal(described.result?.namespace, s.namespace, JSON.stringify(described));

  // A's lease runs out (15 s) and B marks the run it left `interrupted`: not lost, not running forever.
  const interrupted = await eventually(async () => (await rest(b.url, 'GET', `/api/session/benchmarks/${secondId}`, { token: s.token })).body, (x) => x.status !== 'running', 60_000);
  assert.equal(interrupted.status, 'interrupted', JSON.stringify(interrupted));
  assert.match(interrupted.error, /server stopped/);

  // Nothing written through A is lost: progress, checks, both runs and the first one's export.
  assert.deepEqual((await rest(b.url, 'GET', '/api/session/progress', { token: s.token })).body, progressOnB);
  const finalList = await listB();
  assert.deepEqual(finalList.map((x) => [x.id, x.status]), [[secondId, 'interrupted'], [firstId, 'completed']]);
  assert.equal((await rest(b.url, 'GET', `/api/session/benchmarks/${firstId}/export?format=fortio`, { token: s.token })).body.document.DurationHistogram.Count, done.result.summary.requests);
  // B can run the next benchmark itself.
  const third = await ws2.call('startBenchmark', { url: 'http://httpbin:8000/get', durationSeconds: 1, connections: 1 }, { timeoutMs: 120_000 });
  assert.equal(third.result?.status, 'completed', JSON.stringify(third));
  await ws2.close();
  await wsA.close();

  // Ended on B: the session and its namespace are gone.
  const ended = await rest(b.url, 'DELETE', '/api/session', { token: s.token });
  assert.equal(ended.status, 200, ended.text);
  assert.equal((await rest(b.url, 'GET', '/api/session', { token: s.token })).status, 401);
  assert.equal(await eventually(async () => namespaceExists(s.namespace), (exists) => !exists, 60_000), false, 'the namespace was deleted');
});

test('a cancel through the other replica; expiry with two replicas: the session one keeps using is not expired by the other; once idle, one deletes it and both refuse it', { timeout: 240_000 }, async () => {
  const database = parseDatabaseUrl(await postgres.database('expiry'));
  // A TTL short enough to wait out, long enough that one request on this loaded machine never spans it.
  const ttlSeconds = 6;
  const options = { host: '127.0.0.1', port: 0, kubeconfigPath: sandbox.kubeconfig, siteDir: SITE_DIR, database, logLevel: 'error', sessionTtlSeconds: ttlSeconds, sweepIntervalMs: 250, readyTimeoutMs: 120_000 };
  const [a, b] = await Promise.all([startPlaygroundServer(options), startPlaygroundServer(options)]);
  try {
    const s = await createSession(a.url);
    // A run on A cancelled through B: the request goes through the store to the replica that runs it.
    const run = rest(a.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', durationSeconds: 60, connections: 1, rps: 5 } });
    const listed = await eventually(async () => (await rest(b.url, 'GET', '/api/session/benchmarks', { token: s.token })).body.items as { id: string; status: string }[], (items) => items.some((x) => x.status === 'running'), 60_000);
    const runId = listed.find((x) => x.status === 'running')?.id;
    assert.ok(runId, `B lists A's run: ${JSON.stringify(listed)}`);
    const cancelled = await rest(b.url, 'POST', `/api/session/benchmarks/${runId}/cancel`, { token: s.token });
    assert.equal(cancelled.status, 200, cancelled.text);
    const onA = ndjson((await run).text).at(-1)!;
    assert.equal(onA.result?.status, 'cancelled', JSON.stringify(onA));
    assert.equal((await rest(b.url, 'GET', `/api/session/benchmarks/${runId}`, { token: s.token })).body.status, 'cancelled');
    // Used on B only, for more than two TTLs: A's copy of the session goes stale, yet A must not end it.
    assert.equal((await rest(b.url, 'GET', '/api/session', { token: s.token })).status, 200);
    const until = Date.now() + 2.5 * ttlSeconds * 1000;
    while (Date.now() < until) {
      const r = await rest(b.url, 'GET', '/api/session/progress', { token: s.token });
      assert.equal(r.status, 200, `B still serves the session it is using: ${r.text}`);
      await sleep(300);
    }
    assert.equal((await rest(a.url, 'GET', '/api/session', { token: s.token })).status, 200, 'A sees the session B kept alive');
    assert.ok(namespaceExists(s.namespace), 'the namespace of a session in use stays');

    // Left idle: it expires, its namespace goes, and neither replica serves it.
    const gone = await eventually(async () => namespaceExists(s.namespace), (exists) => !exists, 60_000);
    assert.equal(gone, false, 'the namespace was deleted');
    for (const r of [a, b]) {
      assert.equal((await rest(r.url, 'GET', '/api/session', { token: s.token })).status, 401, r.url);
      assert.equal((await rest(r.url, 'POST', '/api/sessions/resume', { body: { token: s.token } })).body.reason, 'SessionExpired');
    }
    assert.equal(a.sessions.activeCount + b.sessions.activeCount, 0, 'both replicas dropped their copy');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('the session cap is the whole playground\'s: a session made on one replica fills the other\'s last slot', { timeout: 240_000 }, async () => {
  const database = parseDatabaseUrl(await postgres.database('capacity'));
  const options = { host: '127.0.0.1', port: 0, kubeconfigPath: sandbox.kubeconfig, siteDir: SITE_DIR, database, logLevel: 'error', maxSessions: 1, readyTimeoutMs: 120_000 };
  const [a, b] = await Promise.all([startPlaygroundServer(options), startPlaygroundServer(options)]);
  try {
    const first = await createSession(a.url);
    // B holds no session in memory; counting only its own would admit a second one past the cap.
    const refused = await rest(b.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] } });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body.reason, 'SessionCapacity');
    assert.equal(refused.body.details.limit, 'maxSessions');
    assert.equal((await rest(a.url, 'DELETE', '/api/session', { token: first.token })).status, 200);
    const second = await createSession(b.url); // the slot A freed is B's to give
    assert.equal((await rest(b.url, 'DELETE', '/api/session', { token: second.token })).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
