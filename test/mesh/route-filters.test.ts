// The Gateway API Mesh conformance tests for HTTPRoute filters (and the rule-level header modifier one, whose cases
// the backendRef test shares), run the way upstream's suite runs them against the
// sandbox: conformance/mesh/manifests.yaml and each test's YAML applied unchanged with the real kubectl, the test
// namespaces labelled for injection first (upstream's --namespace-labels), requests sent from the echo-v1 pod with
// `kubectl exec … -c echo -- client http://echo/<path> --method=GET [-H k:v]…` as conformance/utils/echo/pod.go
// builds them, retried until consistent (MakeRequestAndExpectEventuallyConsistentResponse), and checked as its
// compareRequest checks them — plus what the mesh checker leaves out: the Location of each redirect (exactly, and by
// the gateway checker's rules), and the path the backend saw after a rewrite. Also RequestMirror (not in the
// upstream mesh suite): copies reach the mirror with a `-shadow` Host while the caller sees only the primary, and
// filters the CRD's CEL forbids get Accepted=False with upstream's reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from '../cluster/fixture.js';

const UPSTREAM = fileURLToPath(new URL('../../playground-server/conformance/upstream/gateway-api/tests/mesh/', import.meta.url)); // the runner's vendored copy
const BASE_MANIFESTS = fileURLToPath(new URL('../../playground-server/conformance/upstream/gateway-api/mesh/manifests.yaml', import.meta.url));
const NS = 'gateway-conformance-mesh';
/** Bounds on "eventually consistent" (upstream waits up to its MaxTimeToConsistency; the sandbox converges faster). */
const CONSISTENCY_TIMEOUT_MS = 20_000;
const CONSISTENCY_ATTEMPTS = 40;

/** What conformance/utils/echo/parse.go's ParseResponse extracts (first match per field, as Go's FindStringSubmatch). */
interface EchoResponse {
  code: string;
  hostname: string;
  url: string;
  requestHeaders: Map<string, string[]>;
  responseHeaders: Map<string, string>;
  raw: string;
}

function parseEcho(out: string): EchoResponse {
  const first = (field: string) => new RegExp(`${field}=(.*)`).exec(out)?.[1] ?? '';
  const requestHeaders = new Map<string, string[]>();
  for (const m of out.matchAll(/RequestHeader=(.*)/g)) {
    const at = m[1].indexOf(':');
    if (at < 0) continue;
    const k = m[1].slice(0, at).toLowerCase();
    requestHeaders.set(k, [...(requestHeaders.get(k) ?? []), m[1].slice(at + 1)]);
  }
  const responseHeaders = new Map<string, string>();
  for (const m of out.matchAll(/ResponseHeader=(.*)/g)) {
    const at = m[1].indexOf(':');
    if (at >= 0) responseHeaders.set(m[1].slice(0, at).toLowerCase(), m[1].slice(at + 1));
  }
  return { code: first('StatusCode'), hostname: first('Hostname'), url: first('URL'), requestHeaders, responseHeaders, raw: out };
}

/** One upstream ExpectedResponse, with the extra expectations this suite adds (expectPath, location). */
interface Case {
  path: string;
  headers?: Record<string, string>;
  status?: number;
  backend?: string;
  expectHeaders?: Record<string, string>;
  absent?: string[];
  /** ExpectedRequest.Path: the path the backend saw (upstream's mesh checker does not compare it; this suite does). */
  expectPath?: string;
  /** RedirectRequest: checked as the gateway checker does (host, port, scheme, path defaults)… */
  redirect?: { host?: string; port?: string; scheme?: string; path?: string };
  /** …and the whole Location, exactly. */
  location?: string;
}

/** compareRequest (conformance/utils/echo/pod.go) plus the redirect and path checks; an error message or ''. */
function compare(c: Case, r: EchoResponse): string {
  const want = c.status ?? 200;
  if (Number(r.code) !== want) return `wanted status code ${want}, got ${r.code}`;
  for (const [name, value] of Object.entries(c.expectHeaders ?? {})) {
    const got = r.requestHeaders.get(name.toLowerCase());
    if (!got) return `expected ${name} header to be set, actual headers: ${JSON.stringify([...r.requestHeaders])}`;
    if (got.join(',') !== value) return `expected ${name} header to be set to ${value}, got ${got.join(',')}`;
  }
  for (const name of c.absent ?? []) if (r.requestHeaders.has(name.toLowerCase())) return `expected ${name} header to not be set`;
  if (!r.hostname.startsWith(c.backend ?? '')) return `expected pod name to start with ${c.backend}, got ${r.hostname}`;
  if (c.expectPath !== undefined && r.url !== c.expectPath) return `expected the backend to see ${c.expectPath}, got ${r.url}`;
  if (c.location !== undefined || c.redirect) {
    const location = r.responseHeaders.get('location');
    if (!location) return 'no Location response header';
    if (c.location !== undefined && location !== c.location) return `expected Location ${c.location}, got ${location}`;
    const err = checkRedirect(c, location);
    if (err) return err;
  }
  return '';
}

/** conformance/utils/http/http.go's redirect checks (setRedirectRequestDefaults, then host, port, scheme, path). */
function checkRedirect(c: Case, location: string): string {
  const got = new URL(location);
  const exp = { host: c.redirect?.host || got.hostname, port: c.redirect?.port ?? '', scheme: c.redirect?.scheme || 'http', path: c.redirect?.path || c.path.split('?')[0] }; // Go's req.URL.Path: no query
  if (exp.host !== got.hostname) return `expected redirected hostname to be ${exp.host}, got ${got.hostname}`;
  const scheme = got.protocol.replace(/:$/, '');
  if (exp.port === '') {
    if (scheme === 'http' && got.port !== '80' && got.port !== '') return `for http scheme, expected redirected port to be 80 or not set, got ${got.port}`;
    if (scheme === 'https' && got.port !== '443' && got.port !== '') return `for https scheme, expected redirected port to be 443 or not set, got ${got.port}`;
  } else if (exp.port !== got.port) return `expected redirected port to be ${exp.port}, got ${got.port}`;
  if (exp.scheme !== scheme) return `expected redirected scheme to be ${exp.scheme}, got ${scheme}`;
  if (exp.path !== got.pathname) return `expected redirected path to be ${exp.path}, got ${got.pathname}`;
  return '';
}

describe('Gateway API Mesh conformance: HTTPRoute filters', { timeout: 600_000 }, () => {
  let c: ClusterFixture;
  let v1Pod = '';

  /** `client` from the echo-v1 pod, with the args makeRequest builds. */
  async function send(path: string, headers: Record<string, string> = {}, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
    const args = ['client', `http://echo${path}`, '--method=GET'];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}:${v}`);
    const r = await c.kubectl(['exec', '-n', NS, v1Pod, '-c', 'echo', '--', ...args, ...extra]);
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  async function expectEventually(tc: Case): Promise<EchoResponse> {
    let last = '';
    const deadline = Date.now() + CONSISTENCY_TIMEOUT_MS;
    for (let i = 0; i < CONSISTENCY_ATTEMPTS && Date.now() < deadline; i++) {
      const r = await send(tc.path, tc.headers);
      if (r.code !== 0) last = `client exited ${r.code}: ${r.err}${r.out}`;
      else {
        const resp = parseEcho(r.out);
        last = compare(tc, resp);
        if (!last) return resp;
        last += `\n${r.out}`;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.fail(`GET ${tc.path}${tc.headers ? ` with ${JSON.stringify(tc.headers)}` : ''}: not consistent after ${CONSISTENCY_TIMEOUT_MS / 1000}s: ${last}`);
  }

  /** Apply one upstream test's YAML unchanged, run its cases, check the route is Accepted, delete it (upstream's cleanup). */
  async function runUpstream(file: string, routeName: string, cases: Case[]): Promise<void> {
    const path = join(UPSTREAM, file);
    await kubectlOk(c, ['apply', '-f', path]);
    try {
      for (const tc of cases) await expectEventually(tc);
      const accepted = await kubectlOk(c, ['get', 'httproute', '-n', NS, routeName, '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}']);
      assert.equal(accepted, 'True');
    } finally {
      await kubectlOk(c, ['delete', '-f', path, '--wait=false']);
    }
  }

  before(async () => {
    c = await startCluster();
    // Upstream's suite adds --namespace-labels to the manifests' Namespaces before applying them; here the
    // namespaces are made and labelled first, so the manifest file itself is applied unchanged.
    for (const ns of [NS, `${NS}-consumer`]) {
      await kubectlOk(c, ['create', 'namespace', ns]);
      await kubectlOk(c, ['label', 'namespace', ns, 'istio-injection=enabled']);
    }
    await kubectlOk(c, ['apply', '-f', BASE_MANIFESTS]);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Available', 'deploy/echo-v1', 'deploy/echo-v2', '--timeout=90s'], undefined, 100_000);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Ready', 'pods', '--all', '--timeout=60s'], undefined, 70_000);
    v1Pod = (await kubectlOk(c, ['get', 'pods', '-n', NS, '-l', 'app=echo,version=v1', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const ready = await kubectlOk(c, ['get', 'pod', '-n', NS, v1Pod, '-o', 'jsonpath={.status.containerStatuses[*].name}']);
    assert.match(ready, /mesh-proxy/, 'echo-v1 is meshed');
  });
  after(async () => {
    await c?.close();
  });

  test('MeshHTTPRoute303Redirect', () => runUpstream('httproute-303-redirect.yaml', 'mesh-303-redirect', [{ path: '/redirect', status: 303, redirect: { path: '/redirect' }, location: 'http://echo/redirect' }]));
  test('MeshHTTPRoute307Redirect', () => runUpstream('httproute-307-redirect.yaml', 'mesh-307-redirect', [{ path: '/temporary', status: 307, redirect: { path: '/temporary' }, location: 'http://echo/temporary' }]));
  test('MeshHTTPRoute308Redirect', () => runUpstream('httproute-308-redirect.yaml', 'mesh-308-redirect', [{ path: '/permanent', status: 308, redirect: { path: '/permanent' }, location: 'http://echo/permanent' }]));

  test('MeshHTTPRouteRedirectHostAndStatus', () =>
    runUpstream('httproute-redirect-host-and-status.yaml', 'mesh-redirect-host-and-status', [
      { path: '/hostname-redirect', status: 302, redirect: { host: 'example.org' }, location: 'http://example.org/hostname-redirect' },
      { path: '/host-and-status', status: 301, redirect: { host: 'example.org' }, location: 'http://example.org/host-and-status' },
    ]));

  test('MeshHTTPRouteRedirectPath', () =>
    runUpstream('httproute-redirect-path.yaml', 'mesh-redirect-path', [
      { path: '/original-prefix/lemon', status: 302, redirect: { path: '/replacement-prefix/lemon' }, location: 'http://echo/replacement-prefix/lemon' },
      { path: '/full/path/original', status: 302, redirect: { path: '/full-path-replacement' }, location: 'http://echo/full-path-replacement' },
      { path: '/path-and-host', status: 302, redirect: { host: 'example.org', path: '/replacement-prefix' }, location: 'http://example.org/replacement-prefix' },
      { path: '/path-and-status', status: 301, redirect: { path: '/replacement-prefix' }, location: 'http://echo/replacement-prefix' },
      { path: '/full-path-and-host', status: 302, redirect: { host: 'example.org', path: '/replacement-full' }, location: 'http://example.org/replacement-full' },
      { path: '/full-path-and-status', status: 301, redirect: { path: '/replacement-full' }, location: 'http://echo/replacement-full' },
    ]));

  test('MeshHTTPRouteRedirectPort', () =>
    runUpstream('httproute-redirect-port.yaml', 'mesh-redirect-port', [
      { path: '/port', status: 302, redirect: { port: '8083' }, location: 'http://echo:8083/port' },
      { path: '/port-and-host', status: 302, redirect: { host: 'example.org', port: '8083' }, location: 'http://example.org:8083/port-and-host' },
      { path: '/port-and-status', status: 301, redirect: { port: '8083' }, location: 'http://echo:8083/port-and-status' },
      { path: '/port-and-host-and-status', status: 302, redirect: { port: '8083', host: 'example.org' }, location: 'http://example.org:8083/port-and-host-and-status' },
    ]));

  test('MeshHTTPRouteSchemeRedirect', () =>
    runUpstream('httproute-redirect-scheme.yaml', 'mesh-redirect-scheme', [
      { path: '/scheme', status: 302, redirect: { scheme: 'https' }, location: 'https://echo/scheme' },
      { path: '/scheme-and-host', status: 302, redirect: { host: 'example.org', scheme: 'https' }, location: 'https://example.org/scheme-and-host' },
      { path: '/scheme-and-status', status: 301, redirect: { scheme: 'https' }, location: 'https://echo/scheme-and-status' },
      { path: '/scheme-and-host-and-status', status: 302, redirect: { scheme: 'https', host: 'example.org' }, location: 'https://example.org/scheme-and-host-and-status' },
    ]));

  test('MeshHTTPRouteRewritePath', () => {
    const headers = { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' };
    const modified = { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' };
    return runUpstream('httproute-rewrite-path.yaml', 'mesh-rewrite-path', [
      { path: '/prefix/one/two', expectPath: '/one/two', backend: 'echo-v1' },
      { path: '/strip-prefix/three', expectPath: '/three', backend: 'echo-v1' },
      { path: '/strip-prefix', expectPath: '/', backend: 'echo-v1' },
      { path: '/full/one/two', expectPath: '/one', backend: 'echo-v1' },
      { path: '/full/rewrite-path-and-modify-headers/test', headers, expectPath: '/test', expectHeaders: modified, absent: ['X-Header-Remove'], backend: 'echo-v1' },
      { path: '/prefix/rewrite-path-and-modify-headers/one', headers, expectPath: '/prefix/one', expectHeaders: modified, absent: ['X-Header-Remove'], backend: 'echo-v1' },
      // Not upstream's: the query survives a rewrite.
      { path: '/prefix/one/two?a=1&b=2', expectPath: '/one/two?a=1&b=2', backend: 'echo-v1' },
    ]);
  });

  /** MeshHTTPRouteRequestHeaderModifier.Test's cases (conformance/tests/mesh/httproute-request-header-modifier.go), shared by both tests. */
  const headerModifierCases: Case[] = [
    { path: '/set', headers: { 'Some-Other-Header': 'val' }, expectPath: '/set', expectHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' }, backend: 'echo-v1' },
    { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' }, expectHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' }, backend: 'echo-v1' },
    { path: '/add', headers: { 'Some-Other-Header': 'val' }, expectHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' }, backend: 'echo-v1' },
    { path: '/add', headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' }, expectHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' }, backend: 'echo-v1' },
    { path: '/remove', headers: { 'X-Header-Remove': 'val' }, absent: ['X-Header-Remove'], backend: 'echo-v1' },
    {
      path: '/multiple',
      headers: { 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val' },
      expectHeaders: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'X-Header-Add-3': 'header-add-3', 'Another-Header': 'another-header-val' },
      absent: ['X-Header-Remove-1', 'X-Header-Remove-2'],
      backend: 'echo-v1',
    },
    {
      path: '/case-insensitivity',
      headers: { 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' },
      expectHeaders: { 'X-Header-Set': 'header-set', 'X-Header-Add': 'original-val-add,header-add', 'Another-Header': 'another-header-val' },
      absent: ['x-header-remove', 'X-Header-Remove'],
      backend: 'echo-v1',
    },
  ];

  test('MeshHTTPRouteRequestHeaderModifier', () => runUpstream('httproute-request-header-modifier.yaml', 'mesh-request-header-modifier', headerModifierCases));
  test('MeshHTTPRouteBackendRequestHeaderModifier', () => runUpstream('httproute-request-header-modifier-backend.yaml', 'mesh-request-header-modifier', headerModifierCases));

  test('the echo client prints the Location and follows a redirect only with --follow-redirects', async () => {
    const file = c.file(
      'follow.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: follow, namespace: ${NS}}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /new}}]
    backendRefs: [{name: echo-v2, port: 80}]
`,
    );
    await kubectlOk(c, ['apply', '-f', file]);
    try {
      const first = await expectEventually({ path: '/old/page?q=1', status: 301, redirect: { path: '/new/page' }, location: 'http://echo/new/page?q=1' });
      assert.match(first.raw, /^\[0\] ResponseHeader=Location:http:\/\/echo\/new\/page\?q=1$/m);
      assert.equal(first.hostname, '', 'not followed: no backend answered');
      const followed = await send('/old/page?q=1', {}, ['--follow-redirects']);
      assert.equal(followed.code, 0, followed.err);
      const r = parseEcho(followed.out);
      assert.equal(r.code, '200');
      assert.equal(r.url, '/new/page?q=1');
      assert.match(r.hostname, /^echo-v2-/, 'the redirect target, served by the /new rule');
    } finally {
      await kubectlOk(c, ['delete', '-f', file, '--wait=false']);
    }
  });

  test('RequestMirror: the mirror Service gets -shadow copies, the caller sees only the primary, a broken mirror fails nothing', async () => {
    const file = c.file(
      'mirror.yaml',
      `apiVersion: v1
kind: Service
metadata: {name: mirror-broken, namespace: ${NS}}
spec:
  selector: {app: echo, version: v2}
  ports: [{name: http, port: 80, targetPort: 9999}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mirror, namespace: ${NS}}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /mirror}}]
    filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: echo-v2, port: 80}}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: mirror-broken, port: 80}}}
    backendRefs: [{name: echo-v1, port: 80}]
`,
    );
    const v2Pod = (await kubectlOk(c, ['get', 'pods', '-n', NS, '-l', 'app=echo,version=v2', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const shadowCount = async (): Promise<number> => {
      const metrics = await kubectlOk(c, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/${v2Pod}:4191/proxy/metrics`]);
      let n = 0;
      for (const m of metrics.matchAll(/^request_total\{([^}]*)\} (\d+)$/gm)) if (/direction="inbound"/.test(m[1]) && /authority="echo-shadow"/.test(m[1])) n += Number(m[2]);
      return n;
    };
    assert.equal(await shadowCount(), 0);
    await kubectlOk(c, ['apply', '-f', file]);
    try {
      // Eventually the route is in force: a request served by echo-v1 that also shows up at echo-v2 as a copy.
      await expectEventually({ path: '/mirror/warmup', backend: 'echo-v1' });
      await waitFor('the warm-up copy at echo-v2', async () => (await shadowCount()) >= 1, { timeoutMs: 15_000, intervalMs: 200 });
      const before = await shadowCount();
      const r = await send('/mirror/five', {}, ['--count=5']);
      assert.equal(r.code, 0, r.err);
      const responses = r.out.split(/\n\n/).filter((b) => /StatusCode=/.test(b)).map(parseEcho);
      assert.equal(responses.length, 5, r.out);
      for (const resp of responses) {
        assert.equal(resp.code, '200', resp.raw);
        assert.ok(resp.hostname.startsWith('echo-v1-'), `only the primary answers the caller: ${resp.hostname}`);
      }
      const copies = await waitFor('five more copies at echo-v2', async () => ((await shadowCount()) >= before + 5 ? await shadowCount() : 0), { timeoutMs: 15_000, intervalMs: 200 });
      assert.equal(copies, before + 5, 'one copy per request');
      const status = await kubectlOk(c, ['get', 'httproute', '-n', NS, 'mirror', '-o', 'jsonpath={range .status.parents[0].conditions[*]}{.type}={.status};{end}']);
      assert.equal(status, 'Accepted=True;ResolvedRefs=True;');
    } finally {
      await kubectlOk(c, ['delete', '-f', file, '--wait=false']);
    }
  });

  test('filters the CRD forbids together: Accepted=False with reason IncompatibleFilters (the sandbox does not run CEL)', async () => {
    const file = c.file(
      'incompatible.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: incompatible, namespace: ${NS}}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /incompatible}}]
    filters:
    - {type: RequestRedirect, requestRedirect: {hostname: example.org}}
    - {type: URLRewrite, urlRewrite: {hostname: example.com}}
`,
    );
    await kubectlOk(c, ['apply', '-f', file]);
    try {
      const cond = await waitFor(
        'the route status',
        async () => (await kubectlOk(c, ['get', 'httproute', '-n', NS, 'incompatible', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].reason}'])).trim(),
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      assert.equal(cond, 'IncompatibleFilters');
      const message = await kubectlOk(c, ['get', 'httproute', '-n', NS, 'incompatible', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].message}']);
      assert.match(message, /May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both/);
      // Not attached: the Service answers as if the route were not there.
      const r = await expectEventually({ path: '/incompatible' });
      assert.match(r.hostname, /^echo-v[12]-/);
    } finally {
      await kubectlOk(c, ['delete', '-f', file, '--wait=false']);
    }
  });
});
