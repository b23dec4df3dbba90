// RequestMirror in the data plane, over real sockets through real sidecars (the mesh harness): the copy carries the
// request as it goes upstream (body, rule filters, rewritten path) with a `-shadow` Host; bodies past
// MIRROR_BODY_LIMIT_BYTES are served but not copied; a mirror that never answers neither delays nor fails the caller,
// and at most MIRROR_MAX_IN_FLIGHT copies wait on it — the rest are dropped, not queued.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { MIRROR_BODY_LIMIT_BYTES, MIRROR_MAX_IN_FLIGHT } from '../../sandbox/mesh/constants.js';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import { waitFor } from '../cluster/fixture.js';

interface Copy {
  method?: string;
  url?: string;
  host?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let h: MeshHarness;
let client: TestPod;
const copies: Copy[] = [];
/** When set, the shadow app holds every response (a mirror that never answers). */
let hold: ServerResponse[] | undefined;

const route = (rules: unknown[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'shop-mirror', namespace: 'default' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'shop', port: 8080 }], rules },
});

before(async () => {
  h = await MeshHarness.start();
  h.service('shop', 8080, { app: 'shop' });
  h.service('shadow', 8080, { app: 'shadow' });
  await h.pod({ name: 'shop-a', app: 'shop', handler: whoami('shop-a') });
  await h.pod({
    name: 'shadow-a',
    app: 'shadow',
    handler: (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        copies.push({ method: req.method, url: req.url, host: req.headers.host, headers: req.headers, body });
        if (hold) hold.push(res);
        else res.end('shadow answer, discarded');
      });
    },
  });
  client = await h.pod({ name: 'web-a', app: 'web' });
});
after(async () => {
  for (const r of hold ?? []) r.end();
  await h?.stop();
});

test('a copy goes to the mirror Service with the rule\'s filters applied and a -shadow Host; the caller gets the primary\'s answer', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route([
    {
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      filters: [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'mirrored' }] } },
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 } } },
      ],
      backendRefs: [{ name: 'shop', port: 8080 }],
    },
  ]));
  await h.cp.settled();
  const body = JSON.stringify({ order: 'x'.repeat(1000) });
  const r = await h.send(client, 'shop:8080', '/api/orders?id=7', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200);
  const primary = JSON.parse(r.body) as { pod: string; path: string; headers: Record<string, string> };
  assert.equal(primary.pod, 'shop-a');
  assert.equal(primary.path, '/v2/orders?id=7');
  assert.equal(primary.headers.host, 'shop:8080');
  assert.equal(primary.headers['x-route'], 'mirrored');
  const copy = await waitFor('the copy', () => copies[0]);
  assert.equal(copy.method, 'POST');
  assert.equal(copy.url, '/v2/orders?id=7');
  assert.equal(copy.host, 'shop-shadow:8080');
  assert.equal(copy.headers['x-route'], 'mirrored');
  assert.equal(copy.body, body);
  assert.ok(copy.headers['l5d-client-id'], 'the copy went over mTLS: the mirror\'s sidecar names the caller');
  assert.equal(copies.length, 1);
});

test(`a body over MIRROR_BODY_LIMIT_BYTES (${MIRROR_BODY_LIMIT_BYTES}) is served but not copied`, async () => {
  copies.length = 0;
  const big = 'b'.repeat(MIRROR_BODY_LIMIT_BYTES + 1);
  const r = await h.send(client, 'shop:8080', '/api/big', { method: 'PUT', body: big });
  assert.equal(r.status, 200);
  // A small request after it: once its copy is in, the big one would have been too (copies are sent in order).
  const small = await h.send(client, 'shop:8080', '/api/small', { method: 'PUT', body: 'small' });
  assert.equal(small.status, 200);
  await waitFor('the small copy', () => copies.some((c) => c.url === '/v2/small'));
  assert.deepEqual(copies.map((c) => c.url), ['/v2/small']);
});

test(`a mirror that never answers: callers are all served, ${MIRROR_MAX_IN_FLIGHT} copies wait on it, the rest are dropped`, async () => {
  copies.length = 0;
  hold = [];
  const extra = 8;
  for (let i = 0; i < MIRROR_MAX_IN_FLIGHT + extra; i++) {
    const r = await h.send(client, 'shop:8080', `/api/held/${i}`);
    assert.equal(r.status, 200, `request ${i} answered by the primary while the mirror hangs`);
    assert.equal((JSON.parse(r.body) as { pod: string }).pod, 'shop-a');
  }
  await waitFor('the held copies', () => copies.length >= MIRROR_MAX_IN_FLIGHT, { timeoutMs: 15_000 });
  const held = hold;
  hold = undefined;
  for (const res of held) res.end();
  // After the mirror recovers (its answers travel back asynchronously, freeing the budget), copies resume; the
  // dropped ones never arrive.
  await waitFor(
    'a copy after recovery',
    async () => {
      await h.send(client, 'shop:8080', '/api/after');
      return copies.some((c) => c.url === '/v2/after');
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  assert.deepEqual(
    copies.filter((c) => c.url?.startsWith('/v2/held/')).map((c) => Number(c.url!.split('/').pop())).sort((a, b) => a - b),
    Array.from({ length: MIRROR_MAX_IN_FLIGHT }, (_, i) => i),
    'the first copies were kept, the later ones dropped',
  );
});

test('percent: 0 copies nothing; a mirror backendRef to a missing Service is dropped and the rule still serves', async () => {
  copies.length = 0;
  h.apply('gateway.networking.k8s.io', 'httproutes', route([
    {
      matches: [{ path: { type: 'PathPrefix', value: '/none' } }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 }, percent: 0 } }],
      backendRefs: [{ name: 'shop', port: 8080 }],
    },
    {
      matches: [{ path: { type: 'PathPrefix', value: '/missing' } }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'nowhere', port: 8080 } } }],
      backendRefs: [{ name: 'shop', port: 8080 }],
    },
    { matches: [{ path: { type: 'PathPrefix', value: '/all' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 } } }], backendRefs: [{ name: 'shop', port: 8080 }] },
  ]));
  await h.cp.settled();
  for (let i = 0; i < 5; i++) assert.equal((await h.send(client, 'shop:8080', '/none')).status, 200);
  assert.equal((await h.send(client, 'shop:8080', '/missing')).status, 200);
  await h.send(client, 'shop:8080', '/all');
  await waitFor('the /all copy', () => copies.some((c) => c.url === '/all'));
  assert.deepEqual(copies.map((c) => c.url), ['/all']);
});
