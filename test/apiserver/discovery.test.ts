// Discovery and OpenAPI documents: what kubectl reads to map kinds and to decide on server-side field
// validation (fieldValidation on the PATCH operation of the kind, in /openapi/v3/<group-version>).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(() => f.close());

describe('discovery', () => {
  test('/api/v1 lists kinds with verbs, short names, categories and subresources', async () => {
    const list = (await f.request('GET', '/api/v1')).json();
    assert.equal(list.kind, 'APIResourceList');
    const pods = list.resources.find((r: any) => r.name === 'pods');
    assert.deepEqual({ ...pods, verbs: [...pods.verbs].sort() }, { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'] });
    assert.ok(list.resources.some((r: any) => r.name === 'pods/log' && r.verbs.includes('get')));
    assert.ok(list.resources.some((r: any) => r.name === 'pods/status'));
  });

  test('/apis lists groups with preferred versions; deployments/scale is autoscaling/v1 Scale', async () => {
    const groups = (await f.request('GET', '/apis')).json();
    const gw = groups.groups.find((g: any) => g.name === 'gateway.networking.k8s.io');
    assert.deepEqual(gw.versions.map((v: any) => v.version), ['v1', 'v1beta1']);
    assert.equal(gw.preferredVersion.version, 'v1');
    const apps = (await f.request('GET', '/apis/apps/v1')).json();
    const scale = apps.resources.find((r: any) => r.name === 'deployments/scale');
    assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
  });

  test('unknown groups and resources are 404 Status', async () => {
    assert.equal((await f.request('GET', '/apis/nope.example/v1')).status, 404);
    assert.equal((await f.request('GET', '/api/v1/namespaces/default/nopes')).status, 404);
  });
});

describe('openapi', () => {
  test('v3 documents declare fieldValidation on PATCH for built-ins and CRDs', async () => {
    const root = (await f.request('GET', '/openapi/v3')).json();
    for (const gv of ['api/v1', 'apis/apps/v1', 'apis/gateway.networking.k8s.io/v1', 'apis/split.smi-spec.io/v1alpha4']) {
      assert.ok(root.paths[gv], gv);
      const doc = (await f.request('GET', root.paths[gv].serverRelativeURL)).json();
      const patches = Object.values(doc.paths as Record<string, any>).map((p) => p.patch).filter(Boolean);
      assert.ok(patches.length > 0);
      for (const op of patches) assert.ok(op.parameters.some((p: any) => p.name === 'fieldValidation'), `${gv} ${op.operationId}`);
    }
    const gw = (await f.request('GET', '/openapi/v3/apis/gateway.networking.k8s.io/v1')).json();
    assert.deepEqual(gw.paths['/apis/gateway.networking.k8s.io/v1/namespaces/{namespace}/httproutes/{name}'].patch['x-kubernetes-group-version-kind'], { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' });
  });

  test('kubectl therefore asks for strict server-side validation', async () => {
    const seen: string[] = [];
    const listener = (req: { method?: string; url?: string }) => { if (req.method === 'POST') seen.push(req.url ?? ''); };
    f.server.prependListener('request', listener);
    try {
      const r = await f.kubectl(['create', 'configmap', 'probe', '--from-literal=a=b']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      f.server.off('request', listener);
    }
    assert.ok(seen.some((u) => u.includes('fieldValidation=Strict')), seen.join());
  });

  test('kubectl explain reads the v3 schemas', async () => {
    const r = await f.kubectl(['explain', 'httproute.spec.rules.backendRefs.weight']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /weight\s+<integer>/);
  });

  test('/openapi/v2 answers protobuf requests with an empty document', async () => {
    const res = await f.request('GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  });
});
