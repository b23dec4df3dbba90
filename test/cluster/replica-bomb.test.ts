// A replica bomb and a full node, as a learner could cause them: a Deployment asking for 100,000 replicas in
// a namespace with a pod quota of 20 ends with exactly 20 pods, a FailedCreate event and ReplicaFailure
// condition carrying the quota's text, a responsive API server (/healthz, another namespace's work) and a
// Deployment that deletes at once. With a low pod cap (or memory budget) the runtime leaves extra pods
// Pending with a FailedScheduling event, and deleting still works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FD_MARGIN } from '../../sandbox/runtime/capacity-guard.js';
import { httpsRoundTrip } from '../apiserver/fixture.js';
import { startCluster, waitFor, type ClusterFixture } from './fixture.js';

const deployment = (ns: string, name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: playground/httpbin:v1
`;

async function kubectlOk(c: ClusterFixture, args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('a 100,000-replica Deployment against a pod quota of 20', () => {
  let c: ClusterFixture;
  const NS = 'bomb';
  const livePods = (ns: string) => c.pods(ns, (p) => !p.metadata.deletionTimestamp);

  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['create', 'namespace', NS]);
    await kubectlOk(c, ['label', 'namespace', NS, 'mesh.playground.dev/inject=enabled']);
    await kubectlOk(c, ['create', 'quota', 'playground-quota', '-n', NS, '--hard=pods=20']);
    await kubectlOk(c, ['create', 'namespace', 'neighbour']);
  });
  after(async () => {
    await c?.close();
  });

  test('20 pods, a FailedCreate event with the quota text, a responsive server, and a quick delete', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], deployment(NS, 'bomb', 100_000));
    await waitFor('20 pods in the namespace', () => livePods(NS).length === 20, { timeoutMs: 30_000, intervalMs: 100 });

    const events = await waitFor('a FailedCreate event on the ReplicaSet', async () => {
      const out = await kubectlOk(c, ['get', 'events', '-n', NS, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={range .items[*]}{.involvedObject.kind} {.type} {.message}{"\\n"}{end}']);
      return out.trim() ? out : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.match(events, /^ReplicaSet Warning Error creating: pods "bomb-[a-z0-9]+-" is forbidden: exceeded quota: playground-quota, requested: pods=1, used: pods=20, limited: pods=20$/m, events);

    const condition = await waitFor('the ReplicaFailure condition', async () => {
      const out = await kubectlOk(c, ['get', 'rs', '-n', NS, '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="ReplicaFailure")].reason}: {.items[0].status.conditions[?(@.type=="ReplicaFailure")].message}']);
      return out.startsWith('FailedCreate') ? out : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    assert.match(condition, /^FailedCreate: pods "bomb-[a-z0-9]+-" is forbidden: exceeded quota: playground-quota/);

    // The server still answers, and another namespace still works, while the bomb keeps asking.
    const health = await httpsRoundTrip(`${c.sandbox.url}/healthz`, { method: 'GET', headers: {}, ca: c.sandbox.caCertificate });
    assert.equal(health.status, 200);
    assert.equal(health.body.toString(), 'ok');
    await kubectlOk(c, ['create', 'configmap', 'still-here', '-n', 'neighbour', '--from-literal=a=b']);
    await kubectlOk(c, ['run', 'neighbour-pod', '-n', 'neighbour', '--image=playground/httpbin:v1']);
    assert.match(await kubectlOk(c, ['get', 'configmap', 'still-here', '-n', 'neighbour', '-o', 'name']), /configmap\/still-here/);

    // The quota is never exceeded, however often the controller retries.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(livePods(NS).length, 20);
    const quota = await kubectlOk(c, ['get', 'quota', 'playground-quota', '-n', NS]);
    assert.match(quota, /pods: 20\/20/, quota);
    // Retries back off: a handful of refused creates so far, not the thousands a hot loop would make.
    const attempts = Number(await kubectlOk(c, ['get', 'events', '-n', NS, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[0].count}']));
    assert.ok(attempts >= 1 && attempts < 50, `FailedCreate count ${attempts}`);

    await kubectlOk(c, ['delete', 'deployment', 'bomb', '-n', NS, '--wait=true', '--timeout=60s']);
    await waitFor('the pods to go', () => c.pods(NS).length === 0, { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(c.pods(NS).length, 0);
    assert.equal((await httpsRoundTrip(`${c.sandbox.url}/healthz`, { method: 'GET', headers: {}, ca: c.sandbox.caCertificate })).status, 200);
  });
});

describe('the runtime capacity guard', () => {
  let c: ClusterFixture;
  const NS = 'cap';

  before(async () => {
    c = await startCluster({ mesh: false, maxPods: 3, capacityRetryMs: 200 });
    await kubectlOk(c, ['create', 'namespace', NS]);
  });
  after(async () => {
    await c?.close();
  });

  test('pods beyond the pod cap stay Pending with FailedScheduling; scaling down and deleting work', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], deployment(NS, 'many', 5));
    await waitFor('3 running pods and 2 pending', () => {
      const pods = c.pods(NS);
      return pods.length === 5 && pods.filter((p) => p.status?.phase === 'Running').length === 3 && pods.filter((p) => p.status?.phase === 'Pending').length === 2;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    const pending = c.pods(NS).filter((p) => p.status?.phase === 'Pending');
    for (const p of pending) {
      const scheduled = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
      assert.equal(scheduled?.status, 'False');
      assert.equal(scheduled?.reason, 'Unschedulable');
      assert.equal(scheduled?.message, '0/1 nodes are available: 1 Too many pods.');
    }
    const events = await waitFor('a FailedScheduling event', async () => {
      const out = await kubectlOk(c, ['get', 'events', '-n', NS, '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={range .items[*]}{.type} {.source.component} {.message}{"\\n"}{end}']);
      return out.trim() ? out : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    assert.match(events, /^Warning default-scheduler 0\/1 nodes are available: 1 Too many pods\.$/m);
    const table = await kubectlOk(c, ['get', 'pods', '-n', NS]);
    assert.equal((table.match(/\bPending\b/g) ?? []).length, 2, table);

    // Deleting a running pod makes room: a waiting pod starts (the ReplicaSet's replacement waits in turn).
    const running = c.pods(NS).filter((p) => p.status?.phase === 'Running');
    await kubectlOk(c, ['delete', 'pod', running[0].metadata.name, '-n', NS]);
    await waitFor('an older pending pod to start', () => pending.some((p) => c.pods(NS).find((x) => x.metadata.uid === p.metadata.uid)?.status?.phase === 'Running'), { timeoutMs: 15_000, intervalMs: 100 });

    await kubectlOk(c, ['scale', 'deployment', 'many', '-n', NS, '--replicas=3']);
    await waitFor('3 running pods and none pending', () => {
      const pods = c.pods(NS);
      return pods.length === 3 && pods.every((p) => p.status?.phase === 'Running');
    }, { timeoutMs: 30_000, intervalMs: 100 });
    await kubectlOk(c, ['delete', 'deployment', 'many', '-n', NS, '--wait=true', '--timeout=60s']);
    await waitFor('the pods to go', () => c.pods(NS).length === 0, { timeoutMs: 30_000, intervalMs: 100 });
  });

  test('over the memory budget, new pods wait Pending with an event that says so', async () => {
    const lean = await startCluster({ mesh: false, serveApi: false, memoryBudgetBytes: 1 });
    try {
      const api = lean.sandbox.api;
      api.create(api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mem' } });
      api.create(api.type('', 'pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hungry', namespace: 'mem' }, spec: { containers: [{ name: 'web', image: 'playground/httpbin:v1' }] } });
      const pod = await waitFor('the pod to be marked unschedulable', () => lean.pods('mem').find((p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False')));
      assert.equal(pod.status?.phase, 'Pending');
      assert.match(pod.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message ?? '', /^0\/1 nodes are available: 1 node is out of memory \(\d+ MiB of 0 MiB in use\)\.$/);
      const events = await waitFor('the FailedScheduling event', () => api.list(api.type('', 'events'), 'mem').items.find((e) => e.reason === 'FailedScheduling'));
      assert.match(String(events.message), /node is out of memory/);
      api.delete(api.type('', 'pods'), 'mem', 'hungry');
      assert.equal(lean.pods('mem').length, 0);
    } finally {
      await lean.close();
    }
  });

  test('near the file-descriptor limit, new pods wait Pending with an event that counts descriptors', async () => {
    // A child process whose soft RLIMIT_NOFILE leaves less than FD_MARGIN free from the start.
    const limit = FD_MARGIN + 14;
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'fd-guard-'));
    const script = join(dir, 'fd-guard.mts');
    writeFileSync(script, `
      import { startSandbox } from ${JSON.stringify(join(root, 'sandbox/cluster.js'))};
      const sb = await startSandbox({ serveApi: false, mesh: false, capacityRetryMs: 100 });
      const api = sb.api;
      api.create(api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fd' } });
      api.create(api.type('', 'pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'fd' }, spec: { containers: [{ name: 'web', image: 'playground/httpbin:v1' }] } });
      let message;
      for (let i = 0; i < 100 && !message; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const pod = api.tryGet(api.type('', 'pods'), 'fd', 'p');
        message = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
      }
      const event = api.list(api.type('', 'events'), 'fd').items.find((e) => e.reason === 'FailedScheduling');
      api.delete(api.type('', 'pods'), 'fd', 'p');
      const gone = !api.tryGet(api.type('', 'pods'), 'fd', 'p');
      await sb.stop();
      console.log(JSON.stringify({ message, event: event?.message, gone }));
    `);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile('bash', ['-c', `ulimit -n ${limit} && exec "$0" --import tsx "$1"`, process.execPath, script], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      const result = JSON.parse(out.trim().split('\n').pop()!);
      assert.match(result.message, new RegExp(`^0/1 nodes are available: 1 node is out of file descriptors \\(\\d+ of ${limit} in use\\)\\.$`));
      assert.equal(result.event, result.message);
      assert.equal(result.gone, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
