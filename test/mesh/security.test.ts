// mTLS between sidecars with SPIFFE identities, identity checks on the client side, TrafficTarget access
// policy, the all-authenticated inbound policy, identities in the tap, and certificate rotation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import type { TapEvent } from '../../sandbox/mesh/tap.js';

let h: MeshHarness;
let productpage: TestPod;
let details: TestPod;
let outsider: TestPod;
let reviews: TestPod;

before(async () => {
  h = await MeshHarness.start({ certificateTtlMs: 1500 });
  h.service('reviews', 9080, { app: 'reviews' });
  reviews = await h.pod({ name: 'reviews-1', app: 'reviews', serviceAccount: 'bookinfo-reviews', port: 9080, handler: whoami('reviews') });
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

test('the inbound proxy refuses TLS clients without a mesh certificate', async () => {
  const failure = await new Promise<string>((resolve) => {
    const s = tlsConnect({ host: reviews.podIP, port: 9080, rejectUnauthorized: false, servername: 'reviews' }, () => {
      s.write('GET / HTTP/1.1\r\nhost: reviews\r\n\r\n');
    });
    s.on('data', (d) => resolve(`unexpected data ${d}`));
    s.on('error', (e) => resolve(e.message));
    s.on('close', () => resolve('closed'));
  });
  assert.doesNotMatch(failure, /unexpected data/);
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
