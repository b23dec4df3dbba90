// HTTP/2 through real sidecars (the mesh harness, with h2c apps in place of its HTTP/1 ones): retries with the
// buffered body resent, request timeouts, no-route answers — gRPC-aware (grpc-status in a trailers-only 200) or plain —,
// plaintext h2c to an un-meshed peer, and trailers relayed end to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createH2Server, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { MeshHarness, h2Send, type TestPod } from './harness.js';

let h: MeshHarness;
let client: TestPod;
const h2Apps: Http2Server[] = [];
const timers = new Set<NodeJS.Timeout>();

/** Replaces a harness pod's HTTP/1 app with an h2c server on the same address and port. */
async function h2App(pod: TestPod, handler: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => void): Promise<void> {
  pod.app.closeAllConnections();
  await new Promise((r) => pod.app.close(r));
  const server = createH2Server();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => handler(stream, headers, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => server.listen(pod.spec.port ?? 8080, pod.sidecar ? pod.localHost : pod.podIP, r));
  h2Apps.push(server);
}

const send = h2Send;

const grpc = { 'content-type': 'application/grpc', te: 'trailers' };

const route = (name: string, service: string, rule: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: service, port: 7000 }], rules: [{ backendRefs: [{ name: service, port: 7000 }], ...rule }] },
});

let flakyCalls = 0;

before(async () => {
  h = await MeshHarness.start();
  h.service('flaky', 7000, { app: 'flaky' }, 'default', { name: 'http2' }); // an `http` port would be sent HTTP/1.1
  h.service('slow', 7000, { app: 'slow' }, 'default', { name: 'http2' });
  h.service('legacy', 7000, { app: 'legacy' }, 'default', { name: 'http2' });
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  // Every other call fails with 503; a success echoes the body it got and ends with a grpc-status trailer.
  await h2App(await h.pod({ name: 'flaky-1', app: 'flaky', port: 7000 }), (stream, headers, body) => {
    if (flakyCalls++ % 2 === 0) {
      stream.respond({ ':status': 503, 'content-type': 'text/plain' });
      return void stream.end('unlucky\n');
    }
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-client-id': String(headers['l5d-client-id'] ?? '') }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-done': 'yes' }));
    stream.end(`got ${body.toString() || '(nothing)'}`);
  });
  await h2App(await h.pod({ name: 'slow-1', app: 'slow', port: 7000 }), (stream) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stream.destroyed) {
        stream.respond({ ':status': 200 });
        stream.end('finally\n');
      }
    }, 1000);
    timers.add(t);
  });
  await h2App(await h.pod({ name: 'legacy-1', app: 'legacy', port: 7000, meshed: false }), (stream, headers) => {
    stream.respond({ ':status': 200, 'x-client-id': String(headers['l5d-client-id'] ?? 'none') });
    stream.end('plain h2c\n');
  });
});

after(async () => {
  for (const t of timers) clearTimeout(t);
  for (const s of h2Apps) s.close();
  await h.stop();
});

test('trailers cross both sidecars, and the verified client identity reaches the app over HTTP/2', async () => {
  flakyCalls = 1; // the next call succeeds
  const r = await send(client, 'flaky:7000', '/', { method: 'POST', body: 'hello', headers: { 'x-mesh-debug': '1' } });
  assert.equal(r.headers[':status'], 200, r.body);
  assert.equal(r.body, 'got hello');
  assert.equal(r.trailers?.['grpc-status'], '0');
  assert.equal(r.trailers?.['x-done'], 'yes');
  assert.equal(r.headers['x-client-id'], 'spiffe://cluster.local/ns/default/sa/client');
  assert.equal(r.headers['x-mesh-endpoint'], 'flaky-1');
  assert.equal(r.headers['x-mesh-peer-identity'], 'spiffe://cluster.local/ns/default/sa/flaky');
});

test('a retry on 503 resends the buffered body; without it the 503 comes back', async () => {
  flakyCalls = 0;
  const without = await send(client, 'flaky:7000', '/', { method: 'POST', body: 'once' });
  assert.equal(without.headers[':status'], 503);

  h.apply('gateway.networking.k8s.io', 'httproutes', route('flaky-retry', 'flaky', { retry: { codes: [503], attempts: 1, backoff: '1ms' } }));
  await h.cp.settled();
  flakyCalls = 0;
  const r = await send(client, 'flaky:7000', '/', { method: 'POST', body: 'twice', headers: { 'x-mesh-debug': '1' } });
  assert.equal(r.headers[':status'], 200, r.body);
  assert.equal(r.body, 'got twice', 'the retried attempt got the whole body');
  assert.equal(r.headers['x-mesh-attempts'], '2');
  assert.equal(r.trailers?.['grpc-status'], '0');
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'flaky-retry');
  await h.cp.settled();
});

test('a request timeout: 504 with the reason for plain HTTP/2, grpc-status 14 in a trailers-only 200 for gRPC', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route('slow-timeout', 'slow', { timeouts: { request: '200ms' } }));
  await h.cp.settled();
  const plain = await send(client, 'slow:7000', '/');
  assert.equal(plain.headers[':status'], 504);
  assert.match(plain.body, /request timeout of 200ms exceeded/);
  const call = await send(client, 'slow:7000', '/pkg.Svc/Method', { method: 'POST', headers: grpc, body: '' });
  assert.equal(call.headers[':status'], 200);
  assert.equal(call.headers['grpc-status'], '14');
  assert.match(String(call.headers['grpc-message']), /request timeout of 200ms exceeded/);
  assert.equal(call.trailers, undefined, 'trailers-only');
  assert.equal(call.body, '');
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'slow-timeout');
  await h.cp.settled();
});

test('no rule of the route matches: 404 for plain HTTP/2, grpc-status 12 (Unimplemented) for gRPC; unknown service: 14', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route('only-echo', 'flaky', { matches: [{ path: { type: 'Exact', value: '/proto.EchoTestService/Echo' } }] }));
  await h.cp.settled();
  const plain = await send(client, 'flaky:7000', '/elsewhere');
  assert.equal(plain.headers[':status'], 404);
  assert.match(String(plain.headers['l5d-proxy-error']), /no route of default\/flaky matches GET \/elsewhere/);
  const call = await send(client, 'flaky:7000', '/proto.EchoTestService/ForwardEcho', { method: 'POST', headers: grpc, body: '' });
  assert.equal(call.headers[':status'], 200);
  assert.equal(call.headers['grpc-status'], '12');
  const unknown = await send(client, 'nowhere:7000', '/x', { method: 'POST', headers: { 'content-type': 'application/grpc+proto' }, body: '' });
  assert.equal(unknown.headers['grpc-status'], '14');
  assert.match(decodeURIComponent(String(unknown.headers['grpc-message'])), /no such service: nowhere\.default/);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'only-echo');
  await h.cp.settled();
});

test('an un-meshed destination gets plaintext h2c from the client sidecar (no identity claimed or verified)', async () => {
  const r = await send(client, 'legacy:7000', '/', { headers: { 'x-mesh-debug': '1' } });
  assert.equal(r.headers[':status'], 200, r.body);
  assert.equal(r.body, 'plain h2c\n');
  assert.equal(r.headers['x-client-id'], 'none');
  assert.equal(r.headers['x-mesh-endpoint'], 'legacy-1');
  assert.equal(r.headers['x-mesh-peer-identity'], undefined);
});
