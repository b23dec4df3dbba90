// Keeping learners apart: session A cannot list, change or send requests into session B's namespace —
// through REST, the WebSocket, the terminal's kubectl or its own downloaded kubeconfig with the real
// kubectl — and SSRF targets are refused before anything is sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, ndjson, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

const KUBECTL = '/usr/bin/kubectl';
let fx: ServerFixture;
let a: { token: string; namespace: string };
let b: { token: string; namespace: string };

before(async () => {
  fx = await startFixture();
  [a, b] = await Promise.all([createSession(fx.url), createSession(fx.url)]);
});
after(() => fx?.close());

const podsIn = (ns: string) => fx.sandbox.api.list(fx.sandbox.api.type('', 'pods'), ns).items.length;

test('REST and WS: a manifest naming another namespace is refused and nothing is created there', async () => {
  const before = fx.sandbox.api.list(fx.sandbox.api.type('', 'configmaps'), b.namespace).items.length;
  const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: intruder, namespace: ${b.namespace}}\n`;
  const res = await rest(fx.url, 'POST', '/api/session/resources', { token: a.token, body: { manifest } });
  assert.equal(res.status, 403);
  assert.equal(res.body.reason, 'OtherNamespace');
  assert.match(res.body.message, new RegExp(b.namespace));
  const ws = await WsClient.connect(fx.url, { token: a.token });
  const viaWs = await ws.call('applyResources', { manifest });
  assert.equal(viaWs.error.reason, 'OtherNamespace');
  const clusterScoped = await ws.call('applyResources', { manifest: `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${b.namespace}}\n` });
  assert.equal(clusterScoped.error.reason, 'ClusterScoped');
  const listNs = await ws.call('listResources', { resource: 'namespaces' });
  assert.equal(listNs.error.code, 403);
  await ws.close();
  assert.equal(fx.sandbox.api.list(fx.sandbox.api.type('', 'configmaps'), b.namespace).items.length, before, 'nothing written into B');
  assert.equal(fx.sandbox.api.tryGet(fx.sandbox.api.type('', 'configmaps'), a.namespace, 'mine'), undefined, 'nothing half-applied into A');
});

test('requests and benchmarks cannot reach another namespace, IP literals, localhost or metadata addresses', async () => {
  const targets = [
    `http://httpbin.${b.namespace}:8000/get`,
    `http://httpbin.${b.namespace}.svc.cluster.local:8000/get`,
    'http://127.0.0.1:8000/',
    'http://localhost:8000/',
    'http://[::1]:8000/',
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://kubernetes.default.svc/api',
    'http://example.com/',
    'https://httpbin:8000/get',
    'file:///etc/passwd',
    'http://user:pw@httpbin:8000/',
  ];
  const ws = await WsClient.connect(fx.url, { token: a.token });
  for (const url of targets) {
    const res = await rest(fx.url, 'POST', '/api/session/requests', { token: a.token, body: { url } });
    assert.ok([400, 403, 404].includes(res.status), `${url}: ${res.status} ${res.text}`);
    assert.ok(['TargetRefused', 'ValidationFailed', 'UnknownService'].includes(res.body.reason), `${url}: ${res.body.reason}`);
    const viaWs = await ws.call('sendRequest', { url });
    assert.ok(viaWs.error, `${url} over WS`);
    const bench = await ws.call('startBenchmark', { url, durationSeconds: 1 });
    assert.ok(bench.error, `${url} benchmark`);
  }
  await ws.close();
  // Nothing was sent: the curl pod logged no request at all.
  const curlPod = fx.sandbox.api.list(fx.sandbox.api.type('', 'pods'), a.namespace).items.find((p) => p.metadata.name!.startsWith('curl-'))!;
  const logs = await rest(fx.url, 'POST', '/api/session/terminal', { token: a.token, body: { line: `kubectl logs ${curlPod.metadata.name} -c curl` } });
  const text = ndjson(logs.text).filter((f) => f.event).map((f) => f.event.data).join('');
  assert.match(text, /curl: listening/, 'the logs were read');
  assert.doesNotMatch(text, / -> /, `the client workload sent nothing: ${text}`);
});

test("the terminal's kubectl is scoped to the session's namespace", async () => {
  const run = async (line: string) => {
    const res = await rest(fx.url, 'POST', '/api/session/terminal', { token: a.token, body: { line } });
    const frames = ndjson(res.text);
    return { text: frames.filter((f) => f.event).map((f) => f.event.data).join(''), exit: frames.at(-1)!.result?.exitCode, error: frames.at(-1)!.error ?? (res.status >= 400 ? res.body : undefined) };
  };
  const own = await run('kubectl get pods');
  assert.equal(own.exit, 0, own.text);
  assert.match(own.text, /httpbin-/);
  for (const line of [`kubectl get pods -n ${b.namespace}`, 'kubectl get pods -A', 'kubectl get namespaces', `kubectl delete deployment httpbin -n ${b.namespace}`, `kubectl get --raw /api/v1/namespaces/${b.namespace}/pods`]) {
    const r = await run(line);
    assert.notEqual(r.exit, 0, line);
    assert.match(r.text, /[Ff]orbidden/, `${line}: ${r.text}`);
  }
  assert.equal(podsIn(b.namespace) > 0, true, "B's pods are untouched");
  const escape = await run('kubectl get pods --kubeconfig /dev/null');
  assert.equal(escape.error.reason, 'CommandRefused');
});

test("the downloaded kubeconfig works with the real kubectl, in the session's namespace only", async () => {
  const res = await rest(fx.url, 'GET', '/api/session/kubeconfig', { token: a.token });
  const path = join(fx.dir, 'a.kubeconfig');
  writeFileSync(path, res.text, { mode: 0o600 });
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(KUBECTL, ['--kubeconfig', path, '--cache-dir', join(fx.dir, 'kc-cache'), ...args], { timeout: 30_000, env: { PATH: '/usr/bin', HOME: fx.dir } }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: stdout + stderr }),
      );
    });
  const own = await kubectl(['get', 'deployments']);
  assert.equal(own.code, 0, own.out);
  assert.match(own.out, /httpbin/);
  const other = await kubectl(['get', 'pods', '-n', b.namespace]);
  assert.notEqual(other.code, 0);
  assert.match(other.out, /forbidden/i);
  const del = await kubectl(['delete', 'namespace', b.namespace]);
  assert.notEqual(del.code, 0);
  assert.match(del.out, /forbidden/i);
});

test("session B's token only reaches B, and a forged or missing token reaches nothing", async () => {
  const asB = await rest(fx.url, 'GET', '/api/session', { token: b.token });
  assert.equal(asB.body.namespace, b.namespace);
  for (const token of [undefined, 'pgs_' + 'A'.repeat(43), 'not-a-token', a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A')]) {
    const res = await rest(fx.url, 'GET', '/api/session/resources/pods', { token });
    assert.equal(res.status, 401, String(token));
    assert.equal(res.body.reason, 'SessionRequired');
  }
  // A cookie from another site cannot drive a session: state-changing requests check the Origin.
  const csrf = await rest(fx.url, 'DELETE', '/api/session', { headers: { cookie: `pg_session=${b.token}`, origin: 'https://evil.example' } });
  assert.equal(csrf.status, 403);
  assert.equal(csrf.body.reason, 'OriginNotAllowed');
  assert.equal((await rest(fx.url, 'GET', '/api/session', { token: b.token })).status, 200, 'B still alive');
});
