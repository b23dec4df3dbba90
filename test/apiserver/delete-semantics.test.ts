// What a delete means, checked with the real kubectl: --dry-run=server deletes nothing (kubectl sends dryRun in
// the DeleteOptions body), --cascade=orphan keeps the dependents and drops their ownerReferences, foreground
// deletion waits for the dependents, the system namespaces cannot be deleted, and a Secret's stringData is
// stored as base64 data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';
import { GarbageCollector } from '../../sandbox/controllers/garbage-collector.js';
import { namespaceLifecycleAdmission } from '../../sandbox/apiserver/admission/namespace-lifecycle.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';

let f: Fixture;
let gc: GarbageCollector;
before(async () => {
  f = await startFixture({ namespaces: ['default', 'kube-system', 'kube-public', 'scratch'] });
  f.api.use(namespaceLifecycleAdmission());
  gc = new GarbageCollector(f.api);
  gc.start();
});
after(async () => {
  gc.stop();
  await f.close();
});

const json = (o: unknown) => ({ body: JSON.stringify(o), contentType: 'application/json' });

/** Polls until `check` holds (bounded in time and attempts). */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const deployments = () => f.api.type('apps', 'deployments');
const replicasets = () => f.api.type('apps', 'replicasets');
const pods = () => f.api.type('', 'pods');

/** A Deployment with a ReplicaSet and a pod owned the way the controllers own them (no controllers run here). */
function deploymentTree(name: string, opts: { rsFinalizers?: string[] } = {}): { deployment: KubeObject; rs: KubeObject; pod: KubeObject } {
  const labels = { app: name };
  const deployment = f.api.create(deployments(), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
  });
  const owner = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true });
  const rs = f.api.create(replicasets(), {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `${name}-abc`, namespace: 'default', ownerReferences: [owner(deployment)], ...(opts.rsFinalizers ? { finalizers: opts.rsFinalizers } : {}) },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
  });
  const pod = f.api.create(pods(), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-abc-xyz`, namespace: 'default', labels, ownerReferences: [owner(rs)] },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  });
  return { deployment, rs, pod };
}

describe('delete --dry-run=server', () => {
  test('kubectl delete --dry-run=server answers as if deleted and deletes nothing', async () => {
    assert.equal((await f.kubectl(['create', 'configmap', 'keep', '--from-literal=k=v'])).code, 0);
    const dry = await f.kubectl(['delete', 'configmap', 'keep', '--dry-run=server']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.trim(), 'configmap "keep" deleted (server dry run)');
    const still = await f.kubectl(['get', 'configmap', 'keep', '-o', 'jsonpath={.data.k}']);
    assert.equal(still.code, 0, still.stderr);
    assert.equal(still.stdout, 'v');
  });

  test('a dry-run delete of a Deployment leaves it and its dependents', async () => {
    const tree = deploymentTree('dry');
    const dry = await f.kubectl(['delete', 'deployment', 'dry', '--dry-run=server']);
    assert.equal(dry.code, 0, dry.stderr);
    await new Promise((r) => setTimeout(r, 50)); // a garbage collector pass would have run by now
    assert.equal(f.api.tryGet(deployments(), 'default', 'dry')?.metadata.uid, tree.deployment.metadata.uid);
    assert.ok(f.api.tryGet(replicasets(), 'default', 'dry-abc'));
    assert.ok(f.api.tryGet(pods(), 'default', 'dry-abc-xyz'));
    assert.equal(f.api.get(deployments(), 'default', 'dry').metadata.deletionTimestamp, undefined);
  });

  test('dryRun in the body or the query, for delete and deletecollection; a bad value is 400', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const body = await f.request('DELETE', `${path}/keep`, json({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] }));
    assert.equal(body.status, 200, body.text);
    const query = await f.request('DELETE', `${path}/keep?dryRun=All`);
    assert.equal(query.status, 200, query.text);
    const collection = await f.request('DELETE', path, json({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] }));
    assert.equal(collection.status, 200, collection.text);
    assert.ok(collection.json().items.some((i: KubeObject) => i.metadata.name === 'keep'));
    assert.ok(f.api.tryGet(f.api.type('', 'configmaps'), 'default', 'keep'), 'still there after three dry runs');
    const bad = await f.request('DELETE', `${path}/keep`, json({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['Some'] }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json().message, 'Invalid dryRun value: Some. Valid values are: All');
    assert.ok(f.api.tryGet(f.api.type('', 'configmaps'), 'default', 'keep'));
  });

  test('create, apply and patch with --dry-run=server store nothing', async () => {
    const created = await f.kubectl(['create', 'configmap', 'ghost', '--from-literal=k=v', '--dry-run=server', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^[0-9a-f-]{36}$/);
    assert.equal((await f.kubectl(['get', 'configmap', 'ghost'])).code, 1);
    const patched = await f.kubectl(['patch', 'configmap', 'keep', '-p', '{"data":{"k":"changed"}}', '--dry-run=server', '-o', 'jsonpath={.data.k}']);
    assert.equal(patched.stdout, 'changed');
    const applied = await f.kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\ndata: {k: applied}\n' });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await f.kubectl(['get', 'configmap', 'keep', '-o', 'jsonpath={.data.k}'])).stdout, 'v');
  });
});

describe('propagation policy', () => {
  test('--cascade=orphan keeps the ReplicaSet and its pod, without the reference to the deleted Deployment', async () => {
    deploymentTree('orph');
    const res = await f.kubectl(['delete', 'deployment', 'orph', '--cascade=orphan']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'deployment.apps "orph" deleted');
    assert.equal(f.api.tryGet(deployments(), 'default', 'orph'), undefined);
    const rs = await f.kubectl(['get', 'replicaset', 'orph-abc', '-o', 'jsonpath={.metadata.ownerReferences}']);
    assert.equal(rs.code, 0, rs.stderr);
    assert.equal(rs.stdout, '');
    await new Promise((r) => setTimeout(r, 50));
    const pod = await f.kubectl(['get', 'pod', 'orph-abc-xyz', '-o', 'jsonpath={.metadata.ownerReferences[0].kind}']);
    assert.equal(pod.code, 0, pod.stderr);
    assert.equal(pod.stdout, 'ReplicaSet', 'the pod keeps its own (living) owner');
  });

  test('the deprecated orphanDependents: true orphans too; with propagationPolicy it is 422', async () => {
    deploymentTree('old-orph');
    const both = await f.request('DELETE', '/apis/apps/v1/namespaces/default/deployments/old-orph', json({ kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: true, propagationPolicy: 'Orphan' }));
    assert.equal(both.status, 422, both.text);
    assert.match(both.json().message, /orphanDependents and deletionPropagation cannot be both set/);
    const res = await f.request('DELETE', '/apis/apps/v1/namespaces/default/deployments/old-orph', json({ kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: true }));
    assert.equal(res.status, 200, res.text);
    await until('the Deployment gone', () => !f.api.tryGet(deployments(), 'default', 'old-orph'));
    await until('the ReplicaSet orphaned', () => !f.api.tryGet(replicasets(), 'default', 'old-orph-abc')?.metadata.ownerReferences?.length);
  });

  test('the default (background) deletes the dependents', async () => {
    deploymentTree('bg');
    const res = await f.kubectl(['delete', 'deployment', 'bg']);
    assert.equal(res.code, 0, res.stderr);
    await until('the ReplicaSet and pod collected', () => !f.api.tryGet(replicasets(), 'default', 'bg-abc') && !f.api.tryGet(pods(), 'default', 'bg-abc-xyz'));
  });

  test('foreground: the owner is marked (foregroundDeletion) and goes only after its blocking dependents', async () => {
    deploymentTree('fg', { rsFinalizers: ['example.com/hold'] });
    const res = await f.request('DELETE', '/apis/apps/v1/namespaces/default/deployments/fg', json({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }));
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json().metadata.deletionTimestamp);
    assert.deepEqual(res.json().metadata.finalizers, ['foregroundDeletion']);
    await until('the ReplicaSet being deleted', () => !!f.api.tryGet(replicasets(), 'default', 'fg-abc')?.metadata.deletionTimestamp);
    await new Promise((r) => setTimeout(r, 100));
    const waiting = await f.kubectl(['get', 'deployment', 'fg', '-o', 'jsonpath={.metadata.finalizers}']);
    assert.equal(waiting.code, 0, 'the Deployment waits for its ReplicaSet');
    assert.equal(waiting.stdout, '["foregroundDeletion"]');
    const rs = f.api.get(replicasets(), 'default', 'fg-abc');
    rs.metadata.finalizers = (rs.metadata.finalizers ?? []).filter((x) => x !== 'example.com/hold');
    f.api.update(replicasets(), rs);
    await until('the Deployment gone after its dependents', () => !f.api.tryGet(deployments(), 'default', 'fg'));
    assert.equal(f.api.tryGet(pods(), 'default', 'fg-abc-xyz'), undefined);
  });

  test('kubectl delete --cascade=foreground returns once everything is gone', async () => {
    deploymentTree('fg2');
    const res = await f.kubectl(['delete', 'deployment', 'fg2', '--cascade=foreground']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(f.api.tryGet(deployments(), 'default', 'fg2'), undefined);
    assert.equal(f.api.tryGet(replicasets(), 'default', 'fg2-abc'), undefined);
  });
});

describe('system namespaces', () => {
  for (const ns of ['default', 'kube-system', 'kube-public']) {
    test(`kubectl delete namespace ${ns} is forbidden and the namespace stays Active`, async () => {
      const res = await f.kubectl(['delete', 'namespace', ns]);
      assert.equal(res.code, 1);
      assert.equal(res.stderr.trim(), `Error from server (Forbidden): namespaces "${ns}" is forbidden: this namespace may not be deleted`);
      const nsObj = f.api.get(f.api.type('', 'namespaces'), undefined, ns);
      assert.equal(nsObj.metadata.deletionTimestamp, undefined);
    });
  }

  test('another namespace can still be deleted', async () => {
    const res = await f.kubectl(['delete', 'namespace', 'scratch', '--wait=false']);
    assert.equal(res.code, 0, res.stderr);
  });
});

describe('Secret data', () => {
  test('stringData is merged into data as base64 and not stored', async () => {
    const res = await f.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s1}\nstringData: {password: hunter2}\n' });
    assert.equal(res.code, 0, res.stderr);
    const data = await f.kubectl(['get', 'secret', 's1', '-o', 'jsonpath={.data.password}']);
    assert.equal(data.stdout, Buffer.from('hunter2').toString('base64'));
    const raw = await f.kubectl(['get', 'secret', 's1', '-o', 'json']);
    assert.equal(JSON.parse(raw.stdout).stringData, undefined);
    const table = await f.kubectl(['get', 'secret', 's1', '--no-headers']);
    assert.match(table.stdout, /^s1\s+Opaque\s+1\s/);
  });

  test('stringData wins over data for the same key; patching stringData adds a key', async () => {
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata: {name: s2}\ndata: {k: ${Buffer.from('old').toString('base64')}, other: ${Buffer.from('kept').toString('base64')}}\nstringData: {k: new}\n`;
    assert.equal((await f.kubectl(['create', '-f', '-'], { input: manifest })).code, 0);
    const k = await f.kubectl(['get', 'secret', 's2', '-o', 'jsonpath={.data.k} {.data.other}']);
    assert.equal(k.stdout, `${Buffer.from('new').toString('base64')} ${Buffer.from('kept').toString('base64')}`);
    const patched = await f.kubectl(['patch', 'secret', 's2', '-p', '{"stringData":{"added":"yes"}}']);
    assert.equal(patched.code, 0, patched.stderr);
    assert.equal((await f.kubectl(['get', 'secret', 's2', '-o', 'jsonpath={.data.added}'])).stdout, Buffer.from('yes').toString('base64'));
  });

  test('data that is not base64 is refused as the apiserver decodes it, and nothing is stored', async () => {
    const res = await f.kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s3}\ndata: {k: "not base64!"}\n' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3/);
    assert.equal((await f.kubectl(['get', 'secret', 's3'])).code, 1);
  });

  test('a key that is not a valid config key is 422', async () => {
    const res = await f.kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s4}\nstringData: {"bad key": x}\n' });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Secret "s4" is invalid: data\[bad key\]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters/);
  });
});
