// Tab completion through the real server: programs, kubectl subcommands, flags from the policy, resource kinds
// from the session's discovery (short names and CRD kinds included), object names of the session's own namespace
// (never another session's), and the built-ins' own words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

let fx: ServerFixture;
let a: { token: string; namespace: string };
let b: { token: string; namespace: string };

before(async () => {
  fx = await startFixture();
  [a, b] = await Promise.all([createSession(fx.url, ['bookinfo', 'httpbin']), createSession(fx.url)]);
});
after(() => fx?.close());

async function complete(line: string, cursor = line.length, token = a.token): Promise<{ replaceFrom: number; candidates: string[] }> {
  const res = await rest(fx.url, 'POST', '/api/session/terminal/completions', { token, body: { line, cursor } });
  assert.equal(res.status, 200, `${line}: ${res.text}`);
  return res.body;
}

test('program names and kubectl subcommands', { timeout: 60_000 }, async () => {
  assert.deepEqual(await complete('kub'), { replaceFrom: 0, candidates: ['kubectl'] });
  assert.deepEqual((await complete('lo')).candidates, ['load']);
  assert.deepEqual(await complete('kubectl ge'), { replaceFrom: 8, candidates: ['get'] });
  assert.deepEqual((await complete('kubectl ro')).candidates, ['rollout']);
  assert.deepEqual((await complete('kubectl rollout st')).candidates, ['status']);
});

test('resource kinds from the session\'s discovery: plural and short names, CRD kinds', { timeout: 60_000 }, async () => {
  assert.deepEqual((await complete('kubectl get deploy')).candidates, ['deploy', 'deployments']);
  assert.deepEqual((await complete('kubectl get svc')).candidates, ['svc']);
  const po = (await complete('kubectl describe po')).candidates;
  assert.ok(po.includes('po') && po.includes('pods'), po.join(' '));
  assert.deepEqual((await complete('kubectl get virtualser')).candidates, ['virtualservices']);
  assert.deepEqual((await complete('kubectl delete httpr')).candidates, ['httproutegroups', 'httproutes']);
  const all = (await complete('kubectl get ')).candidates;
  assert.ok(all.length > 20 && all.length <= 100, `${all.length} kinds`);
  assert.ok(!all.includes('namespaces') && !all.includes('nodes'), 'cluster-scoped kinds are not offered to get in a session');
});

test('object names of the kind typed, in the session\'s namespace only', { timeout: 60_000 }, async () => {
  assert.deepEqual((await complete('kubectl get deploy rev')).candidates, ['reviews-v1', 'reviews-v2', 'reviews-v3']);
  assert.deepEqual((await complete('kubectl get deployments.apps -o wide rev')).candidates, ['reviews-v1', 'reviews-v2', 'reviews-v3']);
  assert.deepEqual((await complete('kubectl logs deploy/rev')).candidates, ['deploy/reviews-v1', 'deploy/reviews-v2', 'deploy/reviews-v3']);
  assert.deepEqual((await complete('kubectl rollout restart deploy/det')).candidates, ['deploy/details-v1']);
  const pod = (await complete('kubectl describe pod/productpage')).candidates;
  assert.equal(pod.length, 1, pod.join(' '));
  assert.match(pod[0], /^pod\/productpage-v1-/);
  const logs = (await complete('kubectl logs ratings')).candidates;
  assert.equal(logs.length, 1);
  assert.match(logs[0], /^ratings-v1-/);
  // The cursor in the middle of the line: only the word before it is completed.
  const mid = 'kubectl get svc prod -o wide';
  assert.deepEqual(await complete(mid, mid.indexOf(' -o')), { replaceFrom: 16, candidates: ['productpage'] });
  // Another session has no reviews: nothing of session a is offered to it.
  assert.deepEqual((await complete('kubectl get deploy rev', undefined, b.token)).candidates, []);
  assert.deepEqual((await complete('kubectl get deploy ', undefined, b.token)).candidates, ['curl', 'httpbin', 'httpbin-direct']);
});

test('flags and their values from the policy', { timeout: 60_000 }, async () => {
  const o = (await complete('kubectl get pods --o')).candidates;
  assert.ok(o.includes('--output'), o.join(' '));
  assert.ok(!o.some((f) => f.includes('file')), 'no flag outside the allow-list');
  assert.deepEqual((await complete('kubectl get pods -o j')).candidates, ['json', 'jsonpath', 'jsonpath-as-json=']);
  assert.deepEqual((await complete('kubectl apply --fil')).candidates, ['--filename']);
  assert.deepEqual((await complete('kubectl get --kubec')).candidates, []);
  assert.deepEqual((await complete('kubectl apply -f samples/bookinfo/networking/virtual-service-all')).candidates, ['samples/bookinfo/networking/virtual-service-all-v1.yaml']);
  assert.deepEqual((await complete('kubectl delete --filename https://run')).candidates, ['https://run.linkerd.io/booksapp.yml']);
});

test('the built-ins\' own words, over the WebSocket too', { timeout: 60_000 }, async () => {
  assert.deepEqual((await complete('stat ')).candidates, ['deployments', 'routes']);
  assert.deepEqual((await complete('load s')).candidates, ['status', 'stop']);
  assert.deepEqual((await complete('tap deploy/http')).candidates, ['deploy/httpbin', 'deploy/httpbin-direct']);
  assert.deepEqual((await complete('curl http://productp')).candidates, ['http://productpage:9080/']);
  assert.ok((await complete('curl http://rev')).candidates.includes('http://reviews:9080/'));
  assert.deepEqual((await complete('load 50rps 10s http://httpb')).candidates, ['http://httpbin-direct:8000/', 'http://httpbin:8000/']);
  assert.deepEqual((await complete('curl --from c')).candidates, ['curl']);
  assert.deepEqual((await complete('tap --d')).candidates, ['--duration']);
  const ws = await WsClient.connect(fx.url, { token: a.token });
  const r = await ws.call('completeTerminal', { line: 'kubectl get deploy prod', cursor: 23 });
  assert.deepEqual(r.result, { replaceFrom: 19, candidates: ['productpage-v1'] });
  await ws.close();
});
