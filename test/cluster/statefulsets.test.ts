// apps/v1 StatefulSet and DaemonSet with the real kubectl: a StatefulSet's pods are web-0, web-1, … created in
// order (web-1 only once web-0 is Ready), scaled down from the highest ordinal, reachable by their stable DNS
// names through the headless Service, with the statefulset.kubernetes.io/pod-name label and the status
// `kubectl rollout status` reads; volumeClaimTemplates are accepted and reported as not provisioned; a
// DaemonSet runs one pod on the one node. The test image's readiness is switched per pod by the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import { kubectlOk, kubectlRefused, isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'sts-test';
const IMAGE = 'test/gated-web';
/** Pods (by name) whose readiness gate is open. */
const open = new Set<string>();

const statefulSet = (replicas: number, extra = '') => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${IMAGE}
        ports:
        - containerPort: 8080
          name: http
${extra}`;

const headlessService = `apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 8080
    name: http
`;

describe('StatefulSets and DaemonSets', () => {
  let c: ClusterFixture;
  const k = (...args: string[]) => kubectlOk(c, ['-n', NS, ...args]);
  const webPods = () => c.pods(NS, (p) => p.metadata.labels?.app === 'web' && !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();

  before(async () => {
    registerImage(IMAGE, (ctx) => {
      const server = ctx.network.guard(createServer((_req, res) => res.end(`hello from ${ctx.podName}\n`)));
      return {
        start: () => new Promise<void>((resolve, reject) => server.once('error', reject).listen(8080, ctx.listenHost, () => resolve())),
        stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
        ready: () => open.has(ctx.podName),
      };
    });
    c = await startCluster({ mesh: false });
    await kubectlOk(c, ['create', 'namespace', NS]);
  });
  after(async () => {
    await c?.close();
    unregisterImage(IMAGE);
  });

  test('OrderedReady: web-0 first, web-1 only once web-0 is Ready; stable names, labels and DNS; scale down from the top', async () => {
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], headlessService);
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], statefulSet(2));
    await waitFor('web-0 running', () => c.pods(NS).find((p) => p.metadata.name === 'web-0' && p.status?.phase === 'Running'));
    // web-0 is Running but not Ready: the controller has seen it (status.replicas 1) and must not start web-1.
    await waitFor('status observed', async () => (await k('get', 'sts', 'web', '-o', 'jsonpath={.status.replicas}')) === '1');
    assert.deepEqual(webPods(), ['web-0']);
    assert.match(await k('get', 'sts', 'web'), /^web\s+0\/2\s+\d+s$/m);
    open.add('web-0');
    await waitFor('web-1 created after web-0 became Ready', () => webPods().includes('web-1'));
    open.add('web-1');
    const rollout = await c.kubectl(['-n', NS, 'rollout', 'status', 'sts/web', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /partitioned roll out complete: 2 new pods have been updated/);
    assert.match(await k('get', 'statefulset', 'web'), /^web\s+2\/2\s+\d+s$/m);
    assert.match(await k('describe', 'sts', 'web'), /^Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    assert.match(await k('get', 'all'), /^statefulset\.apps\/web\s+2\/2\s/m);

    const web0 = c.pods(NS).find((p) => p.metadata.name === 'web-0')!;
    const spec = web0.spec as { hostname?: string; subdomain?: string };
    assert.equal(spec.hostname, 'web-0');
    assert.equal(spec.subdomain, 'nginx');
    assert.equal(web0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(web0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
    const sts = JSON.parse(await k('get', 'sts', 'web', '-o', 'json')) as { status: { replicas: number; readyReplicas: number; currentRevision: string; updateRevision: string } };
    assert.equal(sts.status.readyReplicas, 2);
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
    assert.match(sts.status.currentRevision, /^web-\w+$/);

    // Stable network identity: web-1 reaches web-0 by its name under the headless Service.
    for (const name of [`web-0.nginx.${NS}.svc.cluster.local`, 'web-0.nginx']) {
      const r = await waitFor(`${name} resolves`, () => c.sandbox.runtime.requestFrom(NS, 'web-1', { url: `http://${name}:8080/` }).catch(() => undefined));
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello from web-0\n');
    }

    await k('scale', 'sts', 'web', '--replicas=3');
    await waitFor('web-2 created', () => webPods().includes('web-2'));
    open.add('web-2');
    await k('scale', 'sts', 'web', '--replicas=1');
    await waitFor('scaled down to web-0', () => webPods().join(',') === 'web-0', { timeoutMs: 20_000 });
    const events = await k('get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet', '--sort-by=.metadata.resourceVersion', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}');
    const deletes = events.split('\n').filter((l) => l.startsWith('delete Pod'));
    assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
    const creates = events.split('\n').filter((l) => l.startsWith('create Pod'));
    assert.deepEqual(creates.slice(0, 3), ['create Pod web-0 in StatefulSet web successful', 'create Pod web-1 in StatefulSet web successful', 'create Pod web-2 in StatefulSet web successful']);

    // Deleting the StatefulSet takes its pods.
    await k('delete', 'sts', 'web');
    await waitFor('pods collected', () => webPods().length === 0);
  });

  test('RollingUpdate: a new template replaces pods from the highest ordinal down; rollout status waits for it', async () => {
    for (const n of ['roll-0', 'roll-1']) open.add(n);
    const roll = statefulSet(2).replace(/name: web$/m, 'name: roll').replace(/app: web/g, 'app: roll');
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], roll);
    await kubectlOk(c, ['-n', NS, 'rollout', 'status', 'sts/roll', '--timeout=30s'], undefined, 40_000);
    const before = new Map(c.pods(NS, (p) => p.metadata.labels?.app === 'roll').map((p) => [p.metadata.name, p.metadata.uid]));
    await k('set', 'env', 'sts/roll', 'COLOUR=blue');
    await kubectlOk(c, ['-n', NS, 'rollout', 'status', 'sts/roll', '--timeout=30s'], undefined, 40_000);
    const after = c.pods(NS, (p) => p.metadata.labels?.app === 'roll');
    assert.deepEqual(after.map((p) => p.metadata.name).sort(), ['roll-0', 'roll-1']);
    for (const p of after) assert.notEqual(p.metadata.uid, before.get(p.metadata.name), `${p.metadata.name} was replaced`);
    const events = await k('get', 'events', '--field-selector', 'involvedObject.name=roll', '--sort-by=.metadata.resourceVersion', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}');
    assert.deepEqual(events.split('\n').filter((l) => l.startsWith('delete Pod')), ['delete Pod roll-1 in StatefulSet roll successful', 'delete Pod roll-0 in StatefulSet roll successful']);
    const sts = JSON.parse(await k('get', 'sts', 'roll', '-o', 'json')) as { status: { currentRevision: string; updateRevision: string; updatedReplicas: number } };
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
    assert.equal(sts.status.updatedReplicas, 2);
    await k('delete', 'sts', 'roll');
  });

  test('Parallel creates every ordinal at once; volumeClaimTemplates are accepted and reported as not provisioned', async () => {
    const extra = `  podManagementPolicy: Parallel
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
`;
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], statefulSet(3, extra).replace(/name: web$/m, 'name: par').replace(/app: web/g, 'app: par'));
    await waitFor('three pods at once', () => c.pods(NS, (p) => p.metadata.labels?.app === 'par').length === 3);
    const pod = c.pods(NS).find((p) => p.metadata.name === 'par-0')!;
    const volumes = (pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] }).volumes;
    assert.deepEqual(volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-par-0' } }]);
    const events = await k('get', 'events', '--field-selector', 'involvedObject.name=par,reason=VolumeClaimTemplatesNotSupported');
    assert.match(events, /no PersistentVolumeClaims are created for volumeClaimTemplates \(data\)/);
    await k('delete', 'sts', 'par');
  });

  test('invalid StatefulSets are refused with the API server messages', async () => {
    const bad = statefulSet(1).replace('  serviceName: nginx\n', '  serviceName: nginx\n  podManagementPolicy: Sometimes\n');
    const err = await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], bad);
    assert.match(err, /spec.podManagementPolicy: Unsupported value: "Sometimes": supported values: "OrderedReady", "Parallel"/);
    const mismatch = statefulSet(1).replace('      labels:\n        app: web', '      labels:\n        app: other');
    assert.match(await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], mismatch), /spec.template.metadata.labels: Invalid value: .*`selector` does not match template `labels`/);
  });

  test('a DaemonSet runs one pod on the one node; kubectl rollout status ds works', async () => {
    const ds = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: ${IMAGE}
`;
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], ds);
    const pod = await waitFor('the daemon pod', () => c.pods(NS, (p) => p.metadata.labels?.app === 'agent')[0]);
    assert.equal(pod.spec.nodeName, 'sandbox');
    assert.deepEqual(pod.metadata.ownerReferences?.map((r) => [r.kind, r.name]), [['DaemonSet', 'agent']]);
    open.add(pod.metadata.name);
    await waitFor('ready', () => c.pods(NS, (p) => p.metadata.labels?.app === 'agent').some(isReady));
    const rollout = await c.kubectl(['-n', NS, 'rollout', 'status', 'ds/agent', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /daemon set "agent" successfully rolled out/);
    const table = await k('get', 'ds');
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    assert.match(table, /^agent\s+1\s+1\s+1\s+1\s+1\s+<none>\s+\d+s$/m);
    assert.equal(c.pods(NS, (p) => p.metadata.labels?.app === 'agent').length, 1);
    assert.match(await k('describe', 'ds', 'agent'), /^Desired Number of Nodes Scheduled: 1$/m);
    // A nodeSelector no node matches: no pod (desired 0).
    await k('patch', 'ds', 'agent', '-p', '{"spec":{"template":{"spec":{"nodeSelector":{"disk":"ssd"}}}}}');
    await waitFor('no daemon pod', () => c.pods(NS, (p) => p.metadata.labels?.app === 'agent' && !p.metadata.deletionTimestamp).length === 0);
    assert.match(await k('get', 'ds', 'agent'), /^agent\s+0\s+0\s+0\s+0\s+0\s+disk=ssd\s+\d+s$/m);
  });
});
