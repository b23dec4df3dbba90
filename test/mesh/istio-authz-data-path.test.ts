// An Istio AuthorizationPolicy on the data path through real sidecars (the mesh harness): HTTP/1 denials are Envoy's
// 403 `RBAC: access denied` (text/plain) and allowed requests pass on the same keep-alive connection; over HTTP/2 a
// gRPC call that is denied ends with grpc-status 7 (PERMISSION_DENIED) and grpc-message `RBAC: access denied`, as
// Envoy's RBAC filter answers gRPC; a plain HTTP/2 request gets the 403 body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';
import { MeshHarness, type TestPod } from './harness.js';
import { SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';

let h: MeshHarness;
let client: TestPod;
let h2: Http2Server | undefined;

const policy = {
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: { name: 'deny-secret', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'server' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/secret*', '/pkg.Vault/*'] } }] }] },
};

before(async () => {
  h = await MeshHarness.start();
  h.service('server', 7000, { app: 'server' });
  h.service('grpc', 7000, { app: 'grpc' }, 'default', { name: 'grpc' });
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  await h.pod({ name: 'server-1', app: 'server', port: 7000, handler: (_req, res) => res.end('hello') });
  const grpcPod = await h.pod({ name: 'grpc-1', app: 'grpc', port: 7000, labels: { app: 'grpc' } });
  // The grpc pod's app speaks h2c (gRPC) instead of the harness's HTTP/1 stand-in.
  grpcPod.app.closeAllConnections();
  await new Promise((r) => grpcPod.app.close(r));
  h2 = createH2Server();
  h2.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end();
    });
  });
  await new Promise<void>((r) => h2!.listen(7000, grpcPod.localHost, r));
  h.apply('security.istio.io', 'authorizationpolicies', policy);
  h.apply('security.istio.io', 'authorizationpolicies', { ...policy, metadata: { name: 'deny-vault', namespace: 'default' }, spec: { ...policy.spec, selector: { matchLabels: { app: 'grpc' } } } });
  await h.cp.settled();
});

after(async () => {
  h2?.close();
  await h?.stop();
});

function h2send(authority: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ headers: IncomingHttpHeaders; trailers?: IncomingHttpHeaders; body: string }> {
  const session = h2connect(`http://${authority}`, { createConnection: () => tcpConnect({ host: client.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: client.localHost }) });
  session.on('error', () => {});
  return new Promise<{ headers: IncomingHttpHeaders; trailers?: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = session.request({ ':method': body === undefined ? 'GET' : 'POST', ':path': path, ':authority': authority, ...headers }, { endStream: body === undefined });
    const out: { headers: IncomingHttpHeaders; trailers?: IncomingHttpHeaders; body: string } = { headers: {}, body: '' };
    req.setEncoding('utf8');
    req.on('response', (hd) => (out.headers = hd));
    req.on('trailers', (t) => (out.trailers = t));
    req.on('data', (d: string) => (out.body += d));
    req.on('end', () => resolve(out));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  }).finally(() => session.close());
}

test('HTTP/1: a denied request gets 403 "RBAC: access denied" as text/plain; allowed ones pass', async () => {
  const ok = await h.send(client, 'server:7000', '/public');
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'hello');
  const denied = await h.send(client, 'server:7000', '/secret/keys');
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'RBAC: access denied');
  assert.equal(denied.headers['content-type'], 'text/plain');
  // Alternating on pooled connections: each request is decided on its own.
  const replies = await h.sendMany(client, 'server:7000', '/public', 20, 4);
  assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
  assert.equal((await h.send(client, 'server:7000', '/secret')).status, 403);
  assert.equal((await h.send(client, 'server:7000', '/public')).status, 200);
});

test('one keep-alive connection: a denied request, then an allowed one, both answered in order (the denial does not close it)', async () => {
  const server = h.pods.get('default/server-1')!;
  const socket: Socket = tcpConnect({ host: server.podIP, port: 7000 });
  socket.on('error', () => {});
  let got = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (got += d));
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET /secret HTTP/1.1\r\nHost: server:7000\r\n\r\nGET /public HTTP/1.1\r\nHost: server:7000\r\n\r\n');
  const deadline = Date.now() + 5000;
  while (!got.endsWith('hello') && Date.now() < deadline && !socket.destroyed) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  assert.match(got, /^HTTP\/1\.1 403 Forbidden\r\n(?:[^\r]+\r\n)*content-type: text\/plain\r\n/i);
  assert.match(got, /\r\n\r\nRBAC: access denied(?=HTTP\/1\.1 200 )/);
  assert.match(got, /HTTP\/1\.1 200 [^\r]*\r\n(?:[^\r]+\r\n)*\r\nhello$/);
});

test('gRPC: a denied call ends with grpc-status 7 (PERMISSION_DENIED) and grpc-message "RBAC: access denied"; plain HTTP/2 gets the 403', async () => {
  const grpc = { 'content-type': 'application/grpc', te: 'trailers' };
  const ok = await h2send('grpc:7000', '/pkg.Public/Get', grpc, '');
  assert.equal(ok.headers[':status'], 200);
  assert.equal(ok.trailers?.['grpc-status'], '0');
  const denied = await h2send('grpc:7000', '/pkg.Vault/Open', grpc, '');
  assert.equal(denied.headers[':status'], 200);
  assert.equal(denied.headers['grpc-status'], '7');
  assert.equal(denied.headers['grpc-message'], 'RBAC: access denied');
  const plain = await h2send('grpc:7000', '/pkg.Vault/Open');
  assert.equal(plain.headers[':status'], 403);
  assert.equal(plain.body, 'RBAC: access denied');
  assert.equal(plain.headers['content-type'], 'text/plain');
});
