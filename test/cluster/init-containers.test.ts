// Init containers through the real kubectl: while one runs the pod prints Init:0/1 and its app container waits as
// PodInitializing (what `kubectl logs` answers, as on a real node); once it has completed the app runs and the
// init container's status stays Terminated/Completed, with kubelet events naming each container's field path; one whose program fails prints Init:Error and the app
// never starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { isReady, kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'init';

const podWithInit = (name: string, initCommand: string[], restartPolicy = 'Always') => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}}
spec:
  restartPolicy: ${restartPolicy}
  initContainers:
  - name: setup
    image: busybox
    command: ${JSON.stringify(initCommand)}
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
`;

describe('init containers as kubectl shows them', () => {
  let c: ClusterFixture;
  const pod = (name: string) => c.pods(NS, (p) => p.metadata.name === name)[0] as Pod | undefined;
  const statusColumn = async (name: string) => (await kubectlOk(c, ['-n', NS, 'get', 'pod', name, '--no-headers', '-o', 'custom-columns=:status.phase'])).trim();

  before(async () => {
    c = await startCluster({ mesh: false });
    await kubectlOk(c, ['create', 'namespace', NS]);
  });
  after(async () => {
    await c?.close();
  });

  test('while the init container runs: Init:0/1, Pending, and the app container is waiting to start: PodInitializing', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], podWithInit('slow', ['sleep', '3600']));
    await waitFor('the init container running', () => pod('slow')?.status?.initContainerStatuses?.[0]?.state?.running);
    const row = await kubectlOk(c, ['-n', NS, 'get', 'pod', 'slow', '--no-headers']);
    assert.match(row, /^slow\s+0\/1\s+Init:0\/1\s+0\s/);
    assert.equal(await statusColumn('slow'), 'Pending');
    const logs = await c.kubectl(['-n', NS, 'logs', 'slow', '-c', 'app']);
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /container "app" in pod "slow" is waiting to start: PodInitializing/);
    await kubectlOk(c, ['-n', NS, 'delete', 'pod', 'slow', '--grace-period=0', '--force']);
  });

  test('once the init container has completed: the app runs and the init container stays Completed', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], podWithInit('quick', ['echo', 'ready']));
    await waitFor('the app running and ready', () => { const p = pod('quick'); return p && p.status?.phase === 'Running' && isReady(p); });
    const row = await kubectlOk(c, ['-n', NS, 'get', 'pod', 'quick', '--no-headers']);
    assert.match(row, /^quick\s+1\/1\s+Running\s+0\s/);
    const init = pod('quick')!.status!.initContainerStatuses![0];
    assert.equal(init.state.terminated?.reason, 'Completed');
    assert.equal(init.state.terminated?.exitCode, 0);
    assert.equal((await kubectlOk(c, ['-n', NS, 'logs', 'quick', '-c', 'setup'])).trim(), 'ready');
    // The kubelet's events name each container by its place in the spec.
    const events = await waitFor('the app container\'s Started event', async () => {
      const out = await kubectlOk(c, ['-n', NS, 'get', 'events', '--field-selector', 'involvedObject.name=quick', '-o', 'jsonpath={range .items[*]}{.source.component} {.reason} {.involvedObject.fieldPath}{"\\n"}{end}']);
      return out.includes('kubelet Started spec.containers{app}') ? out : undefined;
    });
    for (const reason of ['Created', 'Started']) assert.ok(events.includes(`kubelet ${reason} spec.initContainers{setup}`), events);
  });

  test('an init container whose program fails (restartPolicy Never): Init:Error with its exit code, and the app never starts', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], podWithInit('broken', ['sh', '-c', 'echo failing; exit 3'], 'Never'));
    const init = await waitFor('the init container terminated', () => pod('broken')?.status?.initContainerStatuses?.[0]?.state?.terminated);
    assert.deepEqual([init.exitCode, init.reason], [3, 'Error']);
    const row = await kubectlOk(c, ['-n', NS, 'get', 'pod', 'broken', '--no-headers']);
    assert.match(row, /^broken\s+0\/1\s+Init:Error\s+0\s/);
    assert.equal(pod('broken')!.status!.containerStatuses![0].state.waiting?.reason, 'PodInitializing');
    assert.equal((await kubectlOk(c, ['-n', NS, 'logs', 'broken', '-c', 'setup'])).trim(), 'failing');
  });
});
