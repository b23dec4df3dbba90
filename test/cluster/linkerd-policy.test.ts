// Linkerd's "Restricting Access To Services" task as its page writes it (vendored unchanged; its YAML blocks are
// applied with the real kubectl as the page pipes them): emojivoto meshed, a Server on voting's gRPC port denies
// every client, web's ServerAuthorization lets web vote again while another meshed client (Istio's curl sample,
// ServiceAccount curl) stays denied with 403 `l5d-proxy-error: unauthorized request on route`; the same with an
// AuthorizationPolicy + MeshTLSAuthentication; Linkerd's authz metrics through the pods proxy; the
// default-inbound-policy `deny` and `all-authenticated` annotations, fixed on pods at creation; then the
// "Configuring Per-Route Authorization Policy" task's YAML (vendored unchanged) on the books app: 404 off the routes,
// per-route authorization; and apply-time warnings for fields the sandbox does not honour.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const NS = 'emojivoto';
const WAIT = ['--timeout=60s'];

/** The `kubectl apply -f - <<EOF … EOF` blocks of a vendored task page, in order. */
function heredocs(page: string): string[] {
  const text = readFileSync(join(UPSTREAM, 'linkerd-website', page), 'utf8');
  return [...text.matchAll(/kubectl apply -f - <<EOF\n([\s\S]*?)\nEOF\n/g)].map((m) => m[1] + '\n');
}

describe("Linkerd's authorization policy tasks (emojivoto, books app)", () => {
  let c: ClusterFixture;
  const [serverYaml, serverAuthorizationYaml] = heredocs('restricting-access.md');

  /** An HTTP status and response as curl in a pod sees it: `kubectl exec … -- curl -s -i …`. */
  async function curlFrom(from: string, url: string, extra: string[] = []): Promise<{ status: number; head: string }> {
    const head = await kubectlOk(c, ['exec', '-n', NS, from, '--', 'curl', '-s', '-i', ...extra, url]);
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head };
  }
  const voteDog = (from = 'deploy/curl') => curlFrom(from, `http://voting-svc.${NS}:8080/emojivoto.v1.VotingService/VoteDog`, ['-X', 'POST', '-H', 'content-type: application/json', '-d', '{}']);
  /** web calls voting-svc for this: a denied web → voting call makes web answer 500. */
  const webVote = () => curlFrom('deploy/curl', `http://web-svc.${NS}/api/vote?choice=:joy:`);
  const settles = (what: string, check: () => Promise<boolean>) => waitFor(what, check, { timeoutMs: 10_000, intervalMs: 100 });
  const votingMetrics = async () => {
    const pod = (await kubectlOk(c, ['get', 'pods', '-n', NS, '-l', 'app=voting-svc', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    return kubectlOk(c, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}:4191/proxy/metrics`]);
  };

  before(async () => {
    c = await startCluster();
    // `linkerd inject https://run.linkerd.io/emojivoto.yml | kubectl apply -f -`: here the namespace asks for injection.
    await kubectlOk(c, ['create', 'namespace', NS]);
    await kubectlOk(c, ['annotate', 'namespace', NS, 'linkerd.io/inject=enabled']);
    await kubectlOk(c, ['apply', '-f', join(UPSTREAM, 'linkerd-website', 'emojivoto.yml')]);
    await kubectlOk(c, ['apply', '-n', NS, '-f', join(UPSTREAM, 'istio', 'curl.yaml')]);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Available', 'deploy', '--all', ...WAIT], undefined, 70_000);
  });
  after(async () => {
    await c?.close();
  });

  test('the page has the two manifests it applies: a Server and a ServerAuthorization', () => {
    assert.match(serverYaml, /^kind: Server$/m);
    assert.match(serverAuthorizationYaml, /^kind: ServerAuthorization$/m);
  });

  test('before any Server: every meshed client may call voting', async () => {
    assert.equal((await voteDog()).status, 200);
    assert.equal((await webVote()).status, 200);
  });

  test('the Server on voting-svc:grpc denies every client, web included', async () => {
    assert.match(await kubectlOk(c, ['apply', '-f', '-'], serverYaml), /server\.policy\.linkerd\.io\/voting-grpc created/);
    await settles('voting denies curl', async () => (await voteDog()).status === 403);
    assert.equal((await webVote()).status, 500, "web's vote fails: its call to voting is denied");
    assert.match(await votingMetrics(), /inbound_http_authz_deny_total\{srv_group="policy\.linkerd\.io",srv_kind="server",srv_name="voting-grpc",srv_port="8080",route_group="",route_kind="default",route_name="default",tls="true",client_id="web\.emojivoto\.serviceaccount\.identity\.linkerd\.cluster\.local"\} [1-9]/);
  });

  test("the ServerAuthorization lets web vote; curl stays denied with Linkerd's 403", async () => {
    assert.match(await kubectlOk(c, ['apply', '-f', '-'], serverAuthorizationYaml), /serverauthorization\.policy\.linkerd\.io\/voting-grpc created/);
    await settles('web votes again', async () => (await webVote()).status === 200);
    const denied = await voteDog();
    assert.equal(denied.status, 403);
    assert.match(denied.head, /^l5d-proxy-error: unauthorized request on route\r$/m);
    assert.match(denied.head, /^content-length: 0\r$/m);
    const metrics = await votingMetrics();
    assert.match(metrics, /inbound_http_authz_allow_total\{srv_group="policy\.linkerd\.io",srv_kind="server",srv_name="voting-grpc",srv_port="8080",route_group="",route_kind="default",route_name="default",authz_group="policy\.linkerd\.io",authz_kind="serverauthorization",authz_name="voting-grpc",tls="true",client_id="web\.emojivoto\.serviceaccount\.identity\.linkerd\.cluster\.local"\} [1-9]/);
    assert.match(metrics, /inbound_http_authz_deny_total\{[^}]*srv_name="voting-grpc"[^}]*client_id="curl\.emojivoto\.serviceaccount\.identity\.linkerd\.cluster\.local"\} [1-9]/);
  });

  test('the same with an AuthorizationPolicy and a MeshTLSAuthentication naming web', async () => {
    await kubectlOk(c, ['delete', 'serverauthorization', '-n', NS, 'voting-grpc']);
    await settles('web denied again', async () => (await webVote()).status === 500);
    const policy = `apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata:
  name: voting-grpc
  namespace: ${NS}
spec:
  targetRef:
    group: policy.linkerd.io
    kind: Server
    name: voting-grpc
  requiredAuthenticationRefs:
    - name: web
      kind: MeshTLSAuthentication
      group: policy.linkerd.io
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata:
  name: web
  namespace: ${NS}
spec:
  identities:
    - "web.${NS}.serviceaccount.identity.linkerd.cluster.local"
`;
    const out = await kubectlOk(c, ['apply', '-f', '-'], policy);
    assert.match(out, /authorizationpolicy\.policy\.linkerd\.io\/voting-grpc created\nmeshtlsauthentication\.policy\.linkerd\.io\/web created/);
    await settles('web votes again', async () => (await webVote()).status === 200);
    assert.equal((await voteDog()).status, 403);
    assert.match(await votingMetrics(), /inbound_http_authz_allow_total\{[^}]*authz_kind="authorizationpolicy",authz_name="voting-grpc",tls="true",client_id="web\./);
    // Deleting the Server opens the port again (the default policy, all-unauthenticated).
    await kubectlOk(c, ['delete', 'server', '-n', NS, 'voting-grpc']);
    await settles('voting open again', async () => (await voteDog()).status === 200);
  });

  test('default-inbound-policy deny on the namespace: pods created after it deny, older pods keep their policy', async () => {
    await kubectlOk(c, ['annotate', 'namespace', NS, 'config.linkerd.io/default-inbound-policy=deny']);
    await kubectlOk(c, ['rollout', 'restart', 'deploy/emoji', '-n', NS]);
    await kubectlOk(c, ['rollout', 'status', 'deploy/emoji', '-n', NS, ...WAIT], undefined, 70_000);
    const emoji = await kubectlOk(c, ['get', 'pods', '-n', NS, '-l', 'app=emoji-svc', '-o', 'jsonpath={.items[*].metadata.annotations.config\\.linkerd\\.io/default-inbound-policy}']);
    assert.equal(emoji.trim().split(/\s+/).at(-1), 'deny', 'the injector put the namespace policy on the new pod');
    await settles('emoji denies', async () => (await curlFrom('deploy/curl', `http://emoji-svc.${NS}:8080/emojivoto.v1.EmojiService/ListAll`, ['-X', 'POST', '-d', '{}'])).status === 403);
    assert.equal((await curlFrom('deploy/curl', `http://web-svc.${NS}/api/list`)).status, 500, "web's call to emoji is denied");
    assert.equal((await voteDog()).status, 200, 'voting was created before the annotation: still all-unauthenticated');
  });

  test('all-authenticated refuses a plaintext (un-meshed) client and admits a meshed one', async () => {
    await kubectlOk(c, ['annotate', 'namespace', NS, 'config.linkerd.io/default-inbound-policy=all-authenticated', '--overwrite']);
    await kubectlOk(c, ['rollout', 'restart', 'deploy/voting', '-n', NS]);
    await kubectlOk(c, ['rollout', 'status', 'deploy/voting', '-n', NS, ...WAIT], undefined, 70_000);
    await kubectlOk(c, ['run', 'plain', '-n', NS, '--image=docker.io/curlimages/curl:8.16.0', '--restart=Never', '--annotations=linkerd.io/inject=disabled', '--command', '--', '/bin/sleep', 'infinity']);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Ready', 'pod/plain', ...WAIT], undefined, 70_000);
    const containers = await kubectlOk(c, ['get', 'pod', 'plain', '-n', NS, '-o', 'jsonpath={.spec.containers[*].name}']);
    assert.equal(containers, 'plain', 'no sidecar: its requests reach voting in plaintext');
    await settles('plaintext denied', async () => (await voteDog('plain')).status === 403);
    assert.match((await voteDog('plain')).head, /^l5d-proxy-error: unauthorized request on route\r$/m);
    assert.equal((await voteDog()).status, 200, 'the meshed curl pod (mTLS) is admitted');
  });

  test("Linkerd's per-route policy task on the books app: 404 off the routes, each route authorizes its own clients", async () => {
    const B = 'booksapp';
    const blocks = heredocs('configuring-per-route-policy.md');
    assert.deepEqual(blocks.map((b) => [...b.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).join('+')), [
      'Server',
      'HTTPRoute',
      'AuthorizationPolicy+MeshTLSAuthentication',
      'HTTPRoute+NetworkAuthentication+AuthorizationPolicy',
      'HTTPRoute',
      'AuthorizationPolicy+MeshTLSAuthentication',
    ]);
    // `kubectl create ns booksapp && curl … booksapp.yml | linkerd inject - | kubectl -n booksapp apply -f -`
    await kubectlOk(c, ['create', 'namespace', B]);
    await kubectlOk(c, ['annotate', 'namespace', B, 'linkerd.io/inject=enabled']);
    await kubectlOk(c, ['-n', B, 'apply', '-f', join(UPSTREAM, 'linkerd-website', 'booksapp.yml')]);
    await kubectlOk(c, ['wait', '-n', B, '--for=condition=Available', 'deploy', '--all', ...WAIT], undefined, 70_000);
    const podOf = (app: string) => c.pods(B, (p) => p.metadata.labels?.app === app && p.status?.phase === 'Running')[0]!.metadata.name!;
    const send = (app: string, method: string, path: string) => c.sandbox.runtime.requestFrom(B, podOf(app), { method, url: `http://authors.${B}:7001${path}` });
    const proxyError = (r: { headers: Record<string, string | string[]> }) => r.headers['l5d-proxy-error'];
    // Applied, then pushed to every proxy: the sidecars run in the data-plane worker, which compiles the change itself.
    const apply = async (yaml: string) => {
      await kubectlOk(c, ['apply', '-f', '-'], yaml);
      await c.sandbox.mesh!.controlPlane.settled();
    };

    await apply(blocks[0]); // the Server: every request to authors is unauthorized
    await settles('authors denies webapp', async () => (await send('webapp', 'GET', '/authors.json')).status === 403);

    await apply(blocks[1]);
    await apply(blocks[2]); // GET routes, for books and webapp
    await settles('webapp reads authors', async () => proxyError(await send('webapp', 'GET', '/authors.json')) === undefined);
    assert.equal(proxyError(await send('books', 'GET', '/authors/1.json')), undefined, 'books reads an author');
    const del = await send('webapp', 'DELETE', '/authors/1.json');
    assert.equal(del.status, 404, 'DELETE matches no route: "not found"');
    assert.equal(proxyError(del), 'no route found for request');

    await apply(blocks[3]); // the probe route, from any network
    const ping = await c.sandbox.runtime.requestFrom(B, podOf('webapp'), { url: `http://authors.${B}:7001/ping` });
    assert.equal(proxyError(ping), undefined);
    assert.equal(ping.status, 200);

    await apply(blocks[4]); // the modify route: matched now, but not authorized
    await settles('DELETE is unauthorized', async () => (await send('webapp', 'DELETE', '/authors/1.json')).status === 403);
    assert.equal(proxyError(await send('webapp', 'DELETE', '/authors/1.json')), 'unauthorized request on route');

    await apply(blocks[5]); // …for webapp only
    await settles('webapp may delete', async () => proxyError(await send('webapp', 'DELETE', '/authors/1.json')) === undefined);
    const booksDelete = await send('books', 'DELETE', '/authors/2.json');
    assert.equal(booksDelete.status, 403, 'books is not in authors-modify-authn');
    assert.equal(proxyError(await send('books', 'GET', '/authors.json')), undefined, 'books still reads');
  });

  test('fields the sandbox does not honour are warned about on apply', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata:
  name: external
  namespace: ${NS}
spec:
  externalWorkloadSelector:
    matchLabels:
      app: legacy
  port: 8080
`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: Server "external": spec\.externalWorkloadSelector is not supported by the sandbox mesh and is ignored \(the sandbox has no ExternalWorkloads; the Server selects nothing\)/);
  });

  test("Linkerd's policy validator refuses what its webhook refuses, with its message", async () => {
    const twoAuthns = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata:
  name: greedy
  namespace: ${NS}
spec:
  targetRef:
    group: policy.linkerd.io
    kind: Server
    name: voting-grpc
  requiredAuthenticationRefs:
    - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: a}
    - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: b}
`,
    });
    assert.equal(twoAuthns.code, 1);
    assert.equal(twoAuthns.stderr.trim(), 'Error from server: error when creating "STDIN": admission webhook "linkerd-policy-validator.linkerd.io" denied the request: only a single MeshTLSAuthentication may be set');
    const negated = await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata:
  name: nobody
  namespace: ${NS}
spec:
  networks:
    - cidr: 10.1.0.0/16
      except: [10.0.0.0/8]
`,
    });
    assert.match(negated.stderr, /denied the request: cidr '10\.1\.0\.0\/16' is completely negated by exception '10\.0\.0\.0\/8'/);
    assert.equal((await c.kubectl(['get', 'networkauthentication', 'nobody', '-n', NS])).code, 1, 'nothing was stored');
  });

  test("audit mode: a Server with accessPolicy audit lets emoji's denied port through and the proxy logs it", async () => {
    const server = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata:
  name: emoji-grpc
  namespace: ${NS}
spec:
  podSelector:
    matchLabels:
      app: emoji-svc
  port: grpc
  proxyProtocol: gRPC
  accessPolicy: audit
`;
    const listAll = () => curlFrom('deploy/curl', `http://emoji-svc.${NS}:8080/emojivoto.v1.EmojiService/ListAll`, ['-X', 'POST', '-d', '{}']);
    assert.equal((await listAll()).status, 403, 'the namespace default (deny) applies so far');
    await kubectlOk(c, ['apply', '-f', '-'], server);
    await settles('audited, not denied', async () => (await listAll()).status === 200);
    const logs = await kubectlOk(c, ['logs', '-n', NS, 'deploy/emoji', '-c', 'mesh-proxy']);
    assert.match(logs, /Request allowed server\.group=policy\.linkerd\.io server\.kind=server server\.name=emoji-grpc .*authz\.name=audit client\.tls=Some\(Established \{ client_id: curl\.emojivoto\.serviceaccount\.identity\.linkerd\.cluster\.local \}\)/);
  });
});
