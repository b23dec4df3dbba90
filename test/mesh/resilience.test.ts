// Retries, timeouts and faults through real sidecars, against stand-in backends that fail or sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { MeshHarness, type TestPod } from './harness.js';

let h: MeshHarness;
let client: TestPod;
const sleepers = new Set<NodeJS.Timeout>();

/** Fails half of the requests at random with a 503, like httpbin's /unstable. */
const flaky: RequestListener = (_req, res) => {
  if (Math.random() < 0.5) res.writeHead(503).end('unlucky\n');
  else res.writeHead(200).end('ok\n');
};
/** Sleeps 1 s before answering, like httpbin's /delay/1. */
const slow: RequestListener = (_req, res) => {
  const t = setTimeout(() => {
    sleepers.delete(t);
    if (!res.destroyed) res.end('finally\n');
  }, 1000);
  sleepers.add(t);
  res.once('close', () => clearTimeout(t));
};

const route = (name: string, service: string, rule: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: service, port: 8000 }], rules: [{ backendRefs: [{ name: service, port: 8000 }], ...rule }] },
});

before(async () => {
  h = await MeshHarness.start();
  h.service('flaky', 8000, { app: 'flaky' });
  h.service('slow', 8000, { app: 'slow' });
  await h.pod({ name: 'flaky-1', app: 'flaky', port: 8000, handler: flaky });
  await h.pod({ name: 'flaky-2', app: 'flaky', port: 8000, handler: flaky });
  await h.pod({ name: 'slow-1', app: 'slow', port: 8000, handler: slow });
  client = await h.pod({ name: 'sleep-1', app: 'sleep', port: 8001 });
});

after(async () => {
  for (const t of sleepers) clearTimeout(t);
  await h.stop();
});

const successRate = (rs: { status: number }[]) => rs.filter((r) => r.status === 200).length / rs.length;

test('a backend failing 50% at random: ≈50% success without retry; retry attempts 3 and 4 on 5xx lift it to 1-0.5^(attempts+1)', async () => {
  const N = 1000;
  const plain = successRate(await h.sendMany(client, 'flaky:8000', '/', N, 16));
  assert.ok(Math.abs(plain - 0.5) < 0.07, `without retry success is ≈50% (got ${(plain * 100).toFixed(1)}%)`);

  // Gateway API `attempts` counts retries: 3 retries = 4 tries → expected 93.75%.
  h.apply('gateway.networking.k8s.io', 'httproutes', route('flaky-retry', 'flaky', { retry: { codes: [500, 502, 503], attempts: 3, backoff: '1ms' } }));
  await h.cp.settled();
  const three = successRate(await h.sendMany(client, 'flaky:8000', '/', N, 16));
  assert.ok(Math.abs(three - 0.9375) < 0.03, `attempts: 3 gives ≈93.75% (got ${(three * 100).toFixed(1)}%)`);

  h.apply('gateway.networking.k8s.io', 'httproutes', route('flaky-retry', 'flaky', { retry: { codes: [503], attempts: 4, backoff: '1ms' } }));
  await h.cp.settled();
  const four = successRate(await h.sendMany(client, 'flaky:8000', '/', N, 16));
  assert.ok(four >= 0.95, `attempts: 4 gives ≥95% (got ${(four * 100).toFixed(1)}%)`);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'flaky-retry');
  await h.cp.settled();
});

test('retries replay a small request body', async () => {
  let calls = 0;
  h.service('echo-once', 8000, { app: 'echo-once' });
  await h.pod({
    name: 'echo-once-1', app: 'echo-once', port: 8000,
    handler: (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => (++calls % 2 === 1 ? res.writeHead(503).end() : res.end(Buffer.concat(chunks))));
    },
  });
  h.apply('gateway.networking.k8s.io', 'httproutes', route('echo-retry', 'echo-once', { retry: { attempts: 2, backoff: '1ms' } }));
  await h.cp.settled();
  const r = await h.send(client, 'echo-once:8000', '/', { method: 'POST', body: 'hello body', headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello body');
});

test('timeouts.request 200ms against a 1 s backend gives 504 and frees the caller', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', route('slow-timeout', 'slow', { timeouts: { request: '200ms' } }));
  await h.cp.settled();
  const r = await h.send(client, 'slow:8000', '/delay/1', { timeoutMs: 5000 });
  assert.equal(r.status, 504);
  assert.match(String(r.headers['l5d-proxy-error']), /timeout/);
  // The caller was answered by the proxy, not by the backend finishing: its body is the proxy's.
  assert.doesNotMatch(r.body, /finally/);

  h.apply('gateway.networking.k8s.io', 'httproutes', route('slow-timeout', 'slow', { timeouts: { request: '3s', backendRequest: '100ms' } }));
  await h.cp.settled();
  const b = await h.send(client, 'slow:8000', '/delay/1', { timeoutMs: 5000 });
  assert.equal(b.status, 504);
  assert.match(String(b.headers['l5d-proxy-error']), /backend request timeout/);

  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'slow-timeout');
  await h.cp.settled();
  const ok = await h.send(client, 'slow:8000', '/delay/1', { timeoutMs: 5000 });
  assert.equal(ok.status, 200, 'without the route the request waits for the backend');
});

test('fault injection: a weighted backend that errors, and the sandbox-only ExtensionRef fault filter', async () => {
  h.service('httpbin-faulty', 8000, { app: 'httpbin-faulty' });
  await h.pod({ name: 'faulty-1', app: 'httpbin-faulty', port: 8000, handler: (_q, s) => s.writeHead(500).end('injected\n') });
  h.service('ok', 8000, { app: 'ok' });
  await h.pod({ name: 'ok-1', app: 'ok', port: 8000 });
  // Linkerd's fault-injection task: 10% of traffic to a backend that always fails.
  h.apply('gateway.networking.k8s.io', 'httproutes', {
    ...route('ok-faults', 'ok', {}),
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'ok', port: 8000 }], rules: [{ backendRefs: [{ name: 'ok', port: 8000, weight: 90 }, { name: 'httpbin-faulty', port: 8000, weight: 10 }] }] },
  });
  await h.cp.settled();
  const rs = await h.sendMany(client, 'ok:8000', '/', 1000, 16);
  const failed = rs.filter((r) => r.status === 500).length / rs.length;
  assert.ok(Math.abs(failed - 0.1) < 0.03, `≈10% errors (got ${(failed * 100).toFixed(1)}%)`);

  h.apply('', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'abort-all', namespace: 'default' }, data: { 'abort.httpStatus': '418', 'abort.percentage': '100' } });
  h.apply('gateway.networking.k8s.io', 'httproutes', route('ok-faults', 'ok', { filters: [{ type: 'ExtensionRef', extensionRef: { group: '', kind: 'ConfigMap', name: 'abort-all' } }] }));
  await h.cp.settled();
  const aborted = await h.send(client, 'ok:8000', '/');
  assert.equal(aborted.status, 418);
  assert.match(String(aborted.headers['l5d-proxy-error']), /fault injected/);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'ok-faults');
  await h.cp.settled();
});

test('config changes do not drop requests in flight', async () => {
  // Requests are slow (1 s); swapping the route table while they run must not fail them.
  const inflight = h.sendMany(client, 'slow:8000', '/', 8, 8, { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 5; i++) {
    h.apply('gateway.networking.k8s.io', 'httproutes', route('slow-churn', 'slow', { timeouts: { request: `${10 + i}s` } }));
    await h.cp.settled();
  }
  const rs = await inflight;
  assert.deepEqual(rs.map((r) => r.status), Array(8).fill(200));
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'slow-churn');
});
