// What the server leaves on disk and in the cluster for an attacker: the data directory is 0700 and the
// database files 0600 with no credential in their bytes (a resumed session gets a fresh cluster token);
// benchmarks a crash left `running` come back `interrupted`; and a hand-written load-generator pod over the
// benchmark limits is refused by the generator itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createSession, ndjson, rest, startFixture, type ServerFixture } from './fixture.js';
import { BENCHMARK_LIMITS } from '../../playground-server/benchmarks/limits.js';
import { GENERATOR_PROTOCOL } from '../../playground-server/loadgen/protocol.js';
import { LOADGEN_IMAGE } from '../../playground-server/loadgen/pod-image.js';

let fx: ServerFixture;
before(async () => {
  fx = await startFixture();
});
after(() => fx?.close());

const mode = (p: string) => statSync(p).mode & 0o777;
const tokenOf = (kubeconfig: string) => /token: (\S+)/.exec(kubeconfig)?.[1];

async function terminal(base: string, token: string, line: string) {
  const res = await rest(base, 'POST', '/api/session/terminal', { token, body: { line } });
  const frames = ndjson(res.text);
  return { text: frames.filter((f) => f.event).map((f) => f.event.data).join(''), exit: frames.at(-1)!.result?.exitCode as number | undefined };
}

test('the data directory is 0700, the database files 0600, and their bytes hold no token; a restart issues a fresh cluster token', { timeout: 120_000 }, async () => {
  const dataDir = join(fx.dir, 'db-modes', 'data');
  const first = await fx.startServer({ dataDir });
  const s = await createSession(first.url);
  const kubeconfig = (await rest(first.url, 'GET', '/api/session/kubeconfig', { token: s.token })).text;
  const clusterToken = tokenOf(kubeconfig);
  assert.ok(clusterToken && clusterToken.length > 20, 'the session has a cluster token');
  assert.equal((await terminal(first.url, s.token, 'kubectl get deployments')).exit, 0);

  const db = join(dataDir, 'playground.db');
  assert.equal(mode(dataDir), 0o700, 'data dir');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) assert.equal(mode(f), 0o600, f);
  assert.ok(existsSync(`${db}-wal`), 'WAL mode wrote a -wal file');
  const bytes = () => [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
  assert.ok(bytes().includes(s.namespace), 'the session is in the database (the bytes were read)');
  assert.ok(!bytes().includes(s.token), 'no session token in the database');
  assert.ok(!bytes().includes(clusterToken!), 'no cluster token in the database');
  assert.ok(!bytes().includes(clusterToken!.slice(-24)), 'no part of the cluster token in the database');

  await first.close();
  const second = await fx.startServer({ dataDir });
  const resumed = await rest(second.url, 'POST', '/api/sessions/resume', { body: { token: s.token } });
  assert.equal(resumed.status, 200, resumed.text);
  const after = await terminal(second.url, s.token, 'kubectl get deployments');
  assert.equal(after.exit, 0, after.text);
  assert.match(after.text, /httpbin/);
  const fresh = tokenOf((await rest(second.url, 'GET', '/api/session/kubeconfig', { token: s.token })).text);
  assert.ok(fresh && fresh !== clusterToken, 'a fresh cluster token after the restart');
  assert.ok(!bytes().includes(fresh!), 'the fresh token is not stored either');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) assert.equal(mode(f), 0o600, f);
  await second.close();
});

test('a benchmark left running by a stopped server is interrupted after the restart', { timeout: 120_000 }, async () => {
  const dataDir = join(fx.dir, 'interrupted');
  const first = await fx.startServer({ dataDir });
  const s = await createSession(first.url);
  const session = (await rest(first.url, 'GET', '/api/session', { token: s.token })).body;
  // What a crash mid-run leaves in the store: the run's record, still `running`.
  await first.store.saveBenchmark({
    sessionId: session.id,
    benchmark: { id: 'b-crashed1', status: 'running', url: 'http://httpbin:8000/get', connections: 4, rps: 100, durationSeconds: 30, startedAt: new Date().toISOString(), finishedAt: null, summary: null, error: null },
    result: null,
  });
  assert.equal((await rest(first.url, 'GET', '/api/session/benchmarks/b-crashed1', { token: s.token })).body.status, 'running');
  await first.close();

  const second = await fx.startServer({ dataDir });
  const b = await rest(second.url, 'GET', '/api/session/benchmarks/b-crashed1', { token: s.token });
  assert.equal(b.status, 200, b.text);
  assert.equal(b.body.status, 'interrupted');
  assert.match(b.body.error, /server stopped/);
  assert.ok(b.body.finishedAt);
  const list = await rest(second.url, 'GET', '/api/session/benchmarks', { token: s.token });
  assert.equal(list.body.items.find((x: { id: string }) => x.id === 'b-crashed1').status, 'interrupted');
  await second.close();
});

test('a hand-written generator pod over the benchmark limits exits non-zero naming the limit; one within them runs', { timeout: 180_000 }, async () => {
  const s = await createSession(fx.url);
  const spec = (over: Record<string, unknown>) =>
    JSON.stringify({ protocol: GENERATOR_PROTOCOL, generatorId: 0, url: 'http://httpbin:8000/get', method: 'GET', headers: {}, totalRps: null, stride: 1, phase: 0, connections: 2, durationMs: 1000, warmupMs: 0, timeoutMs: 2000, ...over });
  const pod = (name: string, specJson: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: loadgen\n    image: ${LOADGEN_IMAGE}\n    env:\n    - name: LOADGEN_SPEC\n      value: '${specJson}'\n`;
  const rogues = {
    'rogue-connections': [spec({ connections: 256, durationMs: 15_000 }), 'maxConnections'],
    'rogue-rate': [spec({ totalRps: 50_000 }), 'maxRps'],
    'rogue-duration': [spec({ durationMs: 3_600_000 }), 'maxDurationSeconds'],
    'rogue-stride': [spec({ stride: 64, phase: 0 }), 'maxGenerators'],
  } as const;
  const manifest = [...Object.entries(rogues).map(([name, [json]]) => pod(name, json)), pod('fair-generator', spec({}))].join('---\n');
  const applied = await rest(fx.url, 'POST', '/api/session/resources', { token: s.token, body: { manifest } });
  assert.equal(applied.status, 200, applied.text);

  const terminated = async (name: string) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const p = fx.sandbox.api.tryGet(fx.sandbox.api.type('', 'pods'), s.namespace, name) as { status?: { containerStatuses?: { name: string; state?: { terminated?: { exitCode: number } } }[] } } | undefined;
      const t = p?.status?.containerStatuses?.find((c) => c.name === 'loadgen')?.state?.terminated;
      if (t) return t.exitCode;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} did not terminate within 60 s`);
  };
  for (const [name, [, limit]] of Object.entries(rogues)) {
    assert.notEqual(await terminated(name), 0, `${name} exits non-zero`);
    const logs = await terminal(fx.url, s.token, `kubectl logs ${name} -c loadgen`);
    assert.match(logs.text, /generator spec refused/, `${name}: ${logs.text}`);
    assert.match(logs.text, new RegExp(limit), `${name} names ${limit}`);
    assert.doesNotMatch(logs.text, /"type":"(progress|result)"/, `${name} sent nothing`);
  }
  // Control: the same image with a spec within the limits runs and reports a result.
  assert.equal(await terminated('fair-generator'), 0);
  const fair = await terminal(fx.url, s.token, 'kubectl logs fair-generator -c loadgen');
  assert.match(fair.text, /"type":"result"/);
  assert.ok(BENCHMARK_LIMITS.maxConnections < 256);
  assert.equal((await rest(fx.url, 'GET', '/healthz')).status, 200);
});

test('the image\'s `playground generator` (a hosted Job pod) refuses a spec over the limits when PLAYGROUND_GENERATOR_LIMITS=session', { timeout: 60_000 }, async () => {
  const bin = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));
  const spec = JSON.stringify({ protocol: GENERATOR_PROTOCOL, generatorId: 0, url: 'http://127.0.0.1:9/', method: 'GET', headers: {}, totalRps: null, stride: 1, phase: 0, connections: 256, durationMs: 15_000, warmupMs: 0, timeoutMs: 2000 });
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number; out: string }>((resolve) =>
      execFile(process.execPath, [bin, 'generator'], { env: { PATH: process.env.PATH ?? '/usr/bin', LOADGEN_SPEC: spec, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
  const refused = await run({ PLAYGROUND_GENERATOR_LIMITS: 'session' });
  assert.equal(refused.code, 2, refused.out);
  assert.match(refused.out, /generator spec refused: connections 256 is over the limit of 64 \(maxConnections\)/);
  assert.doesNotMatch(refused.out, /"type":"(ready|progress|result)"/);
});
