// The outbound sidecar routes by the connection's original destination (the PROXY line a meshed pod's dialler
// writes first), not by the Host header: a cluster IP picks that Service and its routes on both the fast path and the
// slow path; a PROXY line naming an address outside the cluster is refused by the pod's egress check — the listener
// there sees no connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import { SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';
import { proxyProtocolHeader } from '../../sandbox/runtime/network/original-destination.js';

const CLUSTER_IP = `127.79.${Math.floor(Math.random() * 200) + 1}.${Math.floor(Math.random() * 200) + 1}`;
let h: MeshHarness;
let client: TestPod;
/** The same pod's sidecar as the data-plane worker runs it: the node answers each admission and dial later. */
let lateClient: TestPod;
let lateAdmissions = 0;
let outside: Server;
let outsideConnections = 0;

before(async () => {
  h = await MeshHarness.start();
  h.service('web', 80, { app: 'web' });
  const web = h.api.get(h.type('', 'services'), 'default', 'web');
  h.api.update(h.type('', 'services'), { ...web, spec: { ...(web.spec as object), clusterIP: CLUSTER_IP } });
  h.service('other', 80, { app: 'other' });
  await h.pod({ name: 'web-1', app: 'web', port: 80, handler: whoami('web-1') });
  await h.pod({ name: 'other-1', app: 'other', port: 80, handler: whoami('other-1') });
  // The pod's egress check as the node's: only cluster addresses (here: the harness's 127.77.x.y pods and the cluster IP).
  client = await h.pod({
    name: 'client',
    app: 'client',
    port: 8081,
    checkDial: (ip) => (ip.startsWith('127.77.') || ip === CLUSTER_IP ? undefined : Object.assign(new Error(`connect EHOSTUNREACH ${ip}`), { code: 'EHOSTUNREACH' })),
  });
  const clusterOnly = (ip: string) => (ip.startsWith('127.77.') || ip === CLUSTER_IP ? undefined : Object.assign(new Error(`connect EHOSTUNREACH ${ip}`), { code: 'EHOSTUNREACH' }));
  const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
  lateClient = await h.pod({
    name: 'late-client',
    app: 'late-client',
    port: 8082,
    checkDial: (ip) => later(clusterOnly(ip)),
    admit: (socket) => {
      lateAdmissions++;
      // Only the pod's own localhost reaches its outbound listener; anything else is refused (and reset) by the node.
      const ok = socket.localAddress !== lateClient.localHost || socket.remoteAddress === lateClient.localHost;
      return later(ok).then((allowed) => (allowed ? true : (socket.resetAndDestroy(), false)));
    },
  });
  outside = createServer((s) => {
    outsideConnections++;
    s.destroy();
  });
  await new Promise<void>((r) => outside.listen(0, '127.0.0.1', r));
});

after(async () => {
  await h?.stop();
  await new Promise((r) => outside?.close(r));
});

/** What the pod's dialler sends: the PROXY line, then the app's bytes; the whole response back (Connection: close). */
function rawRequest(destination: { ip: string; port: number }, request: string, from: TestPod = client, localAddress = from.localHost): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: from.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress });
    const chunks: Buffer[] = [];
    s.setTimeout(10_000, () => s.destroy(new Error('no response within 10 s')));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('error', reject);
    s.write(Buffer.concat([proxyProtocolHeader({ ip: from.localHost, port: 0 }, destination), Buffer.from(request, 'latin1')]));
  });
}

const get = (host: string, extra = '') => `GET /path HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;

test("a cluster IP names the Service whatever the Host header says (fast path: no route filters)", async () => {
  const res = await rawRequest({ ip: CLUSTER_IP, port: 80 }, get('other', 'x-mesh-debug: 1\r\n'));
  assert.match(res, /^HTTP\/1\.1 200 /);
  assert.match(res, /\r\nx-mesh-endpoint: web-1\r\n/i);
  assert.match(res, /"host":"other"/, 'the Host header reaches the app unchanged');
});

test("the dialled Service's route applies, not the Host header's (slow path: a response header filter)", async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web-route', namespace: 'default' },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'web' }],
      rules: [{ filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set' }] } }], backendRefs: [{ name: 'web', port: 80 }] }],
    },
  });
  await h.cp.settled();
  const toWeb = await rawRequest({ ip: CLUSTER_IP, port: 80 }, get('other'));
  assert.match(toWeb, /^HTTP\/1\.1 200 /);
  assert.match(toWeb, /\r\nx-header-set: set\r\n/i);
  assert.match(toWeb, /"pod":"web-1"/);
  // Without an original destination (a client talking to the sidecar port itself), the Host header still decides.
  const byHost = await h.send(client, 'other:80', '/');
  assert.equal(JSON.parse(byHost.body).pod, 'other-1');
  assert.equal(byHost.headers['x-header-set'], undefined);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'web-route');
});

test('a cluster IP with a port the Service lacks: 502 naming the Service; nothing is dialled', async () => {
  const res = await rawRequest({ ip: CLUSTER_IP, port: 8080 }, get('web'));
  assert.match(res, /^HTTP\/1\.1 502 /);
  assert.match(res, /Service default\/web \(127\.79\.\d+\.\d+\) has no port 8080/);
});

test('a PROXY line naming an address outside the cluster is refused by the egress check: the listener sees no connection', async () => {
  const { port } = outside.address() as AddressInfo;
  const res = await rawRequest({ ip: '127.0.0.1', port }, get('web'));
  assert.match(res, /^HTTP\/1\.1 502 /);
  assert.match(res, /EHOSTUNREACH 127\.0\.0\.1/);
  assert.equal(outsideConnections, 0);
});

test('when the node answers later (sidecars in the data-plane worker): the dial waits for it, a refused one still 502s unseen, a refused connection is reset unread', async () => {
  const ok = await rawRequest({ ip: CLUSTER_IP, port: 80 }, get('web'), lateClient);
  assert.match(ok, /^HTTP\/1\.1 200 /);
  assert.match(ok, /web-1/);
  const { port } = outside.address() as AddressInfo;
  const before = outsideConnections;
  const refused = await rawRequest({ ip: '127.0.0.1', port }, get('web'), lateClient);
  assert.match(refused, /^HTTP\/1\.1 502 /);
  assert.match(refused, /EHOSTUNREACH 127\.0\.0\.1/);
  assert.equal(outsideConnections, before);
  const admissions = lateAdmissions;
  // Another pod's address dialling this pod's private localhost: refused by the node, no byte answered.
  await assert.rejects(rawRequest({ ip: CLUSTER_IP, port: 80 }, get('web'), lateClient, client.localHost), /ECONNRESET|no response|socket hang up/);
  assert.equal(lateAdmissions, admissions + 1);
});
