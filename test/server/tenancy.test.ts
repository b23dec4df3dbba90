// Issue 9's attacks, tried as a hostile learner would with the session's own credentials (the downloaded
// kubeconfig and the real kubectl) against a real sandbox and server: each is refused by the tenancy objects the
// server created (Role, ResourceQuota, LimitRange, NetworkPolicy) or by the data path, while /healthz and a
// second session keep answering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, rest, startFixture, type ServerFixture } from './fixture.js';

const KUBECTL = '/usr/bin/kubectl';
let fx: ServerFixture;
let a: { token: string; namespace: string };
let b: { token: string; namespace: string };
let aKubeconfig: string;

/** A local listener that must never see a connection from a learner. */
interface Trap {
  port: number;
  connections: number;
  server: Server;
}
async function trap(): Promise<Trap> {
  const t: Trap = { port: 0, connections: 0, server: createServer((s) => { t.connections++; s.destroy(); }) };
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  t.port = (t.server.address() as { port: number }).port;
  return t;
}

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, ['--kubeconfig', aKubeconfig, '--cache-dir', join(fx.dir, 'kc-cache'), ...args], { timeout: 60_000, env: { PATH: '/usr/bin', HOME: fx.dir } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pods = (ns: string) => fx.sandbox.api.list(fx.sandbox.api.type('', 'pods'), ns).items;
const podNamed = (ns: string, prefix: string) => pods(ns).find((p) => p.metadata.name!.startsWith(prefix) && (p.status as { phase?: string })?.phase === 'Running');

/** The second session and the server keep answering. */
async function bystanderStillServed(): Promise<void> {
  assert.equal((await rest(fx.url, 'GET', '/healthz')).status, 200);
  const other = await rest(fx.url, 'GET', '/api/session', { token: b.token });
  assert.equal(other.status, 200, other.text);
}

before(async () => {
  fx = await startFixture();
  [a, b] = await Promise.all([createSession(fx.url), createSession(fx.url)]);
  const res = await rest(fx.url, 'GET', '/api/session/kubeconfig', { token: a.token });
  aKubeconfig = join(fx.dir, 'tenant-a.kubeconfig');
  writeFileSync(aKubeconfig, res.text, { mode: 0o600 });
});
after(() => fx?.close());

test('the learner cannot write pods/status, Endpoints or EndpointSlices (the Role is an allow-list)', async () => {
  const listener = await trap();
  try {
    const pod = podNamed(a.namespace, 'httpbin')!;
    const status = await kubectl(['patch', 'pod', pod.metadata.name!, '--subresource=status', '--type=merge', '-p', '{"status":{"podIP":"127.0.0.1"}}']);
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /cannot (get|patch) resource "pods\/status" in API group "" in the namespace/);
    const endpoints = await kubectl(['create', '-f', '-'], `apiVersion: v1\nkind: Endpoints\nmetadata: {name: rogue}\nsubsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: ${listener.port}}]}]\n`);
    assert.notEqual(endpoints.code, 0);
    assert.match(endpoints.stderr, /cannot create resource "endpoints"/);
    const slice = await kubectl(['create', '-f', '-'], `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: rogue}\naddressType: IPv4\nendpoints: [{addresses: [127.0.0.1]}]\nports: [{port: ${listener.port}}]\n`);
    assert.notEqual(slice.code, 0);
    assert.match(slice.stderr, /cannot create resource "endpointslices"/);
    // The services proxy of a selectorless Service: no endpoints may point it anywhere.
    const svc = await kubectl(['create', 'service', 'clusterip', 'rogue', `--tcp=80:${listener.port}`]);
    assert.equal(svc.code, 0, svc.stderr);
    await kubectl(['patch', 'service', 'rogue', '--type=json', '-p', '[{"op":"remove","path":"/spec/selector"}]']);
    const proxied = await kubectl(['get', '--raw', `/api/v1/namespaces/${a.namespace}/services/rogue:80/proxy/`]);
    assert.notEqual(proxied.code, 0);
    // Escalation: the learner cannot grant itself more through its own Role.
    const escalate = await kubectl(['create', 'role', 'more', '--verb=update', '--resource=pods/status']);
    assert.notEqual(escalate.code, 0);
    assert.match(escalate.stderr, /forbidden/);
    assert.equal(listener.connections, 0, 'the local listener saw no connection');
    await bystanderStillServed();
  } finally {
    listener.server.close();
  }
});

test("the learner's workloads cannot reach another namespace or the host (NetworkPolicy and the data path)", async () => {
  const listener = await trap();
  try {
    const curl = podNamed(a.namespace, 'curl')!;
    const fetchVia = (url: string) =>
      kubectl(['get', '--raw', `/api/v1/namespaces/${a.namespace}/pods/${curl.metadata.name}:8080/proxy/fetch?url=${encodeURIComponent(url)}`]);
    // Own namespace: works, so a refusal below is the policy's doing and not a broken probe.
    const own = await fetchVia(`http://httpbin.${a.namespace}:8000/get`);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /"status":\s*200/);
    for (const url of [`http://httpbin.${b.namespace}:8000/get`, `http://httpbin-direct.${b.namespace}:8000/get`, `http://127.0.0.1:${listener.port}/`, `http://localhost:${listener.port}/`]) {
      const r = await fetchVia(url);
      assert.doesNotMatch(r.stdout, /"status":\s*200/, `${url} must not be reachable: ${r.stdout}${r.stderr}`);
    }
    // Every workload of A, meshed or not, sending from inside its pod (the sandbox's `kubectl exec … curl`): refused.
    const running = pods(a.namespace).filter((p) => (p.status as { phase?: string })?.phase === 'Running');
    assert.ok(running.length >= 3, 'httpbin, httpbin-direct and curl are running in A');
    for (const pod of running) {
      // The control: the same probe from the same pod reaches its own namespace's httpbin.
      const home = await fx.sandbox.runtime.requestFrom(a.namespace, pod.metadata.name!, { url: `http://httpbin.${a.namespace}:8000/get`, timeoutMs: 5000 });
      assert.equal(home.status, 200, `${pod.metadata.name} reaches its own namespace`);
      for (const url of [`http://httpbin.${b.namespace}:8000/get`, `http://httpbin-direct.${b.namespace}.svc.cluster.local:8000/get`]) {
        const answer = await fx.sandbox.runtime.requestFrom(a.namespace, pod.metadata.name!, { url, timeoutMs: 5000 }).catch((err: Error) => err);
        assert.ok(answer instanceof Error || answer.status !== 200, `${pod.metadata.name} must not reach ${url}`);
      }
    }
    // B's own client still reaches B's httpbin (the policy admits the namespace's own traffic).
    const bCurl = podNamed(b.namespace, 'curl')!;
    const inside = await fx.sandbox.runtime.requestFrom(b.namespace, bCurl.metadata.name!, { url: `http://httpbin.${b.namespace}:8000/get` });
    assert.equal(inside.status, 200);
    assert.equal(listener.connections, 0, 'the local listener saw no connection');
    await bystanderStillServed();
  } finally {
    listener.server.close();
  }
});

test('hand-written load-generator pods cannot flood another tenant: over the limits refused, within them no route to B', async () => {
  const spec = (connections: number, durationMs: number) =>
    JSON.stringify({ protocol: 'mesh-playground.loadgen/v1', generatorId: 0, url: `http://httpbin.${b.namespace}:8000/get`, method: 'GET', headers: {}, totalRps: null, stride: 1, phase: 0, connections, durationMs, warmupMs: 0, timeoutMs: 2000 });
  const podYaml = (name: string, connections: number, durationMs: number) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: loadgen\n    image: playground/loadgen:v1\n    env: [{name: LOADGEN_SPEC, value: '${spec(connections, durationMs)}'}]\n`;
  for (const [name, connections, durationMs] of [['rogue-flood', 256, 15_000], ['rogue-small', 2, 2000]] as const) {
    const created = await kubectl(['apply', '-f', '-'], podYaml(name, connections, durationMs));
    assert.equal(created.code, 0, created.stderr);
  }
  const finished = (name: string) =>
    waitFor(`${name} to finish`, () => {
      const p = fx.sandbox.api.tryGet(fx.sandbox.api.type('', 'pods'), a.namespace, name) as { status?: { phase?: string } } | undefined;
      return p?.status?.phase === 'Succeeded' || p?.status?.phase === 'Failed' ? p.status.phase : undefined;
    }, 60_000);
  assert.equal(await finished('rogue-flood'), 'Failed', 'a spec over the benchmark limits is refused');
  const flood = await kubectl(['logs', 'rogue-flood']);
  assert.match(flood.stdout, /connections.*limit|limit.*connections/i, flood.stdout);
  await finished('rogue-small');
  const small = await kubectl(['logs', 'rogue-small']);
  assert.match(small.stdout, /"type":"(result|error)"/, small.stdout.slice(0, 500));
  assert.doesNotMatch(small.stdout, /"statusCodes":\{"200"/, 'no request reached B\'s httpbin');
  await bystanderStillServed();
});

test('a 100,000-replica Deployment stops at the quota; the server, /healthz and the other session keep answering; deletion works', async () => {
  const bomb = await kubectl(['create', 'deployment', 'bomb', '--image=playground/httpbin:v1', '--replicas=100000']);
  assert.equal(bomb.code, 0, bomb.stderr);
  const event = await waitFor('a FailedCreate event naming the quota', () =>
    fx.sandbox.api
      .list(fx.sandbox.api.type('', 'events'), a.namespace)
      .items.find((e) => (e as { reason?: string }).reason === 'FailedCreate' && /exceeded quota: playground-quota/.test(String((e as { message?: string }).message))),
  60_000);
  assert.ok(event);
  assert.ok(pods(a.namespace).length <= 30, `at most the quota's 30 pods, got ${pods(a.namespace).length}`);
  await bystanderStillServed();
  const del = await kubectl(['delete', 'deployment', 'bomb', '--wait=false']);
  assert.equal(del.code, 0, del.stderr);
  await waitFor('the bomb pods to go', () => !pods(a.namespace).some((p) => p.metadata.name!.startsWith('bomb-')) || undefined, 60_000);
  await bystanderStillServed();
});
