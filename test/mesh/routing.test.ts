// Routing through real sidecars: HTTPRoute weighted split (90/10 then 0/100), matches and precedence,
// header modifiers, 404 for unmatched once a route is attached, and the default Service route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MeshHarness, whoami, type TestPod } from './harness.js';

let h: MeshHarness;
let client: TestPod;

const route = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], ...spec },
});

before(async () => {
  h = await MeshHarness.start();
  h.service('reviews', 9080, { app: 'reviews' });
  h.service('reviews-v1', 9080, { app: 'reviews', version: 'v1' });
  h.service('reviews-v2', 9080, { app: 'reviews', version: 'v2' });
  await h.pod({ name: 'reviews-v1-a', app: 'reviews', deployment: 'reviews-v1', serviceAccount: 'bookinfo-reviews', labels: { version: 'v1' }, port: 9080, handler: whoami('v1') });
  await h.pod({ name: 'reviews-v2-a', app: 'reviews', deployment: 'reviews-v2', serviceAccount: 'bookinfo-reviews', labels: { version: 'v2' }, port: 9080, handler: whoami('v2') });
  client = await h.pod({ name: 'productpage-a', app: 'productpage', serviceAccount: 'bookinfo-productpage', port: 9080, handler: whoami('productpage') });
});

after(async () => {
  await h.stop();
});

test('without a route, the Service balances over all its endpoints', async () => {
  const replies = await h.sendMany(client, 'reviews:9080', '/reviews/1', 200);
  assert.ok(replies.every((r) => r.status === 200), 'all requests succeed');
  const v1 = replies.filter((r) => JSON.parse(r.body).pod === 'v1').length;
  assert.ok(v1 > 20 && v1 < 180, `both endpoints get traffic (v1 got ${v1}/200)`);
});

test('a 90/10 HTTPRoute split holds within ±3 points over 2000 requests; 0/100 sends everything to v2', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route('reviews-split', {
    rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }] }],
  }));
  await h.cp.settled();
  const replies = await h.sendMany(client, 'reviews:9080', '/reviews/1', 2000, 32);
  assert.equal(replies.filter((r) => r.status !== 200).length, 0);
  const v1Share = (replies.filter((r) => JSON.parse(r.body).pod === 'v1').length / 2000) * 100;
  assert.ok(Math.abs(v1Share - 90) <= 3, `v1 share ${v1Share.toFixed(1)}% should be 90±3`);

  h.apply('gateway.networking.k8s.io', 'httproutes', route('reviews-split', {
    rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 0 }, { name: 'reviews-v2', port: 9080, weight: 100 }] }],
  }));
  await h.cp.settled();
  const after = await h.sendMany(client, 'reviews:9080', '/reviews/1', 300, 16);
  assert.deepEqual([...new Set(after.map((r) => JSON.parse(r.body).pod))], ['v2']);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'reviews-split');
  await h.cp.settled();
});

test('matches follow Gateway API precedence; unmatched requests get 404 once a route is attached', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route('reviews-matches', {
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }], backendRefs: [{ name: 'reviews-v1', port: 9080 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/reviews' }, headers: [{ name: 'end-user', value: 'jason' }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
      { matches: [{ path: { type: 'Exact', value: '/reviews/exact' } }], backendRefs: [{ name: 'reviews-v2', port: 9080 }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'exact' }] } },
                  { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-resp', value: 'yes' }] } }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST', queryParams: [{ name: 'v', value: '2' }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
    ],
  }));
  await h.cp.settled();
  const pod = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const r = await h.send(client, 'reviews:9080', path, { headers, method });
    return r.status === 200 ? JSON.parse(r.body).pod : r.status;
  };
  assert.equal(await pod('/reviews/1'), 'v1');
  assert.equal(await pod('/reviews/1', { 'end-user': 'jason' }), 'v2', 'more header matches win over the same prefix');
  assert.equal(await pod('/reviewsX'), 404, 'prefix matches whole path elements only');
  assert.equal(await pod('/other'), 404, 'unmatched request rejected');
  assert.equal(await pod('/api/x?v=2', {}, 'POST'), 'v2');
  assert.equal(await pod('/api/x?v=2', {}, 'GET'), 404);
  const exact = await h.send(client, 'reviews:9080', '/reviews/exact');
  assert.equal(JSON.parse(exact.body).pod, 'v2', 'exact beats prefix');
  assert.equal(JSON.parse(exact.body).headers['x-route'], 'exact', 'request header set');
  assert.equal(exact.headers['x-resp'], 'yes', 'response header added');
  const notFound = await h.send(client, 'reviews:9080', '/other');
  assert.match(String(notFound.headers['l5d-proxy-error']), /no route/);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'reviews-matches');
  await h.cp.settled();
});

test('a consumer route in the client namespace wins for that client only', async () => {
  h.namespace('shop');
  const shopClient = await h.pod({ namespace: 'shop', name: 'shopper', app: 'shopper', port: 9081 });
  h.apply('gateway.networking.k8s.io', 'httproutes', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'reviews-for-shop', namespace: 'shop' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', namespace: 'default', port: 9080 }], rules: [{ backendRefs: [{ name: 'reviews-v2', namespace: 'default', port: 9080 }] }] },
  });
  h.apply('gateway.networking.k8s.io', 'httproutes', route('reviews-producer', { rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080 }] }] }));
  await h.cp.settled();
  const fromShop = await h.sendMany(shopClient, 'reviews.default:9080', '/', 20);
  const fromDefault = await h.sendMany(client, 'reviews:9080', '/', 20);
  assert.deepEqual([...new Set(fromShop.map((r) => JSON.parse(r.body).pod))], ['v2']);
  assert.deepEqual([...new Set(fromDefault.map((r) => JSON.parse(r.body).pod))], ['v1']);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'shop', 'reviews-for-shop');
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'reviews-producer');
  await h.cp.settled();
});

test('SMI TrafficSplit with an HTTPRouteGroup match splits only matching requests', async () => {
  h.apply('specs.smi-spec.io', 'httproutegroups', {
    apiVersion: 'specs.smi-spec.io/v1alpha4', kind: 'HTTPRouteGroup', metadata: { name: 'firefox', namespace: 'default' },
    spec: { matches: [{ name: 'firefox-users', headers: [{ 'user-agent': '.*Firefox.*' }] }] },
  });
  h.apply('split.smi-spec.io', 'trafficsplits', {
    apiVersion: 'split.smi-spec.io/v1alpha4', kind: 'TrafficSplit', metadata: { name: 'ab', namespace: 'default' },
    spec: { service: 'reviews', matches: [{ kind: 'HTTPRouteGroup', name: 'firefox' }], backends: [{ service: 'reviews-v2', weight: 100 }] },
  });
  await h.cp.settled();
  const ff = await h.sendMany(client, 'reviews:9080', '/', 30, 8, { headers: { 'user-agent': 'Mozilla Firefox/120' } });
  assert.deepEqual([...new Set(ff.map((r) => JSON.parse(r.body).pod))], ['v2']);
  const others = await h.sendMany(client, 'reviews:9080', '/', 100, 8, { headers: { 'user-agent': 'curl' } });
  assert.deepEqual([...new Set(others.map((r) => JSON.parse(r.body).pod))].sort(), ['v1', 'v2'], 'others go to the apex Service (both versions)');
  h.remove('split.smi-spec.io', 'trafficsplits', 'default', 'ab');
  await h.cp.settled();
});
