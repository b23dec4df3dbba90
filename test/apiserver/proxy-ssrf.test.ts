// SSRF through the sandbox: a listener on the host's 127.0.0.1 (standing for the playground server, the API
// server, anything on the machine) must see no connection when a client forges status.podIP, writes Endpoints
// naming the host or another tenant's pod, or points a pod's workloads (curl, a request from a pod, the load
// generator) at it. Each attack is really attempted (the forged field is stored, or the refusal quoted).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { applyObjects, parseManifest, readManifest } from '../../sandbox/manifests/load.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { LOADGEN_IMAGES, LOADGEN_IMAGE } from '../../playground-server/loadgen/pod-image.js';
import { GENERATOR_PROTOCOL } from '../../playground-server/loadgen/protocol.js';
import { startCluster, waitFor, type ClusterFixture } from '../cluster/fixture.js';

let c: ClusterFixture;
let host: Server;
let hostPort: number;
let hostConnections = 0;

/** Any HTTP exchange with the sandbox API server as the admin. */
function apiRequest(method: string, path: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const api = new URL(c.sandbox.url);
  const text = body ? JSON.stringify(body) : undefined;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: api.hostname,
        port: api.port,
        method,
        path,
        ca: c.sandbox.caCertificate,
        headers: { authorization: `Bearer ${c.sandbox.token}`, ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}) },
        timeout: 15_000,
      },
      (res) => {
        let out = '';
        res.on('data', (d) => (out += d));
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(out) as Record<string, unknown>;
          } catch {
            json = { text: out };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(text);
  });
}

const fetchFrom = (namespace: string, url: string, headers: Record<string, string> = {}) =>
  apiRequest('POST', `/api/v1/namespaces/${namespace}/pods/curl:8080/proxy/fetch`, { url, headers, timeoutMs: 3000 });

const podIP = (ns: string, prefix: string) =>
  (c.pods(ns, (p) => p.metadata.name.startsWith(prefix))[0].status?.podIP ?? '') as string;

function curlPod(namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'curl', namespace, labels: { app: 'curl' } },
    spec: { containers: [{ name: 'curl', image: 'playground/curl:v1', ports: [{ containerPort: 8080 }] }] },
  };
}

/** A selectorless Service `name` with port `port`, and (bypassing admission, as only the sandbox itself can) Endpoints at ip:port. */
function forgedService(namespace: string, name: string, port: number, ip: string, targetPort = port): void {
  const api = c.sandbox.api;
  api.create(api.type('', 'services'), { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port }] } });
  // In-process writes carry no userInfo: the trusted path of the sandbox's own controllers. The data path must still refuse it.
  api.create(api.type('', 'endpoints'), {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace },
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'http', port: targetPort }] }],
  });
}

before(async () => {
  host = createServer((s) => {
    hostConnections++;
    s.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nsecret');
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostPort = (host.address() as AddressInfo).port;

  c = await startCluster({ readinessIntervalMs: 100, images: LOADGEN_IMAGES });
  const api = c.sandbox.api;
  for (const [name, meshed] of [['ssrf-a', false], ['ssrf-ma', true], ['ssrf-b', false]] as const) {
    api.create(api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: meshed ? { 'linkerd.io/inject': 'enabled' } : {} } });
    applyObjects(api, parseManifest(readManifest('httpbin')), name);
    if (name !== 'ssrf-b') api.create(api.type('', 'pods'), curlPod(name));
  }
  for (const ns of ['ssrf-a', 'ssrf-ma', 'ssrf-b']) await c.sandbox.waitForReady(ns, 30_000);
  for (const ns of ['ssrf-a', 'ssrf-ma']) {
    await waitFor(`curl in ${ns}`, async () => (await fetchFrom(ns, `http://httpbin:8000/get`)).json.status === 200, { timeoutMs: 20_000, intervalMs: 100 });
  }
  // Sanity: the listener is reachable from the host, so "no connection" below means the sandbox refused.
  await new Promise<void>((resolve, reject) => {
    const s = connect(hostPort, '127.0.0.1', () => s.end());
    s.resume();
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  assert.equal(hostConnections, 1);
  hostConnections = 0;
});

after(async () => {
  await c?.close();
  host?.close();
});

describe('the API server proxies dial only addresses the node assigned', () => {
  test('a pod whose status.podIP is forged to 127.0.0.1: the pods proxy goes to the pod’s real address, never the host', async () => {
    const r = await c.kubectl(['patch', 'pod', 'curl', '-n', 'ssrf-a', '--subresource=status', '--type=merge', '-p', '{"status":{"podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}]}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((c.sandbox.api.get(c.sandbox.api.type('', 'pods'), 'ssrf-a', 'curl') as Pod).status?.podIP, '127.0.0.1', 'the forged address is stored');
    const proxied = await apiRequest('GET', `/api/v1/namespaces/ssrf-a/pods/curl:${hostPort}/proxy/`);
    assert.equal(proxied.status, 503);
    assert.doesNotMatch(String(proxied.json.message), /127\.0\.0\.1/);
    assert.equal(hostConnections, 0);
    // The pod's own port still works through the proxy: its real address is used.
    assert.equal((await fetchFrom('ssrf-a', 'http://httpbin:8000/get')).json.status, 200);
  });

  test('a podIP forged to a meshed neighbour’s address does not reach the neighbour’s sidecar admin port (its tap)', async () => {
    const neighbour = podIP('ssrf-ma', 'httpbin');
    assert.match(neighbour, /^127\.1\./);
    const r = await c.kubectl(['patch', 'pod', 'curl', '-n', 'ssrf-a', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { podIP: neighbour } })]);
    assert.equal(r.code, 0, r.stderr);
    const proxied = await c.kubectl(['get', '--raw', '/api/v1/namespaces/ssrf-a/pods/curl:4191/proxy/metrics']);
    assert.notEqual(proxied.code, 0);
    assert.match(proxied.stderr, /ServiceUnavailable|error trying to reach pod "curl"/);
    assert.doesNotMatch(proxied.stdout, /request_total|tcp_open/);
  });

  test('Endpoints naming the host or another namespace’s pod are refused at admission (kubectl’s error)', async () => {
    const svc = `apiVersion: v1
kind: Service
metadata: {name: evil, namespace: ssrf-a}
spec:
  ports: [{name: http, port: ${hostPort}}]
`;
    assert.equal((await c.kubectl(['apply', '-f', '-'], { input: svc })).code, 0);
    const toHost = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Endpoints
metadata: {name: evil, namespace: ssrf-a}
subsets:
- addresses: [{ip: 127.0.0.1}]
  ports: [{name: http, port: ${hostPort}}]
`,
    });
    assert.notEqual(toHost.code, 0);
    assert.match(toHost.stderr, /The Endpoints "evil" is invalid: subsets\[0\].addresses\[0\].ip: Invalid value: "127.0.0.1": must be the IP of a running pod in namespace "ssrf-a"/);
    const other = podIP('ssrf-b', 'httpbin');
    const toTenant = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: evil-1, namespace: ssrf-a, labels: {kubernetes.io/service-name: evil}}
addressType: IPv4
endpoints: [{addresses: ["${other}"]}]
ports: [{name: http, port: 8080}]
`,
    });
    assert.notEqual(toTenant.code, 0);
    assert.match(toTenant.stderr, new RegExp(`endpoints\\[0\\].addresses\\[0\\]: Invalid value: "${other.replace(/\./g, '\\.')}": must be the IP of a running pod in namespace "ssrf-a"`));
    assert.equal((await c.kubectl(['delete', 'service', 'evil', '-n', 'ssrf-a'])).code, 0);
  });

  test('Endpoints that name the host anyway are never dialled: services proxy, the clusterIP from pods, un-meshed and meshed', async () => {
    forgedService('ssrf-a', 'host', hostPort, '127.0.0.1');
    forgedService('ssrf-ma', 'host', hostPort, '127.0.0.1');
    const viaApi = await apiRequest('GET', `/api/v1/namespaces/ssrf-a/services/host:http/proxy/`);
    assert.equal(viaApi.status, 503);
    const plain = await fetchFrom('ssrf-a', `http://host:${hostPort}/`);
    assert.notEqual(plain.json.status, 200, JSON.stringify(plain.json));
    const meshed = await fetchFrom('ssrf-ma', `http://host:${hostPort}/`);
    assert.notEqual(meshed.json.status, 200, JSON.stringify(meshed.json));
    await assert.rejects(c.sandbox.runtime.requestFrom('ssrf-a', 'curl', { url: `http://host.ssrf-a:${hostPort}/`, timeoutMs: 3000 }));
    assert.equal(hostConnections, 0);
  });

  test('Endpoints that name another tenant’s pod are never dialled (the pod itself is reachable: no policy in ssrf-b)', async () => {
    const other = podIP('ssrf-b', 'httpbin');
    forgedService('ssrf-a', 'steal', 8000, other, 8080);
    forgedService('ssrf-ma', 'steal', 8000, other, 8080);
    assert.equal((await fetchFrom('ssrf-a', 'http://httpbin.ssrf-b:8000/get')).json.status, 200, 'the honest way works');
    assert.notEqual((await fetchFrom('ssrf-a', 'http://steal:8000/get')).json.status, 200);
    assert.notEqual((await fetchFrom('ssrf-ma', 'http://steal:8000/get')).json.status, 200);
    assert.equal((await apiRequest('GET', '/api/v1/namespaces/ssrf-a/services/steal:http/proxy/get')).status, 503);
  });

  test('a client cannot choose a clusterIP outside the service range, nor send pods to an ExternalName outside the cluster', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Service
metadata: {name: fixed, namespace: ssrf-a}
spec:
  clusterIP: 127.0.0.1
  ports: [{port: ${hostPort}}]
`,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.clusterIP: Invalid value: "127.0.0.1": provided IP is not in the valid range. The range of valid IPs is 127\.2\.\d+\.0\/24/);
    const ext = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Service
metadata: {name: outside, namespace: ssrf-a}
spec:
  type: ExternalName
  externalName: localhost
`,
    });
    assert.equal(ext.code, 0, ext.stderr);
    const viaPod = await fetchFrom('ssrf-a', `http://outside:${hostPort}/`);
    assert.notEqual(viaPod.json.status, 200);
    assert.equal((await apiRequest('GET', `/api/v1/namespaces/ssrf-a/services/outside:${hostPort}/proxy/`)).status, 503);
    assert.equal(hostConnections, 0);
  });
});

describe('a pod’s own dials reach only cluster addresses', () => {
  test('the curl workload refuses the host by address and by name, and a Host header cannot steer a sidecar there (it routes by the dialled Service)', async () => {
    const byIP = await fetchFrom('ssrf-a', `http://127.0.0.1:${hostPort}/`);
    assert.equal(byIP.status, 400);
    assert.match(String(byIP.json.error), /IP address/);
    const byName = await fetchFrom('ssrf-a', `http://localhost:${hostPort}/`);
    assert.notEqual(byName.json.status, 200);
    // The sidecar routes by the Service the app dialled (its original destination), so the Host header only rides
    // along: httpbin answers, the host never sees a connection.
    const steered = await fetchFrom('ssrf-ma', 'http://httpbin:8000/get', { host: `127.0.0.1:${hostPort}` });
    assert.equal(steered.json.status, 200, JSON.stringify(steered.json));
    assert.match(String((steered.json.headers as Record<string, string>)['x-httpbin-pod']), /^httpbin-/);
    assert.equal(hostConnections, 0);
  });

  test('a request sent from a pod (sendRequest’s path) to the host fails as an unreachable host', async () => {
    for (const [ns, url] of [['ssrf-a', `http://127.0.0.1:${hostPort}/`], ['ssrf-ma', `http://127.0.0.1:${hostPort}/`], ['ssrf-a', `http://kubernetes.default:443/`]] as const) {
      let failure: unknown;
      try {
        const res = await c.sandbox.runtime.requestFrom(ns, 'curl', { url, timeoutMs: 3000 });
        failure = res.status >= 500 ? res : undefined;
      } catch (err) {
        failure = err;
      }
      assert.ok(failure, `${ns} → ${url} was refused`);
    }
    await assert.rejects(c.sandbox.runtime.requestFrom('ssrf-a', 'curl', { url: `http://127.0.0.1:${hostPort}/`, timeoutMs: 3000 }), /EHOSTUNREACH .*is not a cluster address/);
    assert.equal(hostConnections, 0);
  });

  test('another pod’s private localhost is neither dialled by a pod nor accepted from one', async () => {
    const httpbin = c.pods('ssrf-ma', (p) => p.metadata.name.startsWith('httpbin'))[0].metadata.name;
    const theirs = c.sandbox.runtime.addressesOf('ssrf-ma', httpbin)!;
    const mine = c.sandbox.runtime.addressesOf('ssrf-a', 'curl')!;
    await assert.rejects(c.sandbox.runtime.requestFrom('ssrf-a', 'curl', { url: `http://${theirs.localHost}:8080/get`, timeoutMs: 3000 }), /EHOSTUNREACH .*is not a cluster address/);
    // A workload that dialled a raw socket from its pod IP anyway: the meshed app's listener resets it unread.
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: theirs.localHost, port: 8080, localAddress: mine.podIP }, () => s.write('GET /get HTTP/1.1\r\nhost: x\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      s.on('close', () => resolve(data ? `answered: ${data.slice(0, 40)}` : 'closed'));
      s.setTimeout(5000, () => s.destroy(new Error('no verdict within 5 s')));
    });
    assert.match(outcome, /ECONNRESET|EPIPE|closed/);
  });

  test('a load generator pod with a hand-written LOADGEN_SPEC cannot aim at the host', async () => {
    const api = c.sandbox.api;
    const spec = (url: string) =>
      JSON.stringify({ protocol: GENERATOR_PROTOCOL, generatorId: 0, url, method: 'GET', headers: {}, totalRps: 50, stride: 1, phase: 0, connections: 4, durationMs: 500, warmupMs: 0, timeoutMs: 1000 });
    forgedService('ssrf-a', 'host-lg', hostPort, '127.0.0.1');
    for (const [name, url] of [['rogue-ip', `http://127.0.0.1:${hostPort}/`], ['rogue-svc', `http://host-lg:${hostPort}/`]] as const) {
      api.create(api.type('', 'pods'), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'ssrf-a' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'loadgen', image: LOADGEN_IMAGE, env: [{ name: 'LOADGEN_SPEC', value: spec(url) }] }] },
      });
    }
    for (const name of ['rogue-ip', 'rogue-svc']) {
      await waitFor(`${name} finished`, () => {
        const phase = (api.get(api.type('', 'pods'), 'ssrf-a', name) as Pod).status?.phase;
        return phase === 'Succeeded' || phase === 'Failed';
      }, { timeoutMs: 30_000, intervalMs: 100 });
    }
    const ipLog = await c.kubectl(['logs', 'rogue-ip', '-n', 'ssrf-a']);
    assert.match(ipLog.stdout, /is an IP address; use a Service name/);
    const svcLog = await c.kubectl(['logs', 'rogue-svc', '-n', 'ssrf-a']);
    // It really dialled the Service's clusterIP; the service proxy reset each connection instead of forwarding it:
    // either the generator's first connect fails, or it runs and counts only connect/reset errors.
    const refusedAtConnect = /cannot connect to host-lg:\d+: connect ECONNRESET 127\.2\./.test(svcLog.stdout);
    const result = svcLog.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; responses?: number; sent?: number; errors?: Record<string, number> }).find((m) => m.type === 'result');
    assert.ok(
      refusedAtConnect || (result && result.responses === 0 && (result.sent ?? 0) > 0 && Object.keys(result.errors ?? {}).every((k) => k === 'connect' || k === 'reset')),
      `the generator dialled and was refused: ${svcLog.stdout.slice(0, 400)}`,
    );
    assert.equal(hostConnections, 0);
  });
});
