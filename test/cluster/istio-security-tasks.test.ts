// istio.io's security tasks run as written against the sandbox, with the real kubectl and the sandbox's real curl:
// the tasks' own snips.sh (vendored unchanged from istio/istio.io) are sourced by bash and their functions called, so
// the PeerAuthentication and AuthorizationPolicy heredocs are applied byte for byte and the outputs are compared with
// the tasks' own expected output (`snip_…_out`). `istioctl kube-inject` is the one step done differently: the
// namespace is labelled istio-injection=enabled instead (the sandbox injects on that label).
// The tests run in order on one sandbox: the later ones use the namespaces and workloads the first one sets up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const SNIPS = {
  mtlsMigration: join(UPSTREAM, 'istio-io', 'mtls-migration-snips.sh'),
  authzHttp: join(UPSTREAM, 'istio-io', 'authz-http-snips.sh'),
  authzDeny: join(UPSTREAM, 'istio-io', 'authz-deny-snips.sh'),
};
const SAMPLES = join(UPSTREAM, 'istio');
const WAIT = ['--timeout=60s'];

interface ShellResult {
  code: number;
  /** stdout and stderr interleaved, as a terminal shows them (the snips' expected outputs are written so). */
  output: string;
}

/** Sources a task's snips.sh in bash (KUBECONFIG pointing at the sandbox) and runs one line, e.g. a snip function. */
function snip(c: ClusterFixture, file: string, line: string): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `source "$SNIPS_FILE" && { ${line}; } 2>&1`], { timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir, KUBECONFIG: c.kubeconfig, SNIPS_FILE: file } }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, output: stdout }),
    );
  });
}

/** A snip's expected output variable (`snip_…_out`), as the task publishes it. */
async function expected(c: ClusterFixture, file: string, name: string): Promise<string> {
  const r = await snip(c, file, `printf '%s' "$${name}"`);
  assert.ok(r.output.length > 0, `${name} is empty`);
  return r.output;
}

/** Runs a snip until its output is the task's expected one (config pushes are asynchronous), then asserts it. */
async function expectSnip(c: ClusterFixture, file: string, fn: string, want: string): Promise<void> {
  let last = '';
  try {
    await waitFor(`${fn} printing the task's output`, async () => (last = (await snip(c, file, fn)).output) === want, { timeoutMs: 20_000, intervalMs: 200 });
  } catch {
    assert.equal(last, want, `${fn}`);
  }
}

describe("istio.io security tasks with the tasks' own snippets", () => {
  let c: ClusterFixture;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.close();
  });

  test('Mutual TLS Migration: PERMISSIVE accepts the legacy plaintext client; STRICT in foo resets it (000, exit 56); mesh-wide STRICT from istio-system', async () => {
    // snip_set_up_the_cluster_1 and _2, with the injection label in place of `istioctl kube-inject`.
    for (const ns of ['foo', 'bar']) {
      await kubectlOk(c, ['create', 'ns', ns]);
      await kubectlOk(c, ['label', 'ns', ns, 'istio-injection=enabled']);
      await kubectlOk(c, ['apply', '-f', join(SAMPLES, 'httpbin.yaml'), '-n', ns]);
      await kubectlOk(c, ['apply', '-f', join(SAMPLES, 'sleep.yaml'), '-n', ns]);
    }
    await kubectlOk(c, ['create', 'ns', 'legacy']);
    await kubectlOk(c, ['apply', '-f', join(SAMPLES, 'sleep.yaml'), '-n', 'legacy']);
    for (const ns of ['foo', 'bar']) await kubectlOk(c, ['wait', '-n', ns, '--for=condition=Available', 'deploy/httpbin', 'deploy/sleep', ...WAIT], undefined, 70_000);
    await kubectlOk(c, ['wait', '-n', 'legacy', '--for=condition=Available', 'deploy/sleep', ...WAIT], undefined, 70_000);
    const legacyPod = (await kubectlOk(c, ['get', 'pods', '-n', 'legacy', '-l', 'app=sleep', '-o', 'jsonpath={.items[0].spec.containers[*].name}'])).trim();
    assert.equal(legacyPod, 'sleep', 'the legacy namespace has no sidecar');

    const f = SNIPS.mtlsMigration;
    await expectSnip(c, f, 'snip_set_up_the_cluster_3', await expected(c, f, 'snip_set_up_the_cluster_3_out'));
    assert.equal((await snip(c, f, 'snip_set_up_the_cluster_4')).output, await expected(c, f, 'snip_set_up_the_cluster_4_out'));

    // Lock down to mutual TLS by namespace: the task's PeerAuthentication (security.istio.io/v1beta1), applied as written.
    const applied = await snip(c, f, 'snip_lock_down_to_mutual_tls_by_namespace_1');
    assert.equal(applied.code, 0, applied.output);
    assert.equal(applied.output, 'peerauthentication.security.istio.io/default created\n');
    await expectSnip(c, f, 'snip_lock_down_to_mutual_tls_by_namespace_2', await expected(c, f, 'snip_lock_down_to_mutual_tls_by_namespace_2_out'));

    // Lock down mutual TLS for the entire mesh: the root namespace exists, as on a cluster with Istio installed.
    await kubectlOk(c, ['get', 'ns', 'istio-system']);
    assert.equal((await snip(c, f, 'snip_lock_down_mutual_tls_for_the_entire_mesh_1')).code, 0);
    // The task says: now legacy's requests to both httpbins fail (its page shows the same 000 / exit 56 for bar).
    await expectSnip(
      c,
      f,
      'snip_lock_down_mutual_tls_for_the_entire_mesh_2',
      [
        'sleep.foo to httpbin.foo: 200',
        'sleep.foo to httpbin.bar: 200',
        'sleep.bar to httpbin.foo: 200',
        'sleep.bar to httpbin.bar: 200',
        'sleep.legacy to httpbin.foo: 000',
        'command terminated with exit code 56',
        'sleep.legacy to httpbin.bar: 000',
        'command terminated with exit code 56',
        '',
      ].join('\n'),
    );

    // Clean up (the task's snip): the mesh is PERMISSIVE again and legacy gets through.
    const cleaned = await snip(c, f, 'snip_clean_up_the_example_1');
    assert.equal(cleaned.output, 'peerauthentication.security.istio.io "default" deleted\npeerauthentication.security.istio.io "default" deleted\n');
    await expectSnip(c, f, 'snip_set_up_the_cluster_3', await expected(c, f, 'snip_set_up_the_cluster_3_out'));
  });

  test('DISABLE (workload, then port level): meshed clients send plaintext, so a principal-requiring policy denies them; legacy plaintext is accepted', async () => {
    const status = async (from: string) =>
      (await c.kubectl(['exec', '-n', from, 'deploy/sleep', '-c', 'sleep', '--', 'curl', 'http://httpbin.bar:8000/ip', '-s', '-o', '/dev/null', '-w', '%{http_code}'])).stdout;
    // Any authenticated principal may call httpbin.bar: mTLS clients pass, plaintext ones have no principal.
    await kubectlOk(c, ['apply', '-f', '-'], 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: authenticated-only, namespace: bar}\nspec:\n  selector: {matchLabels: {app: httpbin}}\n  rules:\n  - from:\n    - source: {principals: ["*"]}\n');
    await waitFor('sleep.foo allowed over mTLS', async () => (await status('foo')) === '200');
    assert.equal(await status('legacy'), '403');
    const disable = (spec: string) => kubectlOk(c, ['apply', '-f', '-'], `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: httpbin, namespace: bar}\nspec:\n  selector: {matchLabels: {app: httpbin}}\n${spec}`);
    await disable('  mtls: {mode: DISABLE}\n');
    await waitFor('sleep.foo sending plaintext to a DISABLE workload (no principal: denied)', async () => (await status('foo')) === '403');
    // Port level: STRICT for the workload but DISABLE on httpbin's container port 8080 (Service port 8000 targets it).
    await disable('  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n');
    await waitFor('still plaintext on port 8080', async () => (await status('foo')) === '403');
    assert.equal(await status('legacy'), '403', 'plaintext is accepted on the DISABLE port (then denied by the policy, not reset)');
    await disable('  mtls: {mode: STRICT}\n');
    await waitFor('mTLS again under STRICT', async () => (await status('foo')) === '200');
    assert.equal(await status('legacy'), '000', 'STRICT resets the plaintext client');
    await kubectlOk(c, ['delete', 'peerauthentication', '-n', 'bar', 'httpbin']);
    await kubectlOk(c, ['delete', 'authorizationpolicy.security.istio.io', '-n', 'bar', 'authenticated-only']);
  });

  test('Authorization on HTTP traffic (authz-deny): DENY GET unless the x-token header is admin, then ALLOW /ip only', async () => {
    const f = SNIPS.authzDeny;
    await expectSnip(c, f, 'snip_before_you_begin_2', await expected(c, f, 'snip_before_you_begin_2_out'));
    assert.equal((await snip(c, f, 'snip_explicitly_deny_a_request_1')).code, 0);
    for (const n of [2, 3]) await expectSnip(c, f, `snip_explicitly_deny_a_request_${n}`, await expected(c, f, `snip_explicitly_deny_a_request_${n}_out`));
    assert.equal((await snip(c, f, 'snip_explicitly_deny_a_request_4')).output, 'authorizationpolicy.security.istio.io/deny-method-get configured\n');
    for (const n of [5, 6]) await expectSnip(c, f, `snip_explicitly_deny_a_request_${n}`, await expected(c, f, `snip_explicitly_deny_a_request_${n}_out`));
    assert.equal((await snip(c, f, 'snip_explicitly_deny_a_request_7')).code, 0);
    for (const n of [8, 9, 10]) await expectSnip(c, f, `snip_explicitly_deny_a_request_${n}`, await expected(c, f, `snip_explicitly_deny_a_request_${n}_out`));
    // The denial's bytes are Envoy's.
    const body = await kubectlOk(c, ['exec', '-n', 'foo', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-sS', '-i', 'http://httpbin.foo:8000/get', '-H', 'x-token: guest']);
    assert.match(body, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(body, /\r\ncontent-type: text\/plain\r\n/i);
    assert.match(body, /\r\n\r\nRBAC: access denied$/);
  });

  test('what the sandbox cannot honour is reported on apply (kubectl prints Warning: …), and the object is stored', async () => {
    const policy = [
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: partly-supported, namespace: bar}',
      'spec:',
      '  action: CUSTOM',
      '  provider: {name: my-ext-authz}',
      '  rules:',
      '  - from:',
      '    - source: {serviceAccounts: ["foo/sleep"]}',
      '    when:',
      '    - {key: connection.sni, values: ["x"]}',
      '',
    ].join('\n');
    const r = await c.kubectl(['apply', '-f', '-'], { input: policy });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'authorizationpolicy.security.istio.io/partly-supported created\n');
    assert.match(r.stderr, /^Warning: AuthorizationPolicy "partly-supported": spec\.provider is not supported by the sandbox mesh/m);
    assert.match(r.stderr, /^Warning: AuthorizationPolicy "partly-supported": spec\.rules\[0\]\.from\[0\]\.source\.serviceAccounts is not supported/m);
    assert.match(r.stderr, /^Warning: AuthorizationPolicy bar\/partly-supported: action CUSTOM needs an external authorizer/m);
    assert.match(r.stderr, /^Warning: AuthorizationPolicy bar\/partly-supported rules\[0\]\.when\[0\]: key "connection\.sni" is not supported/m);
    await kubectlOk(c, ['delete', 'authorizationpolicy.security.istio.io', '-n', 'bar', 'partly-supported']);
  });

  test('Authorization for HTTP traffic (authz-http) on Bookinfo: allow-nothing, then productpage, details and reviews viewers by principal', async () => {
    await kubectlOk(c, ['label', 'namespace', 'default', 'istio-injection=enabled']);
    await kubectlOk(c, ['apply', '-n', 'default', '-f', join(SAMPLES, 'bookinfo.yaml')]);
    await kubectlOk(c, ['wait', '-n', 'default', '--for=condition=Available', 'deploy', '--all', ...WAIT], undefined, 70_000);
    const page = async (from = 'deploy/ratings-v1') => (await c.kubectl(['exec', '-n', 'default', from, '--', 'curl', '-sS', '-w', '\n%{http_code}', 'productpage:9080/productpage'])).stdout;
    assert.match(await waitFor('productpage before any policy', async () => ((await page()).endsWith('\n200') ? page() : undefined)), /<title>Simple Bookstore App<\/title>/);

    const f = SNIPS.authzHttp;
    assert.equal((await snip(c, f, 'snip_configure_access_control_for_workloads_using_http_traffic_1')).output, 'authorizationpolicy.security.istio.io/allow-nothing created\n');
    assert.equal(await waitFor('allow-nothing denying productpage', async () => ((await page()).endsWith('\n403') ? page() : undefined)), 'RBAC: access denied\n403');

    assert.equal((await snip(c, f, 'snip_configure_access_control_for_workloads_using_http_traffic_2')).code, 0);
    const viewerOnly = await waitFor('productpage-viewer allowing GET', async () => ((await page()).endsWith('\n200') ? page() : undefined));
    assert.match(viewerOnly, /Error fetching product details/);
    assert.match(viewerOnly, /Error fetching product reviews/);
    // Only GET: a POST from the same pod is denied.
    const post = await kubectlOk(c, ['exec', '-n', 'default', 'deploy/ratings-v1', '--', 'curl', '-sS', '-X', 'POST', '-o', '/dev/null', '-w', '%{http_code}', 'productpage:9080/productpage']);
    assert.equal(post, '403');

    for (const n of [4, 5]) assert.equal((await snip(c, f, `snip_configure_access_control_for_workloads_using_http_traffic_${n}`)).code, 0);
    // A page served by reviews v2 or v3 (v1 does not call ratings; the Service balances over all three).
    const fromRatingsCaller = (p: string) => p.endsWith('\n200') && !/Error fetching/.test(p) && /Reviews served by: \nreviews-v[23]-/.test(p);
    const withDetails = await waitFor('details and reviews visible to productpage', async () => {
      const p = await page();
      return fromRatingsCaller(p) ? p : undefined;
    });
    assert.match(withDetails, /Ratings service is currently unavailable/, 'ratings still allows nothing');
    // details-viewer and reviews-viewer admit productpage's principal only: another workload gets Envoy's 403.
    for (const path of ['details:9080/details/0', 'reviews:9080/reviews/0']) {
      const r = await kubectlOk(c, ['exec', '-n', 'default', 'deploy/ratings-v1', '--', 'curl', '-sS', '-w', '\n%{http_code}', path]);
      assert.equal(r, 'RBAC: access denied\n403', path);
    }

    assert.equal((await snip(c, f, 'snip_configure_access_control_for_workloads_using_http_traffic_6')).code, 0);
    await waitFor('ratings visible through reviews v2/v3', async () => {
      const p = await page();
      return fromRatingsCaller(p) && !/Ratings service is currently unavailable/.test(p);
    });

    const cleaned = await snip(c, f, 'snip_clean_up_1');
    assert.equal(cleaned.code, 0, cleaned.output);
    await waitFor('details open to everyone again', async () => (await kubectlOk(c, ['exec', '-n', 'default', 'deploy/ratings-v1', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'details:9080/details/0'])) === '200');
  });
});
