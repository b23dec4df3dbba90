// ResourceQuota through the real kubectl, against a whole sandbox (admission runs in its API server): pod and
// object counts refused with upstream's `exceeded quota: ...` text, pods without requests refused with
// `failed quota: ...: must specify ...`, `kubectl get quota` / `describe quota` showing used/hard, finished pods
// not counting, dry-run checked but not counted, deletion never blocked, the ConfigMap/Secret bytes budget
// (a sandbox extension) and Kubernetes' 1 MiB per-object limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { kubectlOk, kubectlRefused, startCluster, waitFor, type ClusterFixture } from '../cluster/fixture.js';

const quota = (ns: string, name: string, hard: Record<string, string>, extra = '') => `apiVersion: v1
kind: ResourceQuota
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hard:
${Object.entries(hard).map(([k, v]) => `    ${k}: "${v}"`).join('\n')}
${extra}`;

const pod = (ns: string, name: string, resources?: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}}
spec:
  ${extra}
  containers:
  - name: app
    image: playground/httpbin:v1
${resources ? `    resources: ${resources}` : ''}
`;

describe('ResourceQuota', () => {
  let c: ClusterFixture;
  const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
  const refused = (args: string[], input?: string) => kubectlRefused(c, args, input);
  const namespace = (name: string) => ok(['create', 'namespace', name]);

  before(async () => {
    registerImage('test/completes', (ctx) => ({
      start: async () => void setTimeout(() => ctx.exit(0), 20),
      stop: async () => undefined,
    }));
    c = await startCluster({ mesh: false });
  });
  after(async () => {
    unregisterImage('test/completes');
    await c?.close();
  });

  test('pods beyond the quota are refused with upstream text; get and describe show used/hard', async () => {
    await namespace('qa');
    await ok(['apply', '-f', '-'], quota('qa', 'playground-quota', { pods: '2', configmaps: '10' }));
    await ok(['run', 'p1', '-n', 'qa', '--image=playground/httpbin:v1']);
    await ok(['run', 'p2', '-n', 'qa', '--image=playground/httpbin:v1']);
    const err = await refused(['run', 'p3', '-n', 'qa', '--image=playground/httpbin:v1']);
    assert.equal(err, 'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: playground-quota, requested: pods=1, used: pods=2, limited: pods=2');
    // Server-side dry run is checked too...
    const dry = await refused(['run', 'p3', '-n', 'qa', '--image=playground/httpbin:v1', '--dry-run=server']);
    assert.match(dry, /exceeded quota: playground-quota, requested: pods=1, used: pods=2, limited: pods=2/);

    const table = await waitFor('kubectl get quota to show the usage', async () => {
      const out = await ok(['get', 'quota', '-n', 'qa']);
      return out.includes('configmaps: 1/10, pods: 2/2') ? out : undefined; // kube-root-ca.crt is a ConfigMap
    }, { timeoutMs: 15_000, intervalMs: 200 }).catch(async () => ok(['get', 'quota', '-n', 'qa']));
    assert.match(table, /^NAME\s+AGE\s+REQUEST\s+LIMIT\s*$/m, table);
    assert.match(table, /^playground-quota\s+\S+\s+configmaps: \d+\/10, pods: 2\/2\s*$/m, table);
    const described = await ok(['describe', 'quota', 'playground-quota', '-n', 'qa']);
    assert.match(described, /^Resource\s+Used\s+Hard\s*$/m, described);
    assert.match(described, /^pods\s+2\s+2\s*$/m, described);

    // ...and deletion is never blocked; the freed slot can be used at once.
    await ok(['delete', 'pod', 'p1', '-n', 'qa', '--wait=false']);
    await waitFor('p1 gone', () => !c.sandbox.api.tryGet(c.sandbox.api.type('', 'pods'), 'qa', 'p1'));
    await ok(['run', 'p3', '-n', 'qa', '--image=playground/httpbin:v1']);
  });

  test('compute quotas: pods must state requests; requests and limits are summed and refused past the hard limit', async () => {
    await namespace('qb');
    await ok(['apply', '-f', '-'], quota('qb', 'compute', { 'requests.cpu': '500m', 'requests.memory': '256Mi', 'limits.cpu': '1' }));
    const missing = await refused(['apply', '-f', '-'], pod('qb', 'bare'));
    assert.match(missing, /pods "bare" is forbidden: failed quota: compute: must specify limits\.cpu for: app; requests\.cpu for: app; requests\.memory for: app$/);

    const sized = '{requests: {cpu: 300m, memory: 128Mi}, limits: {cpu: 500m, memory: 128Mi}}';
    await ok(['apply', '-f', '-'], pod('qb', 'one', sized));
    const err = await refused(['apply', '-f', '-'], pod('qb', 'two', sized));
    assert.match(err, /pods "two" is forbidden: exceeded quota: compute, requested: requests\.cpu=300m, used: requests\.cpu=300m, limited: requests\.cpu=500m$/);

    const table = await waitFor('compute usage in kubectl get quota', async () => {
      const out = await ok(['get', 'quota', 'compute', '-n', 'qb']);
      return /requests\.cpu: 300m\/500m/.test(out) ? out : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    assert.match(table, /^compute\s+\S+\s+requests\.cpu: 300m\/500m, requests\.memory: 128Mi\/256Mi\s+limits\.cpu: 500m\/1\s*$/m, table);
  });

  test('pods that finished (Succeeded) no longer count against `pods`', async () => {
    await namespace('qc');
    await ok(['apply', '-f', '-'], quota('qc', 'pods', { pods: '1' }));
    await ok(['run', 'done', '-n', 'qc', '--image=test/completes', '--restart=Never']);
    await waitFor('the pod to succeed', () => (c.sandbox.api.tryGet(c.sandbox.api.type('', 'pods'), 'qc', 'done') as Pod | undefined)?.status?.phase === 'Succeeded', { timeoutMs: 20_000 });
    await ok(['run', 'next', '-n', 'qc', '--image=playground/httpbin:v1']);
    const err = await refused(['run', 'third', '-n', 'qc', '--image=playground/httpbin:v1']);
    assert.match(err, /exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=1$/);
  });

  test('count/<resource>.<group> limits any served kind', async () => {
    await namespace('qd');
    await ok(['apply', '-f', '-'], quota('qd', 'counts', { 'count/deployments.apps': '1' }));
    await ok(['create', 'deployment', 'd1', '-n', 'qd', '--image=playground/httpbin:v1']);
    const err = await refused(['create', 'deployment', 'd2', '-n', 'qd', '--image=playground/httpbin:v1']);
    assert.equal(err, 'error: failed to create deployment: deployments.apps "d2" is forbidden: exceeded quota: counts, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  });

  test('a Deployment whose ReplicaSet is refused reports ReplicaSetCreateError and retries later', async () => {
    await namespace('qg');
    await ok(['apply', '-f', '-'], quota('qg', 'no-rs', { 'count/replicasets.apps': '0' }));
    await ok(['create', 'deployment', 'web', '-n', 'qg', '--image=playground/httpbin:v1']);
    const events = await waitFor('a ReplicaSetCreateError event', async () => {
      const out = await ok(['get', 'events', '-n', 'qg', '--field-selector', 'reason=ReplicaSetCreateError', '-o', 'jsonpath={.items[*].message}']);
      return out.trim() ? out : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    assert.match(events, /^Failed to create new replica set "web-[a-z0-9]+": replicasets\.apps "web-[a-z0-9]+" is forbidden: exceeded quota: no-rs, requested: count\/replicasets\.apps=1, used: count\/replicasets\.apps=0, limited: count\/replicasets\.apps=0$/);
    const progressing = await ok(['get', 'deployment', 'web', '-n', 'qg', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
    assert.equal(progressing, 'ReplicaSetCreateError');
    // Raising the quota lets the next retry through.
    await ok(['apply', '-f', '-'], quota('qg', 'no-rs', { 'count/replicasets.apps': '1' }));
    await waitFor('the ReplicaSet after the back-off', () => c.sandbox.api.list(c.sandbox.api.type('apps', 'replicasets'), 'qg').items.length === 1, { timeoutMs: 20_000, intervalMs: 200 });
  });

  test('the ConfigMap/Secret bytes budget (sandbox extension) and the 1 MiB per-object limit', async () => {
    await namespace('qe');
    await ok(['apply', '-f', '-'], quota('qe', 'bytes', { 'mesh.playground.dev/configmap-secret-bytes': '300000', configmaps: '50' }));
    const blob = c.file('blob.txt', 'x'.repeat(100_000));
    await ok(['create', 'configmap', 'a', '-n', 'qe', `--from-file=data=${blob}`]);
    await ok(['create', 'configmap', 'b', '-n', 'qe', `--from-file=data=${blob}`]);
    // kube-root-ca.crt is counted too: the third 100 KB map goes past 300,000 bytes.
    const err = await refused(['create', 'configmap', 'c', '-n', 'qe', `--from-file=data=${blob}`]);
    assert.match(err, /configmaps "c" is forbidden: exceeded quota: bytes, requested: mesh\.playground\.dev\/configmap-secret-bytes=100004, used: mesh\.playground\.dev\/configmap-secret-bytes=\d+, limited: mesh\.playground\.dev\/configmap-secret-bytes=300k$/);
    // An update that grows a map is checked too (only the growth is requested).
    const grown = c.file('grown.txt', 'x'.repeat(250_000));
    const yaml = await ok(['create', 'configmap', 'a', '-n', 'qe', `--from-file=data=${grown}`, '--dry-run=client', '-o', 'yaml']);
    const growErr = await refused(['replace', '-f', '-'], yaml);
    assert.match(growErr, /configmaps "a" is forbidden: exceeded quota: bytes, requested: mesh\.playground\.dev\/configmap-secret-bytes=150k, /);
    // Secrets share the budget.
    const secretErr = await refused(['create', 'secret', 'generic', 's', '-n', 'qe', `--from-file=data=${blob}`]);
    assert.match(secretErr, /secrets "s" is forbidden: exceeded quota: bytes/);

    // Kubernetes refuses any ConfigMap or Secret over 1 MiB of data, quota or not.
    const big = c.file('big.txt', 'y'.repeat(1024 * 1024 + 1));
    const tooBig = await refused(['create', 'configmap', 'big', '-n', 'default', `--from-file=data=${big}`]);
    assert.match(tooBig, /ConfigMap "big" is invalid: \[\]: Too long: must have at most 1048576 bytes$/);
    const tooBigSecret = await refused(['create', 'secret', 'generic', 'big', '-n', 'default', `--from-file=data=${big}`]);
    assert.match(tooBigSecret, /Secret "big" is invalid: data: Too long: must have at most 1048576 bytes$/);
  });

  test('a quota naming unknown resources or bad quantities is invalid', async () => {
    const err = await refused(['apply', '-f', '-'], quota('default', 'bad', { foo: '1', pods: '1.5', 'requests.cpu': 'lots' }));
    assert.match(err, /The ResourceQuota "bad" is invalid:/);
    assert.match(err, /spec\.hard\[foo\]: Invalid value: "foo": must be a standard resource for quota/);
    assert.match(err, /spec\.hard\[pods\]: Invalid value: "1\.5": must be an integer/);
    assert.match(err, /spec\.hard\[requests\.cpu\]: Invalid value: "lots": quantities must match the regular expression/);
  });

  test('a scoped quota (BestEffort) counts only the pods in its scope', async () => {
    await namespace('qf');
    await ok(['apply', '-f', '-'], quota('qf', 'besteffort', { pods: '1' }, '  scopes: [BestEffort]\n'));
    await ok(['run', 'be1', '-n', 'qf', '--image=playground/httpbin:v1']);
    const err = await refused(['run', 'be2', '-n', 'qf', '--image=playground/httpbin:v1']);
    assert.match(err, /exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1$/);
    await ok(['apply', '-f', '-'], pod('qf', 'sized', '{requests: {cpu: 10m}}'));
  });
});
