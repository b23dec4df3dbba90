// The HTTPRoute filters' arithmetic (sandbox/mesh/proxy/request-filters.ts) and their compilation and validation
// (control-plane/http-filter-compiler.ts through compileHttpRoute): the spec's ReplacePrefixMatch table, the
// Location's port rules with scheme changes, query kept, the mirror's `-shadow` Host, and the status reasons for
// combinations the CRD's CEL forbids.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import type { RedirectSpec } from '../../sandbox/mesh/config/snapshot.js';
import { compileHttpRoute, type RouteLookups } from '../../sandbox/mesh/control-plane/http-route-compiler.js';
import { authorityHost, filtersFor, mirrorSelected, modifyPath, redirectLocation, replacePrefix, rewriteTarget, shadowAuthority } from '../../sandbox/mesh/proxy/request-filters.js';

describe('ReplacePrefixMatch follows the table in HTTPPathModifier.replacePrefixMatch', () => {
  // Request Path | Prefix Match | Replace Prefix | Modified Path (apis/v1/httproute_types.go)
  const table: [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
  ];
  for (const [path, prefix, replacement, want] of table) {
    test(`${path} with prefix ${prefix} → ${JSON.stringify(replacement)} = ${want}`, () => {
      assert.equal(replacePrefix(path, prefix, replacement), want);
    });
  }
  test('only on element boundaries, and a "/" prefix prepends', () => {
    assert.equal(replacePrefix('/foobar', '/foo', '/xyz'), '/foobar', '/foobar does not match /foo');
    assert.equal(replacePrefix('/a/b', '/', '/x'), '/x/a/b');
    assert.equal(replacePrefix('/', '/', '/x'), '/x/');
  });
  test('the query is kept, full replacement drops the whole path', () => {
    assert.equal(modifyPath('/prefix/one/two?a=1&b=2', { type: 'ReplacePrefixMatch', prefix: '/prefix/one', value: '/one' }), '/one/two?a=1&b=2');
    assert.equal(modifyPath('/full/one/two?x=y', { type: 'ReplaceFullPath', value: '/one' }), '/one?x=y');
    assert.equal(modifyPath('/strip-prefix?q', { type: 'ReplacePrefixMatch', prefix: '/strip-prefix', value: '/' }), '/?q');
  });
});

describe('the redirect Location', () => {
  const req = { scheme: 'http', authority: 'echo', pathWithQuery: '/redirect?x=1', listenerPort: 80 };
  const loc = (r: Partial<RedirectSpec>, over: Partial<typeof req> = {}) => redirectLocation({ ...req, ...over }, { status: 302, ...r });

  test('with nothing set: the request\'s scheme, host, path and query; port 80 over http left out', () => {
    assert.equal(loc({}), 'http://echo/redirect?x=1');
  });
  test('the Host header\'s port is not the redirect\'s: the listener port is, left out only when well-known', () => {
    assert.equal(loc({}, { authority: 'echo:80' }), 'http://echo/redirect?x=1');
    assert.equal(loc({}, { authority: 'echo:8080', listenerPort: 8080 }), 'http://echo:8080/redirect?x=1');
    assert.equal(loc({}, { authority: '10.96.0.1:8080', listenerPort: 8080 }), 'http://10.96.0.1:8080/redirect?x=1');
  });
  test('a scheme change takes that scheme\'s well-known port, which is then left out', () => {
    assert.equal(loc({ scheme: 'https' }), 'https://echo/redirect?x=1');
    assert.equal(loc({ scheme: 'https' }, { listenerPort: 8080, authority: 'echo:8080' }), 'https://echo/redirect?x=1');
    assert.equal(loc({ scheme: 'http' }, { listenerPort: 8080, authority: 'echo:8080' }), 'http://echo/redirect?x=1');
  });
  test('an explicit port is shown unless it is the scheme\'s well-known one', () => {
    assert.equal(loc({ port: 8083 }), 'http://echo:8083/redirect?x=1');
    assert.equal(loc({ port: 8083, hostname: 'example.org' }), 'http://example.org:8083/redirect?x=1');
    assert.equal(loc({ scheme: 'https', port: 443 }), 'https://echo/redirect?x=1');
    assert.equal(loc({ scheme: 'https', port: 80 }), 'https://echo:80/redirect?x=1');
    assert.equal(loc({ scheme: 'http', port: 443 }), 'http://echo:443/redirect?x=1');
  });
  test('hostname and path modifiers', () => {
    assert.equal(loc({ hostname: 'example.org' }, { authority: 'echo.gateway-conformance-mesh.svc.cluster.local:80' }), 'http://example.org/redirect?x=1');
    assert.equal(
      loc({ hostname: 'example.org', path: { type: 'ReplacePrefixMatch', prefix: '/original-prefix', value: '/replacement-prefix' } }, { pathWithQuery: '/original-prefix/lemon?q=1' }),
      'http://example.org/replacement-prefix/lemon?q=1',
    );
    assert.equal(loc({ path: { type: 'ReplaceFullPath', value: '/full-path-replacement' } }, { pathWithQuery: '/full/path/original' }), 'http://echo/full-path-replacement');
  });
  test('IPv6 authorities keep their brackets', () => {
    assert.equal(authorityHost('[fd00::1]:8080'), '[fd00::1]');
    assert.equal(loc({}, { authority: '[fd00::1]:80' }), 'http://[fd00::1]/redirect?x=1');
  });
});

describe('rewrite, mirror and backend filter helpers', () => {
  test('URLRewrite replaces the whole Host value and the path', () => {
    assert.deepEqual(rewriteTarget('echo:80', '/prefix/one/two?a', { hostname: 'one.example.org', path: { type: 'ReplacePrefixMatch', prefix: '/prefix', value: '/' } }), { authority: 'one.example.org', pathWithQuery: '/one/two?a' });
    assert.deepEqual(rewriteTarget('echo', '/x', undefined), { authority: 'echo', pathWithQuery: '/x' });
  });
  test('the mirror Host gets -shadow before the port, as Envoy does', () => {
    assert.equal(shadowAuthority('echo'), 'echo-shadow');
    assert.equal(shadowAuthority('echo:80'), 'echo-shadow:80');
    assert.equal(shadowAuthority('echo.ns.svc.cluster.local:8080'), 'echo.ns.svc.cluster.local-shadow:8080');
  });
  test('mirror fractions', () => {
    const m = { namespace: 'n', service: 's', port: 80, numerator: 1, denominator: 4 };
    assert.equal(mirrorSelected(m, 0.24), true);
    assert.equal(mirrorSelected(m, 0.25), false);
    assert.equal(mirrorSelected({ ...m, numerator: 0 }, 0), false);
    assert.equal(mirrorSelected({ ...m, numerator: 4 }, 0.9999), true);
  });
  test('a backend\'s header modifiers run after the rule\'s', () => {
    const f = filtersFor(
      { label: 'r', kind: 'HTTPRoute', routeNamespace: 'n', routeName: 'r', backends: [], totalWeight: 1, requestHeaders: { set: [['a', 'rule']], add: [], remove: [] } },
      { namespace: 'n', service: 's', port: 80, weight: 1, filters: { requestHeaders: { set: [['a', 'backend']], add: [], remove: ['b'] } } },
    );
    assert.deepEqual(f.requestHeaders, { set: [['a', 'rule'], ['a', 'backend']], add: [], remove: ['b'] });
  });
});

describe('compiling and validating filters', () => {
  const lookups: RouteLookups = {
    service: (_ns, name) => (['echo', 'echo-v1', 'echo-v2'].includes(name) ? { ports: [{ port: 80 }, { port: 8080 }] } : undefined),
    configMap: () => undefined,
  };
  const route = (rules: unknown[]): KubeObject =>
    ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'n', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 80 }], rules } }) as KubeObject;
  const accepted = (rules: unknown[]) => compileHttpRoute(route(rules), lookups).parents[0].conditions.find((c) => c.type === 'Accepted')!;
  const resolved = (rules: unknown[]) => compileHttpRoute(route(rules), lookups).parents[0].conditions.find((c) => c.type === 'ResolvedRefs')!;
  const backend = { name: 'echo-v1', port: 80 };
  const redirect = { type: 'RequestRedirect', requestRedirect: { statusCode: 301 } };
  const rewrite = { type: 'URLRewrite', urlRewrite: { hostname: 'x.example' } };

  test('a redirect rule compiles with no backendRefs and no 500', () => {
    const c = compileHttpRoute(route([{ matches: [{ path: { type: 'PathPrefix', value: '/p/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/q' } } }] }]), lookups);
    const rule = c.attachments[0].entries[0].rule;
    assert.equal(rule.reject, undefined);
    assert.deepEqual(rule.redirect, { status: 302, path: { type: 'ReplacePrefixMatch', value: '/q', prefix: '/p' } });
  });
  test('RequestRedirect with URLRewrite: Accepted=False IncompatibleFilters', () => {
    const a = accepted([{ filters: [redirect, rewrite] }]);
    assert.equal(a.status, 'False');
    assert.equal(a.reason, 'IncompatibleFilters');
    assert.match(a.message, /either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both/);
  });
  test('RequestRedirect with backendRefs: Accepted=False IncompatibleFilters', () => {
    const a = accepted([{ filters: [redirect], backendRefs: [backend] }]);
    assert.equal(a.reason, 'IncompatibleFilters');
    assert.match(a.message, /spec\.rules\[0\]\.filters: RequestRedirect filter must not be used together with backendRefs/);
  });
  test('a repeated filter: Accepted=False IncompatibleFilters', () => {
    const mod = { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] } };
    assert.equal(accepted([{ filters: [mod, mod], backendRefs: [backend] }]).reason, 'IncompatibleFilters');
  });
  test('ReplacePrefixMatch needs exactly one PathPrefix match', () => {
    const f = { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } };
    const two = accepted([{ matches: [{ path: { type: 'PathPrefix', value: '/a' } }, { path: { type: 'PathPrefix', value: '/b' } }], filters: [f], backendRefs: [backend] }]);
    assert.equal(two.status, 'False');
    assert.equal(two.reason, 'UnsupportedValue');
    assert.match(two.message, /When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified/);
    assert.equal(accepted([{ matches: [{ path: { type: 'Exact', value: '/a' } }], filters: [f], backendRefs: [backend] }]).status, 'False');
    assert.equal(accepted([{ filters: [f], backendRefs: [backend] }]).status, 'True', 'no matches = the default PathPrefix "/"');
  });
  test('unknown values are UnsupportedValue: status code, scheme, path type; a header-injecting path is refused', () => {
    for (const rr of [{ statusCode: 304 }, { scheme: 'ftp' }, { path: { type: 'Other' } }, { path: { type: 'ReplaceFullPath', replaceFullPath: '/a\r\nSet-Cookie: x' } }, { hostname: 'Bad Host' }]) {
      const a = accepted([{ filters: [{ type: 'RequestRedirect', requestRedirect: rr }] }]);
      assert.equal(a.status, 'False', JSON.stringify(rr));
      assert.equal(a.reason, 'UnsupportedValue', JSON.stringify(rr));
    }
  });
  test('unsupported filter types keep today\'s behaviour: UnsupportedValue and a 500 rule', () => {
    const a = accepted([{ filters: [{ type: 'CORS', cors: {} }], backendRefs: [backend] }]);
    assert.equal(a.reason, 'UnsupportedValue');
    assert.match(a.message, /"CORS" is not supported by the sandbox mesh/);
  });
  test('a mirror to a missing Service: ResolvedRefs=False BackendNotFound, the rule still routes', () => {
    const rules = [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'nope', port: 80 } } }], backendRefs: [backend] }];
    const r = resolved(rules);
    assert.equal(r.status, 'False');
    assert.equal(r.reason, 'BackendNotFound');
    const c = compileHttpRoute(route(rules), lookups);
    assert.equal(c.attachments[0].entries[0].rule.mirrors, undefined);
    assert.equal(c.attachments[0].entries[0].rule.reject, undefined);
  });
  test('mirror percent and fraction, and not both', () => {
    const m = (requestMirror: object) => compileHttpRoute(route([{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'echo-v2', port: 80 }, ...requestMirror } }], backendRefs: [backend] }]), lookups);
    assert.deepEqual(m({ percent: 25 }).attachments[0].entries[0].rule.mirrors, [{ namespace: 'n', service: 'echo-v2', port: 80, numerator: 25, denominator: 100 }]);
    assert.deepEqual(m({ fraction: { numerator: 1, denominator: 3 } }).attachments[0].entries[0].rule.mirrors?.[0].denominator, 3);
    assert.deepEqual(m({}).attachments[0].entries[0].rule.mirrors?.[0].numerator, 100);
    assert.equal(m({ percent: 5, fraction: { numerator: 1 } }).parents[0].conditions[0].reason, 'UnsupportedValue');
  });
  test('backendRef filters land on that backend only', () => {
    const c = compileHttpRoute(
      route([{ backendRefs: [{ name: 'echo-v1', port: 8080, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'v' }] } }] }, { name: 'echo-v2', port: 8080 }] }]),
      lookups,
    );
    const rule = c.attachments[0].entries[0].rule;
    assert.deepEqual(rule.backends[0].filters, { requestHeaders: { set: [['x-header-set', 'v']], add: [], remove: [] } });
    assert.equal(rule.backends[1].filters, undefined);
    assert.equal(rule.requestHeaders, undefined);
  });
});
