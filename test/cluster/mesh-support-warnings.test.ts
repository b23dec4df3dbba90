// Apply-time warnings for what the sandbox mesh does not honour, with the real kubectl against a whole sandbox: an
// Istio EnvoyFilter and a Linkerd ServiceProfile (kinds served but not read by the mesh) print one
// `Warning: … is not supported by the sandbox mesh …` line on stderr, exit 0 and are stored — through client-side
// apply, server-side apply, `kubectl create` and a server dry-run (which stores nothing) alike; an HTTPRoute field the
// mesh would otherwise ignore in silence (sessionPersistence) warns naming its path; a supported route prints no warning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlOk, startCluster, type ClusterFixture } from './fixture.js';

const NS = 'support-warnings';

const ENVOY_FILTER = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: add-header
  namespace: ${NS}
spec:
  workloadSelector:
    labels:
      app: reviews
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.lua
  - applyTo: CLUSTER
    patch:
      operation: MERGE
`;

const serviceProfile = (name: string) => `apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  routes:
  - name: GET /books
    condition:
      method: GET
      pathRegex: /books
    isRetryable: true
  - name: POST /books
    condition:
      method: POST
      pathRegex: /books
    timeout: 300ms
`;

const route = (name: string, extraRule = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: reviews
    port: 9080
  rules:
  - matches:
    - headers:
      - name: end-user
        value: jason
    backendRefs:
    - name: reviews-v2
      port: 9080
${extraRule}  - backendRefs:
    - name: reviews-v1
      port: 9080
`;

const warningLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('Warning: '));

describe('apply-time warnings for what the sandbox mesh does not honour', () => {
  let c: ClusterFixture;
  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['create', 'namespace', NS]);
  });
  after(async () => {
    await c?.close();
  });

  test('kubectl apply of an EnvoyFilter warns once, naming the kind, exits 0 and stores it', async () => {
    const r = await c.kubectl(['apply', '-f', c.file('envoyfilter.yaml', ENVOY_FILTER)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'envoyfilter.networking.istio.io/add-header created');
    assert.deepEqual(warningLines(r.stderr), [
      'Warning: EnvoyFilter "add-header": EnvoyFilter (networking.istio.io) is not supported by the sandbox mesh and is ignored (the sandbox proxy is not Envoy, so Envoy configuration patches have nothing to apply to)',
    ]);
    const stored = JSON.parse(await kubectlOk(c, ['get', 'envoyfilter', 'add-header', '-n', NS, '-o', 'json'])) as { spec: { configPatches: unknown[] } };
    assert.equal(stored.spec.configPatches.length, 2, 'the object is stored unchanged');
    // Applying it again (an update) warns again, as a webhook's warnings do on every write.
    const again = await c.kubectl(['apply', '-f', c.file('envoyfilter.yaml', ENVOY_FILTER.replace('app: reviews', 'app: ratings'))]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'envoyfilter.networking.istio.io/add-header configured');
    assert.equal(warningLines(again.stderr).length, 1);
    assert.match(again.stderr, /EnvoyFilter \(networking\.istio\.io\) is not supported by the sandbox mesh/);
  });

  test('kubectl create and server-side apply of a ServiceProfile warn too', async () => {
    const created = await c.kubectl(['create', '-f', c.file('sp-create.yaml', serviceProfile('books.booksapp.svc.cluster.local'))]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), 'serviceprofile.linkerd.io/books.booksapp.svc.cluster.local created');
    assert.deepEqual(warningLines(created.stderr).map((l) => l.replace(/ \(per-route.*$/, '')), [
      'Warning: ServiceProfile "books.booksapp.svc.cluster.local": ServiceProfile (linkerd.io) is not supported by the sandbox mesh and is ignored',
    ]);
    const ssa = await c.kubectl(['apply', '--server-side', '-f', c.file('sp-ssa.yaml', serviceProfile('authors.booksapp.svc.cluster.local'))]);
    assert.equal(ssa.code, 0, ssa.stderr);
    assert.equal(ssa.stdout.trim(), 'serviceprofile.linkerd.io/authors.booksapp.svc.cluster.local serverside-applied');
    assert.equal(warningLines(ssa.stderr).length, 1);
    assert.match(ssa.stderr, /Warning: ServiceProfile "authors\.booksapp\.svc\.cluster\.local": ServiceProfile \(linkerd\.io\) is not supported by the sandbox mesh/);
    const names = (await kubectlOk(c, ['get', 'serviceprofiles', '-n', NS, '-o', 'name'])).trim().split('\n').sort();
    assert.deepEqual(names, ['serviceprofile.linkerd.io/authors.booksapp.svc.cluster.local', 'serviceprofile.linkerd.io/books.booksapp.svc.cluster.local']);
  });

  test('a server dry-run warns and stores nothing', async () => {
    const r = await c.kubectl(['apply', '--dry-run=server', '-f', c.file('sp-dry.yaml', serviceProfile('dry.booksapp.svc.cluster.local'))]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'serviceprofile.linkerd.io/dry.booksapp.svc.cluster.local created (server dry run)');
    assert.match(r.stderr, /Warning: ServiceProfile "dry\.booksapp\.svc\.cluster\.local": ServiceProfile \(linkerd\.io\) is not supported by the sandbox mesh/);
    const get = await c.kubectl(['get', 'serviceprofile', 'dry.booksapp.svc.cluster.local', '-n', NS]);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /NotFound|not found/);
  });

  test('a supported HTTPRoute applies without a warning; sessionPersistence, which the mesh does not honour, warns naming its path', async () => {
    const plain = await c.kubectl(['apply', '-f', c.file('route.yaml', route('reviews'))]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout.trim(), 'httproute.gateway.networking.k8s.io/reviews created');
    assert.equal(plain.stderr, '', 'no warning for a route the mesh honours fully');
    const sticky = await c.kubectl([
      'apply',
      '-f',
      c.file('sticky.yaml', route('reviews-sticky', '    sessionPersistence:\n      type: Cookie\n      absoluteTimeout: 1h\n')),
    ]);
    assert.equal(sticky.code, 0, sticky.stderr);
    assert.deepEqual(warningLines(sticky.stderr).map((l) => l.replace(/ \(requests are not pinned.*$/, '')), [
      'Warning: HTTPRoute "reviews-sticky": spec.rules[0].sessionPersistence is not supported by the sandbox mesh and is ignored',
    ]);
  });
});
