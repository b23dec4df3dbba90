// istio.io's TCP Traffic Shifting task against one sandbox with the real kubectl: Istio's tcp-echo sample
// (samples/tcp-echo, vendored unchanged: two Deployments answering "one …" and "two …") behind one Service whose
// ports are named `tcp`, so the sidecars carry them as opaque TCP, and VirtualService `tcp` routes with subsets and
// weights deciding which version each connection reaches. The client is the playground's curl workload, whose
// `/tcp` opens one connection through its sidecar per call (read here with `kubectl get --raw` through the pods
// proxy). The task's own VirtualServices are bound to an ingress gateway the sandbox does not run: applying them
// warns so, and the same routes bound to the mesh (no `gateways`) are what the sidecars honour.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TCP_ECHO = join(HERE, '..', 'fixtures', 'upstream', 'istio', 'tcp-echo');
const CURL = join(HERE, '..', '..', 'playground-server', 'sessions', 'manifests', 'curl.yaml');
const NS = 'tcp-shift';

const meshRoute = (routes: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: tcp-echo
spec:
  hosts:
  - tcp-echo
  tcp:
  - match:
    - port: 9000
    route:
${routes}`;
const destination = (subset: string, weight?: number) =>
  `    - destination:\n        host: tcp-echo\n        port:\n          number: 9000\n        subset: ${subset}\n${weight === undefined ? '' : `      weight: ${weight}\n`}`;

describe("istio.io TCP Traffic Shifting with Istio's tcp-echo sample", () => {
  let c: ClusterFixture;
  let curlPod = '';

  /** One connection from curl through its sidecar: sends "hello", returns tcp-echo's first answered line. */
  const echo = async (port = 9000) => {
    const out = await kubectlOk(c, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/${curlPod}:8080/proxy/tcp?host=tcp-echo&port=${port}&send=hello`]);
    return (JSON.parse(out) as { answer: string }).answer;
  };
  const tally = async (n: number) => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const a = await echo();
      counts[a] = (counts[a] ?? 0) + 1;
    }
    return counts;
  };

  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['create', 'namespace', NS]);
    await kubectlOk(c, ['label', 'namespace', NS, 'istio-injection=enabled']);
    await kubectlOk(c, ['apply', '-n', NS, '-f', join(TCP_ECHO, 'tcp-echo-services.yaml'), '-f', CURL]);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Available', 'deploy/tcp-echo-v1', 'deploy/tcp-echo-v2', 'deploy/curl', '--timeout=60s'], undefined, 70_000);
    curlPod = (await kubectlOk(c, ['get', 'pod', '-n', NS, '-l', 'app=curl', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  });
  after(async () => {
    await c?.close();
  });

  test('tcp-echo answers "<prefix> <line>" through both sidecars (mTLS), from both versions without a route; its log shows the exchange', async () => {
    const counts = await tally(12);
    assert.deepEqual(Object.keys(counts).sort(), ['one hello', 'two hello'], JSON.stringify(counts));
    // The second Service port (tcp-other, 9001) reaches the same servers.
    assert.match(await echo(9001), /^(one|two) hello$/);
    const log = await kubectlOk(c, ['logs', '-n', NS, 'deploy/tcp-echo-v1', '-c', 'tcp-echo']);
    assert.match(log, /^listening on \[::\]:9000, prefix: one$/m);
    assert.match(log, /^request: hello$/m);
    assert.match(log, /^response: one hello$/m);
    // The connections arrived over mTLS: tcp-echo-v1's sidecar counted TLS connections in.
    const v1 = (await kubectlOk(c, ['get', 'pod', '-n', NS, '-l', 'version=v1', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const metrics = await kubectlOk(c, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/${v1}:4191/proxy/metrics`]);
    const tls = /^tcp_open_total\{direction="inbound",peer="src",tls="true"\} (\d+)$/m.exec(metrics);
    assert.ok(tls && Number(tls[1]) > 0, metrics.slice(0, 2000));
  });

  test("the task's gateway-bound VirtualServices apply with a warning and leave the sidecars alone; mesh-bound tcp routes send all to v1, then 80/20", async () => {
    const applied = await c.kubectl(['apply', '-n', NS, '-f', join(TCP_ECHO, 'tcp-echo-all-v1.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /destinationrule\.networking\.istio\.io\/tcp-echo-destination created/);
    assert.match(applied.stderr, /Warning: .*Gateway/);
    const reason = await waitFor('the VirtualService status', async () => {
      const out = await kubectlOk(c, ['get', 'virtualservice', 'tcp-echo', '-n', NS, '-o', 'jsonpath={.status.conditions[?(@.type=="Reconciled")].message}']);
      return out || undefined;
    });
    assert.match(reason, /gateways does not include "mesh"/);
    const still = await tally(12);
    assert.ok(still['one hello'] && still['two hello'], `a gateway-bound route does not change the sidecars: ${JSON.stringify(still)}`);

    let r = await c.kubectl(['apply', '-n', NS, '-f', '-'], { input: meshRoute(destination('v1')) });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Warning/, 'tcp routes are honoured: no warning');
    await waitFor('every connection on v1', async () => (await echo()) === 'one hello' && (await echo()) === 'one hello', { timeoutMs: 20_000, intervalMs: 50 });
    assert.deepEqual(await tally(10), { 'one hello': 10 });

    r = await c.kubectl(['apply', '-n', NS, '-f', '-'], { input: meshRoute(destination('v1', 80) + destination('v2', 20)) });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('a connection on v2', async () => (await echo()) === 'two hello', { timeoutMs: 20_000, intervalMs: 20 });
    const counts = await tally(60);
    assert.deepEqual(Object.keys(counts).sort(), ['one hello', 'two hello'], JSON.stringify(counts));
    // 20% of 60 is 12; [3, 24] holds with probability > 0.9999.
    assert.ok(counts['two hello'] >= 3 && counts['two hello'] <= 24, JSON.stringify(counts));
  });

  test('a subset no DestinationRule defines closes the connection without an answer (the client gets no answer); without the VirtualService both versions answer again', async () => {
    const r = await c.kubectl(['apply', '-n', NS, '-f', '-'], { input: meshRoute(destination('v3')) });
    assert.equal(r.code, 0, r.stderr);
    let last = '';
    await waitFor('connections closed without an answer', async () => {
      const out = await c.kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/pods/${curlPod}:8080/proxy/tcp?host=tcp-echo&port=9000`]);
      last = `${out.code} ${out.stdout} ${out.stderr}`;
      return out.code !== 0;
    }, { timeoutMs: 20_000, intervalMs: 50 }).catch((err: Error) => assert.fail(`${err.message}: ${last}`));
    await kubectlOk(c, ['delete', 'virtualservice', 'tcp-echo', '-n', NS]);
    await waitFor('both versions again', async () => {
      const t = await tally(10);
      return t['one hello'] && t['two hello'];
    }, { timeoutMs: 20_000, intervalMs: 50 });
  });

  test('an AuthorizationPolicy that decides per HTTP request cannot be skipped by speaking TCP: the connection gets no answer until the policy goes', async () => {
    const policy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: tcp-echo-get-only
spec:
  selector:
    matchLabels:
      app: tcp-echo
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: ["GET"]
`;
    await kubectlOk(c, ['apply', '-n', NS, '-f', '-'], policy);
    await waitFor('connections reset by the server sidecar', async () => {
      const out = await c.kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/pods/${curlPod}:8080/proxy/tcp?host=tcp-echo&port=9000`]);
      return out.code !== 0;
    }, { timeoutMs: 20_000, intervalMs: 50 });
    const log = await kubectlOk(c, ['logs', '-n', NS, 'deploy/tcp-echo-v1', '-c', 'mesh-proxy']);
    const log2 = await kubectlOk(c, ['logs', '-n', NS, 'deploy/tcp-echo-v2', '-c', 'mesh-proxy']);
    assert.match(log + log2, /reset an opaque TCP connection to port 9000: the pod's policy decides per HTTP request/);
    await kubectlOk(c, ['delete', 'authorizationpolicies.security.istio.io', 'tcp-echo-get-only', '-n', NS]);
    await waitFor('answers again', async () => /^(one|two) hello$/.test(await echo().catch(() => '')), { timeoutMs: 20_000, intervalMs: 50 });
  });
});
