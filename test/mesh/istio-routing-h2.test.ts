// A VirtualService and DestinationRule on the HTTP/2 path (gRPC), through real sidecars of the mesh harness: a route to
// a subset reaches only that subset's pod, Istio's abort with grpcStatus answers a gRPC call with that grpc-status in a
// trailers-only 200 (a plain HTTP/2 request gets the abort status and Envoy's body), and a route to a subset no rule
// defines answers `no healthy upstream` (grpc-status 14 for gRPC).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { MeshHarness, h2Send, type TestPod } from './harness.js';

let h: MeshHarness;
let client: TestPod;
const h2Apps: Http2Server[] = [];

async function h2App(pod: TestPod, version: string): Promise<void> {
  pod.app.closeAllConnections();
  await new Promise((r) => pod.app.close(r));
  const server = createH2Server();
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-version': version }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(version);
    });
  });
  await new Promise<void>((r) => server.listen(pod.spec.port ?? 8080, pod.localHost, r));
  h2Apps.push(server);
}

const send = (from: TestPod, authority: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  h2Send(from, authority, path, { method: body === undefined ? 'GET' : 'POST', headers, body });

const grpc = { 'content-type': 'application/grpc', te: 'trailers' };

const virtualService = (http: unknown[]) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'echo', namespace: 'default' },
  spec: { hosts: ['echo'], http },
});

before(async () => {
  h = await MeshHarness.start();
  h.service('echo', 7000, { app: 'echo' }, 'default', { name: 'grpc' });
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  await h2App(await h.pod({ name: 'echo-v1', app: 'echo', port: 7000, labels: { version: 'v1' } }), 'v1');
  await h2App(await h.pod({ name: 'echo-v2', app: 'echo', port: 7000, labels: { version: 'v2' } }), 'v2');
  h.apply('networking.istio.io', 'destinationrules', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'echo', namespace: 'default' },
    spec: { host: 'echo', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
  });
});

after(async () => {
  for (const s of h2Apps) s.close();
  await h.stop();
});

test('HTTP/2 and gRPC: subset routing, abort with grpcStatus, unknown subset', async () => {
  h.apply('networking.istio.io', 'virtualservices', virtualService([
    { match: [{ headers: { 'x-fault': { exact: 'yes' } } }], fault: { abort: { grpcStatus: 'PERMISSION_DENIED', percentage: { value: 100 } } }, route: [{ destination: { host: 'echo', subset: 'v2' } }] },
    { match: [{ uri: { prefix: '/missing' } }], route: [{ destination: { host: 'echo', subset: 'v9' } }] },
    { route: [{ destination: { host: 'echo', subset: 'v2' } }] },
  ]));
  await h.cp.settled();

  for (let i = 0; i < 6; i++) {
    const r = await send(client, 'echo:7000', '/pkg.Echo/Say', grpc, '');
    assert.equal(r.headers['x-version'], 'v2', 'only subset v2');
    assert.equal(r.trailers?.['grpc-status'], '0');
  }

  const aborted = await send(client, 'echo:7000', '/pkg.Echo/Say', { ...grpc, 'x-fault': 'yes' }, '');
  assert.equal(aborted.headers[':status'], 200);
  assert.equal(aborted.headers['grpc-status'], '7');
  assert.equal(aborted.trailers, undefined, 'trailers-only');
  const plain = await send(client, 'echo:7000', '/', { 'x-fault': 'yes' });
  assert.equal(plain.headers[':status'], 503);
  assert.equal(plain.body, 'fault filter abort');

  const missing = await send(client, 'echo:7000', '/missing');
  assert.equal(missing.headers[':status'], 503);
  assert.equal(missing.body, 'no healthy upstream');
  const missingCall = await send(client, 'echo:7000', '/missing.Svc/Call', grpc, '');
  assert.equal(missingCall.headers['grpc-status'], '14');
});
