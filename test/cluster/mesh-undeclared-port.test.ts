// A meshed pod whose app listens on a port it does not declare (no containerPort) is reachable through its
// sidecar, as iptables capture makes it on Istio and Linkerd: from a meshed client (over mTLS, the verified
// client identity reaches the app), from a plain one, and through the API server's pods proxy; NetworkPolicy
// still refuses what it denies on that port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { isReady, kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

let c: ClusterFixture;
let binIP: string;

before(async () => {
  c = await startCluster();
  await kubectlOk(c, ['apply', '-f', '-'], `apiVersion: v1
kind: Namespace
metadata: {name: meshed, labels: {mesh.playground.dev/inject: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: plain}
---
apiVersion: v1
kind: Pod
metadata: {name: bin, namespace: meshed, labels: {app: bin}}
spec:
  containers:
  - name: httpbin
    image: playground/httpbin:v1
    env: [{name: PORT, value: "7777"}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: meshed, labels: {app: client}}
spec:
  containers: [{name: sleep, image: playground/sleep:v1}]
---
apiVersion: v1
kind: Pod
metadata: {name: outsider, namespace: plain, labels: {app: outsider}}
spec:
  containers: [{name: sleep, image: playground/sleep:v1}]
`);
  const ready = (ns: string, name: string) => waitFor(`${ns}/${name} ready`, () => c.pods(ns, (p: Pod) => p.metadata.name === name && isReady(p))[0], { timeoutMs: 30_000 });
  const bin = await ready('meshed', 'bin');
  await ready('meshed', 'client');
  await ready('plain', 'outsider');
  assert.equal(bin.spec.containers.length, 2, 'the sidecar was injected');
  assert.equal(bin.spec.containers[0].ports, undefined, 'no containerPort declared');
  binIP = bin.status!.podIP!;
});
after(() => c?.close());

describe('a meshed pod\'s undeclared port', () => {
  test('a meshed client reaches it through both sidecars, over mTLS', async () => {
    const r = await c.sandbox.runtime.requestFrom('meshed', 'client', { url: `http://${binIP}:7777/headers` });
    assert.equal(r.status, 200, r.body);
    const headers = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
    assert.equal(headers['L5d-Client-Id'], 'spiffe://cluster.local/ns/meshed/sa/default', 'the verified identity of the client');
  });

  test('a client outside the mesh reaches it in plaintext; the pods proxy too', async () => {
    const r = await c.sandbox.runtime.requestFrom('plain', 'outsider', { url: `http://${binIP}:7777/hostname` });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { hostname: 'bin' });
    const proxied = await kubectlOk(c, ['get', '--raw', '/api/v1/namespaces/meshed/pods/bin:7777/proxy/hostname']);
    assert.deepEqual(JSON.parse(proxied), { hostname: 'bin' });
  });

  test('NetworkPolicy still applies on the captured port', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: same-namespace-only, namespace: meshed}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
`);
    await waitFor('the outsider refused', async () => {
      try {
        const r = await c.sandbox.runtime.requestFrom('plain', 'outsider', { url: `http://${binIP}:7777/hostname`, timeoutMs: 2000 });
        return r.status >= 500 ? r : undefined;
      } catch (err) {
        return /ECONNRESET|ECONNREFUSED|socket hang up|timed out/i.test((err as Error).message);
      }
    });
    const inside = await c.sandbox.runtime.requestFrom('meshed', 'client', { url: `http://${binIP}:7777/hostname` });
    assert.equal(inside.status, 200, 'the namespace\'s own pods still get through');
  });
});
