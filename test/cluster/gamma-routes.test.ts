// GAMMA routing against a whole sandbox with the real kubectl: routes chosen by the Service the client dialled, not
// the Host header (the Gateway API's MeshFrontendHostname, its manifests applied unchanged, requests sent with the
// echo `client` through `kubectl exec`); HTTPRoutes written as Linkerd's docs write them (`group: core`), applied by
// running the docs' own command, attach and route; parentRefs the mesh does not accept get Accepted=False with a
// standard reason; GRPCRoutes from the upstream mesh suite are served, accepted and compiled.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';
import { matchRule } from '../../sandbox/mesh/proxy/route-matcher.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const GATEWAY_API = fileURLToPath(new URL('../../playground-server/conformance/upstream/gateway-api/', import.meta.url)); // the runner's vendored copy
const WAIT = ['--timeout=60s'];
const MESH_NS = 'gateway-conformance-mesh';

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface ParentStatus {
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: Cond[];
}

/** A command line run by bash on the host with KUBECONFIG set (how a reader pastes a docs snippet). */
function hostShell(c: ClusterFixture, line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', line], { timeout: 30_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir, KUBECONFIG: c.kubeconfig } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

async function routeParents(c: ClusterFixture, kind: string, ns: string, name: string, count = 1): Promise<ParentStatus[]> {
  return waitFor(`${kind} ${ns}/${name} status for ${count} parent(s)`, async () => {
    const r = await c.kubectl(['get', kind, '-n', ns, name, '-o', 'json']);
    if (r.code !== 0) return undefined;
    const parents = (JSON.parse(r.stdout) as { status?: { parents?: ParentStatus[] } }).status?.parents ?? [];
    return parents.length >= count ? parents : undefined;
  });
}

const cond = (p: ParentStatus, type: string) => p.conditions.find((x) => x.type === type);

/** The echo client's numbered output for request 0: `[0] Key=Value` and `[0 body] Key=Value` lines. */
const echoLine = (out: string, key: string) => new RegExp(`^\\[0(?: body)?\\] ${key}=(.*)$`, 'm').exec(out)?.[1];

describe('GAMMA routes on the sandbox', () => {
  let c: ClusterFixture;
  before(async () => {
    c = await startCluster();
    // As the conformance suite's users do before a run: the test namespaces are labelled for injection first.
    for (const ns of [MESH_NS, `${MESH_NS}-consumer`]) {
      await kubectlOk(c, ['create', 'namespace', ns]);
      await kubectlOk(c, ['label', 'namespace', ns, 'istio-injection=enabled']);
    }
    await kubectlOk(c, ['apply', '-f', join(GATEWAY_API, 'mesh', 'manifests.yaml')]);
    await kubectlOk(c, ['wait', '-n', MESH_NS, '--for=condition=Available', 'deploy/echo-v1', 'deploy/echo-v2', ...WAIT], undefined, 70_000);
  });
  after(async () => {
    await c?.close();
  });

  test('MeshFrontendHostname: the route of the Service the client dialled applies, whatever the Host header says', async () => {
    await kubectlOk(c, ['apply', '-f', join(GATEWAY_API, 'tests', 'mesh', 'mesh-frontend.yaml')]);
    const [parent] = await routeParents(c, 'httproute', MESH_NS, 'mesh-split-v1');
    assert.equal(cond(parent, 'Accepted')?.status, 'True', JSON.stringify(parent));
    const v1 = (await kubectlOk(c, ['get', 'pods', '-n', MESH_NS, '-l', 'app=echo,version=v1', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();

    // Dialled echo-v2 with Host: echo-v1 → served by echo-v2, through echo-v2's route (its response header is set).
    const toV2 = await waitFor('echo-v2 through its route', async () => {
      const r = await c.kubectl(['exec', '-n', MESH_NS, v1, '-c', 'echo', '--', 'client', 'http://echo-v2/', '-H', 'Host:echo-v1']);
      return r.code === 0 && /ResponseHeader=X-Header-Set:set/.test(r.stdout) ? r.stdout : undefined;
    });
    assert.match(echoLine(toV2, 'Hostname') ?? '', /^echo-v2-/, toV2);
    assert.equal(echoLine(toV2, 'Host'), 'echo-v1', 'the Host header reaches the app as sent');
    assert.match(toV2, /\[0\] StatusCode=200/);

    // Dialled echo-v1 with Host: echo-v2 → served by echo-v1, and echo-v2's route did not apply.
    const toV1 = await kubectlOk(c, ['exec', '-n', MESH_NS, v1, '-c', 'echo', '--', 'client', 'http://echo-v1/', '-H', 'Host:echo-v2']);
    assert.match(echoLine(toV1, 'Hostname') ?? '', /^echo-v1-/, toV1);
    assert.doesNotMatch(toV1, /X-Header-Set/i);
    assert.match(toV1, /\[0\] StatusCode=200/);
  });

  test("Linkerd's books tutorial: its HTTPRoutes (group: core), applied with the docs' own command, are Accepted and route", async () => {
    await kubectlOk(c, ['create', 'namespace', 'booksapp']);
    await kubectlOk(c, ['annotate', 'namespace', 'booksapp', 'linkerd.io/inject=enabled']);
    await kubectlOk(c, ['apply', '-n', 'booksapp', '-f', join(UPSTREAM, 'linkerd-website', 'booksapp.yml')]);
    await kubectlOk(c, ['wait', '-n', 'booksapp', '--for=condition=Available', 'deploy/books', 'deploy/webapp', 'deploy/authors', 'deploy/traffic', ...WAIT], undefined, 70_000);

    // The docs' block, run as a reader pastes it: `kubectl apply -f - <<EOF … EOF` (bash expands the heredoc).
    const doc = readFileSync(join(UPSTREAM, 'linkerd-website', 'books.md'), 'utf8');
    const block = /```bash\n(kubectl apply -f - <<EOF\nkind: HTTPRoute[\s\S]*?\nEOF)\n```/.exec(doc)?.[1];
    assert.ok(block, 'books.md has the HTTPRoute block');
    assert.match(block, /group: core/);
    const applied = await hostShell(c, block);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /httproute.gateway.networking.k8s.io\/books-list created/);

    for (const name of ['books-list', 'books-create', 'books-delete']) {
      const [p] = await routeParents(c, 'httproutes.gateway.networking.k8s.io', 'booksapp', name);
      assert.deepEqual([cond(p, 'Accepted')?.status, cond(p, 'ResolvedRefs')?.status], ['True', 'True'], `${name}: ${JSON.stringify(p)}`);
      assert.equal(p.parentRef.group, 'core');
    }
    // The docs' check, as printed (jq aside): every condition True.
    const conds = await kubectlOk(c, ['-n', 'booksapp', 'get', 'httproutes.gateway.networking.k8s.io', '-ojsonpath={.items[*].status.parents[*].conditions[*].status}']);
    assert.deepEqual([...new Set(conds.trim().split(/\s+/))], ['True']);

    // The routes have no backendRefs: requests go to the parent Service, on the matching route.
    const traffic = (await kubectlOk(c, ['get', 'pods', '-n', 'booksapp', '-l', 'app=traffic', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const list = await c.sandbox.runtime.requestFrom('booksapp', traffic, { url: 'http://books:7002/books.json', headers: { 'x-mesh-debug': '1' } });
    assert.equal(list.status, 200);
    assert.equal(list.headers['x-mesh-route'], 'books-list');
    assert.ok(Array.isArray(JSON.parse(list.body)));
    const other = await c.sandbox.runtime.requestFrom('booksapp', traffic, { url: 'http://books:7002/authors.json', headers: { 'x-mesh-debug': '1' } });
    assert.equal(other.status, 404, 'once routes are attached, a request none matches gets 404');
    const del = await c.sandbox.runtime.requestFrom('booksapp', traffic, { method: 'DELETE', url: 'http://books:7002/books/999999.json', headers: { 'x-mesh-debug': '1' } });
    assert.equal(del.headers['x-mesh-route'], 'books-delete', 'the regex route from the heredoc matches');
  });

  test('parentRefs the mesh does not accept: Accepted=False with a standard reason and how to fix it', async () => {
    const route = (name: string, parentRef: Record<string, unknown>) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: MESH_NS },
      spec: { parentRefs: [parentRef], rules: [{ backendRefs: [{ name: 'echo-v1', port: 80 }] }] },
    });
    const manifests = [
      route('no-group', { kind: 'Service', name: 'echo' }),
      route('to-gateway', { name: 'some-gateway' }),
      route('odd-kind', { group: 'example.com', kind: 'Mesh', name: 'x' }),
      route('no-such-service', { group: '', kind: 'Service', name: 'nowhere' }),
    ];
    await kubectlOk(c, ['apply', '-f', '-'], manifests.map((m) => JSON.stringify(m)).join('\n'));

    // The API server stores the CRD's defaults: a group-less ref reads back as group gateway.networking.k8s.io.
    const stored = parse(await kubectlOk(c, ['get', 'httproute', '-n', MESH_NS, 'no-group', '-o', 'yaml'])) as { spec: { parentRefs: Record<string, unknown>[] } };
    assert.deepEqual(stored.spec.parentRefs[0], { group: 'gateway.networking.k8s.io', kind: 'Service', name: 'echo' });

    const expect: [string, string, RegExp][] = [
      ['no-group', 'NoMatchingParent', /kind Service in group gateway\.networking\.k8s\.io does not exist .*write group: "" \(or core\)/],
      ['to-gateway', 'NoMatchingParent', /Gateway "gateway-conformance-mesh\/some-gateway" is not served: the sandbox has no Gateway controller/],
      ['odd-kind', 'UnsupportedValue', /parent kind Mesh in group "example\.com" is not supported/],
      ['no-such-service', 'NoMatchingParent', /Service "gateway-conformance-mesh\/nowhere" not found/],
    ];
    for (const [name, reason, message] of expect) {
      const [p] = await routeParents(c, 'httproute', MESH_NS, name);
      const accepted = cond(p, 'Accepted');
      assert.equal(p.controllerName, 'mesh.playground.dev/sandbox-mesh');
      assert.deepEqual([accepted?.status, accepted?.reason], ['False', reason], `${name}: ${JSON.stringify(p)}`);
      assert.match(accepted?.message ?? '', message);
    }
    // And the group-less route does not route: echo keeps its default balancing (no 404 from an empty table).
    const v1 = (await kubectlOk(c, ['get', 'pods', '-n', MESH_NS, '-l', 'app=echo,version=v1', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const out = await kubectlOk(c, ['exec', '-n', MESH_NS, v1, '-c', 'echo', '--', 'client', 'http://echo/', '--count=6']);
    assert.match(out, /All 6 requests succeeded/);
    await kubectlOk(c, ['delete', 'httproute', '-n', MESH_NS, 'no-group', 'to-gateway', 'odd-kind', 'no-such-service']);
  });

  test("the upstream mesh suite's GRPCRoutes: served (get, explain), Accepted, and compiled into echo's table for port 7070", async () => {
    const out = await kubectlOk(c, ['apply', '-f', join(GATEWAY_API, 'tests', 'mesh', 'grpcroute-weight.yaml'), '-f', join(GATEWAY_API, 'tests', 'mesh', 'grpcroute-request-header-modifier.yaml')]);
    assert.match(out, /grpcroute.gateway.networking.k8s.io\/mesh-grpc-weighted-backends created/);
    assert.match(out, /grpcroute.gateway.networking.k8s.io\/grpc-request-header-modifier created/);

    const [weighted] = await routeParents(c, 'grpcroute', MESH_NS, 'mesh-grpc-weighted-backends');
    // echo-v3 is not in the suite's manifests: its weight is 0, so it never gets traffic; the route is Accepted and
    // says the reference does not resolve (the suite only checks the 70/30 split between echo-v1 and echo-v2).
    assert.deepEqual([cond(weighted, 'Accepted')?.status, cond(weighted, 'ResolvedRefs')?.status, cond(weighted, 'ResolvedRefs')?.reason], ['True', 'False', 'BackendNotFound']);
    assert.match(cond(weighted, 'ResolvedRefs')!.message, /Service "gateway-conformance-mesh\/echo-v3" not found/);
    const [modifier] = await routeParents(c, 'grpcroute', MESH_NS, 'grpc-request-header-modifier');
    assert.deepEqual(modifier.conditions.map((x) => [x.type, x.status]), [['Accepted', 'True'], ['ResolvedRefs', 'True']]);

    const table = await kubectlOk(c, ['get', 'grpcroutes', '-n', MESH_NS]);
    assert.match(table, /^NAME\s+HOSTNAMES\s+AGE\n/);
    assert.match(table, /^grpc-request-header-modifier\s+\d+s\n/m);
    assert.match(table, /^mesh-grpc-weighted-backends\s+\d+s\n/m);
    const explain = await kubectlOk(c, ['explain', 'grpcroute.spec.rules.matches.method']);
    assert.match(explain, /GROUP:\s+gateway\.networking\.k8s\.io\nKIND:\s+GRPCRoute\nVERSION:\s+v1/);
    assert.match(explain, /^\s+service\s+<string>/m);

    // The compiled snapshot: a gRPC call's path and headers pick the rule as the suite intends.
    const snap = c.sandbox.mesh!.controlPlane.snapshot;
    const echo = snap.namespaces.get(MESH_NS)?.producerRoutes.get('echo');
    assert.ok(echo, "echo's route table");
    const call = (headers: Record<string, string>) => matchRule(echo, 7070, { method: 'POST', path: '/proto.EchoTestService/Echo', query: '', headers });
    const multi = call({ 'x-test-case': 'multi' })!;
    assert.deepEqual([multi.kind, multi.routeName, multi.backends.map((b) => b.service)], ['GRPCRoute', 'grpc-request-header-modifier', ['echo-v2']]);
    assert.deepEqual(multi.requestHeaders?.remove, ['x-header-remove-1', 'x-header-remove-2']);
    const plain = call({})!;
    assert.deepEqual([plain.routeName, plain.backends.map((b) => [b.service, b.weight])], ['mesh-grpc-weighted-backends', [['echo-v1', 70], ['echo-v2', 30], ['echo-v3', 0]]]);
    assert.equal(matchRule(echo, 80, { method: 'GET', path: '/', query: '', headers: {} }), undefined, 'port 80 is not covered by the GRPCRoutes');
    await kubectlOk(c, ['delete', '-f', join(GATEWAY_API, 'tests', 'mesh', 'grpcroute-weight.yaml'), '-f', join(GATEWAY_API, 'tests', 'mesh', 'grpcroute-request-header-modifier.yaml')]);
  });
});
