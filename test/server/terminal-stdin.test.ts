// `kubectl apply -f -` with a pasted manifest, and the offline mirror of upstream samples, through the real server
// and the real kubectl: stdin reaches kubectl and nothing else; -f reads `-` or a mirrored upstream file and no other
// path or URL — proven by a named pipe nobody opened and a listener that saw no connection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { constants, open as openFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createSession, ndjson, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';
import { probeIsolation, type TerminalWorkDir } from '../../playground-server/terminal/isolation.js';
import { mirroredFile } from '../../playground-server/terminal/upstream-mirror.js';

let fx: ServerFixture;
let s: { token: string; namespace: string };

before(async () => {
  fx = await startFixture();
  s = await createSession(fx.url);
});
after(() => fx?.close());

interface Run {
  status: number;
  text: string;
  exit?: number;
  error?: { reason: string; message: string; details?: unknown };
}

async function terminal(line: string, stdin?: string): Promise<Run> {
  const res = await rest(fx.url, 'POST', '/api/session/terminal', { token: s.token, body: stdin === undefined ? { line } : { line, stdin } });
  if (res.status >= 400) return { status: res.status, text: '', error: res.body };
  const frames = ndjson(res.text);
  return { status: res.status, text: frames.filter((f) => f.event).map((f) => f.event.data).join(''), exit: frames.at(-1)!.result?.exitCode, error: frames.at(-1)!.error };
}

const TWO_CONFIGMAPS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: pasted-one
data:
  greeting: hello
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pasted-two
data:
  greeting: world
`;

test('kubectl apply -f - reads the pasted manifest: both objects are created, and delete -f - removes them', { timeout: 120_000 }, async () => {
  const applied = await terminal('kubectl apply -f -', TWO_CONFIGMAPS);
  assert.equal(applied.exit, 0, applied.text);
  assert.match(applied.text, /configmap\/pasted-one created/);
  assert.match(applied.text, /configmap\/pasted-two created/);
  const got = await terminal('kubectl get configmap pasted-one pasted-two -o jsonpath={.items[*].data.greeting}');
  assert.equal(got.exit, 0, got.text);
  assert.equal(got.text.trim(), 'hello world');
  // The same over the WebSocket, with the long form of the flag.
  const ws = await WsClient.connect(fx.url, { token: s.token });
  const diff = await ws.call('runTerminal', { line: 'kubectl diff --filename=-', stdin: TWO_CONFIGMAPS.replace('world', 'there') });
  assert.equal(diff.result?.exitCode, 1, `kubectl diff exits 1 when objects differ: ${JSON.stringify(diff).slice(0, 400)}`);
  assert.match(diff.events.map((e) => e.data).join(''), /-\s+greeting: world[\s\S]*\+\s+greeting: there/);
  await ws.close();
  const deleted = await terminal('kubectl delete -f -', TWO_CONFIGMAPS);
  assert.equal(deleted.exit, 0, deleted.text);
  assert.match(deleted.text, /configmap "pasted-one" deleted/);
  assert.match(deleted.text, /configmap "pasted-two" deleted/);
});

test('a bad manifest gets kubectl\'s own error and exit code', { timeout: 60_000 }, async () => {
  const bad = await terminal('kubectl apply -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n');
  assert.equal(bad.status, 200);
  assert.equal(bad.exit, 1, bad.text);
  assert.match(bad.text, /error: error parsing STDIN|yaml|converting YAML/i, bad.text);
  const noKind = await terminal('kubectl apply -f -', 'metadata:\n  name: x\n');
  assert.equal(noKind.exit, 1, noKind.text);
  assert.match(noKind.text, /kind not set|Object 'Kind' is missing/, noKind.text);
});

test('stdin is refused where nothing reads it, and -f - without stdin asks for a heredoc', { timeout: 60_000 }, async () => {
  for (const line of ['kubectl get pods', 'kubectl get configmaps -o name', 'curl http://httpbin:8000/get', 'help']) {
    const r = await terminal(line, 'kind: ConfigMap\n');
    assert.equal(r.status, 400, line);
    assert.equal(r.error?.reason, 'ValidationFailed', line);
    assert.match(r.error!.message, /stdin: this line reads no standard input: only kubectl apply\|create\|replace\|delete\|diff with -f -/, r.error!.message);
  }
  const missing = await terminal('kubectl apply -f -');
  assert.equal(missing.status, 400);
  assert.match(missing.error!.message, /heredoc, kubectl apply -f - <<EOF/);
  // `-f -` on a subcommand that has no -f here is refused by the allow-list, naming the flag.
  const get = await terminal('kubectl get -f -', 'kind: ConfigMap\n');
  assert.equal(get.status, 403);
  assert.equal(get.error?.reason, 'CommandRefused');
  assert.match(get.error!.message, /flag -f/);
});

test('-f reads no server file: a named pipe given as the file is never opened', { timeout: 60_000 }, async (t) => {
  const fifo = join(fx.dir, 'canary.yaml');
  execFileSync('mkfifo', [fifo]);
  // Opening the writing end blocks until someone opens the pipe to read it: if kubectl (or the server) did, this resolves.
  let opened = false;
  const writer = openFile(fifo, 'w').then((h) => {
    opened = true;
    return h;
  });
  t.after(async () => {
    const unblock = await openFile(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    await (await writer).close();
    await unblock.close();
  });
  for (const line of [`kubectl apply -f ${fifo}`, `kubectl create --filename=${fifo}`, `kubectl delete -f ${fifo}`, `kubectl replace -f ${fifo}`, `kubectl diff -f ${fifo}`, `kubectl apply -f /etc/passwd`, `kubectl apply -f file://${fifo}`, `kubectl apply -f samples/../../../..${fifo}`, `kubectl get -f ${fifo}`]) {
    const r = await terminal(line);
    assert.equal(r.status, 403, `${line}: ${JSON.stringify(r).slice(0, 300)}`);
    assert.equal(r.error?.reason, 'CommandRefused', line);
    assert.match(r.error!.message, /flag -f/, line);
    assert.doesNotMatch(r.error!.message, /root:x?:0:0/);
  }
  assert.match((await terminal(`kubectl apply -f ${fifo}`)).error!.message, /reads no file of the server.*samples\/bookinfo\/networking\//);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(opened, false, 'nobody opened the pipe');
});

test('-f with any URL outside the mirror never dials out', { timeout: 60_000 }, async (t) => {
  let connections = 0;
  const listener = createServer((sock) => {
    connections++;
    sock.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => listener.close(() => r())));
  const port = (listener.address() as { port: number }).port;
  for (const url of [
    `http://127.0.0.1:${port}/evil.yaml`,
    `https://127.0.0.1:${port}/samples/httpbin/httpbin.yaml`,
    `https://raw.githubusercontent.com/istio/istio/release-1.24/samples/httpbin/httpbin.yaml?x=http://127.0.0.1:${port}/`,
    'https://raw.githubusercontent.com/istio/istio/release-1.24/samples/evil/evil.yaml',
    'https://evil.example/samples/httpbin/httpbin.yaml',
  ]) {
    const r = await terminal(`kubectl apply -f ${url}`);
    assert.equal(r.status, 403, url);
    assert.match(r.error!.message, /has no internet.*https:\/\/run\.linkerd\.io\/booksapp\.yml/, url);
  }
  // A mirrored URL is read from the copy, not the network (there is none here: a dial would fail).
  const mirrored = await terminal('kubectl apply -f https://raw.githubusercontent.com/istio/istio/release-1.24/samples/curl/curl.yaml --dry-run=client -o name');
  assert.equal(mirrored.exit, 0, mirrored.text);
  assert.equal(connections, 0, 'the listener saw no connection');
});

test('upstream samples apply by URL (any release) or by samples/ path, unchanged', { timeout: 120_000 }, async () => {
  const vs = await terminal('kubectl apply -f https://raw.githubusercontent.com/istio/istio/release-1.28/samples/bookinfo/networking/virtual-service-all-v1.yaml');
  assert.equal(vs.exit, 0, vs.text);
  assert.match(vs.text, /virtualservice\.networking\.istio\.io\/reviews created/);
  const dr = await terminal('kubectl apply -f samples/bookinfo/networking/destination-rule-all.yaml');
  assert.equal(dr.exit, 0, dr.text);
  assert.match(dr.text, /destinationrule\.networking\.istio\.io\/reviews created/);
  const got = await terminal('kubectl get virtualservices -o name');
  assert.match(got.text, /virtualservice\.networking\.istio\.io\/ratings/);
  const master = await terminal('kubectl apply -f https://raw.githubusercontent.com/istio/istio/master/samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml');
  assert.equal(master.exit, 0, master.text);
  assert.match(master.text, /virtualservice\.networking\.istio\.io\/reviews configured/);
  const deleted = await terminal('kubectl delete -f ./samples/bookinfo/networking/virtual-service-all-v1.yaml');
  assert.equal(deleted.exit, 0, deleted.text);
  assert.match(deleted.text, /"reviews" deleted/);
  // kubectl's messages name the upstream file, not a path of the server.
  const books = await terminal('kubectl apply -f https://run.linkerd.io/booksapp.yml --dry-run=client -o name');
  assert.equal(books.exit, 0, books.text);
  assert.match(books.text, /deployment\.apps\/webapp/);
  const wrongNs = await terminal('kubectl apply -f https://run.linkerd.io/booksapp.yml -n booksapp');
  assert.notEqual(wrongNs.exit, 0, 'a namespace the session does not own is refused by the cluster, as upstream');
  assert.doesNotMatch(wrongNs.text + vs.text, /fixtures|\/work\//);
  // emojivoto.yml puts every object in namespace emojivoto: refused before kubectl runs, saying why.
  const emoji = await terminal('kubectl apply -f https://run.linkerd.io/emojivoto.yml');
  assert.equal(emoji.status, 403);
  assert.match(emoji.error!.message, /namespace "emojivoto".*a session has one namespace of its own/);
});

test('inside bubblewrap kubectl sees the one mirrored file it was given, and no other vendored file', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(fx.dir, 'iso-'));
  const work: TerminalWorkDir = { dir, kubeconfigPath: join(dir, 'kubeconfig'), cacheDir: join(dir, 'cache') };
  writeFileSync(work.kubeconfigPath, (await rest(fx.url, 'GET', '/api/session/kubeconfig', { token: s.token })).text, { mode: 0o600 });
  mkdirSync(work.cacheDir);
  const isolation = await probeIsolation('/usr/bin/kubectl', work);
  if (isolation.kind !== 'bubblewrap') return t.skip(`bubblewrap is not usable here (${isolation.description})`);
  const curl = mirroredFile('samples/curl/curl.yaml', 'test');
  const httpbin = mirroredFile('samples/httpbin/httpbin.yaml', 'test');
  const run = (file: string) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const launch = isolation.launch('/usr/bin/kubectl', ['create', '--dry-run=client', '--output=name', `--filename=${file}`], work, [curl]);
      execFile(launch.command, launch.args, { ...launch.options, timeout: 30_000 } as object, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) + String(stderr) }),
      );
    });
  const bound = await run(curl.sandboxPath);
  assert.equal(bound.code, 0, bound.out);
  assert.match(bound.out, /deployment\.apps\/curl/);
  for (const other of [httpbin.sandboxPath, httpbin.hostPath, curl.hostPath]) {
    const r = await run(other);
    assert.notEqual(r.code, 0, other);
    assert.match(r.out, /does not exist|no such file/i, `${other}: ${r.out}`);
  }
});
