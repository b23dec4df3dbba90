// Traffic between pods over real sockets: cluster DNS names, the service proxy on clusterIPs (balancing
// across endpoints, keeping the caller's address), and bookinfo answering with the versions that served it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyObjects, parseManifest, readManifest } from '../../sandbox/manifests/load.js';
import { appOf, isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

describe('traffic inside the sandbox', () => {
  let c: ClusterFixture;
  let productpage: string;
  let sleep: string;
  before(async () => {
    c = await startCluster({ deploySample: true, serveApi: false });
    applyObjects(c.sandbox.api, parseManifest(readManifest('sleep')), 'default');
    applyObjects(c.sandbox.api, parseManifest(readManifest('httpbin')), 'default');
    await c.sandbox.waitForReady('default', 20_000);
    productpage = c.pods('default', (p) => appOf(p) === 'productpage')[0].metadata.name;
    sleep = c.pods('default', (p) => appOf(p) === 'sleep')[0].metadata.name;
  });
  after(async () => {
    await c?.close();
  });

  test('a request from inside the productpage pod to http://reviews:9080/reviews/0 reaches a reviews pod', async () => {
    const res = await c.sandbox.runtime.requestFrom('default', productpage, { url: 'http://reviews:9080/reviews/0' });
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body) as { podname: string; version: string; reviews: unknown[] };
    const reviewsPods = c.pods('default', (p) => appOf(p) === 'reviews').map((p) => p.metadata.name);
    assert.ok(reviewsPods.includes(body.podname), `${body.podname} is one of ${reviewsPods.join(', ')}`);
    assert.equal(res.headers['x-bookinfo-pod'], body.podname);
    assert.equal(body.reviews.length, 2);
  });

  test('GET /productpage names the versions and pods that served it', async () => {
    const res = await c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://productpage:9080/productpage' });
    assert.equal(res.status, 200);
    const page = JSON.parse(res.body) as {
      productpage: { version: string; pod: string };
      details: { version: string; pod: string; author: string };
      reviews: { version: string; pod: string; reviews: { rating?: { stars?: number; color?: string } }[] };
    };
    assert.equal(page.productpage.pod, productpage);
    assert.equal(page.details.version, 'v1');
    assert.equal(page.details.author, 'William Shakespeare');
    assert.ok(c.pods('default', (p) => appOf(p) === 'details').some((p) => p.metadata.name === page.details.pod));
    assert.ok(['v1', 'v2', 'v3'].includes(page.reviews.version));
    const stars = page.reviews.reviews[0].rating;
    if (page.reviews.version === 'v1') assert.equal(stars, undefined);
    else assert.deepEqual(stars, { stars: 5, color: page.reviews.version === 'v2' ? 'black' : 'red' });

    const html = await c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://productpage:9080/productpage', headers: { accept: 'text/html' } });
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.match(html.body, /<h1>The Comedy of Errors<\/h1>/);
  });

  test('the service proxy balances connections across reviews v1, v2 and v3', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const res = await c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://reviews:9080/reviews/0' });
      assert.equal(res.status, 200);
      const v = String(res.headers['x-bookinfo-version']);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts).sort(), ['v1', 'v2', 'v3'], JSON.stringify(counts));
    for (const v of ['v1', 'v2', 'v3']) assert.ok(counts[v] >= 5, JSON.stringify(counts));
  });

  test('every DNS form of a Service name resolves; unknown names fail', async () => {
    for (const host of ['reviews-v2', 'reviews-v2.default', 'reviews-v2.default.svc', 'reviews-v2.default.svc.cluster.local']) {
      const res = await c.sandbox.runtime.requestFrom('default', sleep, { url: `http://${host}:9080/reviews/0` });
      assert.equal(res.status, 200, host);
      assert.equal(res.headers['x-bookinfo-version'], 'v2', host);
    }
    await assert.rejects(c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://no-such-service:9080/' }), /ENOTFOUND/);
    await assert.rejects(c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://reviews.other-namespace:9080/' }), /ENOTFOUND/);
  });

  test('the backend sees the calling pod\'s IP (the proxy keeps the source address)', async () => {
    const res = await c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://httpbin:8000/ip' });
    assert.equal(res.status, 200);
    const sleepIP = c.pods('default', (p) => p.metadata.name === sleep)[0].status?.podIP;
    assert.ok(sleepIP?.startsWith('127.1.'));
    assert.equal(JSON.parse(res.body).origin, sleepIP);
  });

  test('a Service whose pods are all gone refuses connections, and serves again when they return', async () => {
    const api = c.sandbox.api;
    const dType = api.type('apps', 'deployments');
    const scale = (n: number) => {
      const d = api.get(dType, 'default', 'ratings-v1');
      (d.spec as { replicas: number }).replicas = n;
      api.update(dType, d);
    };
    scale(0);
    await waitFor('ratings endpoints to empty', () => !c.pods('default', (p) => appOf(p) === 'ratings').length);
    await waitFor('connections to ratings refused', async () => {
      try {
        await c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://ratings:9080/ratings/0', timeoutMs: 2000 });
        return false;
      } catch (err) {
        return /ECONNRESET|ECONNREFUSED|socket hang up/.test((err as Error).message);
      }
    });
    scale(1);
    await waitFor('ratings to be ready again', () => c.pods('default', (p) => appOf(p) === 'ratings' && isReady(p)).length === 1);
    const res = await waitFor('ratings to answer', async () => {
      const r = await c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://ratings:9080/ratings/0' });
      return r.status === 200 ? r : undefined;
    });
    assert.deepEqual(JSON.parse(res.body), { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
  });

  test('bad requests from a pod are refused with a message naming the field', async () => {
    await assert.rejects(c.sandbox.runtime.requestFrom('default', sleep, { url: 'ftp://x/' }), /url: only http:\/\//);
    await assert.rejects(c.sandbox.runtime.requestFrom('default', sleep, { url: 'http://x/', timeoutMs: 0 }), /timeoutMs: must be between/);
    await assert.rejects(c.sandbox.runtime.requestFrom('default', 'no-such-pod', { url: 'http://x/' }), /pods "no-such-pod" not found/);
  });
});
