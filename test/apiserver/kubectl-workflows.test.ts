// The real kubectl against a real listening sandbox API server: apply (client- and server-side), get in
// every output form, patch of every type, scale, label, annotate, delete, CRDs and discovery.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';
import * as m from './manifests.js';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(() => f.close());

async function ok(args: string[], input?: string): Promise<string> {
  const r = await f.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('kubectl apply (client-side)', () => {
  const initial = m.docs(m.deployment(), m.service(), m.configMap('a'), m.httpRoute(), m.trafficSplit(50));
  test('creates, then reports unchanged, then configured for edits only', async () => {
    const created = await ok(['apply', '-f', '-'], initial);
    for (const line of ['deployment.apps/reviews created', 'service/reviews created', 'configmap/settings created', 'httproute.gateway.networking.k8s.io/reviews-split created', 'trafficsplit.split.smi-spec.io/reviews-ts created'])
      assert.match(created, new RegExp(line.replace(/[./]/g, '\\$&')));

    const again = await ok(['apply', '-f', '-'], initial);
    assert.equal((again.match(/unchanged/g) ?? []).length, 5, again);

    const edited = await ok(['apply', '-f', '-'], m.docs(m.deployment({ replicas: 3 }), m.service(), m.configMap('b'), m.httpRoute({ w1: 80, w2: 20 }), m.trafficSplit(50)));
    assert.match(edited, /deployment\.apps\/reviews configured/);
    assert.match(edited, /service\/reviews unchanged/);
    assert.match(edited, /configmap\/settings configured/);
    assert.match(edited, /httproute\.gateway\.networking\.k8s\.io\/reviews-split configured/);
    assert.match(edited, /trafficsplit\.split\.smi-spec\.io\/reviews-ts unchanged/);
    assert.equal(await ok(['get', 'httproute', 'reviews-split', '-o', 'jsonpath={.spec.rules[0].backendRefs[*].weight}']), '80 20');
  });

  test('removing a field from the manifest removes it from the object', async () => {
    await ok(['apply', '-f', '-'], m.deployment({ replicas: 3, env: false }));
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.spec.template.spec.containers[0].env}']), '');
  });
});

describe('kubectl get', () => {
  test('prints tables for several kinds at once', async () => {
    assert.match(await ok(['create', '-f', '-'], JSON.stringify(m.pod('reviews-abc'))), /pod\/reviews-abc created/);
    const out = await ok(['get', 'pods,deploy,svc,httproutes,trafficsplits']);
    assert.match(out, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    assert.match(out, /pod\/reviews-abc\s+0\/1\s+Pending\s+0\s+\d+s/);
    assert.match(out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(out, /deployment\.apps\/reviews\s+0\/3\s+0\s+0/);
    assert.match(out, /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    assert.match(out, /service\/reviews\s+ClusterIP\s+\S+\s+<none>\s+9080\/TCP/);
    assert.match(out, /NAME\s+HOSTNAMES\s+AGE/);
    assert.match(out, /NAME\s+SERVICE\n/);
    assert.match(out, /trafficsplit\.split\.smi-spec\.io\/reviews-ts\s+reviews/);
  });

  test('-o wide adds the pod IP and node columns', async () => {
    const out = await ok(['get', 'pods', '-o', 'wide']);
    assert.match(out, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    assert.match(out, /reviews-abc\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>/);
  });

  test('-o yaml and -o json return the stored object', async () => {
    const yaml = await ok(['get', 'svc', 'reviews', '-o', 'yaml']);
    assert.match(yaml, /^apiVersion: v1\nkind: Service\n/);
    assert.match(yaml, /targetPort: 9080/); // defaulted by the server
    const json = JSON.parse(await ok(['get', 'deploy', 'reviews', '-o', 'json']));
    assert.equal(json.kind, 'Deployment');
    assert.equal(json.spec.replicas, 3);
    assert.equal(json.spec.strategy.type, 'RollingUpdate');
  });

  test('-l and --field-selector filter', async () => {
    await ok(['apply', '-f', '-'], m.configMap('x', 'other'));
    await ok(['label', 'configmap', 'other', 'tier=backend']);
    assert.equal(await ok(['get', 'cm', '-l', 'tier=backend', '-o', 'name']), 'configmap/other\n');
    assert.equal(await ok(['get', 'cm', '-l', 'tier!=backend', '-o', 'name']), 'configmap/settings\n');
    assert.equal(await ok(['get', 'cm', '--field-selector', 'metadata.name=settings', '-o', 'name']), 'configmap/settings\n');
    assert.equal(await ok(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']), '');
    assert.equal(await ok(['get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name']), 'pod/reviews-abc\n');
    const bad = await f.kubectl(['get', 'cm', '--field-selector', 'data.mode=x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: data\.mode/);
  });

  test('get crds and api-resources list the mesh kinds', async () => {
    const crds = await ok(['get', 'crds']);
    assert.match(crds, /NAME\s+CREATED AT/);
    assert.match(crds, /httproutes\.gateway\.networking\.k8s\.io/);
    assert.match(crds, /trafficsplits\.split\.smi-spec\.io/);
    const resources = await ok(['api-resources']);
    assert.match(resources, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    assert.match(resources, /httproutes\s+gateway\.networking\.k8s\.io\/v1\s+true\s+HTTPRoute/);
    assert.match(resources, /trafficsplits\s+ts\s+split\.smi-spec\.io\/v1alpha4\s+true\s+TrafficSplit/);
  });

  test('an HTTPRoute written as v1beta1 reads back as v1 (one stored object)', async () => {
    await ok(['apply', '-f', '-'], m.httpRoute({ name: 'beta-route' }).replace('gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'));
    const v1 = JSON.parse(await ok(['get', 'httproutes.v1.gateway.networking.k8s.io', 'beta-route', '-o', 'json']));
    assert.equal(v1.apiVersion, 'gateway.networking.k8s.io/v1');
    const beta = JSON.parse(await ok(['get', 'httproutes.v1beta1.gateway.networking.k8s.io', 'beta-route', '-o', 'json']));
    assert.equal(beta.apiVersion, 'gateway.networking.k8s.io/v1beta1');
    assert.equal(beta.metadata.uid, v1.metadata.uid);
  });
});

describe('kubectl patch, scale, label, annotate, delete', () => {
  test('merge, json and strategic patches', async () => {
    await ok(['patch', 'deploy', 'reviews', '--type', 'merge', '-p', '{"spec":{"replicas":4}}']);
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.spec.replicas}']), '4');
    await ok(['patch', 'deploy', 'reviews', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5}]']);
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.spec.replicas}']), '5');
    // Strategic: the container list merges by name, so the image changes and the ports stay.
    await ok(['patch', 'deploy', 'reviews', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"reviews","image":"playground/bookinfo-reviews:v2"}]}}}}']);
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}']), 'playground/bookinfo-reviews:v2 9080');
    // The same body as a merge patch replaces the whole list (ports are gone).
    await ok(['patch', 'deploy', 'reviews', '--type', 'merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"reviews","image":"playground/bookinfo-reviews:v3"}]}}}}']);
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.spec.template.spec.containers[0].ports}']), '');
  });

  test('strategic merge patch of a CRD is 415, as on a real server', async () => {
    const r = await f.kubectl(['patch', 'httproute', 'reviews-split', '--type', 'strategic', '-p', '{"spec":{"hostnames":["a.example"]}}']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /application\/strategic-merge-patch\+json is not supported/);
    await ok(['patch', 'httproute', 'reviews-split', '--type', 'merge', '-p', '{"spec":{"hostnames":["a.example"]}}']);
    assert.match(await ok(['get', 'httproute', 'reviews-split']), /reviews-split\s+\["a\.example"\]/);
  });

  test('kubectl scale goes through the scale subresource', async () => {
    assert.match(await ok(['scale', 'deployment', 'reviews', '--replicas=3']), /deployment\.apps\/reviews scaled/);
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.spec.replicas}']), '3');
    const bad = await f.kubectl(['scale', 'deployment', 'reviews', '--replicas=3', '--current-replicas=9']);
    assert.notEqual(bad.code, 0);
  });

  test('label and annotate', async () => {
    await ok(['label', 'deploy', 'reviews', 'team=mesh']);
    await ok(['annotate', 'deploy', 'reviews', 'note=hello']);
    const obj = JSON.parse(await ok(['get', 'deploy', 'reviews', '-o', 'json']));
    assert.equal(obj.metadata.labels.team, 'mesh');
    assert.equal(obj.metadata.annotations.note, 'hello');
    await ok(['label', 'deploy', 'reviews', 'team-']);
    assert.equal(await ok(['get', 'deploy', 'reviews', '-o', 'jsonpath={.metadata.labels.team}']), '');
  });

  test('delete removes objects; deleting a missing one is NotFound', async () => {
    assert.match(await ok(['delete', 'configmap', 'other']), /configmap "other" deleted/);
    const gone = await f.kubectl(['get', 'configmap', 'other']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound.*configmaps "other" not found/);
    assert.match(await ok(['delete', '-f', '-'], m.trafficSplit(50)), /trafficsplit\.split\.smi-spec\.io "reviews-ts" deleted/);
  });
});

describe('kubectl apply --server-side', () => {
  test('creates, re-applies, and removes fields the manager stops applying', async () => {
    assert.match(await ok(['apply', '--server-side', '-f', '-'], m.deployment({ name: 'ssa' })), /deployment\.apps\/ssa serverside-applied/);
    assert.match(await ok(['apply', '--server-side', '-f', '-'], m.deployment({ name: 'ssa' })), /serverside-applied/);
    const obj = JSON.parse(await ok(['get', 'deploy', 'ssa', '-o', 'json', '--show-managed-fields']));
    assert.ok(obj.metadata.managedFields.some((e: { manager: string; operation: string }) => e.manager === 'kubectl' && e.operation === 'Apply'));
    await ok(['apply', '--server-side', '-f', '-'], m.deployment({ name: 'ssa', env: false }));
    assert.equal(await ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[0].env}']), '');
  });

  test('a field changed by another manager conflicts unless forced', async () => {
    await ok(['scale', 'deployment', 'ssa', '--replicas=5']);
    const conflict = await f.kubectl(['apply', '--server-side', '-f', '-'], { input: m.deployment({ name: 'ssa' }) });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl" using apps\/v1: \.spec\.replicas/);
    assert.equal(await ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}']), '5');
    await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], m.deployment({ name: 'ssa' }));
    assert.equal(await ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}']), '2');
  });
});

describe('typed kubectl commands (protobuf request bodies since client-go 1.32)', () => {
  test('create configmap/secret/namespace/serviceaccount/deployment/service, run, expose', async () => {
    assert.match(await ok(['create', 'configmap', 'typed', '--from-literal=k=v']), /configmap\/typed created/);
    assert.match(await ok(['create', 'secret', 'generic', 'typed', '--from-literal=k=v']), /secret\/typed created/);
    assert.match(await ok(['create', 'namespace', 'typed']), /namespace\/typed created/);
    assert.match(await ok(['create', 'serviceaccount', 'typed']), /serviceaccount\/typed created/);
    assert.match(await ok(['create', 'deployment', 'typed', '--image=playground/bookinfo-ratings:v1', '--port=9080', '--replicas=0', '--', 'serve', '--verbose']), /deployment\.apps\/typed created/);
    assert.match(await ok(['create', 'service', 'clusterip', 'typed-svc', '--tcp=80:9080']), /service\/typed-svc created/);
    assert.match(await ok(['run', 'typed-pod', '--image=playground/bookinfo-ratings:v1', '--labels=app=typed']), /pod\/typed-pod created/);
    assert.match(await ok(['expose', 'deployment', 'typed', '--port=80', '--target-port=9080']), /service\/typed exposed/);

    assert.equal(await ok(['get', 'configmap', 'typed', '-o', 'jsonpath={.data.k}']), 'v');
    assert.equal(await ok(['get', 'secret', 'typed', '-o', 'jsonpath={.data.k}']), Buffer.from('v').toString('base64'));
    const dep = JSON.parse(await ok(['get', 'deploy', 'typed', '-o', 'json']));
    assert.equal(dep.spec.replicas, 0, 'an explicit zero survives protobuf decoding');
    assert.deepEqual(dep.spec.selector, { matchLabels: { app: 'typed' } });
    const c = dep.spec.template.spec.containers[0];
    assert.deepEqual([c.image, c.command, c.ports[0].containerPort], ['playground/bookinfo-ratings:v1', ['serve', '--verbose'], 9080]);
    const svc = JSON.parse(await ok(['get', 'svc', 'typed-svc', '-o', 'json']));
    assert.deepEqual(svc.spec.ports, [{ name: '80-9080', protocol: 'TCP', port: 80, targetPort: 9080 }]);
    assert.equal(JSON.parse(await ok(['get', 'svc', 'typed', '-o', 'json'])).spec.selector.app, 'typed');
    assert.equal(await ok(['get', 'pod', 'typed-pod', '-o', 'jsonpath={.metadata.labels.app}']), 'typed');
  });

  test('protobuf bodies are validated like JSON ones', async () => {
    const r = await f.kubectl(['create', 'deployment', 'Bad_Name', '--image=x']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Deployment\.apps "Bad_Name" is invalid: metadata\.name/);
  });
});
