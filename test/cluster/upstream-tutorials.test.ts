// Upstream tutorials' commands, typed as their docs print them, against upstream manifests applied unchanged:
// Istio's Bookinfo check (`kubectl exec … -- curl … | grep -o "<title>.*</title>"` piped on the host), its
// `port-forward svc/productpage` then a host request, Istio's curl sample reaching httpbin, the Gateway API mesh
// suite's echo `client` through exec, `kubectl cp` in and out, and a Job from busybox. The real kubectl throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBECTL, kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

// The Gateway API mesh base manifests ship with the conformance runner (vendored once, unchanged).
import { MESH_BASE_MANIFESTS_PATH } from '../../playground-server/conformance/upstream-files.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const WAIT = ['--timeout=60s'];

/** A command line run by bash on the host, with KUBECONFIG pointing at the sandbox (so `| grep` is the host's). */
function hostShell(c: ClusterFixture, line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', line], { timeout: 30_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir, KUBECONFIG: c.kubeconfig } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function hostGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('upstream tutorials run as written', () => {
  let c: ClusterFixture;
  const forwards: ChildProcess[] = [];
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    for (const f of forwards) f.kill('SIGKILL');
    await c?.close();
  });

  test("Istio's Bookinfo: applied unchanged in an injected namespace, checked from ratings with curl | grep, then port-forwarded", async () => {
    await kubectlOk(c, ['create', 'namespace', 'bookinfo']);
    await kubectlOk(c, ['label', 'namespace', 'bookinfo', 'istio-injection=enabled']);
    await kubectlOk(c, ['apply', '-n', 'bookinfo', '-f', join(UPSTREAM, 'istio', 'bookinfo.yaml'), '-f', join(UPSTREAM, 'istio', 'bookinfo-versions.yaml')]);
    await kubectlOk(c, ['wait', '-n', 'bookinfo', '--for=condition=Ready', 'pods', '--all', ...WAIT], undefined, 70_000);
    const pods = await kubectlOk(c, ['get', 'pods', '-n', 'bookinfo', '--no-headers']);
    const rows = pods.trim().split('\n');
    assert.equal(rows.length, 6, pods);
    for (const row of rows) assert.match(row, /\s2\/2\s+Running\s/, row);

    // istio.io "Bookinfo Application": verify the app is running inside the cluster.
    const title = await hostShell(c, 'kubectl exec -n bookinfo "$(kubectl get pod -n bookinfo -l app=ratings -o jsonpath=\'{.items[0].metadata.name}\')" -c ratings -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"');
    assert.equal(title.code, 0, title.stderr);
    assert.equal(title.stdout, '<title>Simple Bookstore App</title>\n');
    const viaDeploy = await hostShell(c, 'kubectl exec -n bookinfo deploy/ratings-v1 -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"');
    assert.equal(viaDeploy.stdout, '<title>Simple Bookstore App</title>\n', viaDeploy.stderr);

    // `kubectl port-forward svc/productpage <local>:9080`, then the host's browser (here: a request) reaches it.
    const local = await freePort();
    const fwd = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, 'port-forward', '-n', 'bookinfo', 'svc/productpage', `${local}:9080`], { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir } });
    forwards.push(fwd);
    let out = '';
    fwd.stdout!.on('data', (d: Buffer) => (out += d));
    await waitFor('port-forward listening', () => out.includes(`Forwarding from 127.0.0.1:${local} -> 9080`), { timeoutMs: 15_000 });
    for (let i = 0; i < 2; i++) {
      const page = await hostGet(local, '/productpage');
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>Simple Bookstore App<\/title>/);
    }
    assert.match(out, /Handling connection for \d+/);
    fwd.kill('SIGTERM');
  });

  test("Istio's curl sample reaches httpbin by Service name (kubectl exec deploy/curl -- curl …)", async () => {
    await kubectlOk(c, ['create', 'namespace', 'foo']);
    await kubectlOk(c, ['apply', '-n', 'foo', '-f', join(UPSTREAM, 'istio', 'httpbin.yaml'), '-f', join(UPSTREAM, 'istio', 'curl.yaml')]);
    await kubectlOk(c, ['wait', '-n', 'foo', '--for=condition=Available', 'deploy/httpbin', 'deploy/curl', ...WAIT], undefined, 70_000);
    const code = await kubectlOk(c, ['exec', '-n', 'foo', 'deploy/curl', '--', 'curl', 'http://httpbin.foo:8000/ip', '-s', '-o', '/dev/null', '-w', '%{http_code}\n']);
    assert.equal(code, '200\n');
    const head = await kubectlOk(c, ['exec', '-n', 'foo', 'deploy/curl', '--', 'curl', '-sI', 'httpbin:8000/status/418']);
    assert.match(head, /^HTTP\/1\.1 418 [^\r]+\r\n(.+\r\n)+\r\n$/);
    // A program the image lacks fails as a container runtime says it, with exit 127.
    const missing = await c.kubectl(['exec', '-n', 'foo', 'deploy/curl', '--', 'python3', '-V']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /exec: "python3": executable file not found in \$PATH/);
  });

  test("the Gateway API mesh suite's echo client, through exec, names the serving pod", async () => {
    await kubectlOk(c, ['apply', '-f', MESH_BASE_MANIFESTS_PATH]);
    const ns = 'gateway-conformance-mesh';
    await kubectlOk(c, ['wait', '-n', ns, '--for=condition=Available', 'deploy/echo-v1', 'deploy/echo-v2', ...WAIT], undefined, 70_000);
    const v1 = (await kubectlOk(c, ['get', 'pods', '-n', ns, '-l', 'app=echo,version=v1', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const v2Pods = (await kubectlOk(c, ['get', 'pods', '-n', ns, '-l', 'app=echo,version=v2', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' ');
    const out = await kubectlOk(c, ['exec', '-n', ns, v1, '-c', 'echo', '--', 'client', 'http://echo-v2/']);
    assert.match(out, /\[0\] StatusCode=200/);
    const host = /Hostname=(\S+)/.exec(out)?.[1];
    assert.ok(host && v2Pods.includes(host), `${host} is one of ${v2Pods.join(', ')}:\n${out}`);
  });

  test('kubectl cp copies a file into a pod and back out', async () => {
    const ns = 'foo';
    const pod = (await kubectlOk(c, ['get', 'pods', '-n', ns, '-l', 'app=curl', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const src = c.file('notes.txt', 'mesh playground\nline two\n');
    await kubectlOk(c, ['cp', src, `${ns}/${pod}:/tmp/notes.txt`, '-c', 'curl']);
    assert.equal(await kubectlOk(c, ['exec', '-n', ns, pod, '-c', 'curl', '--', 'cat', '/tmp/notes.txt']), 'mesh playground\nline two\n');
    const back = join(c.dir, 'back.txt');
    await kubectlOk(c, ['cp', `${ns}/${pod}:/tmp/notes.txt`, back, '-c', 'curl']);
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(back, 'utf8'), 'mesh playground\nline two\n');
  });

  test('a Job from busybox runs to completion and its log is kept', async () => {
    await kubectlOk(c, ['create', 'job', 'hello', '-n', 'foo', '--image=busybox', '--', 'sh', '-c', 'echo hello from $(hostname)']);
    await kubectlOk(c, ['wait', '-n', 'foo', '--for=condition=complete', 'job/hello', ...WAIT], undefined, 70_000);
    const jobs = await kubectlOk(c, ['get', 'jobs', '-n', 'foo']);
    assert.match(jobs, /^hello\s+Complete\s+1\/1\s/m);
    assert.match(await kubectlOk(c, ['logs', '-n', 'foo', 'job/hello']), /^hello from hello-\w{5}\n$/);
  });
});
