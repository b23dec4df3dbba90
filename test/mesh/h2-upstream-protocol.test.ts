// An HTTP/2 client (h2c prior knowledge, as the load generator's --h2 and gRPC send) through real sidecars: the client
// sidecar speaks what the destination Service port says its app speaks, as Istio chooses a cluster's upstream protocol
// (sandbox/mesh/proxy/upstream-protocol.ts): HTTP/1.1 to an `http` port — the app answers its own body —, HTTP/2 to a
// `grpc` / `http2` port, an appProtocol `kubernetes.io/h2c` one, or an unnamed (sniffed) one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { MeshHarness, h2Send, type TestPod } from './harness.js';

let h: MeshHarness;
let client: TestPod;
const h2Apps: Http2Server[] = [];

/** Replaces a harness pod's HTTP/1 app with an h2c server that answers gRPC-style: body, then grpc-status trailers. */
async function h2App(pod: TestPod): Promise<void> {
  pod.app.closeAllConnections();
  await new Promise((r) => pod.app.close(r));
  const server = createH2Server();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-app-saw': `HTTP/2 ${headers[':path']}` }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end('h2 app');
    });
  });
  await new Promise<void>((r) => server.listen(pod.spec.port ?? 8080, pod.localHost, r));
  h2Apps.push(server);
}

/** One HTTP/2 request from the client pod's app. */
const send = (authority: string, path: string, opts: Parameters<typeof h2Send>[3] = {}) => h2Send(client, authority, path, opts);

const grpc = { 'content-type': 'application/grpc', te: 'trailers' };

before(async () => {
  h = await MeshHarness.start();
  h.service('httpbin', 8000, { app: 'httpbin' }); // port name `http`, like the sample's
  h.service('echo-grpc', 7070, { app: 'echo-grpc' }, 'default', { name: 'grpc' });
  h.service('echo-h2c', 7071, { app: 'echo-h2c' }, 'default', { name: 'http', appProtocol: 'kubernetes.io/h2c' });
  h.service('echo-sniffed', 7072, { app: 'echo-sniffed' }, 'default', {});
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  // An HTTP/1.1-only app: node:http answers an HTTP/2 preface with 400, so only a downgraded request gets this body.
  await h.pod({
    name: 'httpbin-1',
    app: 'httpbin',
    port: 8000,
    handler: (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ httpVersion: req.httpVersion, method: req.method, url: req.url, host: req.headers.host, te: req.headers.te ?? null, clientId: req.headers['l5d-client-id'] ?? null, body }));
      });
    },
  });
  await h2App(await h.pod({ name: 'echo-grpc-1', app: 'echo-grpc', port: 7070 }));
  await h2App(await h.pod({ name: 'echo-h2c-1', app: 'echo-h2c', port: 7071 }));
  await h2App(await h.pod({ name: 'echo-sniffed-1', app: 'echo-sniffed', port: 7072 }));
});

after(async () => {
  for (const s of h2Apps) s.close();
  await h.stop();
});

test('h2c client → meshed HTTP/1.1 app on an `http` port: sent as HTTP/1.1 over mTLS, the app answers 200 with its own body', async () => {
  const get = await send('httpbin:8000', '/get?x=1', { headers: { te: 'trailers', 'x-extra': 'yes' } });
  assert.equal(get.headers[':status'], 200, get.body);
  assert.equal(get.headers['content-type'], 'application/json');
  const seen = JSON.parse(get.body);
  assert.equal(seen.httpVersion, '1.1');
  assert.equal(seen.method, 'GET');
  assert.equal(seen.url, '/get?x=1');
  assert.equal(seen.host, 'httpbin:8000', ':authority becomes Host');
  assert.equal(seen.te, null, 'te is not sent over HTTP/1.1');
  assert.equal(typeof seen.clientId, 'string', 'the destination sidecar verified the client over mTLS and says who it is');

  const post = await send('httpbin:8000', '/post', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello over h2' });
  assert.equal(post.headers[':status'], 200, post.body);
  assert.equal(JSON.parse(post.body).body, 'hello over h2', 'the request body streams through the translation');
});

test('h2c gRPC client → meshed h2c app on a `grpc` port: HTTP/2 end to end, trailers relayed', async () => {
  const r = await send('echo-grpc:7070', '/pkg.Echo/Call', { method: 'POST', headers: grpc, body: '' });
  assert.equal(r.headers[':status'], 200);
  assert.equal(r.headers['x-app-saw'], 'HTTP/2 /pkg.Echo/Call');
  assert.equal(r.body, 'h2 app');
  assert.equal(r.trailers?.['grpc-status'], '0');
});

test('appProtocol kubernetes.io/h2c outranks an `http` name, and an unnamed port uses the client protocol (HTTP/2)', async () => {
  const byAppProtocol = await send('echo-h2c:7071', '/a', { method: 'POST', headers: grpc, body: '' });
  assert.equal(byAppProtocol.headers['x-app-saw'], 'HTTP/2 /a');
  assert.equal(byAppProtocol.trailers?.['grpc-status'], '0');
  const sniffed = await send('echo-sniffed:7072', '/b');
  assert.equal(sniffed.headers[':status'], 200);
  assert.equal(sniffed.headers['x-app-saw'], 'HTTP/2 /b');
});
