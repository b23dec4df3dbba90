// Linkerd's "Restricting Access To Services" task as its page writes it (vendored unchanged; its YAML blocks are
// applied with the real kubectl as the page pipes them): emojivoto meshed, a Server on voting's gRPC port denies
// every client, web's ServerAuthorization lets web vote again while another meshed client (Istio's curl sample,
// ServiceAccount curl) stays denied with 403 `l5d-proxy-error: unauthorized request on route`; the same with an
// AuthorizationPolicy + MeshTLSAuthentication; Linkerd's authz metrics through the pods proxy; the
// default-inbound-policy `deny` and `all-authenticated` annotations, fixed on pods at creation.
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

describe("Linkerd's restricting-access task on emojivoto", () => {
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
});
