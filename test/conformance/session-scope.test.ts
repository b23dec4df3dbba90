// The session-mode namespace mapping (playground-server/conformance/session-scope.ts) on the real upstream
// manifests: everything lands in the session namespace, Namespace and consumer-namespace objects are dropped, every
// namespace reference is mapped, and a reference to any other namespace is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifestText } from '../../playground-server/kube/apply.js';
import { MESH_CONFORMANCE_TESTS } from '../../playground-server/conformance/mesh-tests.js';
import { OutsideSessionError, SECOND_NAMESPACE_REASON, mapNamespace, scopeObjects, sessionSkipReason } from '../../playground-server/conformance/session-scope.js';
import { smiBaseObjects, trafficTarget } from '../../playground-server/conformance/smi/smi-manifests.js';
import { MESH_BASE_MANIFESTS, readUpstreamManifest } from '../../playground-server/conformance/upstream-files.js';

const SESSION = 'pg-abc123';

/** Every `namespace` string anywhere in an object. */
function namespacesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => namespacesIn(v, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) k === 'namespace' && typeof v === 'string' ? out.push(v) : namespacesIn(v, out);
  return out;
}

test('the mesh base manifests: no Namespace, no consumer-namespace object, everything in the session', () => {
  const objects = parseManifestText(readUpstreamManifest(MESH_BASE_MANIFESTS));
  const scoped = scopeObjects(objects, SESSION);
  assert.ok(objects.some((o) => o.kind === 'Namespace'), 'upstream has Namespace objects');
  assert.deepEqual(scoped.map((o) => `${o.kind}/${o.metadata.name}`), ['Deployment/echo-v1', 'Service/echo-v1', 'Deployment/echo-v2', 'Service/echo-v2', 'Service/echo']);
  for (const o of scoped) assert.deepEqual([...new Set(namespacesIn(o))], [SESSION]);
  // Replicas stay upstream's (1): what the session quota was checked against.
  for (const o of scoped.filter((x) => x.kind === 'Deployment')) assert.equal((o.spec as { replicas?: number }).replicas ?? 1, 1);
});

test("every mesh test's manifests map parentRefs and backendRefs namespaces to the session", () => {
  for (const t of MESH_CONFORMANCE_TESTS) {
    for (const path of t.manifests) {
      const text = readUpstreamManifest(path);
      const scoped = scopeObjects(parseManifestText(text), SESSION);
      for (const o of scoped) assert.deepEqual([...new Set(namespacesIn(o))], [SESSION], `${path} ${o.kind}/${o.metadata.name}`);
    }
  }
  const split = scopeObjects(parseManifestText(readUpstreamManifest('tests/mesh/mesh-split.yaml')), SESSION)[0] as unknown as { spec: { parentRefs: { namespace?: string }[] } };
  assert.ok(split.spec.parentRefs.every((p) => p.namespace === undefined || p.namespace === SESSION));
});

test('only tests that need the consumer namespace are skipped, with the reason', () => {
  const skipped = MESH_CONFORMANCE_TESTS.filter((t) => sessionSkipReason(t)).map((t) => t.shortName);
  assert.deepEqual(skipped, ['MeshConsumerRoute']);
  assert.equal(sessionSkipReason(MESH_CONFORMANCE_TESTS.find((t) => t.shortName === 'MeshConsumerRoute')!), SECOND_NAMESPACE_REASON);
});

test('SMI objects and TrafficTarget subjects map to the session', () => {
  const scoped = scopeObjects([...smiBaseObjects(), trafficTarget('t', 'echo-v1', ['echo-client'], 'g')], SESSION);
  assert.ok(!scoped.some((o) => o.kind === 'Namespace'));
  for (const o of scoped) assert.deepEqual([...new Set(namespacesIn(o))], [SESSION]);
});

test('any other namespace, in metadata or in a reference, is refused', () => {
  const route = (metaNs: string | undefined, refNs: string) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', ...(metaNs ? { namespace: metaNs } : {}) },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'echo', namespace: refNs }], rules: [{ backendRefs: [{ name: 'echo-v1', port: 80, namespace: refNs }] }] },
  });
  assert.throws(() => scopeObjects([route('kube-system', 'gateway-conformance-mesh')], SESSION), OutsideSessionError);
  assert.throws(() => scopeObjects([route('gateway-conformance-mesh', 'pg-other')], SESSION), /namespace "pg-other" is outside the session/);
  assert.throws(() => mapNamespace('default', SESSION), OutsideSessionError);
  // No namespace at all: the session's.
  assert.equal(scopeObjects([route(undefined, SESSION)], SESSION)[0].metadata.namespace, SESSION);
});
