// What the playground server reads from a meshed pod through the Kubernetes API (pods proxy): a sidecar's
// Prometheus metrics and its live tap stream; and the opt-in debug headers that say how a request was served.
import { test, before, after } from 'node:test';
import { readLines } from '../../playground-server/kube/stream-lines.js';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startCluster, type ClusterFixture } from '../cluster/fixture.js';

const NS = 'mesh-admin';
let c: ClusterFixture;
let productpage: string;

before(async () => {
  c = await startCluster();
  const r = await c.kubectl(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n  labels: {mesh.playground.dev/inject: enabled}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await c.kubectl(['apply', '-n', NS, '-f', 'sandbox/manifests/bookinfo.yaml'])).code, 0);
  await c.sandbox.waitForReady(NS, 30_000);
  productpage = c.pods(NS).find((p) => p.metadata.name.startsWith('productpage-v1'))!.metadata.name;
});
after(async () => {
  await c?.close();
});

const fromProductpage = (path: string, headers: Record<string, string> = {}) =>
  c.sandbox.runtime.requestFrom(NS, productpage, { url: `http://reviews:9080${path}`, headers, timeoutMs: 10_000 });

test('x-mesh-debug: the response names the serving pod, the attempts, the route and the verified peer identity', async () => {
  const plain = await fromProductpage('/reviews/0');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['x-mesh-endpoint'], undefined, 'no debug headers unless asked');
  const r = await fromProductpage('/reviews/0', { 'x-mesh-debug': '1' });
  assert.equal(r.status, 200);
  const servedBy = String(r.headers['x-mesh-endpoint']);
  assert.ok(c.pods(NS).some((p) => p.metadata.name === servedBy && p.metadata.labels?.app === 'reviews'), `served by ${servedBy}`);
  assert.equal(r.headers['x-mesh-attempts'], '1');
  assert.equal(r.headers['x-mesh-peer-identity'], `spiffe://cluster.local/ns/${NS}/sa/bookinfo-reviews`);
});

test('kubectl get --raw reads a sidecar metrics endpoint through the pods proxy', async () => {
  const r = await c.kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/pods/${productpage}:4191/proxy/metrics`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^request_total\\{direction="outbound",authority="reviews\\.${NS}\\.svc\\.cluster\\.local:9080"`, 'm'));
});

test('the tap stream through the pods proxy carries this pod\'s requests as NDJSON, filtered', async () => {
  const kubeconfig = c.sandbox;
  const lines: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const req = request(`${kubeconfig.url}/api/v1/namespaces/${NS}/pods/${productpage}:4191/proxy/tap?direction=outbound&toService=reviews&seconds=5`, {
      ca: c.sandbox.caCertificate,
      headers: { authorization: `Bearer ${c.sandbox.token}` },
    }, (res) => {
      assert.equal(res.statusCode, 200);
      void (async () => {
        try {
          for await (const line of readLines(res)) {
            lines.push(line);
            if (lines.length === 3) {
              req.destroy();
              resolve();
              return;
            }
          }
        } catch {
          // destroyed above
        }
      })();
      res.on('end', resolve);
    });
    req.on('error', (e) => (lines.length >= 3 ? resolve() : reject(e)));
    req.end();
  });
  // Start sending once the stream is open; details goes to another service and must be filtered out.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 3; i++) {
    await c.sandbox.runtime.requestFrom(NS, productpage, { url: 'http://details:9080/details/0', timeoutMs: 10_000 });
    await fromProductpage(`/reviews/${i}`);
  }
  await done;
  const events = lines.map((l) => JSON.parse(l));
  assert.equal(events.length, 3);
  for (const [i, e] of events.entries()) {
    assert.equal(e.direction, 'outbound');
    assert.equal(e.destination.service, 'reviews');
    assert.equal(e.path, `/reviews/${i}`);
    assert.equal(e.status, 200);
    assert.equal(e.source.identity, `spiffe://cluster.local/ns/${NS}/sa/bookinfo-productpage`);
  }
});
