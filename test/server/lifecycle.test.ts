// A session's life and the server's: results and progress survive a restart, idle sessions expire (and
// their namespaces go), the terminal's Ctrl-C and time cap stop real programs, and the socket's guards
// (origin, heartbeats) hold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, ndjson, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

let fx: ServerFixture;
before(async () => {
  fx = await startFixture();
});
after(() => fx?.close());

const namespaceExists = (ns: string) => !!fx.sandbox.api.tryGet(fx.sandbox.api.type('', 'namespaces'), undefined, ns);

test('results and lesson progress written before a restart are read back after it', { timeout: 120_000 }, async () => {
  const s = await createSession(fx.url);
  await rest(fx.url, 'PUT', '/api/session/progress/intro', { token: s.token, body: { step: 'deploy', completed: true } });
  const check = await rest(fx.url, 'POST', '/api/session/checks/deployment-ready', { token: s.token, body: { args: { name: 'httpbin' } } });
  assert.equal(check.body.passed, true, check.body.hint);
  const bench = ndjson((await rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', durationSeconds: 1, connections: 1 } })).text).at(-1)!.result;
  assert.equal(bench.status, 'completed');
  const before = (await rest(fx.url, 'GET', '/api/session/progress', { token: s.token })).body;

  await fx.server.close();
  const restarted = await fx.startServer();
  assert.notEqual(restarted.url, fx.url);
  const resumed = await rest(restarted.url, 'POST', '/api/sessions/resume', { body: { token: s.token } });
  assert.equal(resumed.status, 200, resumed.text);
  assert.equal(resumed.body.session.namespace, s.namespace);
  const afterProgress = (await rest(restarted.url, 'GET', '/api/session/progress', { token: s.token })).body;
  assert.deepEqual(afterProgress, before);
  assert.equal(afterProgress.lessons[0].step, 'deploy');
  assert.equal(afterProgress.checks[0].check, 'deployment-ready');
  const list = (await rest(restarted.url, 'GET', '/api/session/benchmarks', { token: s.token })).body;
  assert.deepEqual(list.items.map((b: { id: string }) => b.id), [bench.id]);
  const exported = await rest(restarted.url, 'GET', `/api/session/benchmarks/${bench.id}/export?format=fortio`, { token: s.token });
  assert.equal(exported.body.document.DurationHistogram.Count, bench.summary.requests);
  fx.url = restarted.url;
  fx.server = restarted;
});

test('idle sessions expire and their namespaces are deleted', { timeout: 60_000 }, async () => {
  const short = await fx.startServer({ sessionTtlSeconds: 1, sweepIntervalMs: 200 });
  const s = await createSession(short.url);
  assert.ok(namespaceExists(s.namespace));
  for (let i = 0; i < 100 && namespaceExists(s.namespace); i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(namespaceExists(s.namespace), false, 'the namespace was deleted');
  const res = await rest(short.url, 'GET', '/api/session', { token: s.token });
  assert.equal(res.status, 401);
  const resume = await rest(short.url, 'POST', '/api/sessions/resume', { body: { token: s.token } });
  assert.equal(resume.body.reason, 'SessionExpired');
  await short.close();
});

test('Ctrl-C stops a running program, the time cap stops a long one', { timeout: 60_000 }, async () => {
  const s = await createSession(fx.url);
  const ws = await WsClient.connect(fx.url, { token: s.token });
  // kubectl logs -f runs until stopped.
  let sawOutput!: () => void;
  const output = new Promise<void>((res) => (sawOutput = res));
  const following = ws.call('runTerminal', { line: 'kubectl logs -f deploy/httpbin -c httpbin' }, { id: 'follow', onEvent: () => sawOutput() });
  await Promise.race([output, new Promise((res) => setTimeout(res, 10_000))]);
  ws.cancel('follow');
  const stopped = await following;
  assert.equal(stopped.result.cancelled, true, JSON.stringify(stopped));
  assert.equal(stopped.result.exitCode, 130);

  const capped = await ws.call('runTerminal', { line: 'tap --duration 60', timeoutSeconds: 1 });
  assert.equal(capped.result.timedOut, true);
  assert.equal(capped.result.exitCode, 124);

  const unknownCancel = await ws.call('x', undefined).catch(() => undefined);
  assert.equal(unknownCancel?.error.reason, 'UnknownOperation');
  await ws.close();
});

test('without kubectl installed the terminal says how to install it', async () => {
  const noKubectl = await fx.startServer({ kubectlPath: null });
  const s = await createSession(noKubectl.url);
  const res = await rest(noKubectl.url, 'POST', '/api/session/terminal', { token: s.token, body: { line: 'kubectl get pods' } });
  const frames = ndjson(res.text);
  assert.match(frames.filter((f) => f.event).map((f) => f.event.data).join(''), /apt-get install -y kubectl/);
  assert.equal(frames.at(-1)!.result.exitCode, 127);
  await noKubectl.close();
});

test('the socket refuses foreign origins and drops clients that stop answering heartbeats', { timeout: 30_000 }, async () => {
  const hb = await fx.startServer({ heartbeatIntervalMs: 200 });
  await assert.rejects(WsClient.connect(hb.url, { origin: 'https://evil.example' }), /403/);
  const same = await WsClient.connect(hb.url, { origin: hb.url });
  assert.equal((await same.call('listChecks')).error, undefined);
  // A dead client: its socket stops reading, so pings go unanswered.
  const dead = await WsClient.connect(hb.url);
  (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const live = await WsClient.connect(hb.url);
  // The server terminates the dead socket; a live client that answers pings stays connected.
  let metrics = '';
  for (let i = 0; i < 100; i++) {
    metrics = (await rest(hb.url, 'GET', '/metrics')).text;
    if (/playground_ws_connections 2\b/.test(metrics)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(metrics, /playground_ws_connections 2\b/);
  assert.equal(live.closed, undefined);
  assert.equal((await live.call('listChecks')).error, undefined);
  await same.close();
  await live.close();
  await dead.close();
  await hb.close();
});
