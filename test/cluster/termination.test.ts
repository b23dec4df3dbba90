// A deleted pod terminates as on a real cluster: it is marked (deletionTimestamp, deletionGracePeriodSeconds),
// `kubectl get pods` shows Terminating, the node stops its containers, writes their end into the status and only
// then removes the object, so a watch sees MODIFIED (marked) and a DELETED that carries the final state. The
// grace period bounds a container that will not stop; --force --grace-period=0 removes at once; controllers and
// Endpoints stop counting a terminating pod at once; a namespace with pods still goes promptly. Alongside:
// a server-side dry run touches no pod, and --cascade=orphan leaves a running ReplicaSet and its pods alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { KUBECTL, isReady, kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'term';
const IMAGE = 'test/slow-stop';

/** Per pod: lets the test decide when the container's stop() finishes (a SIGTERM handler that takes its time). */
const releases = new Map<string, () => void>();
const stopping = new Set<string>();
/** Set when the file's cluster shuts down: containers then stop at once. */
let closing = false;

let c: ClusterFixture;
before(async () => {
  registerImage(IMAGE, (ctx) => {
    let server: Server | undefined;
    return {
      start: () =>
        new Promise<void>((resolve, reject) => {
          server = createServer((_req, res) => res.end(`hello from ${ctx.podName}`));
          server.once('error', reject);
          server.listen(8080, ctx.listenHost, () => resolve());
        }),
      stop: () =>
        new Promise<void>((resolve) => {
          stopping.add(ctx.podName);
          const done = () => {
            server?.closeAllConnections();
            server?.close(() => resolve());
          };
          if (ctx.annotations['test/stop'] === 'hang' && !closing) releases.set(ctx.podName, done);
          else done();
        }),
    };
  }, { tags: ['v1'] });
  // Stops are bounded by the grace period here, not by the runtime's own short default.
  c = await startCluster({ mesh: false, stopTimeoutMs: 60_000 });
  await kubectlOk(c, ['create', 'namespace', NS]);
});
after(async () => {
  closing = true;
  for (const release of releases.values()) release();
  await c?.close();
  unregisterImage(IMAGE);
});

const podManifest = (name: string, opts: { hang?: boolean; grace?: number } = {}) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${NS}
  labels: {app: ${name}}
  ${opts.hang ? "annotations: {test/stop: hang}" : ''}
spec:
  ${opts.grace !== undefined ? `terminationGracePeriodSeconds: ${opts.grace}` : ''}
  containers:
  - name: app
    image: ${IMAGE}:v1
    ports: [{containerPort: 8080}]
`;

async function runningPod(name: string, opts: { hang?: boolean; grace?: number } = {}): Promise<Pod> {
  await kubectlOk(c, ['apply', '-f', '-'], podManifest(name, opts));
  return waitFor(`${name} ready`, () => c.pods(NS, (p) => p.metadata.name === name && isReady(p))[0]);
}

interface WatchEvent {
  type: string;
  object: Pod;
}

/** `kubectl get pod --watch --output-watch-events -o json`, collecting events until one matches `last`. */
function watchPod(name: string, last: (e: WatchEvent) => boolean): { events: Promise<WatchEvent[]>; started: Promise<void> } {
  const child = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'cache'), '-n', NS, 'get', 'pod', name, '--watch', '--output-watch-events', '-o', 'json'], {
    env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir },
  });
  const events: WatchEvent[] = [];
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = new Promise<WatchEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`watch of ${name} ended without the last event; saw ${events.map((e) => e.type).join(', ')}`));
    }, 30_000);
    const splitter = jsonDocuments((doc) => {
      const event = JSON.parse(doc) as WatchEvent;
      events.push(event);
      markStarted();
      if (last(event)) {
        clearTimeout(timer);
        child.kill();
        resolve(events);
      }
    });
    child.stdout.on('data', (chunk: Buffer) => splitter(chunk.toString('utf8')));
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`kubectl watch exited; saw ${events.map((e) => e.type).join(', ')}`));
    });
  });
  return { events: done, started };
}

/** Feeds text, calls `onDocument` with each complete top-level JSON value (kubectl prints one per event). */
function jsonDocuments(onDocument: (doc: string) => void): (text: string) => void {
  let buffer = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  return (text) => {
    for (const ch of text) {
      buffer += ch;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') {
        if (depth++ === 0) start = buffer.length - 1;
      } else if (ch === '}' && --depth === 0) {
        onDocument(buffer.slice(start));
        buffer = '';
      }
    }
  };
}

describe('graceful pod deletion', () => {
  test('Terminating while the containers stop, then a DELETED event with the final state', async () => {
    await runningPod('slow', { hang: true });
    const watch = watchPod('slow', (e) => e.type === 'DELETED');
    await watch.started;
    const del = await c.kubectl(['-n', NS, 'delete', 'pod', 'slow', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.trim(), 'pod "slow" deleted');
    await waitFor('the container told to stop', () => stopping.has('slow'));
    const table = await kubectlOk(c, ['-n', NS, 'get', 'pod', 'slow', '--no-headers']);
    assert.match(table, /^slow\s+1\/1\s+Terminating\s+0\s/);
    const meta = JSON.parse(await kubectlOk(c, ['-n', NS, 'get', 'pod', 'slow', '-o', 'jsonpath={.metadata}']));
    assert.equal(meta.deletionGracePeriodSeconds, 30, 'the default terminationGracePeriodSeconds');
    assert.ok(Date.parse(meta.deletionTimestamp) > Date.parse(meta.creationTimestamp));
    releases.get('slow')!();
    const events = await watch.events;
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'ADDED');
    assert.equal(types.at(-1), 'DELETED');
    const marked = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp);
    assert.ok(marked, `a MODIFIED event with deletionTimestamp among ${types.join(', ')}`);
    const final = events.at(-1)!.object;
    assert.ok(final.metadata.deletionTimestamp);
    const state = final.status?.containerStatuses?.[0].state;
    assert.ok(state?.terminated, `final container state: ${JSON.stringify(state)}`);
    assert.equal(state.terminated.exitCode, 0);
    assert.equal(state.terminated.reason, 'Completed');
    assert.equal(final.status?.phase, 'Succeeded', 'every container exited 0 on the way out');
    assert.equal(final.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'False');
    assert.equal((await c.kubectl(['-n', NS, 'get', 'pod', 'slow'])).code, 1, 'gone');
  });

  test('a container that does not stop within the grace period is killed (137, phase Failed)', async () => {
    await runningPod('stubborn', { hang: true, grace: 1 });
    const watch = watchPod('stubborn', (e) => e.type === 'DELETED');
    await watch.started;
    // kubectl waits for the deletion; it ends once the grace period is over.
    const del = await c.kubectl(['-n', NS, 'delete', 'pod', 'stubborn']);
    assert.equal(del.code, 0, del.stderr);
    const final = (await watch.events).at(-1)!.object;
    assert.equal(final.metadata.deletionGracePeriodSeconds, 1);
    assert.equal(final.status?.containerStatuses?.[0].state.terminated?.exitCode, 137);
    assert.equal(final.status?.phase, 'Failed');
    releases.get('stubborn')?.();
  });

  test('--grace-period shortens the period; --force --grace-period=0 removes the object at once', async () => {
    await runningPod('forced', { hang: true });
    const del = await c.kubectl(['-n', NS, 'delete', 'pod', 'forced', '--grace-period=5', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
    await waitFor('marked', () => c.pods(NS, (p) => p.metadata.name === 'forced' && p.metadata.deletionGracePeriodSeconds === 5)[0]);
    const forced = await c.kubectl(['-n', NS, 'delete', 'pod', 'forced', '--force', '--grace-period=0']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /Immediate deletion does not wait for confirmation that the running resource has been terminated/);
    assert.equal((await c.kubectl(['-n', NS, 'get', 'pod', 'forced'])).code, 1, 'gone while its container still stops');
    releases.get('forced')?.();
  });
});

describe('controllers and Endpoints see a terminating pod as gone', () => {
  test('a ReplicaSet replaces it at once and the Service stops sending to it', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, annotations: {test/stop: hang}}
    spec:
      containers:
      - {name: app, image: "${IMAGE}:v1", ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`);
    await kubectlOk(c, ['-n', NS, 'rollout', 'status', 'deploy/web', '--timeout=20s']);
    const [first] = c.pods(NS, (p) => p.metadata.labels?.app === 'web');
    const firstIP = await waitFor('endpoint of the first pod', async () => {
      const ips = await kubectlOk(c, ['-n', NS, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
      return ips.trim() === first.status?.podIP ? ips.trim() : undefined;
    });
    await kubectlOk(c, ['-n', NS, 'delete', 'pod', first.metadata.name, '--wait=false']);
    await waitFor('the first pod told to stop', () => stopping.has(first.metadata.name));
    const replacement = await waitFor('a ready replacement', () => c.pods(NS, (p) => p.metadata.labels?.app === 'web' && p.metadata.name !== first.metadata.name && isReady(p))[0]);
    const table = await kubectlOk(c, ['-n', NS, 'get', 'pods', '-l', 'app=web', '--no-headers']);
    assert.match(table, new RegExp(`^${first.metadata.name}\\s+1/1\\s+Terminating\\s`, 'm'));
    assert.match(table, new RegExp(`^${replacement.metadata.name}\\s+1/1\\s+Running\\s`, 'm'));
    const ready = await kubectlOk(c, ['-n', NS, 'get', 'deploy', 'web', '-o', 'jsonpath={.status.replicas}/{.status.availableReplicas}']);
    assert.equal(ready, '1/1', 'the terminating pod is not counted');
    await waitFor('the endpoint moved to the replacement', async () => {
      const ips = await kubectlOk(c, ['-n', NS, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
      return ips.trim() === replacement.status?.podIP;
    });
    assert.notEqual(firstIP, replacement.status?.podIP);
    releases.get(first.metadata.name)?.();
    await waitFor('the first pod gone', () => !c.pods(NS, (p) => p.metadata.name === first.metadata.name).length);
  });
});

describe('namespace deletion', () => {
  test('a namespace with running pods goes promptly', async () => {
    await kubectlOk(c, ['create', 'namespace', 'short-lived']);
    await kubectlOk(c, ['-n', 'short-lived', 'create', 'deployment', 'app', `--image=${IMAGE}:v1`, '--replicas=2']);
    await kubectlOk(c, ['-n', 'short-lived', 'rollout', 'status', 'deploy/app', '--timeout=20s']);
    const res = await c.kubectl(['delete', 'namespace', 'short-lived', '--timeout=30s']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await c.kubectl(['get', 'namespace', 'short-lived'])).code, 1);
  });
});

describe('deletes that must not stop pods', () => {
  test('delete --dry-run=server: the pod keeps running, unmarked', async () => {
    const before = await runningPod('dry');
    const res = await c.kubectl(['-n', NS, 'delete', 'pod', 'dry', '--dry-run=server']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'pod "dry" deleted (server dry run)');
    await new Promise((r) => setTimeout(r, 200)); // the kubelet would have reacted by now
    assert.ok(!stopping.has('dry'), 'the container was not stopped');
    const table = await kubectlOk(c, ['-n', NS, 'get', 'pod', 'dry', '--no-headers']);
    assert.match(table, /^dry\s+1\/1\s+Running\s/);
    const after = c.pods(NS, (p) => p.metadata.name === 'dry')[0];
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.deletionTimestamp, undefined);
  });

  test('delete deployment --cascade=orphan keeps the ReplicaSet and its running pods', async () => {
    await kubectlOk(c, ['-n', NS, 'create', 'deployment', 'keeper', `--image=${IMAGE}:v1`, '--replicas=2']);
    await kubectlOk(c, ['-n', NS, 'rollout', 'status', 'deploy/keeper', '--timeout=20s']);
    const podsBefore = c.pods(NS, (p) => p.metadata.labels?.app === 'keeper').map((p) => p.metadata.uid).sort();
    const res = await c.kubectl(['-n', NS, 'delete', 'deployment', 'keeper', '--cascade=orphan']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await c.kubectl(['-n', NS, 'get', 'deployment', 'keeper'])).code, 1, 'the Deployment is gone');
    const rs = JSON.parse(await kubectlOk(c, ['-n', NS, 'get', 'rs', '-l', 'app=keeper', '-o', 'json'])).items as { metadata: { ownerReferences?: unknown[] }; status: { readyReplicas?: number } }[];
    assert.equal(rs.length, 1);
    assert.equal(rs[0].metadata.ownerReferences, undefined, 'no reference to the deleted Deployment');
    await new Promise((r) => setTimeout(r, 200));
    const podsAfter = c.pods(NS, (p) => p.metadata.labels?.app === 'keeper' && !p.metadata.deletionTimestamp && isReady(p)).map((p) => p.metadata.uid).sort();
    assert.deepEqual(podsAfter, podsBefore, 'the same pods, still running');
  });
});
