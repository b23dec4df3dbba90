// What `kubectl exec` runs inside a pod, driven through PodRuntime.exec (the PodStreamSource the API server
// calls): curl from a meshed and an un-meshed pod to a Service (exact -i, -w, -v and error output), no dial
// outside the cluster, the files the kubelet mounts, sh, tar, the OCI error for a missing program, port-forward.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import { extract } from 'tar-stream';
import { createServingCertificate, type ServingCertificate } from '../../sandbox/apiserver/serving-certificate.js';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { applyObjects, parseManifest, readManifest } from '../../sandbox/manifests/load.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { MemoryFilesystem, FsError } from '../../sandbox/runtime/process/filesystem.js';
import { execIn } from './exec-helpers.js';
import { isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const PLAIN = 'plain';
const METER_HEADER =
  '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
  '                                 Dload  Upload   Total   Spent    Left  Speed\n';
const MESHED = 'meshed';

function clientPod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'client', image: 'playground/sleep:v1' }], ...extra },
  };
}

describe('programs in pods (exec)', () => {
  let c: ClusterFixture;
  let tls: ServingCertificate | undefined;
  const pod = (ns: string, name: string) => c.pods(ns, (p) => p.metadata.name === name)[0] as Pod | undefined;
  const httpbinIP = (ns: string) => (c.sandbox.api.tryGet(c.sandbox.api.type('', 'services'), ns, 'httpbin')!.spec as { clusterIP: string }).clusterIP;
  /** exec in the client pod of a namespace (its app container: the meshed pod has a sidecar too). */
  const run = (ns: string, command: string[], opts: { stdin?: string | Buffer } = {}) => execIn(c.sandbox.runtime, ns, 'client', command, { container: 'client', ...opts });

  before(async () => {
    // An in-cluster HTTPS server (Service tls-echo:443) with a certificate from a CA the test holds.
    tls = await createServingCertificate(['tls-echo', `tls-echo.${PLAIN}`, `tls-echo.${PLAIN}.svc`, `tls-echo.${PLAIN}.svc.cluster.local`]);
    const serving = tls;
    registerImage('test/tls-echo', (ctx) => {
      const server = ctx.network.guard(createHttpsServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => res.end(`tls:${req.url}`)));
      return {
        start: () => new Promise<void>((resolve) => server.listen(8443, ctx.listenHost, () => resolve())),
        stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
      };
    });
    c = await startCluster();
    const nsType = c.sandbox.api.type('', 'namespaces');
    c.sandbox.api.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PLAIN } });
    c.sandbox.api.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: MESHED, labels: { 'mesh.playground.dev/inject': 'enabled' } } });
    for (const ns of [PLAIN, MESHED]) {
      applyObjects(c.sandbox.api, parseManifest(readManifest('httpbin')), ns);
      applyObjects(c.sandbox.api, [clientPod('client')], ns);
    }
    applyObjects(
      c.sandbox.api,
      [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tls-echo', labels: { app: 'tls-echo' } }, spec: { containers: [{ name: 'tls', image: 'test/tls-echo', ports: [{ containerPort: 8443 }] }] } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'tls-echo' }, spec: { selector: { app: 'tls-echo' }, ports: [{ port: 443, targetPort: 8443 }] } },
      ],
      PLAIN,
    );
    await waitFor('tls-echo ready', () => { const p = pod(PLAIN, 'tls-echo'); return p && isReady(p); }, { timeoutMs: 30_000 });
    for (const ns of [PLAIN, MESHED]) {
      await waitFor(`httpbin ready in ${ns}`, () => c.pods(ns, (p) => p.metadata.labels?.app === 'httpbin' && isReady(p)).length === 1, { timeoutMs: 30_000 });
      await waitFor(`client ready in ${ns}`, () => { const p = pod(ns, 'client'); return p && isReady(p); }, { timeoutMs: 30_000 });
      await waitFor(`httpbin endpoints in ${ns}`, async () => (await run(ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/get'])).stdout === '200', { timeoutMs: 30_000, intervalMs: 200 });
    }
  });
  after(async () => {
    await c?.close();
    unregisterImage('test/tls-echo');
  });

  for (const ns of [PLAIN, MESHED]) {
    test(`${ns}: curl -s prints the body; -o /dev/null -w '%{http_code}' prints only the code`, async () => {
      const body = await run(ns, ['curl', '-s', 'http://httpbin:8000/get?x=1']);
      assert.equal(body.code, 0, body.stderr);
      assert.equal(body.stderr, '');
      const parsed = JSON.parse(body.stdout) as { url?: string; args?: Record<string, string>; headers?: Record<string, string> };
      assert.deepEqual(parsed.args, { x: '1' });
      const code = await run(ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/status/418']);
      assert.deepEqual({ code: code.code, stdout: code.stdout, stderr: code.stderr }, { code: 0, stdout: '418', stderr: '' });
      const post = await run(ns, ['curl', '-s', '-u', 'ann:secret', '-H', 'Content-Type: application/json', '-d', '@-', 'http://httpbin:8000/anything'], { stdin: '{"a":1}\n' });
      const echoed = JSON.parse(post.stdout) as { method: string; data: string; headers: Record<string, string> };
      assert.deepEqual(
        { method: echoed.method, data: echoed.data, auth: echoed.headers.Authorization, type: echoed.headers['Content-Type'] },
        { method: 'POST', data: '{"a":1}', auth: `Basic ${Buffer.from('ann:secret').toString('base64')}`, type: 'application/json' },
      );
      const failed = await run(ns, ['curl', '-sSf', 'http://httpbin:8000/status/503']);
      assert.deepEqual({ code: failed.code, stdout: failed.stdout, stderr: failed.stderr }, { code: 22, stdout: '', stderr: 'curl: (22) The requested URL returned error: 503\n' });
    });

    test(`${ns}: curl -i prints the status line and headers as received, then the body`, async () => {
      const r = await run(ns, ['curl', '-si', 'http://httpbin:8000/get']);
      assert.equal(r.code, 0, r.stderr);
      const split = r.stdout.indexOf('\r\n\r\n');
      assert.ok(split > 0, r.stdout);
      const [status, ...headers] = r.stdout.slice(0, split).split('\r\n');
      assert.equal(status, 'HTTP/1.1 200 OK');
      for (const h of headers) assert.match(h, /^[A-Za-z0-9-]+: .*$/);
      const length = headers.find((h) => /^content-length:/i.test(h));
      const body = r.stdout.slice(split + 4);
      if (length) assert.equal(Buffer.byteLength(body), Number(length.split(': ')[1]));
      assert.equal((JSON.parse(body) as { headers: Record<string, string> }).headers['User-Agent'] ?? (JSON.parse(body) as { headers: Record<string, string> }).headers['user-agent'], 'curl/8.5.0');
    });

    test(`${ns}: curl -v shows the connection, the request head and the response head on stderr`, async () => {
      const r = await run(ns, ['curl', '-sv', '-o', '/dev/null', 'http://httpbin:8000/headers']);
      assert.equal(r.code, 0, r.stderr);
      const ip = httpbinIP(ns);
      const lines = r.stderr.split('\n');
      assert.equal(lines[0], `*   Trying ${ip}:8000...`);
      assert.equal(lines[1], `* Connected to httpbin (${ip}) port 8000`);
      assert.equal(lines.slice(2, 7).join('\n'), '> GET /headers HTTP/1.1\r\n> Host: httpbin:8000\r\n> User-Agent: curl/8.5.0\r\n> Accept: */*\r\n> \r');
      assert.equal(lines[7], '< HTTP/1.1 200 OK\r');
      assert.ok(lines.includes('< \r'), r.stderr);
      assert.equal(lines[lines.length - 2], '* Connection #0 to host httpbin left intact');
    });

    test(`${ns}: curl's errors are curl's: (6) unknown host, (7) refused, (2) bad option, -s hides them`, async () => {
      // Not silent and not a terminal: curl's progress meter, then the error.
      const unknown = await run(ns, ['curl', 'http://no-such-service/']);
      const zero = '\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0';
      assert.deepEqual(
        { code: unknown.code, stderr: unknown.stderr, stdout: unknown.stdout },
        { code: 6, stderr: `${METER_HEADER}${zero}${zero}\ncurl: (6) Could not resolve host: no-such-service\n`, stdout: '' },
      );
      const shown = await run(ns, ['curl', 'http://httpbin:8000/get']);
      assert.equal(shown.code, 0);
      assert.ok(shown.stderr.startsWith(METER_HEADER), shown.stderr);
      assert.match(shown.stderr.slice(METER_HEADER.length), /^(\r[ 0-9kM.:-]{78})+\n$/);
      assert.match(shown.stderr, /\r100 +\d+  100 +\d+    0     0 /);
      assert.equal((JSON.parse(shown.stdout) as { url: string }).url, 'http://httpbin:8000/get');
      const quiet = await run(ns, ['curl', '-s', 'http://no-such-service/']);
      assert.deepEqual({ code: quiet.code, stderr: quiet.stderr }, { code: 6, stderr: '' });
      const refused = await run(ns, ['curl', '-sS', `http://localhost:9`]);
      assert.equal(refused.code, 7);
      assert.match(refused.stderr, /^curl: \(7\) Failed to connect to localhost port 9 after \d+ ms: Couldn't connect to server\n$/);
      const code = await run(ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}\n', 'http://no-such-service/']);
      assert.deepEqual({ code: code.code, stdout: code.stdout }, { code: 6, stdout: '000\n' });
      const bad = await run(ns, ['curl', '--frobnicate', 'http://httpbin:8000/']);
      assert.deepEqual({ code: bad.code, stderr: bad.stderr }, { code: 2, stderr: "curl: option --frobnicate: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n" });
      const timeout = await run(ns, ['curl', '-sS', '-m', '1', 'http://httpbin:8000/delay/5']);
      assert.equal(timeout.code, 28, timeout.stderr);
      assert.match(timeout.stderr, /^curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received\n$/);
    });

    test(`${ns}: curl to an address outside the cluster is refused and the listener sees no connection`, async () => {
      let accepted = 0;
      const servers: Server[] = [];
      const listen = (host: string) =>
        new Promise<number>((resolve) => {
          const s = createServer((sock) => {
            accepted++;
            sock.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nleaked');
          });
          servers.push(s);
          s.listen(0, host, () => resolve((s.address() as { port: number }).port));
        });
      const hostPort = await listen('127.0.0.1');
      const otherPort = await listen('127.9.0.1');
      try {
        for (const args of [
          [`http://127.0.0.1:${hostPort}/`],
          [`http://127.9.0.1:${otherPort}/`],
          ['--resolve', `evil.example:${otherPort}:127.9.0.1`, `http://evil.example:${otherPort}/`],
        ]) {
          const r = await run(ns, ['curl', '-sS', ...args]);
          assert.equal(r.code, 7, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
          assert.match(r.stderr, /^curl: \(7\) Failed to connect to \S+ port \d+ after \d+ ms: Couldn't connect to server\n$/);
          assert.equal(r.stdout, '');
        }
        const wget = await run(ns, ['wget', '-qO-', `http://127.9.0.1:${otherPort}/`]);
        assert.equal(wget.code, 1);
        assert.equal(accepted, 0, 'a listener outside the cluster was reached from a pod');
      } finally {
        for (const s of servers) s.close();
      }
    });
  }

  test('the kubelet\'s files: resolv.conf, hosts, hostname, the ServiceAccount mount (a token the API server accepts)', async () => {
    const p = pod(PLAIN, 'client')!;
    const resolv = await run(PLAIN, ['cat', '/etc/resolv.conf']);
    assert.equal(resolv.stdout, 'search plain.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const hosts = await run(PLAIN, ['cat', '/etc/hosts']);
    assert.ok(hosts.stdout.startsWith('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n'), hosts.stdout);
    assert.ok(hosts.stdout.endsWith(`\n${p.status!.podIP}\tclient\n`), hosts.stdout);
    assert.equal((await run(PLAIN, ['hostname'])).stdout, 'client\n');
    assert.equal((await run(PLAIN, ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).stdout, 'plain');
    const token = (await run(PLAIN, ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'])).stdout;
    assert.equal(c.sandbox.authenticator.authenticate(token)?.user, 'system:serviceaccount:plain:default');
    assert.equal((await run(PLAIN, ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'])).stdout, c.sandbox.caCertificate);
    const ls = await run(PLAIN, ['ls', '/var/run/secrets/kubernetes.io/serviceaccount']);
    assert.equal(ls.stdout, 'ca.crt\nnamespace\ntoken\n');
    const env = await run(PLAIN, ['env']);
    assert.match(env.stdout, /^PATH=\/usr\/local\/sbin:/m);
    assert.match(env.stdout, /^HOSTNAME=client$/m);
    const dns = await run(PLAIN, ['nslookup', 'httpbin']);
    assert.equal(dns.stdout, `Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\thttpbin.plain.svc.cluster.local\nAddress: ${httpbinIP(PLAIN)}\n\n`);
    const missing = await run(PLAIN, ['nslookup', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /\*\* server can't find nope\.plain\.svc\.cluster\.local: NXDOMAIN/);
  });

  test('https: curl verifies a Service\'s certificate with --cacert, fails (60) without it, -k skips it', async () => {
    const ca = tls!.caPem;
    assert.equal((await run(PLAIN, ['sh', '-c', 'cat > /tmp/ca.pem'], { stdin: ca })).code, 0);
    const ok = await run(PLAIN, ['curl', '-sS', '--cacert', '/tmp/ca.pem', 'https://tls-echo/hello']);
    assert.deepEqual({ code: ok.code, stdout: ok.stdout, stderr: ok.stderr }, { code: 0, stdout: 'tls:/hello', stderr: '' });
    const unverified = await run(PLAIN, ['curl', '-sS', 'https://tls-echo/hello']);
    assert.equal(unverified.code, 60);
    assert.match(unverified.stderr, /^curl: \(60\) SSL certificate problem: unable to get local issuer certificate\nMore details here: https:\/\/curl\.se\/docs\/sslcerts\.html\n/);
    const wrongName = await run(PLAIN, ['curl', '-sS', '--cacert', '/tmp/ca.pem', `https://${(c.sandbox.api.tryGet(c.sandbox.api.type('', 'services'), PLAIN, 'tls-echo')!.spec as { clusterIP: string }).clusterIP}/`]);
    assert.equal(wrongName.code, 60, wrongName.stderr);
    const insecure = await run(PLAIN, ['curl', '-sk', '-w', ' %{http_code}', 'https://tls-echo/x']);
    assert.deepEqual({ code: insecure.code, stdout: insecure.stdout }, { code: 0, stdout: 'tls:/x 200' });
  });

  test('the API server is not reachable from a pod (the kubernetes Service\'s endpoint is the host)', async () => {
    const r = await run(PLAIN, ['curl', '-sSk', 'https://kubernetes.default.svc/api']);
    assert.equal(r.code, 7);
    assert.match(r.stderr, /^curl: \(7\) Failed to connect to kubernetes\.default\.svc port 443 after \d+ ms: Couldn't connect to server\n$/);
  });

  test('a program the image lacks: the OCI runtime\'s message and exit 127; a path runs its basename', async () => {
    const r = await run(PLAIN, ['bash', '-c', 'echo hi']);
    assert.deepEqual(
      { code: r.code, stdout: r.stdout, stderr: r.stderr },
      { code: 127, stdout: '', stderr: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown\n' },
    );
    const viaPath = await run(PLAIN, ['/bin/sh', '-c', 'echo via-path']);
    assert.deepEqual({ code: viaPath.code, stdout: viaPath.stdout }, { code: 0, stdout: 'via-path\n' });
    const inShell = await run(PLAIN, ['sh', '-c', 'python3 -V; echo "exit=$?"']);
    assert.match(inShell.stdout, /^exit=127\n$/);
  });

  test('sh: quotes, variables, pipes, && ||, redirection to the container filesystem, for, exit codes', async () => {
    const script = [
      'echo hello > /tmp/a && cat /tmp/a | wc -c',
      'false || echo "fallback $?"',
      "NAME=world; echo 'single $NAME' \"double $NAME\"",
      'for i in 1 2 3; do echo n$i >> /tmp/list; done; cat /tmp/list | tail -n 2',
      'echo $(hostname)-sub',
      'grep -c n /tmp/list',
      'cat /nonexistent 2>/dev/null || echo missing',
      'echo err 1>&2',
    ].join('\n');
    const r = await run(PLAIN, ['sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '6\nfallback 1\nsingle $NAME double world\nn2\nn3\nclient-sub\n3\nmissing\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal((await run(PLAIN, ['sh', '-c', 'exit 3'])).code, 3);
    const control = [
      'i=0',
      'while [ $i -lt 3 ]; do i=$((i + 1)); echo "w$i"; done',
      'if test -f /tmp/list; then echo has-list; elif true; then echo no; else echo never; fi',
      'if [ "$(cat /tmp/a)" = nope ]; then echo wrong; else echo right; fi',
      'for n in $(seq 2 4); do echo s$n; done | sort -r | head -n 1',
      'echo a,b,c | cut -d, -f2 | tr a-z A-Z',
      'until [ $i -le 0 ]; do i=$((i-1)); done; echo "i=$i"',
    ].join('\n');
    const flow = await run(PLAIN, ['sh', '-c', control]);
    assert.equal(flow.stderr, '');
    assert.equal(flow.stdout, 'w1\nw2\nw3\nhas-list\nright\ns4\nB\ni=0\n');
    const syntax = await run(PLAIN, ['sh', '-c', 'echo "unclosed']);
    assert.deepEqual({ code: syntax.code, stderr: syntax.stderr }, { code: 2, stderr: 'sh: unterminated quoted string\n' });
    const piped = await run(PLAIN, ['sh'], { stdin: 'echo from-stdin\nexit 4\necho not-reached\n' });
    assert.deepEqual({ code: piped.code, stdout: piped.stdout }, { code: 4, stdout: 'from-stdin\n' });
    // Each container has its own filesystem: the meshed namespace's client did not get /tmp/a.
    assert.equal((await run(MESHED, ['cat', '/tmp/a'])).code, 1);
  });

  test('exec -it sh: a prompt, the terminal echoes what is typed, output lines end in CRLF, ^D ends the shell', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let screen = '';
    stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const done = c.sandbox.runtime.exec(PLAIN, 'client', { container: 'client', command: ['sh'] }, { stdin, stdout, stderr: null, tty: true, signal: AbortSignal.timeout(20_000) });
    // Type each line once the shell shows its prompt, as a person would.
    for (const keys of ['echo hi\r', 'cd /tmp\r', 'pwdd\x7f\r', '\x04']) {
      await waitFor('a prompt', () => screen.endsWith(' # '));
      stdin.write(keys);
    }
    assert.equal(await done, 0);
    assert.equal(screen, '/ # echo hi\r\nhi\r\n/ # cd /tmp\r\n/tmp # pwdd\b \b\r\n/tmp\r\n/tmp # ');
  });

  test('tar: `tar cf - <path>` from one pod, `tar xmf - -C <dir>` into another (what kubectl cp runs)', async () => {
    await run(PLAIN, ['sh', '-c', 'mkdir -p /data/sub && echo one > /data/one.txt && echo two > /data/sub/two.txt']);
    const packed = await run(PLAIN, ['tar', 'cf', '-', '/data']);
    assert.equal(packed.code, 0, packed.stderr);
    assert.equal(packed.stderr, "tar: removing leading '/' from member names\n");
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const ex = extract();
      ex.on('entry', (h, stream, next) => {
        names.push(h.name);
        stream.on('end', next);
        stream.resume();
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
      ex.end(packed.stdoutBytes);
    });
    assert.deepEqual(names.sort(), ['data/', 'data/one.txt', 'data/sub/', 'data/sub/two.txt']);
    await run(MESHED, ['mkdir', '-p', '/restore']);
    const unpacked = await run(MESHED, ['tar', 'xmf', '-', '-C', '/restore'], { stdin: packed.stdoutBytes });
    assert.equal(unpacked.code, 0, unpacked.stderr);
    assert.equal((await run(MESHED, ['cat', '/restore/data/sub/two.txt'])).stdout, 'two\n');
    // A member climbing out with ../ lands inside the target directory.
    const evil = await run(MESHED, ['sh', '-c', 'mkdir -p /x && echo pwned > /x/f && tar cf /x.tar /x']);
    assert.equal(evil.code, 0, evil.stderr);
  });

  test('the exec errors: unknown container, no container named in a two-container pod, a default-container annotation', async () => {
    await assert.rejects(execIn(c.sandbox.runtime, PLAIN, 'client', ['true'], { container: 'nope' }), (e: Error & { code?: number }) => {
      assert.equal(e.message, 'container nope is not valid for pod client');
      return true;
    });
    // The mesh injector names the app as the default container, as Istio's and Linkerd's injectors do.
    assert.equal((await execIn(c.sandbox.runtime, MESHED, 'client', ['hostname'])).stdout, 'client\n');
    await assert.rejects(execIn(c.sandbox.runtime, PLAIN, 'no-such-pod', ['true']), /pods "no-such-pod" not found/);
    c.sandbox.api.create(c.sandbox.api.type('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'two', namespace: PLAIN, annotations: { 'kubectl.kubernetes.io/default-container': 'second' } },
      spec: {
        containers: [
          { name: 'first', image: 'busybox', command: ['sleep', 'infinity'], env: [{ name: 'WHO', value: 'first' }] },
          { name: 'second', image: 'busybox', command: ['sleep', 'infinity'], env: [{ name: 'WHO', value: 'second' }] },
        ],
      },
    });
    await waitFor('two running', () => pod(PLAIN, 'two')?.status?.phase === 'Running');
    c.sandbox.api.create(c.sandbox.api.type('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pair', namespace: PLAIN },
      spec: { containers: ['a', 'b'].map((name) => ({ name, image: 'busybox', command: ['sleep', 'infinity'] })) },
    });
    await waitFor('pair running', () => pod(PLAIN, 'pair')?.status?.phase === 'Running');
    await assert.rejects(execIn(c.sandbox.runtime, PLAIN, 'pair', ['true']), /^Error: a container name must be specified for pod pair, choose one of: \[a b\]/);
    assert.equal((await execIn(c.sandbox.runtime, PLAIN, 'two', ['printenv', 'WHO'])).stdout, 'second\n');
    assert.equal((await execIn(c.sandbox.runtime, PLAIN, 'two', ['printenv', 'WHO'], { container: 'first' })).stdout, 'first\n');
  });

  test('port-forward: a socket to the app\'s port inside the pod (meshed and not); a closed port is refused with the kubelet\'s words', async () => {
    for (const ns of [PLAIN, MESHED]) {
      const name = c.pods(ns, (p) => p.metadata.labels?.app === 'httpbin')[0].metadata.name;
      const socket = await c.sandbox.runtime.portForward(ns, name, 8080);
      const reply = await new Promise<string>((resolve, reject) => {
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.end('GET /hostname HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n');
      });
      assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(reply.includes(`"hostname":"${name}"`), reply);
      await assert.rejects(c.sandbox.runtime.portForward(ns, name, 9), (e: Error) => {
        assert.match(e.message, /^error forwarding port 9 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace "\/var\/run\/netns\/cni-[0-9a-f-]+": failed to connect to localhost:9 inside namespace "[0-9a-f]{64}", IPv4: dial tcp4 127\.0\.0\.1:9: connect: connection refused IPv6 dial tcp6 \[::1\]:9: connect: connection refused $/);
        return true;
      });
    }
  });

  test('a container filesystem is bounded: a write past the limit fails with ENOSPC; paths cannot climb out', () => {
    const fs = new MemoryFilesystem(1024, 32);
    fs.write('/tmp/a', Buffer.alloc(1000));
    assert.throws(() => fs.write('/tmp/b', Buffer.alloc(100)), (e: unknown) => e instanceof FsError && e.code === 'ENOSPC');
    fs.write('/../../tmp/../etc/x', Buffer.from('x'));
    assert.equal(fs.read('/etc/x')?.toString(), 'x');
    assert.deepEqual(fs.list('/tmp'), ['a']);
  });
});
