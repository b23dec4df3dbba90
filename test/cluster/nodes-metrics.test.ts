// The Node and metrics.k8s.io with the real kubectl: `kubectl get nodes` shows the one node `sandbox` Ready
// (capacity from the capacity guard's limits, nodeInfo from the machine), `describe node` works, and
// `kubectl top nodes|pods` print measured numbers — a pod that served traffic gets a CPU share, one that
// did not gets 0 — while the metrics API refuses writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { kubectlOk, kubectlRefused, isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'metrics-test';
const MAX_PODS = 40;
const BUDGET = 6 * 1024 ** 3;

describe('the Node and the metrics API', () => {
  let c: ClusterFixture;
  const k = (...args: string[]) => kubectlOk(c, args);

  before(async () => {
    c = await startCluster({ mesh: false, maxPods: MAX_PODS, memoryBudgetBytes: BUDGET });
    await k('create', 'namespace', NS);
  });
  after(async () => {
    await c?.close();
  });

  test('kubectl get nodes: sandbox, Ready, control-plane, v1.32; -o wide shows its address, OS and runtime', async () => {
    const table = await k('get', 'nodes');
    assert.match(table, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
    assert.match(table, /^sandbox\s+Ready\s+control-plane\s+\d+s\s+v1\.32\.\d+$/m);
    const wide = await k('get', 'nodes', '-o', 'wide');
    assert.match(wide, /INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/);
    assert.match(wide, new RegExp(`^sandbox\\s+Ready\\s+control-plane\\s+\\S+\\s+v1\\.32\\.\\d+\\s+127\\.0\\.0\\.1\\s+<none>\\s+.+\\s+${release().replace(/[.+]/g, '\\$&')}\\s+nodejs://${process.versions.node.replace(/\./g, '\\.')}$`, 'm'));
    const node = JSON.parse(await k('get', 'node', 'sandbox', '-o', 'json')) as { status: { capacity: Record<string, string>; allocatable: Record<string, string>; conditions: { type: string; status: string; lastHeartbeatTime: string }[]; nodeInfo: Record<string, string> } };
    assert.equal(node.status.capacity.pods, String(MAX_PODS));
    assert.equal(node.status.capacity.memory, `${BUDGET / 1024}Ki`);
    assert.ok(Number(node.status.capacity.cpu) >= 1);
    assert.deepEqual(node.status.allocatable, node.status.capacity);
    assert.deepEqual(node.status.conditions.map((x) => [x.type, x.status]), [['MemoryPressure', 'False'], ['DiskPressure', 'False'], ['PIDPressure', 'False'], ['Ready', 'True']]);
    assert.ok(node.status.conditions.every((x) => !Number.isNaN(Date.parse(x.lastHeartbeatTime))));
    assert.equal(node.status.nodeInfo.operatingSystem, 'linux');
    const describeOut = await k('describe', 'node', 'sandbox');
    assert.match(describeOut, /^Name:\s+sandbox$/m);
    assert.match(describeOut, /Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status/);
    assert.match(describeOut, new RegExp(`pods:\\s+${MAX_PODS}`));
  });

  test('kubectl top nodes and top pods print measured numbers; writes to the metrics API are refused', async () => {
    await k('-n', NS, 'create', 'deployment', 'busy', '--image=playground/httpbin:v1', '--port=8080');
    await k('-n', NS, 'create', 'deployment', 'idle', '--image=playground/httpbin:v1', '--port=8080');
    await waitFor('both pods ready', () => c.pods(NS).filter(isReady).length === 2);
    const busy = c.pods(NS, (p) => p.metadata.labels?.app === 'busy')[0];
    // Traffic to one pod only, through the API server's pod proxy (a real connection to the pod's listener),
    // until a metrics window holds some of it.
    type Raw = { kind: string; window: string; containers: { name: string; usage: { cpu: string; memory: string } }[] };
    const raw = await waitFor('the pod that served traffic to get a CPU share', async () => {
      for (let i = 0; i < 3; i++) await k('get', '--raw', `/api/v1/namespaces/${NS}/pods/${busy.metadata.name}:8080/proxy/get`);
      const m = JSON.parse(await k('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/${busy.metadata.name}`)) as Raw;
      return Number(m.containers[0].usage.cpu.slice(0, -1)) > 0 ? m : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    assert.equal(raw.kind, 'PodMetrics');
    assert.match(raw.window, /^\d+(\.\d+)?s$/);
    assert.match(raw.containers[0].usage.cpu, /^\d+n$/);
    assert.match(raw.containers[0].usage.memory, /^\d+Ki$/);

    const nodes = await k('top', 'nodes');
    assert.match(nodes, /^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*$/m);
    const row = /^sandbox\s+(\d+)m\s+(\d+)%\s+(\d+)Mi\s+(\d+)%\s*$/m.exec(nodes);
    assert.ok(row, nodes);
    assert.ok(Number(row[3]) > 0, 'the process uses memory');

    const pods = await k('-n', NS, 'top', 'pods');
    assert.match(pods, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/m);
    assert.match(pods, new RegExp(`^${busy.metadata.name}\\s+\\d+m\\s+\\d+Mi\\s*$`, 'm'));
    assert.match(pods, /^idle-\S+\s+0m\s+\d+Mi\s*$/m, 'a pod without traffic gets no CPU share');

    const write = await kubectlRefused(c, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: 'fake' }, usage: { cpu: '1', memory: '1Ki' } }));
    assert.match(write, /MethodNotAllowed|not allow|method/i);
  });
});
