// runConformance through the real server and the embedded sandbox: a run in a learner's session passes with
// MeshConsumerRoute skipped for its reason, leaves the namespace as it found it (checked with the real kubectl), a
// second concurrent run gets 409, bad input gets 400 naming the field, a learner's own object is never taken
// over, and nothing — neither input nor the runner's session cluster — can apply outside the session.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ApiError } from '../../playground-server/api/errors.js';
import { ConformanceCluster } from '../../playground-server/conformance/cluster-client.js';
import { SECOND_NAMESPACE_REASON } from '../../playground-server/conformance/session-scope.js';
import { SessionConformanceCluster } from '../../playground-server/conformance/session-cluster.js';
import { ClusterConnection } from '../../playground-server/kube/cluster-connection.js';
import { createSession, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

const run = promisify(execFile);
const KINDS = 'deployments,services,serviceaccounts,configmaps,httproutes.gateway.networking.k8s.io,grpcroutes.gateway.networking.k8s.io,trafficsplits.split.smi-spec.io,traffictargets.access.smi-spec.io,httproutegroups.specs.smi-spec.io';

let fx: ServerFixture;
let s: { token: string; namespace: string };
let other: { token: string; namespace: string };

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run('kubectl', ['--kubeconfig', fx.kubeconfig, ...args], { timeout: 30_000 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

async function objectsIn(namespace: string): Promise<string[]> {
  const r = await kubectl('get', KINDS, '-n', namespace, '-o', 'name');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

async function livePods(namespace: string): Promise<string[]> {
  const r = await kubectl('get', 'pods', '-n', namespace, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

before(async () => {
  fx = await startFixture();
  s = await createSession(fx.url, ['httpbin']);
  other = await createSession(fx.url, ['httpbin']);
});

after(async () => {
  await fx?.close();
});

test('bad input is refused with 400 naming the field', async () => {
  for (const [body, field] of [
    [{ profiles: ['MESH-TCP'] }, 'profiles'],
    [{ only: ['../../kube-system'] }, 'only'],
    [{ only: ['MeshBasic'], namespace: 'kube-system' }, 'namespace'],
    [{ profiles: [] }, 'profiles'],
  ] as const) {
    const r = await rest(fx.url, 'POST', '/api/session/conformance', { token: s.token, body });
    assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
    assert.match(r.text, new RegExp(field), `${JSON.stringify(body)} names ${field}: ${r.text}`);
  }
  const anonymous = await rest(fx.url, 'POST', '/api/session/conformance', { body: {} });
  assert.equal(anonymous.status, 401);
});

test('a run in the session passes, skips MeshConsumerRoute with its reason, refuses a second run, and leaves nothing behind', { timeout: 300_000 }, async () => {
  const objectsBefore = await objectsIn(s.namespace);
  const podsBefore = await livePods(s.namespace);
  const ws = await WsClient.connect(fx.url, { token: s.token });
  let firstTestStarted!: () => void;
  const started = new Promise<void>((r) => (firstTestStarted = r));
  const running = ws.call('runConformance', { profiles: ['MESH-HTTP', 'SMI'] }, {
    timeoutMs: 280_000,
    onEvent: (e: { type: string }) => e.type === 'test-start' && firstTestStarted(),
  });
  await Promise.race([started, running]);
  const second = await rest(fx.url, 'POST', '/api/session/conformance', { token: s.token, body: { only: ['MeshBasic'] } });
  assert.equal(second.status, 409, second.text);
  assert.equal(second.body.reason, 'ConformanceRunning');

  const answer = await running;
  await ws.close();
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  const result = answer.result as { namespace: string; results: { name: string; outcome: string; reason: string; grade?: string }[]; report?: { kind?: string } };
  assert.equal(result.namespace, s.namespace);
  const by = new Map(result.results.map((r) => [r.name, r]));
  // MESH-HTTP and the SMI suite, in one namespace: all pass but MeshConsumerRoute. (MESH-GRPC in a session is run by
  // hand: a run of all three profiles leaves this test process busy after close, not yet diagnosed.)
  assert.equal(result.results.length, 24);
  const notPassed = result.results.filter((r) => r.outcome !== 'passed').map((r) => ({ name: r.name, outcome: r.outcome, reason: r.reason }));
  assert.deepEqual(notPassed, [{ name: 'MeshConsumerRoute', outcome: 'skipped', reason: SECOND_NAMESPACE_REASON }]);
  for (const name of ['traffic-access', 'traffic-spec', 'traffic-split']) assert.equal(by.get(name)?.grade, 'Full');
  assert.equal(result.report?.kind, 'ConformanceReport');
  assert.ok(answer.events.some((e: { type: string; result?: { name: string } }) => e.type === 'test-end' && e.result?.name === 'MeshBasic'), 'progress streams each test');

  // Nothing left: the same objects as before (the namespace itself stays), and the echo pods go away.
  assert.deepEqual(await objectsIn(s.namespace), objectsBefore);
  assert.equal((await kubectl('get', 'namespace', s.namespace)).code, 0, 'the namespace stays');
  let pods = await livePods(s.namespace);
  for (let i = 0; i < 150 && pods.join() !== podsBefore.join(); i++) {
    await new Promise((r) => setTimeout(r, 200));
    pods = await livePods(s.namespace);
  }
  assert.deepEqual(pods, podsBefore);
  // Nothing was created in the suite's own namespaces either.
  for (const ns of ['gateway-conformance-mesh', 'gateway-conformance-mesh-consumer', 'smi-conformance']) assert.notEqual((await kubectl('get', 'namespace', ns)).code, 0, `${ns} does not exist`);
});

test("a learner's own object of a name the suite uses is not taken over: the run fails and the object stays", { timeout: 120_000 }, async () => {
  const own = await kubectl('create', 'service', 'clusterip', 'echo', '--tcp=80:8080', '-n', s.namespace);
  assert.equal(own.code, 0, own.stderr);
  const r = await rest(fx.url, 'POST', '/api/session/conformance', { token: s.token, body: { profiles: ['MESH-HTTP'], only: ['MeshBasic'] } });
  const frames = r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { result?: { results: { name: string; outcome: string; reason: string }[] } });
  const basic = frames.find((f) => f.result)?.result?.results.find((x) => x.name === 'MeshBasic');
  assert.equal(basic?.outcome, 'failed');
  assert.match(basic?.reason ?? '', /Service echo already exists .* not the conformance run's/);
  const still = await kubectl('get', 'service', 'echo', '-n', s.namespace, '-o', 'jsonpath={.spec.ports[0].targetPort}');
  assert.equal(still.stdout, '8080', "the learner's Service is untouched");
  assert.deepEqual((await objectsIn(s.namespace)).filter((o) => /echo/.test(o)), ['service/echo']);
  assert.equal((await kubectl('delete', 'service', 'echo', '-n', s.namespace)).code, 0);
});

test("the session's runner cluster cannot apply outside the session: the mapping refuses, and the session's credentials are refused by the API server", async () => {
  const kc = await rest(fx.url, 'GET', '/api/session/kubeconfig', { token: s.token });
  assert.equal(kc.status, 200);
  const kubeconfig = typeof kc.body === 'string' ? kc.body : kc.text;
  const route = (namespace: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'escape', namespace },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'httpbin', port: 8000 }], rules: [{ backendRefs: [{ name: 'httpbin', port: 8000 }] }] },
  });
  const cluster = SessionConformanceCluster.forSession(kubeconfig, s.namespace);
  try {
    await assert.rejects(cluster.apply([route(other.namespace)]), /namespace ".*" is outside the session/);
    await assert.rejects(cluster.apply([route('gateway-conformance-mesh-consumer'), { ...route(s.namespace), spec: { parentRefs: [{ name: 'httpbin', namespace: other.namespace }] } }]), /outside the session/);
    await assert.rejects(cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'escape' }, rules: [] }]), /cluster-scoped/);
    await assert.rejects(cluster.run({ namespace: other.namespace, pod: 'any', container: 'echo' }, ['true'], 5_000), /outside the session/);
    await assert.rejects(cluster.podFor('kube-system', 'app=x'), /outside the session/);
  } finally {
    cluster.close();
  }
  // Even with the mapping bypassed (the plain runner cluster on the session's credentials), the API server refuses.
  const path = join(fx.dir, 'session.kubeconfig');
  writeFileSync(path, kubeconfig, { mode: 0o600 });
  const plain = new ConformanceCluster(ClusterConnection.fromFile(path), { labels: {}, annotations: {} });
  try {
    await assert.rejects(plain.apply([route(other.namespace)]), (err: unknown) => err instanceof ApiError && err.code === 403);
  } finally {
    plain.close();
  }
  const there = await kubectl('get', 'httproutes.gateway.networking.k8s.io', 'escape', '-n', other.namespace);
  assert.notEqual(there.code, 0);
  assert.match(there.stderr, /NotFound|not found/);
});
