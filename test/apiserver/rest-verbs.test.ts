// REST verbs beyond kubectl's everyday use: deletecollection, delete preconditions and finalizers,
// /status updates, scale over REST, and protobuf bodies the sandbox cannot decode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(() => f.close());

const CM = '/api/v1/namespaces/default/configmaps';
const json = (o: unknown) => ({ body: JSON.stringify(o), contentType: 'application/json' });
const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: name } });

describe('delete', () => {
  test('deletecollection deletes what the selector matches and returns it', async () => {
    for (const [n, tier] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) assert.equal((await f.request('POST', CM, json(cm(n, { tier })))).status, 201);
    const res = await f.request('DELETE', `${CM}?labelSelector=tier%3Dx`);
    assert.equal(res.status, 200);
    assert.equal(res.json().kind, 'ConfigMapList');
    assert.deepEqual(res.json().items.map((i: any) => i.metadata.name), ['a', 'b']);
    assert.deepEqual(f.api.list(f.api.type('', 'configmaps'), 'default').items.map((o) => o.metadata.name), ['c']);
  });

  test('preconditions: a wrong uid is 409 and nothing is deleted; a right one deletes', async () => {
    const bad = await f.request('DELETE', `${CM}/c`, json({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: 'not-the-uid' } }));
    assert.equal(bad.status, 409, bad.text);
    const uid = f.api.get(f.api.type('', 'configmaps'), 'default', 'c').metadata.uid;
    const ok = await f.request('DELETE', `${CM}/c`, json({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid } }));
    assert.equal(ok.status, 200);
    assert.equal(ok.json().status, 'Success');
    assert.equal(ok.json().details.name, 'c');
    assert.equal((await f.request('DELETE', `${CM}/c`)).status, 404);
  });

  test('an object with finalizers is marked, returned, and goes when the last finalizer is removed', async () => {
    await f.request('POST', CM, json({ ...cm('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } }));
    const res = await f.request('DELETE', `${CM}/held`);
    assert.equal(res.status, 200);
    assert.ok(res.json().metadata.deletionTimestamp);
    const patched = await f.request('PATCH', `${CM}/held`, { body: JSON.stringify({ metadata: { finalizers: null } }), contentType: 'application/merge-patch+json' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await f.request('GET', `${CM}/held`)).status, 404);
  });

  test('a bad propagationPolicy is 400', async () => {
    await f.request('POST', CM, json(cm('pp')));
    const res = await f.request('DELETE', `${CM}/pp?propagationPolicy=Sideways`);
    assert.equal(res.status, 400);
  });
});

describe('status and scale subresources', () => {
  const DEP = '/apis/apps/v1/namespaces/default/deployments';
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x' }] } } }, status: { replicas: 99 } };

  test('status sent to the main resource is ignored; /status changes only status', async () => {
    const created = await f.request('POST', DEP, json(deployment));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json().status, undefined);
    const obj = created.json();
    const put = await f.request('PUT', `${DEP}/web/status`, json({ ...obj, spec: { ...obj.spec, replicas: 7 }, status: { replicas: 1, readyReplicas: 1 } }));
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json().status, { replicas: 1, readyReplicas: 1 });
    assert.equal(put.json().spec.replicas, 1);
    const main = await f.request('PUT', `${DEP}/web`, json({ ...put.json(), spec: { ...put.json().spec, replicas: 2 }, status: { replicas: 0 } }));
    assert.equal(main.json().spec.replicas, 2);
    assert.deepEqual(main.json().status, { replicas: 1, readyReplicas: 1 });
  });

  test('an update with a stale resourceVersion is 409', async () => {
    const current = (await f.request('GET', `${DEP}/web`)).json();
    const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1' } };
    const res = await f.request('PUT', `${DEP}/web`, json(stale));
    assert.equal(res.status, 409);
    assert.match(res.json().message, /the object has been modified/);
  });

  test('GET/PUT scale', async () => {
    const scale = (await f.request('GET', `${DEP}/web/scale`)).json();
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec.replicas, scale.status.selector], ['Scale', 'autoscaling/v1', 2, 'app=web']);
    const put = await f.request('PUT', `${DEP}/web/scale`, json({ ...scale, spec: { replicas: 4 } }));
    assert.equal(put.json().spec.replicas, 4);
    assert.equal((await f.request('PUT', `${DEP}/web/scale`, json({ ...scale, spec: { replicas: -1 } }))).status, 422);
    assert.equal((await f.request('GET', `${DEP}/web`)).json().spec.replicas, 4);
  });
});

describe('protobuf bodies', () => {
  const envelope = (apiVersion: string, kind: string, raw: number[]) => {
    const str = (field: number, s: string) => [(field << 3) | 2, s.length, ...Buffer.from(s)];
    const typeMeta = [...str(1, apiVersion), ...str(2, kind)];
    return Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, typeMeta.length, ...typeMeta, 0x12, raw.length, ...raw]);
  };
  const send = (body: Buffer) => f.request('POST', CM, { body: new Uint8Array(body), contentType: 'application/vnd.kubernetes.protobuf' });

  test('a ConfigMap in protobuf is created', async () => {
    // metadata{name:"pb"}, data{"k":"v"}
    const res = await send(envelope('v1', 'ConfigMap', [0x0a, 0x04, 0x0a, 0x02, 0x70, 0x62, 0x12, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76]));
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json().data, { k: 'v' });
  });

  test('a field the sandbox does not decode is refused, not dropped; garbage is 400', async () => {
    const res = await send(envelope('v1', 'ConfigMap', [0x0a, 0x04, 0x0a, 0x02, 0x70, 0x71, 0xf8, 0x01, 0x01]));
    assert.equal(res.status, 415);
    assert.match(res.json().message, /protobuf field 31 of ConfigMap is not supported/);
    assert.equal(f.api.tryGet(f.api.type('', 'configmaps'), 'default', 'pq'), undefined);
    const garbage = await send(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x12, 0x7f, 0x01]));
    assert.equal(garbage.status, 400);
    const unknownKind = await send(envelope('v1', 'PersistentVolume', []));
    assert.equal(unknownKind.status, 415);
  });
});
