// Server-side apply over REST: managedFields per manager, conflicts (409 with causes) unless forced,
// removal of fields a manager stops applying unless another manager owns them, CRDs and /status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(() => f.close());

const CM = '/api/v1/namespaces/default/configmaps';
const apply = (path: string, body: unknown, query = '') =>
  f.request('PATCH', `${path}?fieldManager=${query}`, { body: JSON.stringify(body), contentType: 'application/apply-patch+yaml' });
const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', ...(labels ? { labels } : {}) }, data });

describe('server-side apply', () => {
  test('creates the object and records the manager\'s fields', async () => {
    const res = await apply(`${CM}/shared`, cm({ a: '1', b: '2' }, { team: 'x' }), 'alice');
    assert.equal(res.status, 201, res.text);
    const mf = res.json().metadata.managedFields;
    assert.equal(mf.length, 1);
    assert.equal(mf[0].manager, 'alice');
    assert.equal(mf[0].operation, 'Apply');
    assert.deepEqual(mf[0].fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  });

  test('a field owned by another manager with a different value conflicts (409, causes)', async () => {
    const res = await apply(`${CM}/shared`, cm({ a: 'changed' }), 'bob');
    assert.equal(res.status, 409);
    const status = res.json();
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.a');
    assert.deepEqual(status.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice" using v1', field: '.data.a' }]);
    assert.equal((f.api.get(f.api.type('', 'configmaps'), 'default', 'shared').data as Record<string, string>).a, '1');
  });

  test('applying the same value shares ownership; force takes it over', async () => {
    assert.equal((await apply(`${CM}/shared`, cm({ a: '1', c: '3' }), 'bob')).status, 200);
    const forced = await apply(`${CM}/shared`, cm({ b: 'bob-b' }), 'carol&force=true');
    assert.equal(forced.status, 200, forced.text);
    const owners = Object.fromEntries(forced.json().metadata.managedFields.map((e: any) => [e.manager, e.fieldsV1]));
    assert.deepEqual(owners.carol, { 'f:data': { 'f:b': {} } });
    assert.deepEqual(owners.alice['f:data'], { 'f:a': {} });
  });

  test('fields a manager stops applying are removed, unless someone else owns them', async () => {
    // alice applied a, b, labels.team; b now belongs to carol, a is shared with bob.
    const res = await apply(`${CM}/shared`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' } }, 'alice');
    assert.equal(res.status, 200, res.text);
    const obj = res.json();
    assert.deepEqual(obj.data, { a: '1', b: 'bob-b', c: '3' });
    assert.equal(obj.metadata.labels, undefined, 'the label only alice owned is gone');
    assert.equal(obj.metadata.managedFields.find((e: any) => e.manager === 'alice'), undefined);
  });

  test('an update by a non-apply client takes over the fields it changes', async () => {
    const res = await f.request('PATCH', `${CM}/shared?fieldManager=editor`, { body: JSON.stringify({ data: { c: 'edited' } }), contentType: 'application/merge-patch+json' });
    const owners = Object.fromEntries(res.json().metadata.managedFields.map((e: any) => [`${e.manager}/${e.operation}`, e.fieldsV1]));
    assert.deepEqual(owners['editor/Update'], { 'f:data': { 'f:c': {} } });
    assert.deepEqual(owners['bob/Apply'], { 'f:data': { 'f:a': {} } });
    const conflict = await apply(`${CM}/shared`, cm({ a: '1', c: '3' }), 'bob');
    assert.equal(conflict.status, 409);
    assert.match(conflict.json().message, /conflict with "editor" using v1: \.data\.c/);
  });

  test('fieldManager is required; name must match the URL', async () => {
    const none = await f.request('PATCH', `${CM}/shared`, { body: JSON.stringify(cm({})), contentType: 'application/apply-patch+yaml' });
    assert.equal(none.status, 422);
    assert.match(none.json().message, /fieldManager: Required value: is required for apply patch/);
    const wrong = await apply(`${CM}/other-name`, cm({}), 'x');
    assert.equal(wrong.status, 400);
  });

  test('keyed lists merge by key across managers (containers by name)', async () => {
    const dep = (containers: unknown[]) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
    });
    const path = '/apis/apps/v1/namespaces/default/deployments/web';
    assert.equal((await apply(path, dep([{ name: 'app', image: 'app:1' }]), 'team-app')).status, 201);
    const both = await apply(path, dep([{ name: 'proxy', image: 'proxy:1' }]), 'team-mesh');
    assert.equal(both.status, 200, both.text);
    assert.deepEqual(both.json().spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['app=app:1', 'proxy=proxy:1']);
    const dropped = await apply(path, dep([]), 'team-mesh');
    assert.deepEqual(dropped.json().spec.template.spec.containers.map((c: any) => c.name), ['app']);
  });

  test('CRDs: apply creates with schema defaults and validates', async () => {
    const route = (weight: number) => ({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' },
      spec: { rules: [{ backendRefs: [{ name: 'svc', port: 80, weight }] }] },
    });
    const path = '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r';
    const ok = await apply(path, route(3), 'routes');
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json().spec.rules[0].backendRefs[0].kind, 'Service');
    const bad = await apply(path, route(-1), 'routes');
    assert.equal(bad.status, 422);
    assert.equal(f.api.get(f.api.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'r').spec && (f.api.get(f.api.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'r').spec as any).rules[0].backendRefs[0].weight, 3);
  });

  test('apply to /status changes only status', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/web/status';
    const res = await apply(path, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 9 }, status: { readyReplicas: 1 } }, 'controller');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().status.readyReplicas, 1);
    assert.notEqual(res.json().spec.replicas, 9);
  });
});
