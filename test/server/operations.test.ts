// Every operation of openapi/playground.yaml, through REST and through the WebSocket, against a real
// sandbox; every answer is checked against the spec's own schemas, and the server's routes must be
// exactly the spec's paths.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadSpec, SPEC_PATH, type OperationId } from '../../playground-server/api/spec.js';
import { createSession, ndjson, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

const spec = loadSpec();
const viaRest = new Set<string>();
const viaWs = new Set<string>();
let fx: ServerFixture;
let a: { token: string; namespace: string };
let ws: WsClient;

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin-split
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: httpbin
    port: 8000
  rules:
  - backendRefs:
    - name: httpbin
      port: 8000
      weight: 90
    - name: httpbin-canary
      port: 8000
      weight: 10
`;
const CANARY_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: httpbin-canary
spec:
  selector:
    app: httpbin
  ports:
  - name: http
    port: 8000
    targetPort: 8080
`;

function checkResult(op: OperationId, result: unknown): void {
  const errors = spec.operations.get(op)!.validateResult(result);
  assert.deepEqual(errors, [], `${op} result does not match the spec: ${JSON.stringify(errors)}`);
}
function checkEvents(op: OperationId, events: unknown[]): void {
  for (const e of events) assert.deepEqual(spec.operations.get(op)!.validateEvent(e), [], `${op} event does not match the spec`);
}

/** REST call, recorded as covered; asserts a 2xx and the result schema unless told otherwise. */
async function r(op: OperationId, method: string, path: string, opts: { token?: string; body?: unknown; expect?: number } = {}) {
  const res = await rest(fx.url, method, path, opts);
  viaRest.add(op);
  const expect = opts.expect ?? spec.operations.get(op)!.successStatus;
  assert.equal(res.status, expect, `${op} over REST: ${res.status} ${res.text.slice(0, 500)}`);
  const o = spec.operations.get(op)!;
  if (res.status < 300 && o.stream) {
    const frames = ndjson(res.text);
    const last = frames.at(-1)!;
    assert.ok(last.result !== undefined, `${op}: the stream ends with a result: ${res.text.slice(-300)}`);
    checkEvents(op, frames.slice(0, -1).map((f) => f.event));
    checkResult(op, last.result);
    return { ...res, frames, result: last.result };
  }
  if (res.status < 300) checkResult(op, res.body);
  return { ...res, frames: [], result: res.body };
}

/** WS call, recorded as covered; asserts a result (and its schema). */
async function w(op: OperationId, params?: unknown, client = ws) {
  const answer = await client.call(op, params);
  viaWs.add(op);
  assert.equal(answer.error, undefined, `${op} over WS: ${JSON.stringify(answer.error)}`);
  checkResult(op, answer.result);
  checkEvents(op, answer.events);
  return answer;
}

before(async () => {
  fx = await startFixture();
  a = await createSession(fx.url, ['httpbin']);
  viaRest.add('createSession');
  ws = await WsClient.connect(fx.url, { token: a.token });
});

after(async () => {
  await ws?.close();
  await fx?.close();
});

test('the server routes exactly the operations the spec describes', async () => {
  const doc = parseYaml(readFileSync(SPEC_PATH, 'utf8')) as { paths: Record<string, Record<string, { operationId: string }>> };
  const described = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`)).sort();
  const routed = fx.server.rest.routeTable().map((x) => `${x.method} ${x.path} ${x.operationId}`).sort();
  assert.deepEqual(routed, described);
  // Anything else under the API prefix is not a route.
  for (const path of ['/api/cluster/pods', '/api/session/anything', '/api/sessions/x/y', '/api']) {
    const res = await rest(fx.url, 'GET', path);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.reason, 'NotFound');
  }
  const wrongMethod = await rest(fx.url, 'PUT', '/api/session');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.body.reason, 'MethodNotAllowed');
  assert.match(wrongMethod.body.message, /GET, DELETE|DELETE, GET/);
});

test('sessions: create (both transports), describe, kubeconfig, resume', async () => {
  const created = await w('createSession', { apps: ['httpbin'] }, await WsClient.connect(fx.url));
  assert.ok(created.events.some((e) => e.phase === 'ready'), 'createSession streams readiness over the socket');
  // Each Deployment reports as it becomes available (httpbin, its un-meshed copy, the curl client), counted up to the total.
  const rollout = created.events.filter((e) => e.phase === 'rollout' && e.workload);
  assert.deepEqual(rollout.map((e) => [e.ready, e.total]), rollout.map((_, i) => [i + 1, rollout.length]), JSON.stringify(created.events));
  assert.ok(['curl', 'httpbin'].every((w) => rollout.some((e) => e.workload === w)), JSON.stringify(rollout));
  assert.equal(created.result.session.ready, true);

  const described = await r('describeSession', 'GET', '/api/session', { token: a.token });
  assert.equal(described.body.namespace, a.namespace);
  assert.ok(described.body.workloads.some((x: { name: string }) => x.name === 'curl'));
  assert.equal((await w('describeSession')).result.namespace, a.namespace);

  const kc = await r('downloadKubeconfig', 'GET', '/api/session/kubeconfig', { token: a.token });
  assert.match(kc.headers.get('content-disposition') ?? '', /attachment/);
  assert.match(kc.text, new RegExp(`namespace: ${a.namespace}`));
  assert.match((await w('downloadKubeconfig')).result, /current-context/);

  const resumed = await r('resumeSession', 'POST', '/api/sessions/resume', { body: { token: a.token } });
  assert.match(resumed.headers.get('set-cookie') ?? '', /pg_session=pgs_.*HttpOnly.*SameSite=Strict/);
  const fresh = await WsClient.connect(fx.url);
  assert.equal((await fresh.call('describeSession')).error.reason, 'SessionRequired');
  assert.equal((await w('resumeSession', { token: a.token }, fresh)).result.session.namespace, a.namespace);
  assert.equal((await w('describeSession', undefined, fresh)).result.namespace, a.namespace, 'the socket is bound to the resumed session');
  await fresh.close();
});

test('resources: apply, list, get, delete', async () => {
  const applied = await r('applyResources', 'POST', '/api/session/resources', { token: a.token, body: { manifest: CANARY_SERVICE } });
  assert.deepEqual(applied.body.applied.map((x: { kind: string }) => x.kind), ['Service']);
  const viaSocket = await w('applyResources', { manifest: ROUTE });
  assert.equal(viaSocket.result.applied[0].kind, 'HTTPRoute');

  const list = await r('listResources', 'GET', '/api/session/resources/svc', { token: a.token });
  assert.deepEqual(list.body.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort(), ['httpbin', 'httpbin-canary', 'httpbin-direct']);
  const routes = await w('listResources', { resource: 'httproutes' });
  assert.equal(routes.result.items[0].metadata.name, 'httpbin-split');
  assert.equal((await r('getResource', 'GET', '/api/session/resources/deployments/httpbin', { token: a.token })).body.kind, 'Deployment');
  assert.equal((await w('getResource', { resource: 'httproute', name: 'httpbin-split' })).result.spec.rules[0].backendRefs[1].weight, 10);

  await r('applyResources', 'POST', '/api/session/resources', { token: a.token, body: { manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scratch}\ndata: {a: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: scratch2}\n' } });
  assert.equal((await r('deleteResource', 'DELETE', '/api/session/resources/configmaps/scratch', { token: a.token })).body.deleted.name, 'scratch');
  assert.equal((await w('deleteResource', { resource: 'cm', name: 'scratch2' })).result.deleted.kind, 'ConfigMap');
  const gone = await rest(fx.url, 'GET', '/api/session/resources/configmaps/scratch', { token: a.token });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.reason, 'NotFound');
});

test('requests from the curl workload through its sidecar', async () => {
  const sent = await r('sendRequest', 'POST', '/api/session/requests', { token: a.token, body: { url: 'http://httpbin:8000/anything/hello', method: 'POST', headers: { 'x-lesson': 'one' }, body: '{"k":1}' } });
  assert.equal(sent.body.status, 200);
  assert.match(sent.body.from.pod, /^curl-/);
  const echoed = JSON.parse(sent.body.body);
  assert.equal(echoed.method, 'POST');
  assert.equal(echoed.headers['X-Lesson'], 'one');
  assert.match(echoed.headers['L5d-Client-Id'], new RegExp(`spiffe://cluster.local/ns/${a.namespace}/sa/curl`), 'the request went through the mesh with mTLS');
  assert.match(sent.body.servedBy, /^httpbin-/, 'the mesh names the pod that served it');
  assert.equal(sent.body.retries, 0);
  assert.equal(sent.body.peerIdentity, `spiffe://cluster.local/ns/${a.namespace}/sa/httpbin`);
  const viaSocket = await w('sendRequest', { url: `http://httpbin.${a.namespace}.svc.cluster.local:8000/status/418` });
  assert.equal(viaSocket.result.status, 418);
});

test('mesh views: stat per deployment and route, topology, tap', async () => {
  const stat = await r('getMeshStat', 'GET', '/api/session/mesh/stat', { token: a.token });
  const httpbin = stat.body.rows.find((row: { name: string }) => row.name === 'httpbin');
  assert.ok(httpbin.requests >= 2, `httpbin served the requests above: ${JSON.stringify(httpbin)}`);
  assert.ok(httpbin.byStatus['418'] >= 1);
  assert.ok(httpbin.latencyMs.p99 !== null);
  const routes = await w('getMeshStat', { resource: 'routes' });
  assert.ok(routes.result.rows.some((row: { service: string }) => row.service === 'httpbin'));

  const topo = await r('getTopology', 'GET', '/api/session/mesh/topology', { token: a.token });
  const route = topo.body.routes.find((x: { name: string }) => x.name === 'httpbin-split');
  assert.deepEqual(route.rules[0].backends.map((b: { weight: number }) => b.weight), [90, 10]);
  // Every workload is meshed but httpbin-direct, the un-meshed copy kept for direct-vs-meshed comparisons.
  const meshed = Object.fromEntries(topo.body.workloads.map((x: { name: string; meshed: boolean }) => [x.name, x.meshed]));
  assert.equal(meshed['httpbin-direct'], false);
  assert.ok(Object.entries(meshed).every(([name, m]) => m === (name !== 'httpbin-direct')), JSON.stringify(meshed));
  assert.equal((await w('getTopology')).result.namespace, a.namespace);

  // Tap over REST while requests flow; then over WS.
  const tapped = rest(fx.url, 'GET', '/api/session/mesh/tap?maxEvents=2&durationSeconds=20', { token: a.token });
  for (let i = 0; i < 20; i++) {
    await rest(fx.url, 'POST', '/api/session/requests', { token: a.token, body: { url: 'http://httpbin:8000/get' } });
    const done = await Promise.race([tapped.then(() => true), new Promise((res) => setTimeout(() => res(false), 200))]);
    if (done) break;
  }
  const tapRes = await tapped;
  viaRest.add('tapMesh');
  const frames = ndjson(tapRes.text);
  const events = frames.filter((f) => f.event).map((f) => f.event);
  assert.equal(events.length, 2, tapRes.text.slice(0, 500));
  assert.equal(frames.at(-1)!.result.reason, 'maxEvents');
  checkEvents('tapMesh', events);
  const wsTap = ws.call('tapMesh', { maxEvents: 1, durationSeconds: 20, deployment: 'httpbin' });
  for (let i = 0; i < 20; i++) {
    await rest(fx.url, 'POST', '/api/session/requests', { token: a.token, body: { url: 'http://httpbin:8000/get' } });
    const done = await Promise.race([wsTap.then(() => true), new Promise((res) => setTimeout(() => res(false), 200))]);
    if (done) break;
  }
  const wsTapped = await wsTap;
  viaWs.add('tapMesh');
  assert.equal(wsTapped.events.length, 1);
  assert.equal(wsTapped.events[0].proxy.deployment, 'httpbin');
  checkResult('tapMesh', wsTapped.result);
});

test('benchmarks: start with progress, list, get, compare, export, cancel', async () => {
  const first = await r('startBenchmark', 'POST', '/api/session/benchmarks', { token: a.token, body: { url: 'http://httpbin:8000/get', connections: 2, rps: 40, durationSeconds: 2, label: 'baseline' } });
  assert.equal(first.result.status, 'completed');
  assert.ok(first.frames.some((f) => f.event), 'progress events streamed');
  assert.ok(first.result.summary.requests > 0);
  const second = await w('startBenchmark', { url: 'http://httpbin:8000/get', connections: 2, durationSeconds: 1 });
  assert.equal(second.result.status, 'completed');

  const list = await r('listBenchmarks', 'GET', '/api/session/benchmarks', { token: a.token });
  assert.deepEqual(list.body.items.map((b: { id: string }) => b.id).sort(), [first.result.id, second.result.id].sort());
  assert.equal((await w('listBenchmarks')).result.items.length, 2);
  assert.equal((await r('getBenchmark', 'GET', `/api/session/benchmarks/${first.result.id}`, { token: a.token })).body.label, 'baseline');
  assert.equal((await w('getBenchmark', { id: second.result.id })).result.id, second.result.id);
  const cmp = await r('compareBenchmarks', 'GET', `/api/session/benchmarks/compare?a=${first.result.id}&b=${second.result.id}`, { token: a.token });
  assert.ok('latency.p99' in cmp.body.deltas);
  assert.equal((await w('compareBenchmarks', { a: second.result.id, b: first.result.id })).result.a.id, second.result.id);
  const smp = await r('exportBenchmark', 'GET', `/api/session/benchmarks/${first.result.id}/export?format=smp`, { token: a.token });
  assert.ok(smp.body.document.latenciesMs.p99 > 0);
  const fortio = await w('exportBenchmark', { id: first.result.id, format: 'fortio' });
  assert.equal(fortio.result.document.DurationHistogram.Count, first.result.summary.requests);
  // Import what was exported: the strict SMP message over REST, the fortio JSON over WS; both are marked imported.
  const importedSmp = await r('importBenchmark', 'POST', '/api/session/benchmarks/import', { token: a.token, body: { format: 'smp', document: smp.body.document, label: 'from CI' } });
  assert.deepEqual(importedSmp.body.imported, { format: 'smp', tool: smp.body.document.labels.engine });
  assert.equal(importedSmp.body.summary.latencyMs.p99, Math.round(smp.body.document.latenciesMs.p99 * 1000) / 1000);
  const importedFortio = await w('importBenchmark', { format: 'fortio', document: fortio.result.document });
  assert.equal(importedFortio.result.imported.format, 'fortio');
  assert.equal(importedFortio.result.summary.requests, first.result.summary.requests);

  // Cancel a long run from another connection; the run ends as cancelled.
  const running = ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 1, rps: 20, durationSeconds: 30 });
  let id: string | undefined;
  for (let i = 0; i < 100 && !id; i++) {
    await new Promise((res) => setTimeout(res, 100));
    id = (await rest(fx.url, 'GET', '/api/session/benchmarks', { token: a.token })).body.items.find((b: { status: string }) => b.status === 'running')?.id;
  }
  assert.ok(id, 'the run is listed as running');
  const busy = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: a.token, body: { url: 'http://httpbin:8000/get', durationSeconds: 1 } });
  assert.equal(busy.status, 409);
  assert.equal(busy.body.reason, 'BenchmarkRunning');
  const cancelled = await r('cancelBenchmark', 'POST', `/api/session/benchmarks/${id}/cancel`, { token: a.token });
  assert.equal(cancelled.body.status, 'cancelled');
  assert.equal((await running).result.status, 'cancelled');
  assert.equal((await w('cancelBenchmark', { id })).result.status, 'cancelled');
  const limit = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: a.token, body: { url: 'http://httpbin:8000/get', rps: 100000 } });
  assert.equal(limit.status, 422);
  assert.equal(limit.body.details.limit, 'rps');
});

test('terminal: kubectl and built-ins stream output', async () => {
  const pods = await r('runTerminal', 'POST', '/api/session/terminal', { token: a.token, body: { line: 'kubectl get pods -o name' } });
  const out = pods.frames.filter((f) => f.event?.stream === 'stdout').map((f) => f.event.data).join('');
  assert.match(out, /pod\/httpbin-/);
  assert.equal(pods.result.exitCode, 0);
  const help = await w('runTerminal', { line: 'help' });
  assert.match(help.events.map((e) => e.data).join(''), /kubectl <command>/);
  const curl = await w('runTerminal', { line: 'curl -i http://httpbin:8000/status/201' });
  assert.match(curl.events.map((e) => e.data).join(''), /HTTP\/1.1 201/);
  // Tab completion: a subcommand over REST, a Deployment of the session over WS.
  const sub = await r('completeTerminal', 'POST', '/api/session/terminal/completions', { token: a.token, body: { line: 'kubectl ge', cursor: 10 } });
  assert.deepEqual(sub.body, { replaceFrom: 8, candidates: ['get'] });
  const name = await w('completeTerminal', { line: 'kubectl get deploy httpb', cursor: 24 });
  assert.ok(name.result.candidates.includes('httpbin'), JSON.stringify(name.result));
  assert.equal(name.result.replaceFrom, 19);
});

test('lessons: checks, progress', async () => {
  const checks = await r('listChecks', 'GET', '/api/checks');
  assert.ok(checks.body.items.some((c: { name: string }) => c.name === 'route-split'));
  assert.equal((await w('listChecks')).result.items.length, checks.body.items.length);
  const pass = await r('runCheck', 'POST', '/api/session/checks/route-split', { token: a.token, body: { lesson: 'traffic-shifting', args: { service: 'httpbin', weights: { httpbin: 90, 'httpbin-canary': 10 } } } });
  assert.equal(pass.body.passed, true, pass.body.hint);
  const fail = await w('runCheck', { check: 'route-split', args: { service: 'httpbin', weights: { httpbin: 50, 'httpbin-canary': 50 } } });
  assert.equal(fail.result.passed, false);
  assert.match(fail.result.hint, /90%/);
  const notBookinfo = await w('runCheck', { check: 'bookinfo-ready' });
  assert.equal(notBookinfo.result.passed, false);
  assert.equal((await r('updateProgress', 'PUT', '/api/session/progress/traffic-shifting', { token: a.token, body: { step: 'split', completed: false } })).body.step, 'split');
  assert.equal((await w('updateProgress', { lesson: 'mtls', step: 'verify', completed: true })).result.completed, true);
  const progress = await r('getProgress', 'GET', '/api/session/progress', { token: a.token });
  assert.deepEqual(progress.body.lessons.map((l: { lesson: string }) => l.lesson), ['mtls', 'traffic-shifting']);
  assert.equal(progress.body.checks.length, 3);
  assert.equal((await w('getProgress')).result.checks[0].check, 'route-split');
});

test('operations of the server itself: REST only', async () => {
  assert.equal((await r('healthz', 'GET', '/healthz')).body.status, 'ok');
  assert.equal((await r('readyz', 'GET', '/readyz')).body.checks.cluster, 'ok');
  const metrics = await r('getMetrics', 'GET', '/metrics');
  assert.match(metrics.text, /playground_operations_total\{operation="describeSession",transport="rest",outcome="ok"\} \d+/);
  assert.match(metrics.text, /playground_operation_duration_seconds_bucket/);
  for (const op of ['healthz', 'readyz', 'getMetrics'] as const) {
    const answer = await ws.call(op);
    assert.equal(answer.error.reason, 'RestOnly');
    assert.match(answer.error.message, /GET \//);
    viaWs.add(op);
  }
});

test('conformance: a run in the session over WS; over REST a run that selects nothing', { timeout: 120_000 }, async () => {
  const r = await rest(fx.url, 'POST', '/api/session/conformance', { token: a.token, body: { profiles: ['SMI'], only: ['MeshBasic'] } });
  assert.equal(r.status, 200, r.text);
  viaRest.add('runConformance');
  const restResult = ndjson(r.text).find((f) => f.result)?.result as { results: { outcome: string }[] };
  checkResult('runConformance', restResult);
  assert.ok(restResult.results.length > 0 && restResult.results.every((x) => x.outcome === 'skipped'));
  const answer = await w('runConformance', { profiles: ['MESH-HTTP'], only: ['MeshBasic'] });
  const basic = (answer.result as { results: { name: string; outcome: string; reason: string }[] }).results.find((x) => x.name === 'MeshBasic');
  assert.equal(basic?.outcome, 'passed', basic?.reason);
});

test('ending a session deletes its namespace (both transports)', async () => {
  const b = await createSession(fx.url);
  const ended = await r('endSession', 'DELETE', '/api/session', { token: b.token });
  assert.equal(ended.body.namespace, b.namespace);
  const after = await rest(fx.url, 'GET', '/api/session', { token: b.token });
  assert.equal(after.status, 401);
  const c = await WsClient.connect(fx.url);
  const made = await c.call('createSession', { apps: ['httpbin'] });
  assert.equal((await w('endSession', undefined, c)).result.ended, true);
  let exists = true;
  for (let i = 0; i < 100 && exists; i++) {
    exists = !!fx.sandbox.api.tryGet(fx.sandbox.api.type('', 'namespaces'), undefined, made.result.session.namespace);
    if (exists) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(exists, false, 'the namespace is gone');
  await c.close();
});

test('every operation in the spec was exercised over REST and over WebSocket', () => {
  const all = [...spec.operations.keys()].sort();
  assert.deepEqual([...viaRest].sort(), all, 'REST coverage');
  assert.deepEqual([...viaWs].sort(), all, 'WebSocket coverage');
});
