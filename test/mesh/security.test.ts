// mTLS between sidecars with SPIFFE identities, identity checks on the client side, TrafficTarget access
// policy, the all-authenticated inbound policy, identities in the tap, and certificate rotation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import { generateWorkloadKey } from '../../sandbox/mesh/identity/workload-key.js';
import type { TapEvent } from '../../sandbox/mesh/tap.js';

let h: MeshHarness;
let productpage: TestPod;
let details: TestPod;
let outsider: TestPod;
let reviews: TestPod;
/** The paths reviews' app was asked for, in order (what got past its sidecar). */
const reviewsSeen: string[] = [];
const reviewsApp = whoami('reviews');

before(async () => {
  h = await MeshHarness.start({ certificateTtlMs: 1500 });
  h.service('reviews', 9080, { app: 'reviews' });
  reviews = await h.pod({ name: 'reviews-1', app: 'reviews', serviceAccount: 'bookinfo-reviews', port: 9080, handler: (req, res) => (reviewsSeen.push(req.url ?? ''), reviewsApp(req, res)) });
  productpage = await h.pod({ name: 'productpage-1', app: 'productpage', serviceAccount: 'bookinfo-productpage', port: 9080 });
  details = await h.pod({ name: 'details-1', app: 'details', serviceAccount: 'bookinfo-details', port: 9080 });
  outsider = await h.pod({ name: 'legacy-1', app: 'legacy', meshed: false, port: 9090 });
});

after(async () => {
  await h.stop();
});

test('sidecar-to-sidecar traffic is mTLS: the app sees the verified client identity; the tap shows both identities', async () => {
  const tap = h.cp.tap.subscribe({ direction: 'outbound', toService: 'reviews' }, { bufferSize: 10 });
  const r = await h.send(productpage, 'reviews:9080', '/reviews/0');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).headers['l5d-client-id'], 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
  const it = tap[Symbol.asyncIterator]();
  const { value } = (await it.next()) as { value: TapEvent };
  tap.close();
  assert.equal(value.tls, true);
  assert.equal(value.source.identity, 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
  assert.equal(value.destination.identity, 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
  assert.equal(value.destination.pod, 'reviews-1');
  assert.equal(value.path, '/reviews/0');
  assert.equal(value.status, 200);
});

test('an un-meshed client still reaches a meshed pod over plaintext (no identity)', async () => {
  const r = await h.send(outsider, 'reviews:9080', '/');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).headers['l5d-client-id'], undefined);
});

/** One raw TLS connection to reviews' sidecar sending a GET: the app's answer, or how the connection failed. */
function rawTlsGet(cert?: { cert: string; key: string }): Promise<{ answer?: string; errorCode?: string; error?: string }> {
  return new Promise((resolve) => {
    let answer = '';
    const s = tlsConnect({ host: reviews.podIP, port: 9080, rejectUnauthorized: false, servername: 'reviews', ...cert }, () => {
      s.write('GET /raw-tls HTTP/1.1\r\nhost: reviews\r\nconnection: close\r\n\r\n');
    });
    const timer = setTimeout(() => (s.destroy(), resolve({ answer, error: 'no answer within 5 s' })), 5000);
    s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    s.on('error', (e: NodeJS.ErrnoException) => (clearTimeout(timer), resolve({ answer, errorCode: e.code, error: e.message })));
    s.on('close', () => (clearTimeout(timer), resolve({ answer })));
  });
}

test('the inbound proxy refuses TLS clients without a mesh certificate (the app never sees the request); with one it serves', async () => {
  const seenBefore = reviewsSeen.length;
  const refused = await rawTlsGet();
  // The handshake is refused by the sidecar's client-certificate check: TLS 1.3's certificate_required alert (116),
  // not a reset, a timeout or an HTTP answer.
  assert.equal(refused.errorCode, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', JSON.stringify(refused));
  assert.equal(refused.answer, '', 'no HTTP bytes come back');
  assert.deepEqual(reviewsSeen.slice(seenBefore), [], 'the app behind the sidecar saw no request');

  // The same raw client with a certificate from the mesh CA is served: the refusal above was the missing certificate.
  const key = await generateWorkloadKey();
  const issued = await h.cp.issue('spiffe://cluster.local/ns/default/sa/raw-client', key.publicKey, 60_000);
  const served = await rawTlsGet({ cert: issued.certificatePem, key: key.privateKeyPem });
  assert.match(served.answer ?? '', /^HTTP\/1\.1 200 /, JSON.stringify(served));
  assert.deepEqual(reviewsSeen.slice(seenBefore), ['/raw-tls']);
  assert.match(served.answer ?? '', /"l5d-client-id":"spiffe:\/\/cluster\.local\/ns\/default\/sa\/raw-client"/);
});

test('a TrafficTarget allowing only productpage → reviews: others get 403, productpage keeps working', async () => {
  h.apply('specs.smi-spec.io', 'httproutegroups', {
    apiVersion: 'specs.smi-spec.io/v1alpha4', kind: 'HTTPRouteGroup', metadata: { name: 'reviews-routes', namespace: 'default' },
    spec: { matches: [{ name: 'all', pathRegex: '.*', methods: ['*'] }, { name: 'api', pathRegex: '/api/.*', methods: ['GET'] }] },
  });
  h.apply('access.smi-spec.io', 'traffictargets', {
    apiVersion: 'access.smi-spec.io/v1alpha3', kind: 'TrafficTarget', metadata: { name: 'productpage-to-reviews', namespace: 'default' },
    spec: {
      destination: { kind: 'ServiceAccount', name: 'bookinfo-reviews', namespace: 'default' },
      rules: [{ kind: 'HTTPRouteGroup', name: 'reviews-routes', matches: ['all'] }],
      sources: [{ kind: 'ServiceAccount', name: 'bookinfo-productpage', namespace: 'default' }],
    },
  });
  await h.cp.settled();
  assert.equal((await h.send(productpage, 'reviews:9080', '/reviews/0')).status, 200);
  const denied = await h.send(details, 'reviews:9080', '/reviews/0');
  assert.equal(denied.status, 403);
  assert.match(String(denied.headers['l5d-proxy-error']), /bookinfo-details/);
  const plain = await h.send(outsider, 'reviews:9080', '/reviews/0');
  assert.equal(plain.status, 403, 'plaintext refused once a TrafficTarget governs the destination');

  // A rule restricted to GET /api/... for details.
  h.apply('access.smi-spec.io', 'traffictargets', {
    apiVersion: 'access.smi-spec.io/v1alpha3', kind: 'TrafficTarget', metadata: { name: 'details-api', namespace: 'default' },
    spec: {
      destination: { kind: 'ServiceAccount', name: 'bookinfo-reviews', namespace: 'default' },
      rules: [{ kind: 'HTTPRouteGroup', name: 'reviews-routes', matches: ['api'] }],
      sources: [{ kind: 'ServiceAccount', name: 'bookinfo-details', namespace: 'default' }],
    },
  });
  await h.cp.settled();
  assert.equal((await h.send(details, 'reviews:9080', '/api/v1/x')).status, 200);
  assert.equal((await h.send(details, 'reviews:9080', '/api/v1/x', { method: 'POST' })).status, 403);
  assert.equal((await h.send(details, 'reviews:9080', '/other')).status, 403);

  h.remove('access.smi-spec.io', 'traffictargets', 'default', 'productpage-to-reviews');
  h.remove('access.smi-spec.io', 'traffictargets', 'default', 'details-api');
  await h.cp.settled();
  assert.equal((await h.send(details, 'reviews:9080', '/reviews/0')).status, 200, 'open again without targets');
});

test('config.linkerd.io/default-inbound-policy: all-authenticated refuses plaintext, accepts mTLS', async () => {
  h.service('vault', 9080, { app: 'vault' });
  await h.pod({ name: 'vault-1', app: 'vault', port: 9080, annotations: { 'config.linkerd.io/default-inbound-policy': 'all-authenticated' } });
  assert.equal((await h.send(productpage, 'vault:9080', '/')).status, 200);
  const plain = await h.send(outsider, 'vault:9080', '/');
  assert.equal(plain.status, 403);
  assert.equal(plain.headers['l5d-proxy-error'], 'unauthorized request on route'); // linkerd2-proxy's HttpRouteUnauthorized
});

test('the client verifies the server identity: an endpoint presenting another identity is refused', async () => {
  h.service('payments', 9080, { app: 'payments' });
  // The Pod object says ServiceAccount "payments", but its proxy holds a certificate for "impostor".
  await h.pod({ name: 'payments-1', app: 'payments', serviceAccount: 'payments', sidecarServiceAccount: 'impostor', port: 9080 });
  const r = await h.send(productpage, 'payments:9080', '/');
  assert.equal(r.status, 502);
  assert.match(String(r.headers['l5d-proxy-error']), /identity mismatch|expected spiffe:\/\/cluster.local\/ns\/default\/sa\/payments/);
});

test('certificates rotate before expiry (TTL 1.5 s) without failing a request', async () => {
  const before = reviews.sidecar!.metrics.certRefreshes;
  const handshakesBefore = reviews.sidecar!.metrics.tcp.inbound.tls.total;
  const deadline = Date.now() + 4000;
  const statuses: number[] = [];
  for (let i = 0; i < 2000 && Date.now() < deadline; i++) {
    const batch = await Promise.all([0, 1, 2, 3].map(() => h.send(productpage, 'reviews:9080', '/')));
    statuses.push(...batch.map((r) => r.status));
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(statuses.length > 20);
  assert.deepEqual([...new Set(statuses)], [200], 'no request failed across rotations');
  assert.ok(reviews.sidecar!.metrics.certRefreshes - before >= 3, `server renewed its certificate (${reviews.sidecar!.metrics.certRefreshes - before} times)`);
  assert.ok(reviews.sidecar!.metrics.tcp.inbound.tls.total - handshakesBefore >= 2, 'client made new connections with renewed certificates');
});
