// pods/exec, pods/attach and pods/portforward on the wire: the real kubectl 1.32 (WebSocket v5 exec, the
// SPDY-over-WebSocket port-forward tunnel) and @kubernetes/client-node (v5/v4 channel exec, the WebSocket
// port-forward protocol) against the API server, with a test PodStreamSource standing in for the node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { Exec, KubeConfig, PortForward, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { startFixture, ADMIN_TOKEN, KUBECTL, type Fixture } from './fixture.js';
import type { AttachOptions, ExecOptions, PodStreamIO, PodStreamSource } from '../../sandbox/apiserver/pod-streams.js';
import { MAX_PENDING_BYTES, SpdyServerSession, SynReplyWriter } from '../../sandbox/apiserver/streams/spdy-session.js';
import { constants as zlibConstants, createInflate } from 'node:zlib';
import transport, { type SpdyFramer } from 'spdy-transport';

const FORWARDED_PORT = 8080;
const refusedMessage = (port: number) =>
  `error forwarding port ${port} to pod 1f0e2d3c-test, uid : failed to execute portforward in network namespace "/var/run/netns/test": failed to connect to localhost:${port} inside namespace "test", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `;

/** The node as the test wants it: a few commands, and port 8080 of every pod is a TCP echo server on loopback. */
class TestStreams implements PodStreamSource {
  echoPort = 0;
  execs: Array<{ namespace: string; pod: string; opts: ExecOptions }> = [];

  async exec(namespace: string, pod: string, opts: ExecOptions, io: PodStreamIO): Promise<number> {
    this.execs.push({ namespace, pod, opts });
    const [cmd, ...args] = opts.command;
    switch (cmd) {
      case 'echo':
        io.stdout?.write(args.join(' ') + '\n');
        return 0;
      case 'cat':
        if (!io.stdin || !io.stdout) return 1;
        for await (const chunk of io.stdin) io.stdout.write(chunk);
        return 0;
      case 'fail':
        io.stdout?.write('some output\n');
        io.stderr?.write(`failing with ${args[0]}\n`);
        return Number(args[0]);
      case 'tty':
        io.stdout?.write(`tty=${io.tty} stderr=${io.stderr !== null}\n`);
        return 0;
      case 'size':
        // Prints the first terminal size the client reports.
        return new Promise<number>((resolve) => io.onResize?.((size) => { io.stdout?.write(`${size.width}x${size.height}\n`); resolve(0); }));
      case 'container':
        io.stdout?.write(`${opts.container}\n`);
        return 0;
      default:
        io.stderr?.write(`exec: "${cmd}": executable file not found in $PATH\n`);
        return 127;
    }
  }

  async attach(_namespace: string, _pod: string, opts: AttachOptions, io: PodStreamIO): Promise<number> {
    io.stdout?.write(`attached to ${opts.container}\n`);
    if (io.stdin && io.stdout) for await (const chunk of io.stdin) io.stdout.write(chunk);
    return 0;
  }

  async portForward(_namespace: string, _pod: string, port: number): Promise<Duplex> {
    if (port !== FORWARDED_PORT) throw new Error(refusedMessage(port));
    const socket = connect(this.echoPort, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  }
}

const streams = new TestStreams();
let f: Fixture;
let echo: Server;

function pod(name: string, containers: string[], running = true) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'sandbox', containers: containers.map((c) => ({ name: c, image: 'x' })) },
    status: {
      phase: running ? 'Running' : 'Pending',
      containerStatuses: containers.map((c) => ({ name: c, ready: running, restartCount: 0, image: 'x', imageID: '', state: running ? { running: { startedAt: new Date().toISOString() } } : { waiting: { reason: 'ContainerCreating' } } })),
    },
  };
}

before(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  streams.echoPort = (echo.address() as AddressInfo).port;
  f = await startFixture({ streams, namespaces: ['default', 'team-a'] });
  const pods = f.api.type('', 'pods');
  f.api.create(pods, pod('web', ['app']));
  f.api.create(pods, pod('meshed', ['app', 'sidecar']));
  f.api.create(pods, pod('starting', ['app'], false));
  f.api.create(pods, { ...pod('web', ['app']), metadata: { name: 'web', namespace: 'team-a' } });
  f.grant('team-a', 'pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }], { kind: 'User', name: 'learner' });
});
after(async () => {
  await f.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

/** The real kubectl with extra environment; stdin it does not read (it may exit first) is dropped quietly. */
function kubectlWith(args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, ['--kubeconfig', f.kubeconfig, '--cache-dir', join(f.dir, 'cache'), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: f.dir, ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(o.input ?? '');
  });
}

describe('kubectl exec (WebSocket v5.channel.k8s.io)', () => {
  test('prints the command\'s output and exits 0', async () => {
    const r = await f.kubectl(['exec', 'web', '--', 'echo', 'hi', 'there']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'hi there\n');
    assert.equal(r.code, 0);
    assert.deepEqual(streams.execs.at(-1), { namespace: 'default', pod: 'web', opts: { container: 'app', command: ['echo', 'hi', 'there'] } });
  });

  test('-i passes stdin through to the command until it ends', async () => {
    const input = 'line one\nline two\n' + 'x'.repeat(200_000) + '\n';
    const r = await f.kubectl(['exec', '-i', 'web', '--', 'cat'], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, input);
    // A command that never reads its stdin still finishes, though the client keeps sending.
    const unread = await kubectlWith(['exec', '-i', 'web', '--', 'echo', 'done'], { input: 'u'.repeat(2_000_000) });
    assert.equal(unread.code, 0, unread.stderr);
    assert.equal(unread.stdout, 'done\n');
  });

  test('stderr stays separate; a non-zero exit is kubectl\'s exit code with upstream\'s message', async () => {
    const r = await f.kubectl(['exec', 'web', '--', 'fail', '3']);
    assert.equal(r.stdout, 'some output\n');
    assert.equal(r.stderr, 'failing with 3\ncommand terminated with exit code 3\n');
    assert.equal(r.code, 3);
    const missing = await f.kubectl(['exec', 'web', '--', 'nosuch']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /exec: "nosuch": executable file not found in \$PATH\ncommand terminated with exit code 127/);
  });

  test('-c picks the container; kubectl defaults to the first one', async () => {
    assert.equal((await f.kubectl(['exec', 'meshed', '-c', 'sidecar', '--', 'container'])).stdout, 'sidecar\n');
    const r = await f.kubectl(['exec', 'meshed', '--', 'container']);
    assert.equal(r.stdout, 'app\n');
    assert.match(r.stderr, /Defaulted container "app" out of: app, sidecar/);
  });

  test('a missing container, pod or command is the API server\'s error', async () => {
    const container = await f.kubectl(['exec', 'web', '-c', 'nope', '--', 'echo']);
    assert.equal(container.code, 1);
    assert.match(container.stderr, /Error from server \(BadRequest\): container nope is not valid for pod web/);
    const missing = await f.kubectl(['exec', 'ghost', '--', 'echo']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "ghost" not found/);
    const raw = await f.request('GET', '/api/v1/namespaces/default/pods/meshed/exec?command=echo&stdout=true');
    assert.equal(raw.status, 400);
    assert.equal(raw.json().message, 'a container name must be specified for pod meshed, choose one of: [app sidecar]');
    const noCommand = await f.request('POST', '/api/v1/namespaces/default/pods/web/exec?stdout=true');
    assert.equal(noCommand.status, 400);
    assert.equal(noCommand.json().message, 'you must specify at least 1 command');
    const notUpgraded = await f.request('POST', '/api/v1/namespaces/default/pods/web/exec?command=echo&stdout=true');
    assert.equal(notUpgraded.status, 400);
    assert.equal(notUpgraded.json().message, 'Upgrade request required');
  });

  test('a container that is not running: the kubelet\'s answer through the error channel', async () => {
    const r = await f.kubectl(['exec', 'starting', '--', 'echo', 'hi']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /error: Internal error occurred: unable to upgrade connection: container not found \("app"\)/);
  });

  test('a learner who may read pods but not create pods/exec is Forbidden (the WebSocket GET needs create)', async () => {
    const r = await f.kubectl(['exec', 'web', '--', 'echo', 'hi'], { kubeconfig: f.scopedKubeconfig });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Error from server \(Forbidden\): pods "web" is forbidden: User "learner" cannot create resource "pods\/exec" in API group "" in the namespace "team-a"/);
    f.grant('team-a', 'exec-get-only', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }], { kind: 'User', name: 'learner' });
    assert.equal((await f.kubectl(['exec', 'web', '--', 'echo', 'hi'], { kubeconfig: f.scopedKubeconfig })).code, 1);
    f.grant('team-a', 'exec', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }], { kind: 'User', name: 'learner' });
    const allowed = await f.kubectl(['exec', 'web', '--', 'echo', 'hi'], { kubeconfig: f.scopedKubeconfig });
    assert.equal(allowed.stdout, 'hi\n', allowed.stderr);
  });
});

describe('kubectl exec over SPDY/3.1 (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, and the fallback)', () => {
  const spdy = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
  const kubectlSpdy = (args: string[], input?: string) => kubectlWith(args, { input, env: spdy });

  test('output, stdin, stderr and the exit code', async () => {
    const ok = await kubectlSpdy(['exec', 'web', '--', 'echo', 'over', 'spdy']);
    assert.equal(ok.stdout, 'over spdy\n', ok.stderr);
    assert.equal(ok.code, 0);
    const input = 'spdy stdin\n' + 'z'.repeat(100_000) + '\n';
    const cat = await kubectlSpdy(['exec', '-i', 'web', '--', 'cat'], input);
    assert.equal(cat.stdout, input, cat.stderr);
    const failed = await kubectlSpdy(['exec', 'web', '--', 'fail', '5']);
    assert.equal(failed.stdout, 'some output\n');
    assert.equal(failed.stderr, 'failing with 5\ncommand terminated with exit code 5\n');
    assert.equal(failed.code, 5);
  });

  test('errors: a missing container is the Status, a container not running the kubelet\'s text', async () => {
    const container = await kubectlSpdy(['exec', 'web', '-c', 'nope', '--', 'echo']);
    assert.equal(container.code, 1);
    assert.match(container.stderr, /Error from server \(BadRequest\): container nope is not valid for pod web/);
    const starting = await kubectlSpdy(['exec', 'starting', '--', 'echo']);
    assert.equal(starting.code, 1);
    assert.match(starting.stderr, /error: unable to upgrade connection: container not found \("app"\)/);
  });
});

describe('kubectl attach', () => {
  test('-i: the main process\'s output, and stdin to it until it ends', async () => {
    const r = await f.kubectl(['attach', '-i', 'web'], { input: 'typed in\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'attached to app\ntyped in\n');
  });
});

/** A background kubectl (port-forward) whose output the test waits on. */
function background(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; waitFor(re: RegExp): Promise<RegExpMatchArray>; exited: Promise<number | null> } {
  const child = spawn(KUBECTL, ['--kubeconfig', f.kubeconfig, '--cache-dir', join(f.dir, 'cache'), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: f.dir, ...env } });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (c: Buffer) => { out += c.toString(); for (const l of listeners) l(); };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { for (const l of listeners) l(); resolve(code); }));
  return {
    child,
    output: () => out,
    exited,
    waitFor(re) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => { listeners.delete(check); reject(new Error(`kubectl ${args.join(' ')} printed only ${JSON.stringify(out)}`)); }, 15_000);
        const check = () => {
          const m = out.match(re);
          if (m) { clearTimeout(deadline); listeners.delete(check); resolve(m); }
          else if (child.exitCode !== null) { clearTimeout(deadline); listeners.delete(check); reject(new Error(`kubectl exited ${child.exitCode}: ${out}`)); }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Connects to a forwarded local port, sends `text`, and resolves what came back once `expect` bytes arrived or the peer ended. */
function roundTrip(port: number, text: string, expect = text.length): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`only ${JSON.stringify(got)} came back`)); }, 10_000);
    const done = () => { clearTimeout(timer); socket.destroy(); resolve(got); };
    socket.on('connect', () => socket.write(text));
    socket.on('data', (c) => { got += c.toString(); if (got.length >= expect) done(); });
    socket.on('end', done);
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

for (const [transport, env] of [['SPDY/3.1 tunnelled in WebSocket', {}], ['plain SPDY/3.1, the fallback', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
  describe(`kubectl port-forward (${transport})`, () => {
    test('forwards each local connection to the pod\'s port, both ways', async () => {
      const pf = background(['port-forward', 'pod/web', `:${FORWARDED_PORT}`], env);
      try {
        const [, local] = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        assert.equal(await roundTrip(Number(local), 'hello through the tunnel\n'), 'hello through the tunnel\n');
        const big = 'y'.repeat(300_000);
        assert.equal(await roundTrip(Number(local), big), big);
        assert.equal(pf.child.exitCode, null);
      } finally {
        pf.child.kill();
      }
    });

    test('4 MiB each way arrive whole and in order (more than the session buffers: its backpressure is exercised)', async () => {
      const pf = background(['port-forward', 'pod/web', `:${FORWARDED_PORT}`], env);
      try {
        const [, local] = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        let text = '';
        for (let i = 0; text.length < 4 * 1024 * 1024; i++) text += `${i},`;
        const back = await roundTrip(Number(local), text);
        assert.equal(back.length, text.length);
        assert.ok(back === text, 'the echo differs from what was sent');
      } finally {
        pf.child.kill();
      }
    });

    test('a refused dial: the kubelet\'s message on the error stream, which kubectl 1.32 prints before it gives up', async () => {
      const pf = background(['port-forward', 'pod/web', ':9999', `:${FORWARDED_PORT}`], env);
      try {
        const [, refusedLocal] = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 9999/);
        const [, goodLocal] = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        assert.equal(await roundTrip(Number(goodLocal), 'before\n'), 'before\n');
        assert.equal(await roundTrip(Number(refusedLocal), 'anyone?\n'), '');
        await pf.waitFor(/an error occurred forwarding \d+ -> 9999: error forwarding port 9999 to pod 1f0e2d3c-test, uid : failed to execute portforward in network namespace .*: connect: connection refused/);
        // client-go's PortForwarder closes its connection after any error-stream message (upstream since 1.29).
        await pf.waitFor(/error: lost connection to pod/);
        assert.equal(await pf.exited, 1);
      } finally {
        pf.child.kill();
      }
      // The API server is unharmed: the next forward works.
      const again = background(['port-forward', 'pod/web', `:${FORWARDED_PORT}`], env);
      try {
        const [, local] = await again.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        assert.equal(await roundTrip(Number(local), 'after\n'), 'after\n');
      } finally {
        again.child.kill();
      }
    });

    test('a learner without create on pods/portforward is Forbidden', async () => {
      const pf = spawn(KUBECTL, ['--kubeconfig', f.scopedKubeconfig, '--cache-dir', join(f.dir, 'cache'), 'port-forward', 'pod/web', `:${FORWARDED_PORT}`], { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: f.dir, ...env } });
      try {
        let err = '';
        pf.stderr.on('data', (c: Buffer) => { err += c.toString(); });
        const code = await Promise.race([once(pf, 'exit').then(([c]) => c as number), new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
        assert.equal(code, 1);
        assert.match(err, /pods "web" is forbidden: User "learner" cannot create resource "pods\/portforward" in API group "" in the namespace "team-a"/);
      } finally {
        pf.kill();
      }
    });
  });
}

/** Collects what a client-node callback writes. */
function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(chunks).toString();
  return w;
}

function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); })]).finally(() => clearTimeout(timer));
}

describe('@kubernetes/client-node', () => {
  const kubeConfig = () => {
    const kc = new KubeConfig();
    kc.loadFromFile(f.kubeconfig);
    return kc;
  };

  test('Exec: stdout, stderr and the status callback (v5.channel.k8s.io)', async () => {
    const exec = new Exec(kubeConfig());
    const run = async (command: string[], stdin: PassThrough | null = null, tty = false) => {
      const stdout = sink();
      const stderr = sink();
      let resolveStatus: (s: V1Status) => void = () => {};
      const status = new Promise<V1Status>((r) => { resolveStatus = r; });
      const ws = await exec.exec('default', 'web', 'app', command, stdout, stderr, stdin, tty, (s) => resolveStatus(s));
      const result = await within(status, `status of ${command.join(' ')}`);
      await within(once(ws, 'close'), 'close');
      return { stdout: stdout.text(), stderr: stderr.text(), status: result, protocol: ws.protocol };
    };
    const ok = await run(['echo', 'from', 'client-node']);
    assert.equal(ok.protocol, 'v5.channel.k8s.io');
    assert.equal(ok.stdout, 'from client-node\n');
    assert.equal(ok.status.status, 'Success');
    const failed = await run(['fail', '42']);
    assert.equal(failed.stdout, 'some output\n');
    assert.equal(failed.stderr, 'failing with 42\n');
    assert.equal(failed.status.status, 'Failure');
    assert.equal(failed.status.reason, 'NonZeroExitCode');
    assert.deepEqual(failed.status.details?.causes, [{ reason: 'ExitCode', message: '42' }]);
    const stdin = new PassThrough();
    const piped = run(['cat'], stdin);
    stdin.end('piped through stdin\n');
    assert.equal((await piped).stdout, 'piped through stdin\n');
    const tty = await run(['tty'], null, true);
    assert.equal(tty.stdout, 'tty=true stderr=false\n');
  });

  test('Exec into a missing container rejects with the API server\'s Status, nothing uncaught', async () => {
    const exec = new Exec(kubeConfig());
    await assert.rejects(exec.exec('default', 'web', 'nope', ['echo'], sink(), sink(), null, false));
  });

  test('PortForward: bytes both ways; a refused port reports on the error stream and never throws uncaught', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => { uncaught.push(err); };
    process.on('uncaughtException', onUncaught);
    try {
      const pf = new PortForward(kubeConfig());
      const output = sink();
      const input = new PassThrough();
      const ws = await pf.portForward('default', 'web', [FORWARDED_PORT], output, null, input);
      assert.ok(typeof ws !== 'function');
      input.write('ping over client-node\n');
      await within(new Promise<void>((resolve) => { const t = setInterval(() => { if (output.text().includes('\n')) { clearInterval(t); resolve(); } }, 10); }), 'echo');
      assert.equal(output.text(), 'ping over client-node\n');
      ws.close();

      const errors = sink();
      const refusedOut = sink();
      const refused = await pf.portForward('default', 'web', [9999], refusedOut, errors, new PassThrough());
      assert.ok(typeof refused !== 'function');
      await within(once(refused, 'close'), 'the refused forward closes');
      assert.match(errors.text(), /^error forwarding port 9999 to pod .*connection refused/);
      assert.equal(refusedOut.text(), '');

      await assert.rejects(pf.portForward('default', 'ghost', [FORWARDED_PORT], sink(), sink(), new PassThrough()));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

/** A raw WebSocket to the API server offering `protocols`; resolves every message until the server closes. */
function rawSocket(path: string, protocols: string[], opts: { send?: (ws: WebSocket) => void; fixture?: Fixture; token?: string | null } = {}): Promise<{ protocol: string; messages: Array<{ data: Buffer; binary: boolean }>; status?: number; body?: string }> {
  const fx = opts.fixture ?? f;
  return within(new Promise((resolve, reject) => {
    const ws = new WebSocket(fx.url.replace('https:', 'wss:') + path, protocols, { ca: fx.ca, headers: opts.token === null ? {} : { Authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}` } });
    const messages: Array<{ data: Buffer; binary: boolean }> = [];
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ protocol: '', messages, status: res.statusCode, body }));
    });
    ws.on('open', () => opts.send?.(ws));
    ws.on('message', (data: Buffer, binary: boolean) => messages.push({ data: Buffer.from(data), binary }));
    ws.on('close', () => resolve({ protocol: ws.protocol, messages }));
    ws.on('error', reject);
  }), `websocket ${path}`);
}

describe('the channel protocols on the wire', () => {
  const execPath = '/api/v1/namespaces/default/pods/web/exec?container=app&stdout=true&stderr=true';

  test('v4.channel.k8s.io: binary frames, the exit code as a Status on channel 3', async () => {
    const r = await rawSocket(`${execPath}&command=fail&command=7`, ['v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    const byChannel = (ch: number) => Buffer.concat(r.messages.filter((m) => m.data[0] === ch).map((m) => m.data.subarray(1))).toString();
    assert.equal(byChannel(1), 'some output\n');
    assert.equal(byChannel(2), 'failing with 7\n');
    const status = JSON.parse(byChannel(3));
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  test('base64.channel.k8s.io (v1): text frames, the error text alone on channel 3', async () => {
    const r = await rawSocket(`${execPath}&command=fail&command=2`, ['base64.channel.k8s.io']);
    assert.equal(r.protocol, 'base64.channel.k8s.io');
    assert.ok(r.messages.every((m) => !m.binary));
    const byChannel = (ch: number) => r.messages.filter((m) => m.data[0] === 48 + ch).map((m) => Buffer.from(m.data.subarray(1).toString(), 'base64').toString()).join('');
    assert.equal(byChannel(1), 'some output\n');
    assert.equal(byChannel(3), 'command terminated with non-zero exit code: command terminated with exit code 2');
  });

  test('v5: stdin is closed by the client\'s close signal on channel 255', async () => {
    const r = await rawSocket(`${execPath}&stdin=true&command=cat`, ['v5.channel.k8s.io'], {
      send: (ws) => { ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('to cat\n')])); ws.send(Buffer.from([255, 0])); },
    });
    const byChannel = (ch: number) => Buffer.concat(r.messages.filter((m) => m.data[0] === ch).map((m) => m.data.subarray(1))).toString();
    assert.equal(byChannel(1), 'to cat\n');
    assert.deepEqual(JSON.parse(byChannel(3)), { metadata: {}, status: 'Success' });
  });

  test('tty: resizes on channel 4 reach the command; no subprotocol at all is the binary v1 protocol', async () => {
    const r = await rawSocket('/api/v1/namespaces/default/pods/web/exec?container=app&stdout=true&tty=true&command=size', ['v5.channel.k8s.io'], {
      send: (ws) => { ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":"wide"}')])); ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":132,"Height":43}')])); },
    });
    assert.equal(Buffer.concat(r.messages.filter((m) => m.data[0] === 1).map((m) => m.data.subarray(1))).toString(), '132x43\n');
    const bare = await rawSocket(`${execPath}&command=echo&command=bare`, []);
    assert.equal(bare.protocol, '');
    assert.equal(Buffer.concat(bare.messages.filter((m) => m.data[0] === 1).map((m) => m.data.subarray(1))).toString(), 'bare\n');
    assert.equal(bare.messages.filter((m) => m.data[0] === 3).length, 0); // v1 reports success by saying nothing
  });

  test('refusals before the upgrade are plain HTTP Status responses', async () => {
    const noProtocol = await rawSocket(`${execPath}&command=echo`, ['v9.channel.k8s.io']);
    assert.equal(noProtocol.status, 400);
    assert.match(JSON.parse(noProtocol.body!).message, /requested protocol\(s\) are not supported: \[v9.channel.k8s.io\]/);
    const nothing = await rawSocket('/api/v1/namespaces/default/pods/web/exec?container=app&command=echo', ['v5.channel.k8s.io']);
    assert.equal(nothing.status, 400);
    assert.equal(JSON.parse(nothing.body!).message, 'you must specify at least 1 of stdin, stdout, stderr');
    const badBool = await rawSocket(`${execPath}&command=echo&tty=maybe`, ['v5.channel.k8s.io']);
    assert.equal(badBool.status, 400);
    const anonymous = await rawSocket(`${execPath}&command=echo`, ['v5.channel.k8s.io'], { token: null });
    assert.equal(anonymous.status, 401);
    const badToken = await rawSocket(`${execPath}&command=echo`, ['v5.channel.k8s.io'], { token: 'not-a-token' });
    assert.equal(badToken.status, 401);
    // An upgrade asked of anything else is served as the ordinary request it is.
    const list = await rawSocket('/api/v1/namespaces/default/pods', ['v5.channel.k8s.io']);
    assert.equal(list.status, 200);
    assert.equal(JSON.parse(list.body!).kind, 'PodList');
    for (const [query, message] of [
      ['', 'query parameter "ports" is required'],
      ['?ports=', 'query parameter "ports" cannot be empty'],
      ['?ports=http', 'unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax'],
      ['?ports=80,70000', 'unable to parse "80,70000" as a port: strconv.ParseUint: parsing "70000": value out of range'],
      ['?ports=0', 'port "0" must be > 0'],
    ]) {
      const r = await rawSocket(`/api/v1/namespaces/default/pods/web/portforward${query}`, ['v4.channel.k8s.io']);
      assert.equal(r.status, 400, query);
      assert.equal(JSON.parse(r.body!).message, message);
    }
  });

  test('port-forward over v4.channel.k8s.io: each channel opens with the port, little-endian', async () => {
    const r = await rawSocket(`/api/v1/namespaces/default/pods/web/portforward?ports=${FORWARDED_PORT}`, ['v4.channel.k8s.io'], {
      send: (ws) => { ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('raw\n')])); setTimeout(() => ws.close(), 300); },
    });
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    const first = (ch: number) => r.messages.find((m) => m.data[0] === ch)?.data.subarray(1);
    assert.deepEqual(first(0), Buffer.from([FORWARDED_PORT & 0xff, FORWARDED_PORT >> 8]));
    assert.deepEqual(first(1), Buffer.from([FORWARDED_PORT & 0xff, FORWARDED_PORT >> 8]));
    assert.equal(Buffer.concat(r.messages.filter((m) => m.data[0] === 0).slice(1).map((m) => m.data.subarray(1))).toString(), 'raw\n');
  });
});

describe('a hostile SPDY client', () => {
  /** A plain `Upgrade: SPDY/3.1` port-forward session; resolves what the server sent once it closes the socket. */
  const session = (afterUpgrade: Buffer) => within(new Promise<string>((resolve, reject) => {
    const { port } = new URL(f.url);
    const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), ca: f.ca, servername: 'localhost' });
    let got = Buffer.alloc(0);
    let upgraded = false;
    socket.on('secureConnect', () => socket.write(`POST /api/v1/namespaces/default/pods/web/portforward HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\nContent-Length: 0\r\n\r\n`));
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (!upgraded && got.includes('\r\n\r\n')) {
        upgraded = true;
        socket.write(afterUpgrade);
      }
    });
    socket.on('close', () => resolve(got.toString('latin1')));
    socket.on('error', reject);
  }), 'the server to end the SPDY session');

  test('an oversized control frame or garbage ends the session, and the server carries on', async () => {
    const oversized = Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00]); // SYN_STREAM of 1 MiB
    assert.match(await session(Buffer.concat([oversized, Buffer.alloc(1024)])), /^HTTP\/1\.1 101 Switching Protocols/);
    const garbage = Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xde, 0xad]); // a SYN_STREAM whose header block is not zlib
    assert.match(await session(garbage), /^HTTP\/1\.1 101 Switching Protocols/);
    assert.equal((await f.kubectl(['exec', 'web', '--', 'echo', 'still', 'here'])).stdout, 'still here\n');
  });
});

describe('closing the API server', () => {
  test('ends open exec sessions and port-forwards, so close() returns', async () => {
    const fx = await startFixture({ streams });
    fx.api.create(fx.api.type('', 'pods'), pod('web', ['app']));
    const execOpen = rawSocket('/api/v1/namespaces/default/pods/web/exec?container=app&stdin=true&stdout=true&command=cat', ['v5.channel.k8s.io'], { fixture: fx });
    const forwardOpen = rawSocket(`/api/v1/namespaces/default/pods/web/portforward?ports=${FORWARDED_PORT}`, ['v4.channel.k8s.io'], { fixture: fx });
    await new Promise((r) => setTimeout(r, 300));
    await within(fx.close(), 'server close');
    await execOpen;
    await forwardOpen;
  });
});

describe('SPDY session framing', () => {
  test('SYN_REPLY header blocks are one zlib stream with SPDY\'s dictionary: each inflates to :status and :version', async () => {
    const writer = new SynReplyWriter();
    const frames = [writer.frame(1), writer.frame(3), writer.frame(0x7fffffff)];
    const inflate = createInflate({ dictionary: transport.protocol.spdy.dictionary[3], flush: zlibConstants.Z_SYNC_FLUSH });
    const blocks: Buffer[] = [];
    for (const frame of frames) {
      assert.equal(frame.readUInt32BE(0), 0x80030002); // control, version 3, SYN_REPLY
      assert.equal(frame.readUInt32BE(4), frame.length - 8); // flags 0, length
      const out = new Promise<Buffer>((resolve, reject) => { inflate.once('data', resolve); inflate.once('error', reject); });
      inflate.write(frame.subarray(12));
      blocks.push(await within(out, 'the header block to inflate'));
    }
    assert.deepEqual(frames.map((f) => f.readUInt32BE(8)), [1, 3, 0x7fffffff]);
    const expected = Buffer.concat([
      Buffer.from([0, 0, 0, 2]),
      Buffer.from([0, 0, 0, 7]), Buffer.from(':status'), Buffer.from([0, 0, 0, 6]), Buffer.from('200 OK'),
      Buffer.from([0, 0, 0, 8]), Buffer.from(':version'), Buffer.from([0, 0, 0, 8]), Buffer.from('HTTP/1.1'),
    ]);
    for (const block of blocks) assert.deepEqual(block, expected);
    inflate.destroy();
  });
});

describe('SPDY session backpressure', () => {
  /** A SYN_STREAM from a client framer (spdy-transport's, as a client): what client-go's spdystream sends first. */
  async function synStream(id: number): Promise<Buffer> {
    const spdy = transport.protocol.spdy;
    const framer = spdy.framer.create({ window: null, timeout: null }) as SpdyFramer & { requestFrame(frame: object, cb?: () => void): void };
    framer.setVersion(3);
    framer.setCompression(spdy.compressionPool.create(false).get(3));
    const chunks: Buffer[] = [];
    framer.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) => framer.requestFrame({ id, path: '/', headers: { streamtype: 'data' } }, () => resolve()));
    await new Promise((r) => setImmediate(r));
    return Buffer.concat(chunks);
  }

  test('a client that does not read: the server stops producing and holds at most its bound, then all bytes arrive', async () => {
    const TOTAL = 64 * 1024 * 1024;
    const CHUNK = 64 * 1024;
    let session: SpdyServerSession | undefined;
    let produced = 0;
    let producing: Promise<void> | undefined;
    const server = createServer((socket) => {
      session = new SpdyServerSession(socket, (stream) => {
        // A producer as pipe.ts is: the next chunk only once write() says the session can take more.
        producing = (async () => {
          const chunk = Buffer.alloc(CHUNK, 7);
          while (produced < TOTAL) {
            produced += CHUNK;
            await stream.write(chunk);
          }
          stream.end();
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    try {
      await once(client, 'connect');
      client.pause(); // reads nothing yet
      client.write(await synStream(1));
      // Let the producer start (header decompression is asynchronous), then run until it stalls: `produced` stops
      // growing across many turns of the event loop.
      await within(new Promise<void>((resolve) => { const check = () => (produced > 0 ? resolve() : setImmediate(check)); check(); }), 'the stream to open');
      let last = -1;
      for (let turns = 0, still = 0; still < 200 && turns < 100_000; turns++) {
        await new Promise((r) => setImmediate(r));
        still = produced === last ? still + 1 : 0;
        last = produced;
      }
      assert.ok(session, 'the session started');
      assert.ok(produced < TOTAL, `the producer was held back (it wrote ${produced} of ${TOTAL} bytes)`);
      assert.ok(session.pendingBytes <= MAX_PENDING_BYTES + CHUNK + 8, `the session holds ${session.pendingBytes} bytes, bound ${MAX_PENDING_BYTES}`);
      assert.ok(session.congested, `congested at ${session.pendingBytes} bytes after ${produced}`);
      // Now read: every DATA byte arrives, then the FIN.
      let buffered: Buffer = Buffer.alloc(0);
      let data = 0;
      let fin = false;
      await within(new Promise<void>((resolve, reject) => {
        client.on('data', (c: Buffer) => {
          buffered = buffered.length ? Buffer.concat([buffered, c]) : c;
          while (buffered.length >= 8) {
            const length = buffered.readUIntBE(5, 3);
            if (buffered.length < 8 + length) break;
            const control = (buffered[0] & 0x80) !== 0;
            if (!control) {
              data += length;
              if (buffered[4] & 0x01) fin = true;
            }
            buffered = buffered.subarray(8 + length);
          }
          if (fin) resolve();
        });
        client.on('error', reject);
        client.resume();
      }), 'all data to arrive', 60_000);
      assert.equal(data, TOTAL);
      await producing;
    } finally {
      client.destroy();
      session?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
