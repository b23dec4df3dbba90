// Control-plane behaviour: HTTPRoute status conditions for bad input (missing Service, invalid kind,
// invalid regex, missing parent) without crashing a sidecar, and sidecar injection rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MeshHarness, type TestPod } from './harness.js';
import { sidecarInjector } from '../../sandbox/mesh/injector.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';

let h: MeshHarness;
let client: TestPod;

before(async () => {
  h = await MeshHarness.start();
  h.service('reviews', 9080, { app: 'reviews' });
  await h.pod({ name: 'reviews-1', app: 'reviews', port: 9080 });
  client = await h.pod({ name: 'client-1', app: 'client', port: 9081 });
});

after(async () => {
  await h.stop();
});

type Cond = { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime?: string };
const conditions = (name: string): Cond[] => {
  const r = h.api.get(h.type('gateway.networking.k8s.io', 'httproutes'), 'default', name);
  return ((r.status as { parents?: { conditions: Cond[] }[] })?.parents ?? [])[0]?.conditions ?? [];
};
const cond = (name: string, type: string) => conditions(name).find((c) => c.type === type);

const httpRoute = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], ...spec },
});

test('a valid route is Accepted and ResolvedRefs, with observedGeneration', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', httpRoute('good', { rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
  await h.cp.settled();
  assert.deepEqual([cond('good', 'Accepted')?.status, cond('good', 'Accepted')?.reason], ['True', 'Accepted']);
  assert.deepEqual([cond('good', 'ResolvedRefs')?.status, cond('good', 'ResolvedRefs')?.reason], ['True', 'ResolvedRefs']);
  assert.equal(cond('good', 'Accepted')?.observedGeneration, 1);
  const parents = (h.api.get(h.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'good').status as { parents: { controllerName: string }[] }).parents;
  assert.equal(parents[0].controllerName, 'mesh.playground.dev/sandbox-mesh');
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'good');
});

test('a backendRef to a missing Service: ResolvedRefs=False BackendNotFound; its requests get 500, the sidecar keeps serving', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', httpRoute('missing-backend', {
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/ghost' } }], backendRefs: [{ name: 'no-such-svc', port: 9080 }] },
      { backendRefs: [{ name: 'reviews', port: 9080 }] },
    ],
  }));
  await h.cp.settled();
  const resolved = cond('missing-backend', 'ResolvedRefs')!;
  assert.equal(resolved.status, 'False');
  assert.equal(resolved.reason, 'BackendNotFound');
  assert.match(resolved.message, /no-such-svc/);
  assert.equal((await h.send(client, 'reviews:9080', '/ghost/1')).status, 500);
  assert.equal((await h.send(client, 'reviews:9080', '/fine')).status, 200);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'missing-backend');
});

test('an invalid match (bad regex) is Accepted=False UnsupportedValue and not applied', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', httpRoute('bad-regex', {
    rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/reviews/(' } }], backendRefs: [{ name: 'reviews', port: 9080 }] }],
  }));
  await h.cp.settled();
  const accepted = cond('bad-regex', 'Accepted')!;
  assert.equal(accepted.status, 'False');
  assert.equal(accepted.reason, 'UnsupportedValue');
  assert.match(accepted.message, /spec\.rules\[0\]\.matches\[0\]\.path\.value: invalid regular expression/);
  assert.equal((await h.send(client, 'reviews:9080', '/anything')).status, 200, 'the route is not attached, so no 404 either');

  // Fixing the route flips the condition, with a new lastTransitionTime and observedGeneration.
  h.apply('gateway.networking.k8s.io', 'httproutes', httpRoute('bad-regex', {
    rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/reviews/[0-9]+' } }], backendRefs: [{ name: 'reviews', port: 9080 }] }],
  }));
  await h.cp.settled();
  assert.equal(cond('bad-regex', 'Accepted')?.status, 'True');
  assert.equal(cond('bad-regex', 'Accepted')?.observedGeneration, 2);
  assert.equal((await h.send(client, 'reviews:9080', '/reviews/12')).status, 200);
  assert.equal((await h.send(client, 'reviews:9080', '/reviews/x')).status, 404);
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'bad-regex');
});

test('invalid backend kind and missing parent Service are reported with their reasons', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', httpRoute('bad-kind', { rules: [{ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'b' }] }] }));
  h.apply('gateway.networking.k8s.io', 'httproutes', {
    ...httpRoute('no-parent', { rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }),
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'nowhere', port: 80 }], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] },
  });
  await h.cp.settled();
  assert.deepEqual([cond('bad-kind', 'ResolvedRefs')?.status, cond('bad-kind', 'ResolvedRefs')?.reason], ['False', 'InvalidKind']);
  assert.deepEqual([cond('no-parent', 'Accepted')?.status, cond('no-parent', 'Accepted')?.reason], ['False', 'NoMatchingParent']);
  // The parent appears later: the route is re-evaluated from the Service watch, not by polling.
  h.service('nowhere', 80, { app: 'reviews' });
  await h.cp.settled();
  assert.equal(cond('no-parent', 'Accepted')?.status, 'True');
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'bad-kind');
  h.remove('gateway.networking.k8s.io', 'httproutes', 'default', 'no-parent');
});

test('status writes settle: an unchanged route is not rewritten', async () => {
  h.apply('gateway.networking.k8s.io', 'httproutes', httpRoute('steady', { rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
  await h.cp.settled();
  const rv = h.api.get(h.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'steady').metadata.resourceVersion;
  h.service('unrelated', 81, { app: 'unrelated' }); // triggers a recompile of the namespace
  await h.cp.settled();
  assert.equal(h.api.get(h.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'steady').metadata.resourceVersion, rv);
});

test('settled() fails loudly when the config keeps changing', async () => {
  // Every snapshot the control plane publishes makes another change (a new Service): the namespace never settles,
  // and settled() must reject rather than return as if it had.
  let n = 0;
  const unsubscribe = h.cp.subscribe(() => h.service(`churn-${n++}`, 82, { app: 'churn' }));
  try {
    await assert.rejects(h.cp.settled(5), /^Error: mesh control plane did not settle within 5 compile rounds; still changing: default$/);
  } finally {
    unsubscribe();
  }
  await h.cp.settled(); // and it settles once the changes stop
  assert.ok(n >= 5, `one change per compile round (${n})`);
});

test('injection: namespace label, pod annotation, and opt-out', () => {
  h.namespace('meshed', { 'linkerd.io/inject': 'enabled' });
  h.namespace('istio-ns', { 'istio-injection': 'enabled' });
  h.namespace('plain');
  h.api.use(sidecarInjector(h.api));
  const podType = h.type('', 'pods');
  const create = (ns: string, name: string, annotations: Record<string, string> = {}) =>
    h.api.create(podType, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, annotations },
      spec: { containers: [{ name: 'app', image: 'playground/httpbin:v1', ports: [{ containerPort: 8000 }] }] },
    }, { dryRun: true });
  const names = (p: KubeObject) => (p.spec as { containers: { name: string }[] }).containers.map((c) => c.name);
  assert.deepEqual(names(create('meshed', 'a')), ['app', 'mesh-proxy']);
  assert.deepEqual(names(create('istio-ns', 'b')), ['app', 'mesh-proxy']);
  assert.deepEqual(names(create('plain', 'c')), ['app']);
  assert.deepEqual(names(create('plain', 'd', { 'linkerd.io/inject': 'enabled' })), ['app', 'mesh-proxy']);
  assert.deepEqual(names(create('meshed', 'e', { 'linkerd.io/inject': 'disabled' })), ['app']);
  assert.deepEqual(names(create('istio-ns', 'f', { 'sidecar.istio.io/inject': 'false' })), ['app']);
  const injected = create('meshed', 'g');
  const proxy = (injected.spec as { containers: { name: string; image: string; env: { name: string; value: string }[] }[] }).containers[1];
  assert.equal(proxy.image, 'playground/mesh-proxy:v1');
  assert.deepEqual(proxy.env, [{ name: 'MESH_PROXY_INBOUND_PORTS', value: '8000' }]);
  assert.equal(injected.metadata.annotations?.['linkerd.io/proxy-version'], 'v1');
});
