// gRPC through the sandbox mesh as the Gateway API mesh suite sends it: the upstream mesh manifests applied unchanged in
// a namespace labelled for injection, `kubectl exec <echo pod> -c echo -- client grpc://…` (the real kubectl), h2c
// from the app to its sidecar, HTTP/2 over mTLS between sidecars, h2c to the echo server's gRPC port. Also: HTTPRoute
// rules (weights, request header modifiers) applied to gRPC, a proxy error as grpc-status 14, plain (non-gRPC) h2c,
// and the inbound policy (TrafficTarget, mTLS required) refusing HTTP/2 as it refuses HTTP/1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TapEvent } from '../../sandbox/mesh/tap.js';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const GATEWAY_API = fileURLToPath(new URL('../../playground-server/conformance/upstream/gateway-api/', import.meta.url)); // the runner's vendored copy
const NS = 'gateway-conformance-mesh';
const CONSUMER = 'gateway-conformance-mesh-consumer';

let c: ClusterFixture;
let v1: string;
let v2Pods: string[];
let consumer: string;

const podNames = async (ns: string, selector: string) =>
  (await kubectlOk(c, ['get', 'pods', '-n', ns, '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' ').filter(Boolean);

/** `client` in the echo container of `pod`, through the real kubectl exec. */
const client = (pod: string, args: string[], ns = NS) => c.kubectl(['exec', '-n', ns, pod, '-c', 'echo', '--', 'client', ...args], { timeoutMs: 30_000 });

/** The Hostname of each response of a `client --count=N` run (responses are separated by blank lines). */
const hostnames = (out: string) => out.split('\n\n').map((s) => /Hostname=(\S+)/.exec(s)?.[1]).filter((h): h is string => !!h);

before(async () => {
  c = await startCluster();
  // As the conformance suite does with --namespace-labels: the namespace exists, labelled for injection, before the
  // manifests (applied unchanged) create its pods. The consumer namespace stays un-meshed: a plaintext client.
  await kubectlOk(c, ['create', 'namespace', NS]);
  await kubectlOk(c, ['label', 'namespace', NS, 'istio-injection=enabled']);
  await kubectlOk(c, ['apply', '-f', join(GATEWAY_API, 'mesh', 'manifests.yaml')]);
  await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Available', 'deploy/echo-v1', 'deploy/echo-v2', '--timeout=60s'], undefined, 70_000);
  await kubectlOk(c, ['wait', '-n', CONSUMER, '--for=condition=Available', 'deploy/echo-v1', '--timeout=60s'], undefined, 70_000);
  [v1] = await podNames(NS, 'app=echo,version=v1');
  v2Pods = await podNames(NS, 'app=echo,version=v2');
  [consumer] = await podNames(CONSUMER, 'app=echo');
  const containers = await kubectlOk(c, ['get', 'pod', '-n', NS, v1, '-o', 'jsonpath={.spec.containers[*].name}']);
  assert.match(containers, /mesh-proxy|istio-proxy|linkerd-proxy/, 'the echo pods are meshed');
});

after(async () => {
  await c?.close();
});

describe('gRPC through the mesh with the echo client', () => {
  test('grpc://echo-v2:7070 from a meshed echo pod: HTTP/2 over mTLS between the sidecars, metadata reaches the server', async () => {
    const tap = c.sandbox.mesh!.controlPlane.tap.subscribe({ namespace: NS, direction: 'inbound' }, { bufferSize: 64, signal: AbortSignal.timeout(15_000) });
    try {
      const r = await client(v1, ['grpc://echo-v2:7070', '-H', 'x-trace:abc', '--count=3']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const responses = r.stdout.split('\n\n').filter((s) => /StatusCode=/.test(s));
      assert.equal(responses.length, 3, r.stdout);
      // As upstream's gRPC forwarder prints it: no Url/Header lines, the server's lines as body lines.
      assert.match(responses[0], /^\[0\] Latency=\S+\n\[0\] ActiveRequests=\d+\n\[0 body\] Host=echo-v2:7070\n\[0 body\] RequestHeader=:authority:echo-v2:7070\n/);
      assert.match(responses[0], /\n\[0 body\] RequestHeader=x-trace:abc\n/);
      assert.match(responses[0], /\n\[0 body\] RequestHeader=content-type:application\/grpc\n/);
      assert.match(responses[0], /\n\[0 body\] StatusCode=200\n\[0 body\] ServiceVersion=\n\[0 body\] ServicePort=7070\n/);
      assert.match(responses[0], /\n\[0 body\] Proto=GRPC\n\[0 body\] Echo=HelloWorld\n/);
      assert.match(responses[0], /\n\[0\] ResponseHeader=content-type:application\/grpc\n/);
      // The serving sidecar verified the calling pod's identity (Linkerd's l5d-client-id reaches the app).
      assert.match(responses[0], /RequestHeader=l5d-client-id:spiffe:\/\/cluster\.local\/ns\/gateway-conformance-mesh\/sa\/default\n/);
      for (const h of hostnames(r.stdout)) assert.ok(v2Pods.includes(h), `${h} is an echo-v2 pod (${v2Pods.join(', ')})`);
      assert.match(r.stdout, /\tinfo\tAll 3 requests succeeded\n$/);

      // The serving sidecar saw the calls as HTTP/2 over mTLS from echo-v1's identity.
      const seen: TapEvent[] = [];
      for await (const e of tap) {
        if (e.path === '/proto.EchoTestService/Echo') seen.push(e);
        if (seen.length >= 3) break;
      }
      assert.equal(seen.length, 3, 'three inbound tap events (the subscription ends after 15s)');
      for (const e of seen) {
        assert.equal(e.protocol, 'HTTP/2');
        assert.equal(e.tls, true);
        assert.equal(e.method, 'POST');
        assert.equal(e.status, 200);
        assert.equal(e.source.identity, `spiffe://cluster.local/ns/${NS}/sa/default`);
        assert.ok(v2Pods.includes(e.proxy.pod));
      }
    } finally {
      tap.close();
    }
  });

  test('HTTPRoute rules on the echo Service port 7070 apply to gRPC: weights, request header modifiers, and a proxy error as grpc-status 14', async () => {
    const rules = (v1Weight: number, v2Weight: number) => `apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: ${NS}}
spec:
  selector: {app: nobody}
  ports: [{name: grpc, port: 7070}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: grpc-rules, namespace: ${NS}}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 7070}]
  rules:
  - matches: [{headers: [{name: x-test-case, value: set}]}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: x-header-set, value: set-overwrites-values}]
        add: [{name: x-header-add, value: add-appends-values}]
        remove: [x-header-remove]
    backendRefs: [{name: echo-v1, port: 7070}]
  - matches: [{headers: [{name: x-test-case, value: down}]}]
    backendRefs: [{name: nobody, port: 7070}]
  - backendRefs:
    - {name: echo-v1, port: 7070, weight: ${v1Weight}}
    - {name: echo-v2, port: 7070, weight: ${v2Weight}}
`;
    await kubectlOk(c, ['apply', '-f', '-'], rules(0, 1));
    // Without the route `echo` spreads over v1 and v2; with it every call goes to v2 (weight 0 is never chosen).
    const split = await waitFor('the route to apply to gRPC', async () => {
      const r = await client(v1, ['grpc://echo:7070', '--count=20']);
      const hosts = hostnames(r.stdout);
      return r.code === 0 && hosts.length === 20 && hosts.every((h) => v2Pods.includes(h)) ? hosts : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    assert.equal(split.length, 20);
    // 70/30 (the conformance test's split): both backends serve, echo-v1 the most.
    await kubectlOk(c, ['apply', '-f', '-'], rules(70, 30));
    const mixed = await waitFor('the 70/30 split', async () => {
      const r = await client(v1, ['grpc://echo:7070', '--count=60']);
      const hosts = hostnames(r.stdout);
      return r.code === 0 && hosts.length === 60 && hosts.some((h) => h.startsWith('echo-v1-')) ? hosts : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    const toV1 = mixed.filter((h) => h.startsWith('echo-v1-')).length;
    assert.ok(toV1 > 25 && toV1 < 60, `echo-v1 served ${toV1}/60 (expected ≈42)`);

    const mod = await client(v1, ['grpc://echo:7070', '-H', 'x-test-case:set', '-H', 'x-header-set:original', '-H', 'x-header-add:first', '-H', 'x-header-remove:gone']);
    assert.equal(mod.code, 0, mod.stderr + mod.stdout);
    assert.match(mod.stdout, /\[0 body\] RequestHeader=x-header-set:set-overwrites-values\n/);
    assert.match(mod.stdout, /\[0 body\] RequestHeader=x-header-add:first,add-appends-values\n/);
    assert.doesNotMatch(mod.stdout, /x-header-remove/);
    assert.match(mod.stdout, new RegExp(`Hostname=${v1}\\n`));

    // The proxy answers a gRPC call it cannot serve as Envoy does: HTTP 200, grpc-status 14 (Unavailable).
    const down = await client(v1, ['grpc://echo:7070', '-H', 'x-test-case:down']);
    assert.notEqual(down.code, 0);
    assert.match(down.stdout, /1\/1 requests had errors; first error: rpc error: code = Unavailable desc = no ready endpoints for gateway-conformance-mesh\/nobody:7070/);

    await kubectlOk(c, ['delete', 'httproute', '-n', NS, 'grpc-rules']);
    await kubectlOk(c, ['delete', 'service', '-n', NS, 'nobody']);
  });

  test('plain h2c (not gRPC) from a meshed app goes through both sidecars', async () => {
    const addr = c.sandbox.runtime.addressesOf(NS, v1);
    assert.ok(addr);
    // As the pod's app would: connect to its sidecar's outbound listener from the pod's private localhost.
    const session = h2connect(`http://echo-v2:7070`, { createConnection: () => tcpConnect({ host: addr.localHost, port: 15001, localAddress: addr.localHost }) });
    try {
      const { status, body, headers } = await new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = session.request({ ':method': 'GET', ':path': '/plain', ':authority': 'echo-v2:7070', 'x-mesh-debug': '1' });
        let text = '';
        let head: Record<string, unknown> = {};
        req.setEncoding('utf8');
        req.on('response', (h) => (head = h));
        req.on('data', (d: string) => (text += d));
        req.on('end', () => resolve({ status: Number(head[':status']), body: text, headers: head }));
        req.on('error', reject);
        req.end();
      });
      // The echo server's gRPC port refuses a non-gRPC request itself (HTTP 415 as grpc-go's transport does): the
      // request crossed both sidecars as HTTP/2, the answer is the app's, not a proxy error.
      assert.equal(status, 415, body);
      assert.match(body, /invalid gRPC request content-type/);
      assert.equal(headers['l5d-proxy-error'], undefined);
      assert.ok(v2Pods.includes(String(headers['x-mesh-endpoint'])), `x-mesh-endpoint ${String(headers['x-mesh-endpoint'])}`);
      assert.equal(headers['x-mesh-peer-identity'], `spiffe://cluster.local/ns/${NS}/sa/default`);
    } finally {
      session.destroy();
    }
  });

  test('the inbound policy refuses HTTP/2 as it refuses HTTP/1: a TrafficTarget, then plaintext from an un-meshed pod', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], `apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: {name: everything, namespace: ${NS}}
spec:
  matches: [{name: all, pathRegex: ".*", methods: ["*"]}]
---
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: {name: only-nobody, namespace: ${NS}}
spec:
  destination: {kind: ServiceAccount, name: default, namespace: ${NS}}
  rules: [{kind: HTTPRouteGroup, name: everything, matches: [all]}]
  sources: [{kind: ServiceAccount, name: nobody, namespace: ${NS}}]
`);
    // The meshed caller (identity default) is not a source: refused over gRPC (403 → PermissionDenied) and HTTP/1.
    const denied = await waitFor('the TrafficTarget to refuse gRPC', async () => {
      const r = await client(v1, ['grpc://echo-v2:7070']);
      return r.code !== 0 && /code = PermissionDenied/.test(r.stdout) ? r : undefined;
    }, { timeoutMs: 15_000, intervalMs: 300 });
    assert.match(denied.stdout, /no TrafficTarget allows spiffe:\/\/cluster\.local\/ns\/gateway-conformance-mesh\/sa\/default/);
    const http1 = await client(v1, ['http://echo-v2:8080/']);
    assert.match(http1.stdout, /\[0\] StatusCode=403\n/);

    // Plaintext h2c from an un-meshed pod is refused too (a TrafficTarget requires mTLS).
    const plain = await client(consumer, [`grpc://echo-v2.${NS}:7070`], CONSUMER);
    assert.notEqual(plain.code, 0, plain.stdout);
    assert.match(plain.stdout, /code = PermissionDenied desc = unauthorized: .*plaintext clients are refused/);

    // Allowing the caller's identity lets gRPC through again.
    await kubectlOk(c, ['patch', 'traffictarget', '-n', NS, 'only-nobody', '--type=merge', '-p', JSON.stringify({ spec: { sources: [{ kind: 'ServiceAccount', name: 'default', namespace: NS }] } })]);
    await waitFor('the TrafficTarget to allow gRPC', async () => (await client(v1, ['grpc://echo-v2:7070'])).code === 0, { timeoutMs: 15_000, intervalMs: 300 });
    const stillPlain = await client(consumer, [`grpc://echo-v2.${NS}:7070`], CONSUMER);
    assert.match(stillPlain.stdout, /code = PermissionDenied/, 'plaintext is still refused');
    await kubectlOk(c, ['delete', 'traffictarget', '-n', NS, 'only-nobody']);
    await waitFor('plaintext gRPC to be served again', async () => (await client(consumer, [`grpc://echo-v2.${NS}:7070`], CONSUMER)).code === 0, { timeoutMs: 15_000, intervalMs: 300 });
  });
});
