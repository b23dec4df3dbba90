// DestinationRule traffic policy on the HTTP/2 path through real sidecars: http2MaxRequests bounds streams in flight
// (one more is refused 503 at once), and outlier detection ejects an endpoint that answered 5xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect, createServer as createH2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { MeshHarness, type TestPod } from './harness.js';
import { SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';

let h: MeshHarness;
let client: TestPod;
const servers: Http2Server[] = [];
const held: ServerHttp2Stream[] = [];

async function h2App(pod: TestPod, handler: (stream: ServerHttp2Stream) => void): Promise<void> {
  pod.app.closeAllConnections();
  await new Promise((r) => pod.app.close(r));
  const server = createH2Server();
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => handler(stream));
  });
  await new Promise<void>((r) => server.listen(pod.spec.port ?? 8080, pod.localHost, r));
  servers.push(server);
}

function send(from: TestPod, authority: string, path: string): Promise<{ status: number; body: string }> {
  const session = h2connect(`http://${authority}`, { createConnection: () => tcpConnect({ host: from.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: from.localHost }) });
  session.on('error', () => {});
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = session.request({ ':method': 'GET', ':path': path, ':authority': authority });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (hd) => (status = Number(hd[':status'])));
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
  }).finally(() => session.close());
}

async function applyRule(service: string, trafficPolicy: unknown): Promise<void> {
  h.apply('networking.istio.io', 'destinationrules', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: service, namespace: 'default' }, spec: { host: service, trafficPolicy } });
  await h.cp.settled();
}

before(async () => {
  h = await MeshHarness.start();
  h.service('held', 7000, { app: 'held' }, 'default', { name: 'http2' });
  h.service('pair', 7000, { app: 'pair' }, 'default', { name: 'http2' });
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  await h2App(await h.pod({ name: 'held-1', app: 'held', port: 7000 }), (stream) => held.push(stream));
  await h2App(await h.pod({ name: 'pair-good', app: 'pair', port: 7000 }), (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('pair-good');
  });
  await h2App(await h.pod({ name: 'pair-bad', app: 'pair', port: 7000 }), (stream) => {
    stream.respond({ ':status': 500 });
    stream.end('pair-bad');
  });
});

after(async () => {
  for (const s of held) if (!s.destroyed) s.close();
  await h.stop();
  for (const s of servers) s.close();
});

test('http2MaxRequests 1: a second stream while one is in flight gets 503 overflow', async () => {
  await applyRule('held', { connectionPool: { http: { http2MaxRequests: 1 } } });
  const first = send(client, 'held:7000', '/one');
  for (let i = 0; i < 100 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(held.length, 1, 'the first stream reached the app');
  const second = await send(client, 'held:7000', '/two');
  assert.equal(second.status, 503);
  assert.match(second.body, /reset reason: overflow/);
  held[0].respond({ ':status': 200 });
  held[0].end('done');
  assert.equal((await first).status, 200);
  const third = send(client, 'held:7000', '/three');
  for (let i = 0; i < 100 && held.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  held[1].respond({ ':status': 200 });
  held[1].end('done');
  assert.equal((await third).status, 200, 'the slot was given back');
});

test('outlier detection over HTTP/2: the endpoint answering 500 is ejected', async () => {
  await applyRule('pair', { loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 1, baseEjectionTime: '3m', maxEjectionPercent: 50 } });
  const replies = [];
  for (let i = 0; i < 8; i++) replies.push(await send(client, 'pair:7000', '/'));
  assert.ok(replies.filter((r) => r.status !== 200).length <= 1, replies.map((r) => r.status).join(','));
  assert.ok(replies.slice(2).every((r) => r.body === 'pair-good'));
});
