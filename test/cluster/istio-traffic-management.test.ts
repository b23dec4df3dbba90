// istio.io's traffic management tasks, run as written with the real kubectl against one sandbox: Bookinfo's own
// networking manifests (request routing for user jason, fault injection, traffic shifting), the request-timeouts
// task's YAML and the mirroring task's, all vendored unchanged (test/fixtures/upstream/istio/networking,
// test/fixtures/upstream/istio-io). The learner's view is productpage's HTML through `kubectl port-forward`; jason is
// signed in through productpage's /login, which then sends `end-user: jason` upstream, as Istio's productpage does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBECTL, kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const NETWORKING = join(UPSTREAM, 'istio', 'networking');
const WAIT = ['--timeout=60s'];
const NS = 'bookinfo';

type Reviews = 'v1' | 'v2' | 'v3' | 'reviews-unavailable' | 'ratings-unavailable';

/** What productpage's HTML shows for reviews: which version (no stars, black, red) or which error. */
function reviewsShown(html: string): Reviews {
  if (html.includes('Error fetching product reviews')) return 'reviews-unavailable';
  if (html.includes('Ratings service is currently unavailable')) return 'ratings-unavailable';
  if (html.includes('flex gap-x-1 text-black-500')) return 'v2';
  if (html.includes('flex gap-x-1 text-red-500')) return 'v3';
  return 'v1';
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function hostRequest(port: number, path: string, opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, timeout: opts.timeoutMs ?? 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The YAML of a snip that pipes a heredoc into kubectl (snips.sh is istio.io's generated copy of the task's commands). */
function snipYaml(snips: string, name: string): string {
  const m = new RegExp(`^${name}\\(\\) \\{\\n.*<<EOF.*\\n([\\s\\S]*?)\\nEOF\\n`, 'm').exec(snips);
  assert.ok(m, `snip ${name} not found`);
  return `${m[1]}\n`;
}

describe("istio.io traffic management tasks with Istio's own manifests", () => {
  let c: ClusterFixture;
  let fwd: ChildProcess | undefined;
  let port = 0;
  let jasonCookie = '';

  const page = async (user?: 'jason', timeoutMs?: number) => {
    const res = await hostRequest(port, '/productpage', { headers: user ? { cookie: jasonCookie } : {}, timeoutMs });
    assert.equal(res.status, 200, res.body);
    return res.body;
  };
  const shown = async (user?: 'jason', timeoutMs?: number) => reviewsShown(await page(user, timeoutMs));
  /** Polls until `want` shows, then asserts the next `more` requests show it too (the push reached productpage's sidecar). */
  const settlesOn = async (want: Reviews, user?: 'jason', more = 5) => {
    await waitFor(`productpage to show reviews ${want}${user ? ` to ${user}` : ''}`, async () => (await shown(user)) === want, { timeoutMs: 20_000, intervalMs: 50 });
    for (let i = 0; i < more; i++) assert.equal(await shown(user), want, `request ${i + 1} after the change`);
  };
  const apply = async (...files: string[]) => {
    const r = await c.kubectl(['apply', '-n', NS, ...files.flatMap((f) => ['-f', join(NETWORKING, f)])]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Warning/, 'every field of these manifests is honoured: no warning on apply');
    return r.stdout;
  };

  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['create', 'namespace', NS]);
    await kubectlOk(c, ['label', 'namespace', NS, 'istio-injection=enabled']);
    await kubectlOk(c, ['apply', '-n', NS, '-f', join(UPSTREAM, 'istio', 'bookinfo.yaml')]);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Ready', 'pods', '--all', ...WAIT], undefined, 70_000);
    port = await freePort();
    const proc = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, 'port-forward', '-n', NS, 'svc/productpage', `${port}:9080`], { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir } });
    fwd = proc;
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d));
    await waitFor('port-forward listening', () => out.includes(`Forwarding from 127.0.0.1:${port} -> 9080`), { timeoutMs: 15_000 });
    // Sign in as jason as the task says ("click Sign in, user name jason"): productpage's login form sets the session.
    const login = await hostRequest(port, '/login', { method: 'POST', body: 'username=jason&passwd=jason', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(login.status, 302, login.body);
    const cookie = [login.headers['set-cookie'] ?? []].flat()[0] ?? '';
    jasonCookie = cookie.split(';')[0];
    assert.match(jasonCookie, /=jason$/);
  });
  after(async () => {
    fwd?.kill('SIGKILL');
    await c?.close();
  });

  test('request routing: virtual-service-all-v1 sends everyone to reviews v1; reviews-test-v2 sends jason to v2, others stay on v1', async () => {
    const applied = await apply('destination-rule-all.yaml', 'virtual-service-all-v1.yaml');
    assert.match(applied, /destinationrule\.networking\.istio\.io\/reviews created/);
    assert.match(applied, /virtualservice\.networking\.istio\.io\/reviews created/);
    await settlesOn('v1', undefined, 8);
    await settlesOn('v1', 'jason', 3);

    assert.match(await apply('virtual-service-reviews-test-v2.yaml'), /virtualservice\.networking\.istio\.io\/reviews configured/);
    await settlesOn('v2', 'jason', 5);
    for (let i = 0; i < 5; i++) assert.equal(await shown(), 'v1', 'a user who is not jason still sees v1');
    // kubectl reads the stored VirtualService back through the served CRD (v1 is the storage version).
    const stored = await kubectlOk(c, ['get', 'virtualservice', 'reviews', '-n', NS, '-o', 'jsonpath={.spec.http[0].match[0].headers.end-user.exact}']);
    assert.equal(stored, 'jason');
    const status = await waitFor('the Reconciled condition', async () => {
      const out = await kubectlOk(c, ['get', 'virtualservice', 'reviews', '-n', NS, '-o', 'jsonpath={.status.conditions[?(@.type=="Reconciled")].reason}={.status.conditions[?(@.type=="Reconciled")].message}']);
      return out.startsWith('Applied=') ? out : undefined;
    });
    assert.equal(status, `Applied=applied by the sandbox mesh's sidecars for ${NS}/reviews`);
    const drStatus = await kubectlOk(c, ['get', 'destinationrule', 'ratings', '-n', NS, '-o', 'jsonpath={.status.conditions[?(@.type=="Reconciled")].status}']);
    assert.equal(drStatus, 'True');
  });

  test('fault injection: ratings-test-delay gives jason the 7s delay (productpage gives up on reviews); ratings-test-abort gives jason HTTP 500 from ratings', async () => {
    await apply('virtual-service-ratings-test-delay.yaml');
    // Others first: their reviews (v1) never call ratings, so the page is served at once and whole.
    assert.equal(await shown(), 'v1');
    // jason: reviews v2 → ratings is delayed 7s; productpage waits 3s per try, twice, and shows its reviews error
    // (istio.io: "Sorry, product reviews are currently unavailable for this book."). Run once (plus one try if the
    // first request beat the configuration push).
    let html = '';
    await waitFor('the delayed page', async () => {
      html = await page('jason', 20_000);
      return reviewsShown(html) === 'reviews-unavailable';
    }, { timeoutMs: 30_000, intervalMs: 10 });
    assert.match(html, /Sorry, product reviews are currently unavailable for this book\./);

    await apply('virtual-service-ratings-test-abort.yaml');
    await settlesOn('ratings-unavailable', 'jason', 2);
    assert.equal(await shown(), 'v1');
    // The abort as ratings' callers see it: Envoy's status and body.
    const direct = await kubectlOk(c, ['exec', '-n', NS, 'deploy/ratings-v1', '--', 'curl', '-s', '-H', 'end-user: jason', '-w', '\n%{http_code}', 'ratings:9080/ratings/0']);
    assert.equal(direct, 'fault filter abort\n500');
    const other = await kubectlOk(c, ['exec', '-n', NS, 'deploy/ratings-v1', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'ratings:9080/ratings/0']);
    assert.equal(other, '200');
  });

  test('traffic shifting: reviews-50-v3 splits reviews between v1 and v3; reviews-v3 sends all to v3', async () => {
    await apply('virtual-service-all-v1.yaml');
    await settlesOn('v1', undefined, 3);
    await apply('virtual-service-reviews-50-v3.yaml');
    await waitFor('a v3 page', async () => (await shown()) === 'v3', { timeoutMs: 20_000, intervalMs: 20 });
    const counts: Record<string, number> = {};
    const N = 60;
    for (let i = 0; i < N; i++) {
      const s = await shown();
      counts[s] = (counts[s] ?? 0) + 1;
    }
    // 50/50 over 60 requests: each side within [15, 45] fails by chance with probability < 1e-4.
    assert.deepEqual(Object.keys(counts).sort(), ['v1', 'v3'], JSON.stringify(counts));
    assert.ok(counts.v1 >= 15 && counts.v1 <= 45, JSON.stringify(counts));

    await apply('virtual-service-reviews-v3.yaml');
    await settlesOn('v3', undefined, 10);
    await settlesOn('v3', 'jason', 2);
  });

  test('request timeouts (istio.io task): reviews v2 with ratings delayed 2s is slow but whole; with timeout 0.5s productpage shows the reviews error', async () => {
    const snips = readFileSync(join(UPSTREAM, 'istio-io', 'request-timeouts', 'snips.sh'), 'utf8');
    await apply('virtual-service-all-v1.yaml');
    for (const snip of ['snip_request_timeouts_1', 'snip_request_timeouts_2']) {
      const r = await c.kubectl(['apply', '-n', NS, '-f', '-'], { input: snipYaml(snips, snip) });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Warning/);
    }
    // "the Bookinfo application working normally (with ratings stars displayed)" after about 2 seconds.
    await settlesOn('v2', undefined, 1);
    const r = await c.kubectl(['apply', '-n', NS, '-f', '-'], { input: snipYaml(snips, 'snip_request_timeouts_3') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/reviews configured/);
    // "returns in about 1 second, instead of 2, and the reviews are unavailable".
    await settlesOn('reviews-unavailable', undefined, 2);
  });

  test('mirroring (istio.io task): httpbin v1 serves every call, v2 receives a copy of each', async () => {
    const snips = readFileSync(join(UPSTREAM, 'istio-io', 'mirroring', 'snips.sh'), 'utf8');
    const ns = 'mirror';
    await kubectlOk(c, ['create', 'namespace', ns]);
    // `istioctl kube-inject` is Istio's manual injection; the namespace label injects the same sidecar here.
    await kubectlOk(c, ['label', 'namespace', ns, 'istio-injection=enabled']);
    for (const snip of ['snip_before_you_begin_1', 'snip_before_you_begin_2', 'snip_before_you_begin_3']) {
      await kubectlOk(c, ['create', '-n', ns, '-f', '-'], snipYaml(snips, snip));
    }
    // The task's client (tutum/curl) is long gone from registries; Istio's sleep sample is today's equivalent.
    await kubectlOk(c, ['apply', '-n', ns, '-f', join(UPSTREAM, 'istio', 'sleep.yaml')]);
    await kubectlOk(c, ['wait', '-n', ns, '--for=condition=Available', 'deploy/httpbin-v1', 'deploy/httpbin-v2', 'deploy/sleep', ...WAIT], undefined, 70_000);
    const v1 = (await kubectlOk(c, ['get', 'pod', '-n', ns, '-l', 'app=httpbin,version=v1', '-o', 'jsonpath={.items..metadata.name}'])).trim();
    const v2 = (await kubectlOk(c, ['get', 'pod', '-n', ns, '-l', 'app=httpbin,version=v2', '-o', 'jsonpath={.items..metadata.name}'])).trim();
    const inbound = async (pod: string) => {
      const text = await kubectlOk(c, ['get', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}:4191/proxy/metrics`]);
      let n = 0;
      for (const m of text.matchAll(/^request_total\{([^}]*)\} (\d+)$/gm)) if (m[1].includes('direction="inbound"')) n += Number(m[2]);
      return n;
    };
    const call = () => kubectlOk(c, ['exec', '-n', ns, 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-sS', '-H', 'x-mesh-debug: 1', '-i', 'http://httpbin:8000/headers']);

    let r = await c.kubectl(['apply', '-n', ns, '-f', '-'], { input: snipYaml(snips, 'snip_creating_a_default_routing_policy_1') });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Warning/);
    await waitFor('the default route to v1', async () => (await call()).includes(`x-mesh-endpoint: ${v1}`), { timeoutMs: 20_000, intervalMs: 50 });
    const v2Before = await inbound(v2);

    r = await c.kubectl(['apply', '-n', ns, '-f', '-'], { input: snipYaml(snips, 'snip_mirroring_traffic_to_v2_1') });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Warning/);
    // Wait for the push: a call whose copy reaches v2.
    await waitFor('a mirrored copy at v2', async () => {
      await call();
      return (await inbound(v2)) > v2Before;
    }, { timeoutMs: 20_000, intervalMs: 50 });
    const v1Start = await inbound(v1);
    const v2Start = await inbound(v2);
    const CALLS = 4;
    for (let i = 0; i < CALLS; i++) {
      const out = await call();
      assert.match(out, /^HTTP\/1\.1 200 /);
      assert.match(out, new RegExp(`x-mesh-endpoint: ${v1}\\r\\n`), 'the caller sees only v1');
      assert.match(out, /"Host": ?"httpbin:8000"/);
    }
    assert.equal((await inbound(v1)) - v1Start, CALLS);
    await waitFor(`${CALLS} copies at v2`, async () => (await inbound(v2)) - v2Start >= CALLS, { timeoutMs: 10_000, intervalMs: 50 });
  });

  test('retries as retryOn says (Istio default: a 503 is not retried), an unknown subset answers 503 no healthy upstream, unsupported fields warn on apply', async () => {
    const ns = 'mirror';
    const curl = (...args: string[]) => kubectlOk(c, ['exec', '-n', ns, 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-sS', ...args]);
    const attempts = async () => /x-mesh-attempts: (\d+)/.exec(await curl('-i', '-H', 'x-mesh-debug: 1', 'http://httpbin:8000/status/503'))?.[1];
    const applyVs = async (yaml: string) => {
      const r = await c.kubectl(['apply', '-n', ns, '-f', '-'], { input: yaml });
      assert.equal(r.code, 0, r.stderr);
      return r.stderr;
    };
    const vsYaml = (http: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: httpbin\nspec:\n  hosts: [httpbin]\n  http:\n${http}`;

    // Istio's default retry policy (no `retries`): connect-failure, refused-stream, unavailable, cancelled — not 503.
    await applyVs(vsYaml('  - route:\n    - destination: {host: httpbin, subset: v1}\n'));
    await waitFor('the route without mirror', async () => (await attempts()) === '1', { timeoutMs: 20_000 });
    assert.equal(await applyVs(vsYaml('  - route:\n    - destination: {host: httpbin, subset: v1}\n    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx"}\n')), '');
    await waitFor('3 retries on 5xx', async () => (await attempts()) === '4', { timeoutMs: 20_000 });
    await applyVs(vsYaml('  - route:\n    - destination: {host: httpbin, subset: v1}\n    retries: {attempts: 2, retryOn: "gateway-error,retriable-4xx"}\n'));
    await waitFor('2 retries on gateway errors', async () => (await attempts()) === '3', { timeoutMs: 20_000 });
    const notRetried = await curl('-i', '-H', 'x-mesh-debug: 1', 'http://httpbin:8000/status/500');
    assert.match(notRetried, /x-mesh-attempts: 1\r\n/, 'gateway-error is 502, 503, 504: a 500 is not retried');

    // A subset no DestinationRule defines: Envoy's 503 `no healthy upstream`.
    await applyVs(vsYaml('  - route:\n    - destination: {host: httpbin, subset: v3}\n'));
    await waitFor('the unknown subset', async () => (await curl('-s', '-w', '\n%{http_code}', 'http://httpbin:8000/get')) === 'no healthy upstream\n503', { timeoutMs: 20_000 });

    // Fields the sandbox does not honour: kubectl prints the API server's warnings; the object is stored anyway.
    const warned = await applyVs(vsYaml('  - route:\n    - destination: {host: httpbin, subset: v1}\n    corsPolicy:\n      allowOrigins: [{exact: "https://example.com"}]\n  tcp:\n  - match:\n    - sourceSubnet: 10.0.0.0/8\n    route:\n    - destination: {host: httpbin}\n'));
    assert.match(warned, /Warning: VirtualService "httpbin": spec\.http\[0\]\.corsPolicy is not supported by the sandbox mesh and is ignored/);
    assert.match(warned, /Warning: VirtualService "httpbin": spec\.tcp\[0\]\.match\[0\]\.sourceSubnet is not supported by the sandbox mesh/);
    await waitFor('routing by the warned VirtualService', async () => (await curl('-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/get')) === '200', { timeoutMs: 20_000 });

    // A Gateway API HTTPRoute on the same Service port applies; the VirtualService's status says why it does not.
    await applyVs(vsYaml('  - route:\n    - destination: {host: httpbin, subset: v3}\n'));
    const route = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: httpbin\nspec:\n  parentRefs:\n  - {group: "", kind: Service, name: httpbin, port: 8000}\n  rules:\n  - backendRefs:\n    - {name: httpbin, port: 8000}\n`;
    await kubectlOk(c, ['apply', '-n', ns, '-f', '-'], route);
    await waitFor('the HTTPRoute applying', async () => (await curl('-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/get')) === '200', { timeoutMs: 20_000 });
    const reason = await waitFor('the NotApplied condition', async () => {
      const out = await kubectlOk(c, ['get', 'virtualservice', 'httpbin', '-n', ns, '-o', 'jsonpath={.status.conditions[?(@.type=="Reconciled")].status} {.status.conditions[?(@.type=="Reconciled")].reason}: {.status.conditions[?(@.type=="Reconciled")].message}']);
      return out.startsWith('False NotApplied') ? out : undefined;
    });
    assert.match(reason, /an HTTPRoute or GRPCRoute is attached to Service mirror\/httpbin \(port 8000\): the Gateway API route applies there and this VirtualService does not/);
  });
});
