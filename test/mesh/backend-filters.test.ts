// Filters on HTTPRoute backendRefs, through real sidecars (the mesh harness): each applies only to the requests sent
// to its backend — request and response header modifiers, a URL rewrite, a redirect — and a filter type the mesh does
// not implement is reported in the route's status as it is on a rule.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { MeshHarness, whoami, type TestPod } from './harness.js';

let h: MeshHarness;
let client: TestPod;

interface Seen {
  pod: string;
  path: string;
  headers: Record<string, string>;
}

const route = (rules: unknown[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'reviews-backend-filters', namespace: 'default' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules },
});

before(async () => {
  h = await MeshHarness.start();
  h.service('reviews', 9080, { app: 'reviews' });
  h.service('reviews-v1', 9080, { app: 'reviews', version: 'v1' });
  h.service('reviews-v2', 9080, { app: 'reviews', version: 'v2' });
  await h.pod({ name: 'reviews-v1-a', app: 'reviews', deployment: 'reviews-v1', labels: { version: 'v1' }, port: 9080, handler: whoami('v1') });
  await h.pod({ name: 'reviews-v2-a', app: 'reviews', deployment: 'reviews-v2', labels: { version: 'v2' }, port: 9080, handler: whoami('v2') });
  client = await h.pod({ name: 'productpage-a', app: 'productpage', port: 9080 });
});
after(async () => {
  await h?.stop();
});

test('header modifiers and a rewrite on one backendRef apply only to requests that backend serves', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route([
    {
      matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }],
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-rule', value: 'both' }] } }],
      backendRefs: [
        {
          name: 'reviews-v1',
          port: 9080,
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-backend', value: 'v1-only' }] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-answered-by', value: 'v1-filter' }] } },
            { type: 'URLRewrite', urlRewrite: { hostname: 'reviews-v1.internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v1/reviews' } } },
          ],
        },
        { name: 'reviews-v2', port: 9080 },
      ],
    },
  ]));
  await h.cp.settled();
  const replies = await h.sendMany(client, 'reviews:9080', '/reviews/1?x=y', 60, 8);
  const byPod = new Map<string, number>();
  for (const r of replies) {
    assert.equal(r.status, 200, r.body);
    const seen = JSON.parse(r.body) as Seen;
    byPod.set(seen.pod, (byPod.get(seen.pod) ?? 0) + 1);
    assert.equal(seen.headers['x-rule'], 'both', 'the rule filter applies to every backend');
    if (seen.pod === 'v1') {
      assert.equal(seen.headers['x-backend'], 'v1-only');
      assert.equal(seen.path, '/v1/reviews/1?x=y');
      assert.equal(seen.headers.host, 'reviews-v1.internal');
      assert.equal(r.headers['x-answered-by'], 'v1-filter');
    } else {
      assert.equal(seen.headers['x-backend'], undefined);
      assert.equal(seen.path, '/reviews/1?x=y');
      assert.equal(seen.headers.host, 'reviews:9080');
      assert.equal(r.headers['x-answered-by'], undefined);
    }
  }
  assert.ok((byPod.get('v1') ?? 0) > 0 && (byPod.get('v2') ?? 0) > 0, `both backends served: ${JSON.stringify([...byPod])}`);
});

test('a redirect on one backendRef answers the share sent to that backend', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route([
    {
      matches: [{ path: { type: 'PathPrefix', value: '/moved' } }],
      backendRefs: [
        { name: 'reviews-v1', port: 9080, filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org', statusCode: 308 } }] },
        { name: 'reviews-v2', port: 9080 },
      ],
    },
  ]));
  await h.cp.settled();
  const moved = await h.sendMany(client, 'reviews:9080', '/moved/a?b=c', 40, 8);
  assert.deepEqual([...new Set(moved.map((r) => r.status))].sort(), [200, 308]);
  for (const r of moved) {
    if (r.status === 308) assert.equal(r.headers.location, 'http://example.org:9080/moved/a?b=c', 'no scheme or port set: the port dialled, kept');
    else assert.equal((JSON.parse(r.body) as Seen).pod, 'v2');
  }
});

test('a filter type the mesh does not implement on a backendRef: Accepted=False UnsupportedValue, as on a rule', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route([
    { matches: [{ path: { type: 'PathPrefix', value: '/cors' } }], backendRefs: [{ name: 'reviews-v1', port: 9080, filters: [{ type: 'CORS', cors: { allowOrigins: ['*'] } }] }] },
  ]));
  await h.cp.settled();
  const obj = h.api.tryGet(h.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'reviews-backend-filters');
  const conditions = ((obj?.status as { parents?: { conditions: { type: string; status: string; reason: string; message: string }[] }[] } | undefined)?.parents ?? [])[0]?.conditions ?? [];
  const accepted = conditions.find((c) => c.type === 'Accepted');
  assert.equal(accepted?.status, 'False', JSON.stringify(conditions));
  assert.equal(accepted?.reason, 'UnsupportedValue');
  assert.match(accepted?.message ?? '', /backendRefs\[0\]\.filters\[0\]\.type: "CORS" is not supported by the sandbox mesh on a backendRef/);
});
