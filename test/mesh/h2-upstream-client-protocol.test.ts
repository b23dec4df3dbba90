// DestinationRule `connectionPool.http.useClientProtocol` through real sidecars: an h2c client of an `http`-named
// Service port reaches the app as HTTP/1.1 by default (Istio's explicit HTTP cluster) and as HTTP/2 once the rule sets
// useClientProtocol (Istio's use_downstream_protocol), host-level or in the port's portLevelSettings. And how the
// compiler takes both fields (h2UpgradePolicy UPGRADE is not modelled: reported).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp1Server } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { compileTrafficPolicy } from '../../sandbox/mesh/control-plane/istio/traffic-policy-compiler.js';
import { MeshHarness, h2Send, type TestPod } from './harness.js';

const PORT = 8000;
let h: MeshHarness;
let client: TestPod;
let app: NetServer | undefined;

/** The pod's app answers HTTP/1.1 and h2c (prior knowledge) on one port, saying which version it was asked in. */
async function dualApp(pod: TestPod): Promise<void> {
  pod.app.closeAllConnections();
  await new Promise((r) => pod.app.close(r));
  const h1 = createHttp1Server((req, res) => res.end(`HTTP/${req.httpVersion}`));
  const h2 = createH2Server();
  h2.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    stream.end('HTTP/2');
  });
  app = createNetServer((socket) => {
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      // The HTTP/2 connection preface starts `PRI * HTTP/2.0`; anything else is an HTTP/1.1 request line.
      // node:http2 takes the unshifted bytes from the paused socket itself; node:http needs it flowing again.
      if (first.subarray(0, 3).toString('latin1') === 'PRI') return void h2.emit('connection', socket);
      h1.emit('connection', socket);
      socket.resume();
    });
  });
  await new Promise<void>((r) => app!.listen(PORT, pod.localHost, r));
}

async function applyRule(service: string, trafficPolicy: unknown): Promise<void> {
  h.apply('networking.istio.io', 'destinationrules', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: service, namespace: 'default' }, spec: { host: service, trafficPolicy } });
  await h.cp.settled();
}

before(async () => {
  h = await MeshHarness.start();
  // Three Services over the same HTTP/1.1 + h2c app, each port named `http`.
  for (const name of ['web', 'web-client-protocol', 'web-port-level']) h.service(name, PORT, { app: 'web' });
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  await dualApp(await h.pod({ name: 'web-1', app: 'web', port: PORT }));
  await applyRule('web-client-protocol', { connectionPool: { http: { useClientProtocol: true } } });
  await applyRule('web-port-level', { portLevelSettings: [{ port: { number: PORT }, connectionPool: { http: { useClientProtocol: true, http2MaxRequests: 10 } } }] });
});

after(async () => {
  app?.close();
  await h.stop();
});

test('h2c client → `http` port without a DestinationRule: the app is asked in HTTP/1.1', async () => {
  const r = await h2Send(client, `web:${PORT}`, '/');
  assert.equal(r.headers[':status'], 200, r.body);
  assert.equal(r.body, 'HTTP/1.1');
});

test('useClientProtocol: true (host level, then port level with a limit): the h2c client keeps HTTP/2 to the app', async () => {
  const host = await h2Send(client, `web-client-protocol:${PORT}`, '/');
  assert.equal(host.headers[':status'], 200, host.body);
  assert.equal(host.body, 'HTTP/2');
  const port = await h2Send(client, `web-port-level:${PORT}`, '/');
  assert.equal(port.headers[':status'], 200, port.body);
  assert.equal(port.body, 'HTTP/2');
});

test('useClientProtocol must be a boolean; false leaves the port protocol in charge', () => {
  const problems: string[] = [];
  assert.deepEqual(compileTrafficPolicy({ connectionPool: { http: { useClientProtocol: true } } }, 'tp', problems), { connectionPool: { useClientProtocol: true } });
  assert.equal(compileTrafficPolicy({ connectionPool: { http: { useClientProtocol: false } } }, 'tp', problems), undefined);
  assert.deepEqual(problems, []);
  compileTrafficPolicy({ connectionPool: { http: { useClientProtocol: 'yes' } } }, 'tp', problems);
  assert.deepEqual(problems, ['tp.connectionPool.http.useClientProtocol: must be a boolean, got "yes"']);
});

test('h2UpgradePolicy: DEFAULT and DO_NOT_UPGRADE are accepted as they are; UPGRADE is reported (an error with useClientProtocol)', () => {
  const problems: string[] = [];
  for (const policy of ['DEFAULT', 'DO_NOT_UPGRADE']) compileTrafficPolicy({ connectionPool: { http: { h2UpgradePolicy: policy } } }, 'tp', problems);
  assert.deepEqual(problems, []);
  compileTrafficPolicy({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE' } } }, 'a', problems);
  compileTrafficPolicy({ connectionPool: { http: { useClientProtocol: true, h2UpgradePolicy: 'UPGRADE' } } }, 'b', problems);
  compileTrafficPolicy({ connectionPool: { http: { h2UpgradePolicy: 'ALWAYS' } } }, 'c', problems);
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems[0], /^a\.connectionPool\.http\.h2UpgradePolicy: UPGRADE is not supported/);
  assert.match(problems[1], /^b\.connectionPool\.http\.h2UpgradePolicy: UPGRADE must not be set with useClientProtocol/);
  assert.match(problems[2], /^c\.connectionPool\.http\.h2UpgradePolicy: unknown policy "ALWAYS"/);
});
