// A container's command as its main process, with the real kubectl: `kubectl run … -- echo hi` completes with
// its output in the log, `--command -- sleep 3600` keeps running, an exit code fails the pod, an image's
// ENTRYPOINT takes the args, a missing program does not start, attach follows a main process, exec probes run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { MAX_EXECS_PER_POD } from '../../sandbox/runtime/process/pod-processes.js';
import { execIn } from './exec-helpers.js';
import { isReady, kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'cmd';

describe('container commands (programs as main processes)', () => {
  let c: ClusterFixture;
  const pod = (name: string) => c.pods(NS, (p) => p.metadata.name === name)[0] as Pod | undefined;
  const terminated = (name: string) => pod(name)?.status?.containerStatuses?.[0]?.state?.terminated;

  before(async () => {
    c = await startCluster({ mesh: false });
    await kubectlOk(c, ['create', 'namespace', NS]);
  });
  after(async () => {
    await c?.close();
  });

  test('kubectl run --image=busybox --restart=Never -- echo hi: Completed, and kubectl logs shows hi', async () => {
    await kubectlOk(c, ['-n', NS, 'run', 'hi', '--image=busybox', '--restart=Never', '--', 'echo', 'hi']);
    await waitFor('pod hi Succeeded', () => pod('hi')?.status?.phase === 'Succeeded');
    assert.equal(terminated('hi')?.exitCode, 0);
    assert.equal(terminated('hi')?.reason, 'Completed');
    assert.equal(await kubectlOk(c, ['-n', NS, 'logs', 'hi']), 'hi\n');
    assert.match(await kubectlOk(c, ['-n', NS, 'get', 'pod', 'hi', '--no-headers']), /^hi\s+0\/1\s+Completed\s+0\s+/);
  });

  test('kubectl run --command -- sleep 3600 keeps running; exec works beside it; delete stops it', async () => {
    await kubectlOk(c, ['-n', NS, 'run', 'sleeper', '--image=busybox', '--restart=Never', '--command', '--', 'sleep', '3600']);
    await waitFor('sleeper ready', () => { const p = pod('sleeper'); return p?.status?.phase === 'Running' && isReady(p); });
    assert.deepEqual(pod('sleeper')!.spec.containers[0].command, ['sleep', '3600']);
    const r = await execIn(c.sandbox.runtime, NS, 'sleeper', ['sh', '-c', 'echo $HOSTNAME; ls /bin >/dev/null && echo ok']);
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: 'sleeper\nok\n' });
    assert.match(await kubectlOk(c, ['-n', NS, 'get', 'pod', 'sleeper', '--no-headers']), /^sleeper\s+1\/1\s+Running\s+0\s+/);
    // Exec'd processes are capped per pod, and killed when the pod goes.
    const sessions = Array.from({ length: MAX_EXECS_PER_POD }, () => execIn(c.sandbox.runtime, NS, 'sleeper', ['sleep', '3600'], { timeoutMs: 60_000 }));
    await assert.rejects(execIn(c.sandbox.runtime, NS, 'sleeper', ['true']), (e: Error & { code?: number }) => {
      assert.equal(e.code, 429);
      assert.match(e.message, new RegExp(`already runs ${MAX_EXECS_PER_POD} exec sessions`));
      return true;
    });
    await kubectlOk(c, ['-n', NS, 'delete', 'pod', 'sleeper', '--wait=true', '--timeout=20s'], undefined, 30_000);
    for (const r of await Promise.all(sessions)) assert.equal(r.code, 137);
  });

  test("Services' link variables are in the environment, as the kubelet writes them (and enableServiceLinks: false drops the namespace's)", async () => {
    await kubectlOk(c, ['-n', NS, 'create', 'service', 'clusterip', 'web-api', '--tcp=8080:80']);
    const ip = (await kubectlOk(c, ['-n', NS, 'get', 'svc', 'web-api', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const master = (await kubectlOk(c, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    await kubectlOk(c, ['-n', NS, 'run', 'links', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo $WEB_API_SERVICE_HOST $WEB_API_SERVICE_PORT $WEB_API_SERVICE_PORT_8080_80 $WEB_API_PORT $WEB_API_PORT_8080_TCP_ADDR $KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT']);
    await waitFor('pod links Succeeded', () => pod('links')?.status?.phase === 'Succeeded');
    assert.equal(await kubectlOk(c, ['-n', NS, 'logs', 'links']), `${ip} 8080 8080 tcp://${ip}:8080 ${ip} ${master} 443\n`);
    await kubectlOk(c, ['-n', NS, 'run', 'nolinks', '--image=busybox', '--restart=Never', '--overrides={"spec":{"enableServiceLinks":false}}', '--', 'sh', '-c', 'echo "[$WEB_API_SERVICE_HOST]" $KUBERNETES_SERVICE_HOST']);
    await waitFor('pod nolinks Succeeded', () => pod('nolinks')?.status?.phase === 'Succeeded');
    assert.equal(await kubectlOk(c, ['-n', NS, 'logs', 'nolinks']), `[] ${master}\n`);
  });

  test("what a container writes is charged to the node's disk and given back when its pod goes", async () => {
    await kubectlOk(c, ['-n', NS, 'run', 'writer', '--image=busybox', '--restart=Never', '--command', '--', 'sleep', '3600']);
    await waitFor('writer running', () => pod('writer')?.status?.phase === 'Running');
    const before = c.sandbox.runtime.disk.usedBy(NS);
    const r = await execIn(c.sandbox.runtime, NS, 'writer', ['sh', '-c', 'seq 1 20000 > /tmp/numbers; wc -c < /tmp/numbers']);
    assert.equal(r.code, 0, r.stderr);
    const size = Number(r.stdout.trim());
    assert.ok(size > 100_000, r.stdout);
    assert.equal(c.sandbox.runtime.disk.usedBy(NS) - before, size);
    await kubectlOk(c, ['-n', NS, 'delete', 'pod', 'writer', '--wait=true', '--timeout=20s'], undefined, 30_000);
    assert.ok(c.sandbox.runtime.disk.usedBy(NS) <= before, `${c.sandbox.runtime.disk.usedBy(NS)} bytes still charged after the pod went (was ${before})`);
  });

  test('a failing command: its stderr in the log, its exit code in the status, the pod Failed', async () => {
    await kubectlOk(c, ['-n', NS, 'run', 'fails', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo bye >&2; exit 3']);
    await waitFor('pod fails Failed', () => pod('fails')?.status?.phase === 'Failed');
    assert.deepEqual({ exitCode: terminated('fails')?.exitCode, reason: terminated('fails')?.reason }, { exitCode: 3, reason: 'Error' });
    assert.equal(await kubectlOk(c, ['-n', NS, 'logs', 'fails']), 'bye\n');
  });

  test("an image's ENTRYPOINT takes the args: curlimages/curl -- -s -w '%{http_code}' … ", async () => {
    await kubectlOk(c, ['-n', NS, 'run', 'curler', '--image=curlimages/curl', '--restart=Never', '--', '-s', '-o', '/dev/null', '-w', '%{http_code}\n', 'http://nowhere/']);
    await waitFor('curler Failed', () => pod('curler')?.status?.phase === 'Failed');
    assert.equal(terminated('curler')?.exitCode, 6);
    assert.equal(await kubectlOk(c, ['-n', NS, 'logs', 'curler']), '000\n');
  });

  test('a command the image lacks does not start: StartError, exit 128, the runtime\'s message; the pod Failed', async () => {
    await kubectlOk(c, ['-n', NS, 'run', 'nope', '--image=busybox', '--restart=Never', '--command', '--', 'bash', '-c', 'true']);
    await waitFor('nope Failed', () => pod('nope')?.status?.phase === 'Failed');
    assert.deepEqual(
      { exitCode: terminated('nope')?.exitCode, reason: terminated('nope')?.reason, message: terminated('nope')?.message },
      {
        exitCode: 128,
        reason: 'StartError',
        message: 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown',
      },
    );
    assert.match(await kubectlOk(c, ['-n', NS, 'get', 'pod', 'nope', '--no-headers']), /^nope\s+0\/1\s+StartError\s+0\s+/);
  });

  test('attach: the main process\'s output from now on, stdin to it, its exit code', async () => {
    c.sandbox.api.create(c.sandbox.api.type('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'interactive', namespace: NS },
      spec: { restartPolicy: 'Never', containers: [{ name: 'shell', image: 'busybox', stdin: true, command: ['sh'] }] },
    });
    await waitFor('interactive running', () => pod('interactive')?.status?.phase === 'Running');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let seen = '';
    stdout.on('data', (d: Buffer) => (seen += d.toString()));
    const attached = c.sandbox.runtime.attach(NS, 'interactive', {}, { stdin, stdout, stderr: new PassThrough(), tty: false, signal: AbortSignal.timeout(20_000) });
    stdin.write('echo attached-ok\n');
    stdin.end('exit 5\n');
    assert.equal(await attached, 5);
    assert.equal(seen, 'attached-ok\n');
    await waitFor('interactive Failed', () => pod('interactive')?.status?.phase === 'Failed');
    assert.equal(terminated('interactive')?.exitCode, 5);
  });

  test('ConfigMap and Secret volumes appear at their mounts; automountServiceAccountToken: false mounts no token', async () => {
    await kubectlOk(c, ['-n', NS, 'create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3']);
    await kubectlOk(c, ['-n', NS, 'create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    c.sandbox.api.create(c.sandbox.api.type('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'mounts', namespace: NS },
      spec: {
        automountServiceAccountToken: false,
        volumes: [
          { name: 'settings', configMap: { name: 'settings', items: [{ key: 'mode', path: 'conf/mode.txt' }] } },
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'scratch', emptyDir: {} },
        ],
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sleep', 'infinity'],
            volumeMounts: [
              { name: 'settings', mountPath: '/etc/settings' },
              { name: 'creds', mountPath: '/etc/creds', readOnly: true },
              { name: 'scratch', mountPath: '/scratch' },
            ],
          },
        ],
      },
    });
    await waitFor('mounts running', () => pod('mounts')?.status?.phase === 'Running');
    const r = await execIn(c.sandbox.runtime, NS, 'mounts', ['sh', '-c', 'cat /etc/settings/conf/mode.txt; echo; cat /etc/creds/password; echo; ls /etc/settings /scratch; ls /var/run/secrets/kubernetes.io/serviceaccount; echo $?']);
    assert.equal(r.stdout, 'fast\ns3cret\n/etc/settings:\nconf\n\n/scratch:\n1\n');
    assert.equal(r.stderr, 'ls: /var/run/secrets/kubernetes.io/serviceaccount: No such file or directory\n');
  });

  test('an exec readiness probe runs in the container: ready once the file it checks exists', async () => {
    c.sandbox.api.create(c.sandbox.api.type('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'probed', namespace: NS },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sleep', 'infinity'],
            readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
          },
        ],
      },
    });
    await waitFor('probed running', () => pod('probed')?.status?.phase === 'Running');
    await waitFor('an Unhealthy event naming cat\'s error', () =>
      c.sandbox.api
        .list(c.sandbox.api.type('', 'events'), NS)
        .items.some((e) => (e as { message?: string }).message === "Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory"),
    );
    assert.equal(isReady(pod('probed')!), false);
    await execIn(c.sandbox.runtime, NS, 'probed', ['touch', '/tmp/ready']);
    await waitFor('probed ready', () => isReady(pod('probed')!));
  });
});
