// The Gateway API mesh conformance tests (kubernetes-sigs/gateway-api conformance/tests/mesh/*.go at the vendored
// commit), each written as data: its ShortName, description, features, manifests and the cases its Go code asserts.
// Order is upstream's registration order sorted by ShortName, as its report lists them.
import { Feature as F } from './features.js';
import { MESH_CONSUMER_NAMESPACE, MESH_NAMESPACE, type MeshCase, type MeshConformanceTest } from './mesh-test-types.js';

const HTTP_CORE = [F.Mesh, F.HTTPRoute] as const;

const redirectTest = (code: 303 | 307 | 308, path: string, feature: (typeof F)[keyof typeof F]): MeshConformanceTest => ({
  shortName: `MeshHTTPRoute${code}Redirect`,
  description: `An HTTPRoute with statusCode ${code} redirect filter`,
  provisional: true,
  features: [...HTTP_CORE, feature],
  manifests: [`tests/mesh/httproute-${code}-redirect.yaml`],
  source: `conformance/tests/mesh/httproute-${code}-redirect.go`,
  cases: [{ request: { path }, statusCodes: [code], redirect: { path } }],
});

const headerModifierCases: MeshCase[] = [
  { request: { path: '/set', headers: { 'Some-Other-Header': 'val' } }, expectedRequest: { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } }, backend: 'echo-v1' },
  { request: { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' } }, expectedRequest: { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } }, backend: 'echo-v1' },
  { request: { path: '/add', headers: { 'Some-Other-Header': 'val' } }, expectedRequest: { path: '/add', headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' } }, backend: 'echo-v1' },
  { request: { path: '/add', headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' } }, expectedRequest: { path: '/add', headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' } }, backend: 'echo-v1' },
  { request: { path: '/remove', headers: { 'X-Header-Remove': 'val' } }, expectedRequest: { path: '/remove', absentHeaders: ['X-Header-Remove'] }, backend: 'echo-v1' },
  {
    request: { path: '/multiple', headers: { 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val' } },
    expectedRequest: {
      path: '/multiple',
      headers: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'X-Header-Add-3': 'header-add-3', 'Another-Header': 'another-header-val' },
      absentHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
    },
    backend: 'echo-v1',
  },
  {
    // The filter uses canonical header names, the request lowercase ones.
    request: { path: '/case-insensitivity', headers: { 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' } },
    expectedRequest: { path: '/case-insensitivity', headers: { 'X-Header-Set': 'header-set', 'X-Header-Add': 'original-val-add,header-add', 'Another-Header': 'another-header-val' }, absentHeaders: ['x-header-remove', 'X-Header-Remove'] },
    backend: 'echo-v1',
  },
];

const redirectCase = (path: string, statusCode: number, redirect: MeshCase['redirect']): MeshCase => ({ request: { host: 'echo', path }, statusCodes: [statusCode], redirect });
const rewriteHeaders = { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' };
const rewrittenHeaders = { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' };

const grpcHeaderCase = (app: 'echo-v1' | 'echo-v2', matchValue: string, headers: Record<string, string>, expected: Record<string, string>, absent?: string[]): MeshCase => ({
  client: { app },
  request: { protocol: 'grpc', host: 'echo:7070', headers: { 'x-test-case': matchValue, ...headers } },
  expectedRequest: { headers: expected, absentHeaders: absent },
  backend: app,
});

export const MESH_CONFORMANCE_TESTS: readonly MeshConformanceTest[] = [
  {
    shortName: 'MeshBasic',
    description: 'A mesh client can communicate with a mesh server. This tests basic reachability with no configuration applied.',
    features: [F.Mesh],
    manifests: [],
    source: 'conformance/tests/mesh/mesh-basic.go',
    cases: [{ request: { host: 'echo', method: 'GET' } }],
  },
  {
    shortName: 'MeshConsumerRoute',
    description: "An HTTPRoute in a namespace other than its parentRef's namespace only affects requests from the route's namespace",
    features: [F.Mesh, F.MeshConsumerRoute, F.HTTPRoute, F.HTTPRouteResponseHeaderModification],
    manifests: ['tests/mesh/mesh-consumer-route.yaml'],
    source: 'conformance/tests/mesh/mesh-consumer-route.go',
    cases: [
      { name: "request from consumer route's namespace modified by HTTPRoute", client: { app: 'echo-v1', namespace: MESH_CONSUMER_NAMESPACE }, request: { host: 'echo-v1.gateway-conformance-mesh', method: 'GET', path: '/' }, responseHeaders: { 'X-Header-Set': 'set' }, backend: 'echo-v1' },
      { name: "request not from consumer route's namespace not modified by HTTPRoute", client: { app: 'echo-v1', namespace: MESH_NAMESPACE }, request: { host: 'echo-v1.gateway-conformance-mesh', method: 'GET', path: '/' }, absentResponseHeaders: ['X-Header-Set'], backend: 'echo-v1' },
    ],
  },
  {
    shortName: 'MeshFrontend',
    description: 'Mesh rules should only apply to the associated frontend',
    features: [F.Mesh, F.HTTPRoute, F.HTTPRouteResponseHeaderModification],
    manifests: ['tests/mesh/mesh-frontend.yaml'],
    source: 'conformance/tests/mesh/mesh-frontend.go',
    cases: [
      { name: 'Send to service', request: { host: 'echo-v2', method: 'GET' }, responseHeaders: { 'X-Header-Set': 'set' }, backend: 'echo-v2' },
      { name: 'Send to pod IP', request: { podAddressOf: { app: 'echo-v2', port: 8080 }, method: 'GET' }, absentResponseHeaders: ['X-Header-Set'], backend: 'echo-v2' },
    ],
  },
  {
    shortName: 'MeshFrontendHostname',
    description: 'Mesh parentRef matches Service IP (not Host)',
    features: [F.Mesh, F.MeshClusterIPMatching, F.HTTPRoute, F.HTTPRouteResponseHeaderModification],
    manifests: ['tests/mesh/mesh-frontend.yaml'],
    source: 'conformance/tests/mesh/mesh-frontend-hostname.go',
    cases: [
      { name: 'Send to service with wrong hostname', request: { host: 'echo-v2', headers: { Host: 'echo-v1' }, method: 'GET' }, responseHeaders: { 'X-Header-Set': 'set' }, backend: 'echo-v2' },
      { name: 'Send to other service with matching hostname', request: { host: 'echo-v1', headers: { Host: 'echo-v2' }, method: 'GET' }, absentResponseHeaders: ['X-Header-Set'], backend: 'echo-v1' },
    ],
  },
  {
    shortName: 'MeshGRPCRouteRequestHeaderModifier',
    description: 'A GRPCRoute with RequestHeaderModifier filter should modify request headers in mesh mode',
    features: [F.Mesh, F.GRPCRoute],
    manifests: ['tests/mesh/grpcroute-request-header-modifier.yaml'],
    source: 'conformance/tests/mesh/grpcroute-request-header-modifier.go',
    cases: [
      grpcHeaderCase('echo-v1', 'set', { 'some-other-header': 'this-header-should-be-set', 'x-header-set': 'this-value-should-be-overwritten' }, { 'x-test-case': 'set', 'some-other-header': 'this-header-should-be-set', 'x-header-set': 'set-overwrites-values' }),
      grpcHeaderCase('echo-v1', 'add', { 'x-header-add': 'this-value-should-be-appended' }, { 'x-test-case': 'add', 'x-header-add': 'this-value-should-be-appended,add-appends-values' }),
      grpcHeaderCase('echo-v1', 'remove', { 'x-header-remove': 'this-should-be-removed' }, { 'x-test-case': 'remove' }, ['x-header-remove']),
      grpcHeaderCase(
        'echo-v2',
        'multi',
        { 'x-header-set-2': 'set-header-2', 'x-header-add-2': 'add-header-2', 'x-header-remove-2': 'should-be-removed-2' },
        { 'x-test-case': 'multi', 'x-header-set-1': 'header-set-1', 'x-header-set-2': 'header-set-2', 'x-header-add-1': 'header-add-1', 'x-header-add-2': 'add-header-2,header-add-2' },
        ['x-header-remove-1', 'x-header-remove-2'],
      ),
    ].map((c, i) => ({ ...c, name: ['Set headers -- overwrites existing header', 'Add headers -- appends to existing header', 'Remove headers -- removes headers', 'Multiple operations -- set, add, and remove headers'][i] })),
  },
  {
    shortName: 'MeshGRPCRouteWeight',
    description: 'A GRPCRoute with weighted backends in mesh mode',
    features: [F.Mesh, F.GRPCRoute],
    manifests: ['tests/mesh/grpcroute-weight.yaml'],
    source: 'conformance/tests/mesh/grpcroute-weight.go',
    cases: [{ name: 'request succeeds before the distribution check', request: { protocol: 'grpc', path: '', host: 'echo:7070' } }],
    weighted: { request: { protocol: 'grpc', path: '', host: 'echo:7070' }, weights: { 'echo-v1': 0.7, 'echo-v2': 0.3 } },
  },
  redirectTest(303, '/redirect', F.HTTPRoute303RedirectStatusCode),
  redirectTest(307, '/temporary', F.HTTPRoute307RedirectStatusCode),
  redirectTest(308, '/permanent', F.HTTPRoute308RedirectStatusCode),
  {
    shortName: 'MeshHTTPRouteBackendRequestHeaderModifier',
    description: 'An HTTPRoute backend has request header modifier filters applied correctly',
    features: [...HTTP_CORE, F.MeshHTTPRouteBackendRequestHeaderModification],
    manifests: ['tests/mesh/httproute-request-header-modifier-backend.yaml'],
    source: 'conformance/tests/mesh/httproute-request-header-modifier.go',
    cases: headerModifierCases,
  },
  {
    shortName: 'MeshHTTPRouteMatching',
    description: 'A single HTTPRoute with path and header matching for different backends',
    features: HTTP_CORE,
    manifests: ['tests/mesh/httproute-matching.yaml'],
    source: 'conformance/tests/mesh/httproute-matching.go',
    cases: [
      { request: { path: '/' }, backend: 'echo-v1' },
      { request: { path: '/example' }, backend: 'echo-v1' },
      { request: { path: '/', headers: { Version: 'one' } }, backend: 'echo-v1' },
      { request: { path: '/v2' }, backend: 'echo-v2' },
      { request: { path: '/v2/example' }, backend: 'echo-v2' },
      { request: { path: '/', headers: { Version: 'two' } }, backend: 'echo-v2' },
      { request: { path: '/v2/' }, backend: 'echo-v2' },
      // Not a path segment prefix, so it does not match /v2.
      { request: { path: '/v2example' }, backend: 'echo-v1' },
      { request: { path: '/foo/v2/example' }, backend: 'echo-v1' },
    ],
  },
  {
    shortName: 'MeshHTTPRouteNamedRule',
    description: 'An HTTPRoute with a named HTTPRouteRule',
    provisional: true,
    features: [...HTTP_CORE, F.MeshHTTPRouteNamedRouteRule],
    manifests: ['tests/mesh/httproute-named-rule.yaml'],
    source: 'conformance/tests/mesh/httproute-named-rule.go',
    cases: [
      { request: { path: '/named' }, expectedRequest: { path: '/named' }, backend: 'echo-v1' },
      { request: { path: '/unnamed' }, expectedRequest: { path: '/named' }, backend: 'echo-v2' },
    ],
  },
  {
    shortName: 'MeshHTTPRouteQueryParamMatching',
    description: 'A single HTTPRoute with query param matching for different backends',
    features: [...HTTP_CORE, F.MeshHTTPRouteQueryParamMatching],
    manifests: ['tests/mesh/httproute-query-param-matching.yaml'],
    source: 'conformance/tests/mesh/httproute-query-param-matching.go',
    cases: [
      { request: { path: '/?animal=whale' }, backend: 'echo-v1' },
      { request: { path: '/?animal=dolphin' }, backend: 'echo-v2' },
      { request: { path: '/?animal=whale&otherparam=irrelevant' }, backend: 'echo-v1' },
      { request: { path: '/?animal=dolphin&color=yellow' }, backend: 'echo-v2' },
      { request: { path: '/?color=blue' }, statusCodes: [404] },
      { request: { path: '/?animal=dog' }, statusCodes: [404] },
      { request: { path: '/?animal=whaledolphin' }, statusCodes: [404] },
      { request: { path: '/' }, statusCodes: [404] },
      // Query param matches combined with other core matches.
      { request: { path: '/path1?animal=whale' }, backend: 'echo-v1' },
      { request: { headers: { version: 'one' }, path: '/?animal=whale' }, backend: 'echo-v2' },
      // Matches OR'd together match when only one of them is used.
      { request: { path: '/path3?animal=shark' }, backend: 'echo-v1' },
      { request: { headers: { version: 'three' }, path: '/path4?animal=kraken' }, backend: 'echo-v1' },
      // Match types AND'd together do not match on a subset.
      { request: { path: '/?animal=shark' }, statusCodes: [404] },
      { request: { path: '/path4?animal=kraken' }, statusCodes: [404] },
      // Precedence between matches that all apply.
      { request: { path: '/path5?animal=hydra' }, backend: 'echo-v1' },
    ],
  },
  {
    shortName: 'MeshHTTPRouteRedirectHostAndStatus',
    description: 'An HTTPRoute with hostname and statusCode redirect filters',
    features: HTTP_CORE,
    manifests: ['tests/mesh/httproute-redirect-host-and-status.yaml'],
    source: 'conformance/tests/mesh/httproute-redirect-host-and-status.go',
    cases: [redirectCase('/hostname-redirect', 302, { host: 'example.org' }), redirectCase('/host-and-status', 301, { host: 'example.org' })],
  },
  {
    shortName: 'MeshHTTPRouteRedirectPath',
    description: 'An HTTPRoute with scheme redirect filter',
    features: [...HTTP_CORE, F.MeshHTTPRouteRedirectPath],
    manifests: ['tests/mesh/httproute-redirect-path.yaml'],
    source: 'conformance/tests/mesh/httproute-redirect-path.go',
    cases: [
      redirectCase('/original-prefix/lemon', 302, { path: '/replacement-prefix/lemon' }),
      redirectCase('/full/path/original', 302, { path: '/full-path-replacement' }),
      redirectCase('/path-and-host', 302, { host: 'example.org', path: '/replacement-prefix' }),
      redirectCase('/path-and-status', 301, { path: '/replacement-prefix' }),
      redirectCase('/full-path-and-host', 302, { host: 'example.org', path: '/replacement-full' }),
      redirectCase('/full-path-and-status', 301, { path: '/replacement-full' }),
    ],
  },
  {
    shortName: 'MeshHTTPRouteRedirectPort',
    description: 'An HTTPRoute with a port redirect filter',
    features: [...HTTP_CORE, F.MeshHTTPRouteRedirectPort],
    manifests: ['tests/mesh/httproute-redirect-port.yaml'],
    source: 'conformance/tests/mesh/httproute-redirect-port.go',
    cases: [
      redirectCase('/port', 302, { port: '8083' }),
      redirectCase('/port-and-host', 302, { host: 'example.org', port: '8083' }),
      redirectCase('/port-and-status', 301, { port: '8083' }),
      redirectCase('/port-and-host-and-status', 302, { port: '8083', host: 'example.org' }),
    ],
  },
  {
    shortName: 'MeshHTTPRouteRequestHeaderModifier',
    description: 'An HTTPRoute has request header modifier filters applied correctly',
    features: HTTP_CORE,
    manifests: ['tests/mesh/httproute-request-header-modifier.yaml'],
    source: 'conformance/tests/mesh/httproute-request-header-modifier.go',
    cases: headerModifierCases,
  },
  {
    shortName: 'MeshHTTPRouteRewritePath',
    description: 'An HTTPRoute with path rewrite filter',
    features: [...HTTP_CORE, F.MeshHTTPRouteRewritePath],
    manifests: ['tests/mesh/httproute-rewrite-path.yaml'],
    source: 'conformance/tests/mesh/httproute-rewrite-path.go',
    cases: [
      { request: { path: '/prefix/one/two', host: 'echo' }, expectedRequest: { path: '/one/two' }, backend: 'echo-v1' },
      { request: { path: '/strip-prefix/three', host: 'echo' }, expectedRequest: { path: '/three' }, backend: 'echo-v1' },
      { request: { path: '/strip-prefix', host: 'echo' }, expectedRequest: { path: '/' }, backend: 'echo-v1' },
      { request: { path: '/full/one/two', host: 'echo' }, expectedRequest: { path: '/one' }, backend: 'echo-v1' },
      { request: { host: 'echo', path: '/full/rewrite-path-and-modify-headers/test', headers: rewriteHeaders }, expectedRequest: { path: '/test', headers: rewrittenHeaders, absentHeaders: ['X-Header-Remove'] }, backend: 'echo-v1' },
      { request: { host: 'echo', path: '/prefix/rewrite-path-and-modify-headers/one', headers: rewriteHeaders }, expectedRequest: { path: '/prefix/one', headers: rewrittenHeaders, absentHeaders: ['X-Header-Remove'] }, backend: 'echo-v1' },
    ],
  },
  {
    shortName: 'MeshHTTPRouteSchemeRedirect',
    description: 'An HTTPRoute with a scheme redirect filter',
    features: [...HTTP_CORE, F.MeshHTTPRouteSchemeRedirect],
    manifests: ['tests/mesh/httproute-redirect-scheme.yaml'],
    source: 'conformance/tests/mesh/httproute-redirect-scheme.go',
    cases: [
      redirectCase('/scheme', 302, { scheme: 'https' }),
      redirectCase('/scheme-and-host', 302, { host: 'example.org', scheme: 'https' }),
      redirectCase('/scheme-and-status', 301, { scheme: 'https' }),
      redirectCase('/scheme-and-host-and-status', 302, { scheme: 'https', host: 'example.org' }),
    ],
  },
  {
    shortName: 'MeshHTTPRouteSimpleSameNamespace',
    description: 'A single HTTPRoute in the gateway-conformance-mesh namespace attaches to a Service in the same namespace',
    features: HTTP_CORE,
    manifests: ['tests/mesh/httproute-simple-same-namespace.yaml'],
    source: 'conformance/tests/mesh/httproute-simple-same-namespace.go',
    cases: [{ name: 'Simple HTTP request should reach infra-backend', request: { path: '/', host: 'echo' }, backend: 'echo-v1' }],
  },
  {
    shortName: 'MeshHTTPRouteWeight',
    description: 'An HTTPRoute with weighted backends',
    features: HTTP_CORE,
    manifests: ['tests/mesh/httproute-weight.yaml'],
    source: 'conformance/tests/mesh/httproute-weight.go',
    cases: [{ name: 'request succeeds before the distribution check', request: { path: '/', host: 'echo' } }],
    weighted: { request: { path: '/', host: 'echo' }, weights: { 'echo-v1': 0.7, 'echo-v2': 0.3 } },
  },
  {
    shortName: 'MeshPorts',
    description: "A mesh route can optionally configure 'port' in parentRef",
    features: [F.Mesh, F.HTTPRoute, F.HTTPRouteParentRefPort, F.HTTPRouteResponseHeaderModification],
    manifests: ['tests/mesh/mesh-ports.yaml'],
    source: 'conformance/tests/mesh/mesh-ports.go',
    cases: [
      { name: 'Explicit port set, send to that port', request: { host: 'echo-v1', method: 'GET' }, responseHeaders: { 'X-Header-Set': 'v1' }, backend: 'echo-v1' },
      { name: 'Explicit port, send to an excluded port', request: { host: 'echo-v1:8080', method: 'GET' }, absentResponseHeaders: ['X-Header-Set'], backend: 'echo-v1' },
      { name: 'No port set', request: { host: 'echo-v2', method: 'GET' }, responseHeaders: { 'X-Header-Set': 'v2' }, backend: 'echo-v2' },
      { name: 'No port set', request: { host: 'echo-v2:8080', method: 'GET' }, responseHeaders: { 'X-Header-Set': 'v2' }, backend: 'echo-v2' },
    ],
  },
  {
    shortName: 'MeshTrafficSplit',
    description: 'A mesh client can send traffic to a Service which is split between two versions',
    features: HTTP_CORE,
    manifests: ['tests/mesh/mesh-split.yaml'],
    source: 'conformance/tests/mesh/mesh-split.go',
    cases: [
      { request: { host: 'echo', method: 'GET', path: '/v1' }, backend: 'echo-v1' },
      { request: { host: 'echo', method: 'GET', path: '/v2' }, backend: 'echo-v2' },
    ],
  },
];

export function meshTestByName(shortName: string): MeshConformanceTest | undefined {
  return MESH_CONFORMANCE_TESTS.find((t) => t.shortName === shortName);
}

/** http.ExpectedResponse.GetTestCaseName: the upstream name of case i. */
export function caseName(c: MeshCase, i: number): string {
  if (c.name) return c.name;
  const host = c.request.host ?? '';
  const req = `${i} request to '${host}${c.request.path ?? ''}'${c.request.headers ? ' with headers' : ''}`;
  return c.backend ? `${req} should go to ${c.backend}` : `${req} should receive one of [${(c.statusCodes ?? [200]).join(' ')}]`;
}
