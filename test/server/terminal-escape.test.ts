// A hostile learner's terminal: every kubectl form that reads a server file is refused by the flag allow-list
// (over REST and the WebSocket), the isolation alone (bubblewrap, policy bypassed) finds no server file even
// when kubectl is told to read one, and terminal runs are capped per session and server-wide — while
// /healthz and a second session keep answering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, ndjson, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';
import { probeIsolation, type TerminalWorkDir } from '../../playground-server/terminal/isolation.js';

const KUBECTL = '/usr/bin/kubectl';
const PASSWD_LINE = /root:x?:0:0:/;
let fx: ServerFixture;
let a: { token: string; namespace: string };
let b: { token: string; namespace: string };

before(async () => {
  fx = await startFixture();
  [a, b] = await Promise.all([createSession(fx.url), createSession(fx.url)]);
});
after(() => fx?.close());

async function terminal(base: string, token: string, line: string) {
  const res = await rest(base, 'POST', '/api/session/terminal', { token, body: { line } });
  if (res.status >= 400) return { status: res.status, text: '', error: res.body, exit: undefined as number | undefined };
  const frames = ndjson(res.text);
  return { status: res.status, text: frames.filter((f) => f.event).map((f) => f.event.data).join(''), exit: frames.at(-1)!.result?.exitCode as number | undefined, error: frames.at(-1)!.error };
}

async function stillServing(): Promise<void> {
  assert.equal((await rest(fx.url, 'GET', '/healthz')).status, 200, '/healthz answers');
  const other = await terminal(fx.url, b.token, 'kubectl get deployments');
  assert.equal(other.exit, 0, `the second session still works: ${other.text}`);
  assert.match(other.text, /httpbin/);
}

const FILE_READING_LINES = (ns: string) => [
  `kubectl get ns ${ns} --output=go-template-file --template=/etc/passwd`,
  `kubectl get ns ${ns} --output=templatefile --template=/etc/passwd`,
  `kubectl get ns ${ns} --output=jsonpath-file --template=/etc/passwd`,
  `kubectl get ns ${ns} -o go-template-file --template /etc/passwd`,
  `kubectl get ns ${ns} -wo go-template-file --template=/etc/passwd`,
  `kubectl get ns ${ns} -ogo-template-file --template=/etc/passwd`,
  `kubectl get ns ${ns} -o=templatefile --template=/etc/passwd`,
  `kubectl get pods -o custom-columns-file=/etc/passwd`,
  'kubectl get -wf /etc/passwd',
  'kubectl delete -Af /etc/passwd',
  'kubectl apply -f /etc/passwd',
  'kubectl create configmap stolen --from-file=/etc/passwd',
  'kubectl create configmap stolen --from-env-file /etc/passwd',
  'kubectl patch deploy httpbin --patch-file /etc/passwd',
  'kubectl get pods --kubeconfig /proc/self/cwd/data/sandbox.kubeconfig',
  'kubectl get pods --kubeconfig=/etc/passwd',
  'kubectl get pods -v=9',
  'kubectl cluster-info dump --output-directory=/tmp/x',
];

test('every file-reading kubectl form is refused over REST and the WebSocket, naming the flag', { timeout: 120_000 }, async () => {
  const ws = await WsClient.connect(fx.url, { token: a.token });
  for (const line of FILE_READING_LINES(a.namespace)) {
    const viaRest = await terminal(fx.url, a.token, line);
    assert.equal(viaRest.status, 403, `${line}: ${viaRest.status}`);
    assert.equal(viaRest.error.reason, 'CommandRefused', line);
    assert.match(viaRest.error.message, /-|dump/, `${line}: ${viaRest.error.message}`);
    assert.doesNotMatch(JSON.stringify(viaRest), PASSWD_LINE, line);
    const viaWs = await ws.call('runTerminal', { line });
    assert.equal(viaWs.error?.reason, 'CommandRefused', `${line} over WS: ${JSON.stringify(viaWs).slice(0, 300)}`);
    assert.doesNotMatch(JSON.stringify(viaWs), PASSWD_LINE, line);
  }
  // The messages name the offending flag or format.
  assert.match((await terminal(fx.url, a.token, 'kubectl get -wf /etc/passwd')).error.message, /flag -f/);
  assert.match((await terminal(fx.url, a.token, 'kubectl delete -Af /etc/passwd')).error.message, /flag -f/);
  assert.match((await terminal(fx.url, a.token, `kubectl get ns ${a.namespace} -wo go-template-file --template=/etc/passwd`)).error.message, /go-template-file/);
  // Allowed forms of the same flags still run the real kubectl.
  const inline = await terminal(fx.url, a.token, `kubectl get deploy -wo=go-template --template={{range.items}}{{.metadata.name}}{{end}} --watch=false`);
  assert.equal(inline.exit, 0, inline.text);
  assert.match(inline.text, /httpbin/);
  await ws.close();
  await stillServing();
});

test('the isolation alone (policy bypassed) lets kubectl find no server file', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(fx.dir, 'iso-'));
  const probeWork: TerminalWorkDir = { dir, kubeconfigPath: join(dir, 'kubeconfig'), cacheDir: join(dir, 'cache') };
  writeFileSync(probeWork.kubeconfigPath, (await rest(fx.url, 'GET', '/api/session/kubeconfig', { token: a.token })).text, { mode: 0o600 });
  mkdirSync(probeWork.cacheDir);
  const isolation = await probeIsolation(KUBECTL, probeWork);
  if (isolation.kind !== 'bubblewrap') return t.skip(`bubblewrap is not usable on this machine (${isolation.description}); the fallback is covered by the allow-list test`);

  const run = (args: string[], isolated: boolean) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const launch = isolated
        ? isolation.launch(KUBECTL, args, probeWork)
        : { command: KUBECTL, args: [...args, '--kubeconfig', probeWork.kubeconfigPath, '--cache-dir', probeWork.cacheDir], options: { env: { PATH: '/usr/bin', HOME: dir } } };
      execFile(launch.command, launch.args, { ...launch.options, timeout: 30_000 } as object, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) + String(stderr) }),
      );
    });

  // Control: without isolation the attack is real — kubectl prints the server's /etc/passwd through the template.
  assert.match(readFileSync('/etc/passwd', 'utf8'), PASSWD_LINE, 'this machine has a root line in /etc/passwd');
  const direct = await run(['get', 'pods', '-o', 'go-template-file', '--template=/etc/passwd'], false);
  assert.match(direct.out, PASSWD_LINE, `without isolation the file is read: ${direct.out.slice(0, 200)}`);
  // Control: kubectl really runs inside and reaches the cluster with the session's kubeconfig.
  const own = await run(['get', 'deployments'], true);
  assert.equal(own.code, 0, own.out);
  assert.match(own.out, /httpbin/);

  const template = await run(['get', 'pods', '-o', 'go-template-file', '--template=/etc/passwd'], true);
  assert.notEqual(template.code, 0);
  assert.doesNotMatch(template.out, PASSWD_LINE);
  assert.match(template.out, /no such file or directory/i, template.out);

  // The admin kubeconfig of the sandbox: reachable by path, through /proc/1 or the server's pid — not inside.
  assert.match(readFileSync(fx.kubeconfig, 'utf8'), /token|client-key-data/, 'the admin kubeconfig is a real credential');
  for (const path of [fx.kubeconfig, `/proc/1/cwd${fx.kubeconfig}`, `/proc/1/root${fx.kubeconfig}`, `/proc/${process.pid}/root${fx.kubeconfig}`, `/proc/1/cwd/data/sandbox.kubeconfig`]) {
    const r = await run(['get', 'namespaces', '--kubeconfig', path], true);
    assert.notEqual(r.code, 0, path);
    assert.doesNotMatch(r.out, /kube-system|default\s+Active/, `${path}: ${r.out}`);
    assert.match(r.out, /no such file or directory|not found|stat /i, `${path}: ${r.out}`);
  }
  // Nothing of /etc beyond name resolution, no host processes.
  const env = await run(['get', 'pods', '-o', 'go-template-file', '--template=/etc/shadow'], true);
  assert.match(env.out, /no such file or directory/i);
  await stillServing();
});

test('without bubblewrap, kubectl runs as nobody in a private directory and cannot read the server\'s private files', { timeout: 120_000 }, async (t) => {
  if (process.getuid?.() !== 0) return t.skip('the fallback switches to nobody only when the server runs as root');
  // Where the server makes terminal directories (os.tmpdir()), private to the session.
  const dir = mkdtempSync(join(tmpdir(), 'playground-fallback-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const work: TerminalWorkDir = { dir, kubeconfigPath: join(dir, 'kubeconfig'), cacheDir: join(dir, 'cache') };
  writeFileSync(work.kubeconfigPath, (await rest(fx.url, 'GET', '/api/session/kubeconfig', { token: a.token })).text, { mode: 0o600 });
  mkdirSync(work.cacheDir, { mode: 0o700 });
  const logged: string[] = [];
  const log = { info: (_o: unknown, m: string) => logged.push(m), warn: (_o: unknown, m: string) => logged.push(m) } as never;
  const fallback = await probeIsolation(KUBECTL, work, log, '/nonexistent/bwrap');
  assert.equal(fallback.kind, 'unprivileged-user');
  assert.match(logged.join('\n'), /bubblewrap \(\/nonexistent\/bwrap\) is not installed; .*nobody/, 'the startup log says so');
  fallback.prepare(work);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const launch = fallback.launch(KUBECTL, args, work);
      execFile(launch.command, launch.args, { ...launch.options, timeout: 30_000 } as object, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) + String(stderr) }),
      );
    });
  const own = await run(['get', 'deployments']);
  assert.equal(own.code, 0, own.out);
  assert.match(own.out, /httpbin/);
  // The sandbox's admin kubeconfig (in the server's private directory): permission denied to nobody.
  const admin = await run(['get', 'pods', '-o', 'go-template-file', `--template=${fx.kubeconfig}`]);
  assert.notEqual(admin.code, 0);
  assert.match(admin.out, /permission denied/i, admin.out);
  assert.doesNotMatch(admin.out, /client-key-data|token:/);
});

test('terminal runs are capped per session and server-wide, with 429 naming the limit', { timeout: 120_000 }, async () => {
  const ws = await WsClient.connect(fx.url, { token: a.token });
  // 10 long-running lines at once: kubectl logs -f follows until cancelled.
  const calls = Array.from({ length: 10 }, (_, i) => ws.call('runTerminal', { line: 'kubectl logs -f deploy/httpbin -c httpbin', timeoutSeconds: 60 }, { id: `f${i}` }));
  const refused = await Promise.race([
    Promise.all(calls.slice(4)),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the lines over the cap were not refused')), 30_000)),
  ]);
  for (const r of refused) {
    assert.equal(r.error?.code, 429, JSON.stringify(r).slice(0, 300));
    assert.equal(r.error.details.limit, 'maxTerminalRunsPerSession');
    assert.match(r.error.message, /at most 4 terminal commands/);
  }
  // The other session is not affected by this one's cap.
  await stillServing();
  for (let i = 0; i < 4; i++) ws.cancel(`f${i}`);
  const cancelled = await Promise.all(calls.slice(0, 4));
  for (const c of cancelled) assert.equal(c.result?.cancelled, true, JSON.stringify(c).slice(0, 300));
  const after = await ws.call('runTerminal', { line: 'kubectl get deployments' });
  assert.equal(after.result?.exitCode, 0, 'a slot is free again');
  await ws.close();

  // Server-wide: a server with a cap of 2 refuses the third line across sessions.
  const small = await fx.startServer({ terminalRunLimits: { maxRunsPerSession: 4, maxRunsPerServer: 2 }, dataDir: join(fx.dir, 'small') });
  const [s1, s2] = [await createSession(small.url), await createSession(small.url)];
  const w1 = await WsClient.connect(small.url, { token: s1.token });
  const w2 = await WsClient.connect(small.url, { token: s2.token });
  // Both lines hold their slot once kubectl printed something (the container's log so far).
  const started: Promise<void>[] = [];
  const follow = (w: WsClient, id: string) => {
    let onFirst!: () => void;
    started.push(new Promise<void>((r) => (onFirst = r)));
    return w.call('runTerminal', { line: 'kubectl logs -f deploy/httpbin -c httpbin' }, { id, onEvent: () => onFirst() });
  };
  const long = [follow(w1, 'l1'), follow(w2, 'l2')];
  await Promise.all(started);
  const third = await w2.call('runTerminal', { line: 'kubectl get pods' });
  assert.equal(third.error?.code, 429, JSON.stringify(third));
  assert.equal(third.error.details.limit, 'maxTerminalRunsPerServer');
  w1.cancel('l1');
  w2.cancel('l2');
  await Promise.all(long);
  await w1.close();
  await w2.close();
});
