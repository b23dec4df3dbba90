// NetworkPolicy enforced by the sandbox's data path, for un-meshed and meshed pods: the curl workload of one
// namespace (reached through the API server's pods proxy, as the playground reaches it) against httpbin in
// another, with the session default policy, without it, with a policy admitting the other namespace by its
// automatic `kubernetes.io/metadata.name` label, and with an egress policy. Real sockets, the real kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { applyObjects, parseManifest, readManifest } from '../../sandbox/manifests/load.js';
import { startCluster, waitFor, type ClusterFixture } from './fixture.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { LOADGEN_IMAGE, LOADGEN_IMAGES } from '../../playground-server/loadgen/pod-image.js';
import { GENERATOR_PROTOCOL, type GeneratorReport } from '../../playground-server/loadgen/protocol.js';

let c: ClusterFixture;

interface FetchAnswer {
  /** The HTTP status the curl app answered with (200 = it got a response from the target). */
  via: number;
  status?: number;
  body?: string;
  error?: string;
}

/** POST /fetch to the curl pod through the API server's pods proxy. */
function fetchFrom(namespace: string, url: string, headers: Record<string, string> = {}): Promise<FetchAnswer> {
  const body = JSON.stringify({ url, headers, timeoutMs: 5000 });
  const api = new URL(c.sandbox.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: api.hostname,
        port: api.port,
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/pods/curl:8080/proxy/fetch`,
        ca: c.sandbox.caCertificate,
        headers: { authorization: `Bearer ${c.sandbox.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          const json = JSON.parse(text) as { status?: number; body?: string; error?: string; message?: string };
          resolve({ via: res.statusCode ?? 0, status: json.status, body: json.body, error: json.error ?? json.message });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer from the pods proxy within 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const reached = (a: FetchAnswer) => a.via === 200 && a.status === 200 && /"url"/.test(a.body ?? '');

const CURL_POD = (namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'curl', namespace, labels: { app: 'curl' } },
  spec: { containers: [{ name: 'curl', image: 'playground/curl:v1', ports: [{ name: 'http', containerPort: 8080 }] }] },
});

const SAME_NAMESPACE_POLICY = (namespace: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: playground-same-namespace
  namespace: ${namespace}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {}
`;

async function setUpNamespace(name: string, meshed: boolean): Promise<void> {
  c.sandbox.api.create(c.sandbox.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: meshed ? { 'linkerd.io/inject': 'enabled' } : {} } });
  applyObjects(c.sandbox.api, parseManifest(readManifest('httpbin')), name);
  c.sandbox.api.create(c.sandbox.api.type('', 'pods'), CURL_POD(name));
}

async function kubectlApply(yaml: string): Promise<void> {
  const r = await c.kubectl(['apply', '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
}

before(async () => {
  c = await startCluster({ readinessIntervalMs: 100, images: LOADGEN_IMAGES });
  await Promise.all([setUpNamespace('np-a', false), setUpNamespace('np-b', false), setUpNamespace('np-ma', true), setUpNamespace('np-mb', true)]);
  for (const ns of ['np-a', 'np-b', 'np-ma', 'np-mb']) {
    await c.sandbox.waitForReady(ns, 30_000);
    await waitFor(`curl in ${ns} answering`, async () => (await fetchFrom(ns, `http://httpbin.${ns}:8000/get`)).status === 200, { timeoutMs: 20_000, intervalMs: 100 });
  }
});
after(async () => {
  await c?.close();
});

for (const [a, b, kind] of [['np-a', 'np-b', 'un-meshed'], ['np-ma', 'np-mb', 'meshed']] as const) {
  describe(`NetworkPolicy between ${kind} namespaces`, () => {
    test(`without a policy the curl workload in ${a} reaches ${b}'s httpbin`, async () => {
      assert.ok(reached(await fetchFrom(a, `http://httpbin.${b}:8000/get`)));
    });

    test(`the session default policy in ${b} refuses ${a}'s connections and admits ${b}'s own; deleting it restores access`, async () => {
      const before = c.sandbox.api.list(c.sandbox.api.type('', 'events'), b).items.filter((e) => e.reason === 'NetworkPolicyDenied').length;
      await kubectlApply(SAME_NAMESPACE_POLICY(b));
      const refused = await fetchFrom(a, `http://httpbin.${b}:8000/get`);
      assert.ok(!reached(refused), `refused: ${JSON.stringify(refused)}`);
      if (kind === 'un-meshed') assert.match(refused.error ?? '', /ECONNRESET|socket hang up/);
      else assert.equal(refused.status, 502, 'the caller’s sidecar reports the reset upstream');
      assert.ok(reached(await fetchFrom(b, `http://httpbin.${b}:8000/get`)), `${b}'s own curl still reaches httpbin`);
      const event = await waitFor('a NetworkPolicyDenied event in the destination namespace', () => {
        const denials = c.sandbox.api.list(c.sandbox.api.type('', 'events'), b).items.filter((e) => e.reason === 'NetworkPolicyDenied');
        return denials.length > before ? denials.find((e) => /httpbin/.test(String((e.involvedObject as { name?: string }).name))) : undefined;
      });
      assert.match(String(event.message), /refused: not allowed by the ingress NetworkPolicies of namespace/);
      assert.doesNotMatch(String(event.message), new RegExp(`${a}/`), 'a pod of another namespace is named by its IP only');

      const listed = await c.kubectl(['get', 'networkpolicies', '-n', b]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /NAME\s+POD-SELECTOR\s+AGE/);
      assert.match(listed.stdout, /playground-same-namespace\s+<none>\s+\d+s/);

      const del = await c.kubectl(['delete', 'networkpolicy', 'playground-same-namespace', '-n', b]);
      assert.equal(del.code, 0, del.stderr);
      assert.ok(reached(await fetchFrom(a, `http://httpbin.${b}:8000/get`)));
    });

    test(`a policy admitting ${a} by its kubernetes.io/metadata.name label lets ${a} in, and only on the app's port`, async () => {
      await kubectlApply(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: from-${a}
  namespace: ${b}
spec:
  podSelector:
    matchLabels:
      app: httpbin
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: ${a}
    ports:
    - port: 8080
`);
      const np = await c.kubectl(['get', 'networkpolicy', `from-${a}`, '-n', b, '-o', 'jsonpath={.spec.policyTypes}']);
      assert.equal(np.stdout, '["Ingress"]', 'policyTypes defaulted as upstream');
      assert.ok(reached(await fetchFrom(a, `http://httpbin.${b}:8000/get`)));
      assert.ok(!reached(await fetchFrom(b, `http://httpbin.${b}:8000/get`)), `${b}'s own curl is not in the allowed namespace`);
      assert.equal((await c.kubectl(['delete', 'networkpolicy', `from-${a}`, '-n', b])).code, 0);
      assert.ok(reached(await fetchFrom(b, `http://httpbin.${b}:8000/get`)));
    });

    test(`a load generator pod in ${a} with a hand-written LOADGEN_SPEC gets no response from ${b} under the default policy`, async () => {
      await kubectlApply(SAME_NAMESPACE_POLICY(b));
      const api = c.sandbox.api;
      const spec = { protocol: GENERATOR_PROTOCOL, generatorId: 0, url: `http://httpbin.${b}:8000/get`, method: 'GET', headers: {}, totalRps: null, stride: 1, phase: 0, connections: 16, durationMs: 400, warmupMs: 0, timeoutMs: 1000 };
      api.create(api.type('', 'pods'), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'rogue-loadgen', namespace: a },
        spec: { restartPolicy: 'Never', containers: [{ name: 'loadgen', image: LOADGEN_IMAGE, env: [{ name: 'LOADGEN_SPEC', value: JSON.stringify(spec) }] }] },
      });
      await waitFor('the generator pod finished', () => ['Succeeded', 'Failed'].includes((api.get(api.type('', 'pods'), a, 'rogue-loadgen') as Pod).status?.phase ?? ''), { timeoutMs: 30_000, intervalMs: 100 });
      const log = await c.kubectl(['logs', 'rogue-loadgen', '-n', a]);
      const messages = log.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; message?: string });
      const result = messages.find((m) => m.type === 'result') as GeneratorReport | undefined;
      if (result) {
        // Meshed: its sidecar answers 502 for every request the destination refused.
        assert.ok(result.sent > 0, 'it really tried');
        const ok = Object.entries(result.statusCodes).filter(([code]) => code.startsWith('2')).reduce((n, [, v]) => n + v, 0);
        assert.equal(ok, 0, JSON.stringify({ statusCodes: result.statusCodes, errors: result.errors }));
      } else {
        // Un-meshed: its first connection is reset, and the generator gives up with that error.
        assert.match(messages.find((m) => m.type === 'error')?.message ?? log.stdout, /cannot connect to httpbin\.[a-z-]+:8000: connect ECONNRESET/);
      }
      assert.equal((await c.kubectl(['delete', 'networkpolicy', 'playground-same-namespace', '-n', b])).code, 0);
      api.delete(api.type('', 'pods'), a, 'rogue-loadgen');
    });

    test(`an egress policy in ${a} stops its own pods from connecting anywhere`, async () => {
      await kubectlApply(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: no-egress
  namespace: ${a}
spec:
  podSelector:
    matchLabels:
      app: curl
  policyTypes: [Egress]
`);
      assert.ok(!reached(await fetchFrom(a, `http://httpbin.${b}:8000/get`)));
      assert.ok(!reached(await fetchFrom(a, `http://httpbin.${a}:8000/get`)), 'its own namespace too');
      const event = await waitFor('a NetworkPolicyDenied event on the caller', () =>
        c.sandbox.api.list(c.sandbox.api.type('', 'events'), a).items.find((e) => e.reason === 'NetworkPolicyDenied' && /egress/.test(String(e.message))),
      );
      assert.equal((event.involvedObject as { name?: string }).name, 'curl');
      assert.equal((await c.kubectl(['delete', 'networkpolicy', 'no-egress', '-n', a])).code, 0);
      assert.ok(reached(await fetchFrom(a, `http://httpbin.${b}:8000/get`)));
    });
  });
}

describe('NetworkPolicy admission', () => {
  test('invalid policies are refused with the API server’s messages', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: bad
  namespace: np-a
spec:
  podSelector: {}
  policyTypes: [Ingress, Sideways]
  ingress:
  - from:
    - ipBlock:
        cidr: 10.0.0.0/8
        except: [192.168.0.0/16]
      podSelector: {}
    - {}
    ports:
    - port: 70000
    - port: http
      endPort: 90
`,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The NetworkPolicy "bad" is invalid/);
    assert.match(r.stderr, /spec.policyTypes\[1\]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"/);
    assert.match(r.stderr, /spec.ingress\[0\].from\[0\]: Forbidden: may not specify both ipBlock and another peer/);
    assert.match(r.stderr, /spec.ingress\[0\].from\[0\].ipBlock.except\[0\]: Invalid value: "192.168.0.0\/16": must be a strict subset of `cidr`/);
    assert.match(r.stderr, /spec.ingress\[0\].from\[1\]: Required value: must specify a peer/);
    assert.match(r.stderr, /spec.ingress\[0\].ports\[0\].port: Invalid value: 70000: must be between 1 and 65535, inclusive/);
    assert.match(r.stderr, /spec.ingress\[0\].ports\[1\].endPort: Invalid value: 90: may not be specified when `port` is non-numeric/);
  });
});
