// Linkerd's retry and timeout annotations parsed as Linkerd's policy controller parses them (values from
// reference/retries.md and timeouts.md, errors from parse_duration / parse_http_retry), and compiled onto rules with
// Linkerd's precedence: the route's annotations, else the Service's; a policy.linkerd.io HTTPRoute compiles into the
// same tables as a Gateway API one, and its Server parents are left to the inbound compiler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotationWarnings, linkerdRoutePolicy, parseHttpRetryConditions, parseLinkerdDuration } from '../../sandbox/mesh/control-plane/linkerd/route-annotations.js';
import { compileNamespace, type NamespaceObjects } from '../../sandbox/mesh/control-plane/namespace-compiler.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { defaultRule, matchRule } from '../../sandbox/mesh/proxy/route-matcher.js';

test('durations: Linkerd units, no fractions, no bare numbers except 0', () => {
  assert.equal(parseLinkerdDuration('15ms'), 15);
  assert.equal(parseLinkerdDuration('2s'), 2000);
  assert.equal(parseLinkerdDuration('1m'), 60_000);
  assert.equal(parseLinkerdDuration('1d'), 86_400_000);
  assert.equal(parseLinkerdDuration('0'), 0);
  assert.deepEqual(parseLinkerdDuration('5'), { error: "missing duration unit; did you mean '5s' or '5ms'?" });
  assert.deepEqual(parseLinkerdDuration('1.5s'), { error: 'fractional values not supported' });
  assert.deepEqual(parseLinkerdDuration('-1s'), { error: "duration value cannot be negative: '-1s'" });
  assert.match((parseLinkerdDuration('10us') as { error: string }).error, /invalid duration unit us/);
  assert.match((parseLinkerdDuration('fast') as { error: string }).error, /does not contain a timeout duration value/);
});

test('retry.linkerd.io/http: 5xx, gateway-error, codes and ranges; bad lists are errors', () => {
  const c = parseHttpRetryConditions('500-504,429');
  assert.ok(!('error' in c));
  assert.deepEqual([...c.codes].sort(), [429, 500, 501, 502, 503, 504]);
  const g = parseHttpRetryConditions('gateway-error,5XX');
  assert.ok(!('error' in g) && g.gatewayError && g.any5xx);
  for (const bad of ['504-500', '5xx,', 'teapot', '600', '99-101'])
    assert.deepEqual(parseHttpRetryConditions(bad), { error: `invalid retry condition: ${bad}` }, bad);
});

test('a policy: limit defaults to 1, per-try timeout, 5xx as a condition; timeouts request/response', () => {
  const p = linkerdRoutePolicy({ 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/timeout': '300ms', 'timeout.linkerd.io/request': '2s', 'timeout.linkerd.io/response': '1s' });
  assert.deepEqual(p.problems, []);
  assert.equal(p.httpRetry?.attempts, 1);
  assert.equal(p.httpRetry?.perTryTimeoutMs, 300);
  assert.deepEqual(p.httpRetry?.on, { any5xx: true, gatewayError: undefined });
  assert.deepEqual(p.timeouts, { requestMs: 2000, responseMs: 1000 });
  assert.equal(linkerdRoutePolicy({ 'retry.linkerd.io/limit': '3' }).httpRetry?.attempts, 3);
  assert.equal(linkerdRoutePolicy({ 'retry.linkerd.io/limit': '0', 'retry.linkerd.io/http': '503' }).httpRetry?.attempts, 1, 'limit 0 is "not set"');
  const grpc = linkerdRoutePolicy({ 'retry.linkerd.io/grpc': 'unavailable,internal' }).grpcRetry;
  assert.deepEqual([...(grpc?.on?.grpc ?? [])].sort((a, b) => a - b), [13, 14]);
  assert.deepEqual(linkerdRoutePolicy({ app: 'x' }), { problems: [] });
});

test('invalid values are reported, and that group of annotations is dropped', () => {
  const p = linkerdRoutePolicy({ 'retry.linkerd.io/http': 'sometimes', 'timeout.linkerd.io/request': '5', 'retry.linkerd.io/limit': '20' });
  assert.equal(p.httpRetry, undefined);
  assert.equal(p.timeouts, undefined);
  assert.ok(p.problems.some((m) => /retry\.linkerd\.io\/http: invalid retry condition: sometimes/.test(m)), p.problems.join('\n'));
  assert.ok(p.problems.some((m) => /timeout\.linkerd\.io\/request: missing duration unit/.test(m)));
  assert.ok(p.problems.some((m) => /retry\.linkerd\.io\/limit: 20 is more than the sandbox allows \(10\)/.test(m)));
  assert.deepEqual(annotationWarnings('HTTPRoute', { 'retry.linkerd.io/grpc': 'internal' }), ['retry.linkerd.io/grpc: not valid on an HTTPRoute (use retry.linkerd.io/http); ignored']);
  assert.match(annotationWarnings('Service', { 'timeout.linkerd.io/idle': '10s' })[0], /not enforced by the sandbox mesh/);
});

const empty = (): NamespaceObjects => ({
  services: new Map(), endpoints: new Map(), pods: new Map(), httproutes: new Map(), grpcroutes: new Map(), trafficsplits: new Map(), traffictargets: new Map(),
  httproutegroups: new Map(), configmaps: new Map(), virtualservices: new Map(), destinationrules: new Map(), peerauthentications: new Map(),
  istioAuthorizationPolicies: new Map(), linkerdServers: new Map(), linkerdAuthorizationPolicies: new Map(), linkerdServerAuthorizations: new Map(),
  meshTlsAuthentications: new Map(), networkAuthentications: new Map(), linkerdHttpRoutes: new Map(),
});
const obj = (apiVersion: string, kind: string, name: string, extra: Partial<KubeObject>): KubeObject => ({ apiVersion, kind, ...extra, metadata: { name, namespace: 'books', creationTimestamp: '2026-01-01T00:00:00Z', ...extra.metadata } });

test('compiled: Linkerd route → LinkerdHTTPRoute rules with its annotations; the Service annotations are the defaults', () => {
  const objs = empty();
  objs.services.set('books', obj('v1', 'Service', 'books', { metadata: { name: 'books', annotations: { 'retry.linkerd.io/http': 'gateway-error', 'timeout.linkerd.io/request': '3s' } }, spec: { ports: [{ port: 7002 }] } }));
  objs.services.set('authors', obj('v1', 'Service', 'authors', { metadata: { name: 'authors', annotations: { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '2' } }, spec: { ports: [{ port: 7001 }] } }));
  const parent = { group: 'core', kind: 'Service', name: 'books', port: 7002 };
  objs.linkerdHttpRoutes.set('books-create', obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'books-create', {
    metadata: { name: 'books-create', annotations: { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '3' } },
    spec: { parentRefs: [parent, { group: 'policy.linkerd.io', kind: 'Server', name: 'books-http' }], rules: [{ matches: [{ path: { type: 'Exact', value: '/books.json' }, method: 'POST' }], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'create' }] } }] }] },
  }));
  objs.linkerdHttpRoutes.set('inbound-only', obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'inbound-only', { spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'books-http' }], rules: [{}] } }));
  objs.httproutes.set('books-list', obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'books-list', { spec: { parentRefs: [parent], rules: [{ matches: [{ path: { type: 'Exact', value: '/books.json' } }] }] } }));
  const out = compileNamespace('books', objs, () => undefined);

  const status = out.linkerdRouteStatus.get('books-create')!;
  assert.equal(status.length, 1, 'the Server parent gets no entry from the outbound compiler');
  assert.deepEqual(status[0].parentRef, { group: 'core', kind: 'Service', namespace: 'books', name: 'books', port: 7002 });
  assert.deepEqual(status[0].conditions.map((c) => [c.type, c.status]), [['Accepted', 'True'], ['ResolvedRefs', 'True']]);
  assert.equal(out.linkerdRouteStatus.has('inbound-only'), false);

  const table = out.config.producerRoutes.get('books')!;
  const create = matchRule(table, 7002, { method: 'POST', path: '/books.json', query: '', headers: {} })!;
  assert.deepEqual([create.kind, create.routeName, create.retry?.attempts, create.retry?.on?.any5xx, create.requestTimeoutMs], ['LinkerdHTTPRoute', 'books-create', 3, true, 3000]);
  assert.deepEqual(create.requestHeaders?.set, [['x-route', 'create']]);
  assert.deepEqual(create.backends.map((b) => [b.service, b.port]), [['books', 7002]]);
  const list = matchRule(table, 7002, { method: 'GET', path: '/books.json', query: '', headers: {} })!;
  assert.deepEqual([list.kind, list.retry?.on?.gatewayError, list.requestTimeoutMs], ['HTTPRoute', true, 3000], "the Gateway API route has no annotations: the Service's apply");

  const authors = defaultRule(out.config.services.get('authors')!);
  assert.deepEqual([authors.kind, authors.retry?.attempts, authors.retry?.on?.any5xx], ['default', 2, true], "a Service's default route carries its annotations");
});

test('compiled: a group-less Service parent, a missing port, an unsupported filter', () => {
  const objs = empty();
  objs.services.set('books', obj('v1', 'Service', 'books', { spec: { ports: [{ port: 7002 }] } }));
  objs.linkerdHttpRoutes.set('defaulted', obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'defaulted', { spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Service', name: 'books' }], rules: [{}] } }));
  objs.linkerdHttpRoutes.set('mirror', obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'mirror', { spec: { parentRefs: [{ group: 'core', kind: 'Service', name: 'books', port: 9 }], rules: [{ filters: [{ type: 'RequestMirror' }] }] } }));
  const out = compileNamespace('books', objs, () => undefined);
  const [d] = out.linkerdRouteStatus.get('defaulted')!;
  assert.deepEqual([d.conditions[0].status, d.conditions[0].reason], ['False', 'NoMatchingParent']);
  assert.match(d.conditions[0].message, /default group policy\.linkerd\.io/);
  const [m] = out.linkerdRouteStatus.get('mirror')!;
  assert.match(m.conditions[0].message, /has no port 9/);
  assert.equal(out.config.producerRoutes.size, 0);
});

test('support registry: Linkerd HTTPRoute fields the sandbox does not honour are reported, the honoured ones are not', async () => {
  const { kindSupport, unsupportedFields } = await import('../../sandbox/mesh/support/index.js');
  const kind = kindSupport('policy.linkerd.io', 'HTTPRoute')!;
  assert.ok(kind.warnOnApply);
  const fields = unsupportedFields(kind, {
    spec: {
      parentRefs: [{ group: 'core', kind: 'Service', name: 'books', port: 7002 }],
      hostnames: ['books.example'],
      rules: [{ matches: [{ path: { type: 'Exact', value: '/books.json' }, method: 'POST' }], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] } }], backendRefs: [{ name: 'books', port: 7002 }], timeouts: { request: '1s', backendRequest: '500ms' } }],
    },
  });
  assert.deepEqual(fields.map((f) => f.path), ['spec.hostnames', 'spec.rules[0].timeouts.backendRequest']);
  assert.ok(kind.fields.some((f) => f.path === 'metadata.annotations["retry.linkerd.io/http"]'), 'the annotations are listed for the docs table');
});

test("route status: a policy.linkerd.io HTTPRoute's Server-parent entries (the inbound compiler's) are kept when the outbound one writes", async () => {
  const { desiredRouteStatus } = await import('../../sandbox/mesh/control-plane/route-status.js');
  const { isServerParent } = await import('../../sandbox/mesh/control-plane/linkerd/linkerd-http-route-compiler.js');
  const server = { parentRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'books-http' }, controllerName: 'mesh.playground.dev/sandbox-mesh', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' }] };
  const route = obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'r', { status: { parents: [server] } });
  const mine = [{ parentRef: { group: 'core', kind: 'Service', namespace: 'books', name: 'books', port: 7002 }, controllerName: 'mesh.playground.dev/sandbox-mesh', conditions: [{ type: 'Accepted' as const, status: 'True' as const, reason: 'Accepted', message: 'ok' }] }];
  const owns = (ref: Record<string, unknown>) => isServerParent({ name: String(ref.name), kind: ref.kind as string, group: ref.group as string });
  assert.deepEqual(desiredRouteStatus(route, mine, owns).parents.map((p) => p.parentRef.kind), ['Server', 'Service']);
  assert.deepEqual(desiredRouteStatus(route, mine).parents.map((p) => p.parentRef.kind), ['Service'], 'without the filter the entry would be replaced');
});

test('both groups on one Service port rank together (Gateway API precedence, then the oldest); a GRPCRoute on the port makes them Conflicted', () => {
  const objs = empty();
  objs.services.set('books', obj('v1', 'Service', 'books', { spec: { ports: [{ port: 7002 }, { port: 9090 }] } }));
  const parent = (port: number) => ({ group: 'core', kind: 'Service', name: 'books', port });
  const at = (t: string) => ({ name: '', namespace: 'books', creationTimestamp: t });
  objs.linkerdHttpRoutes.set('linkerd-prefix', obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'linkerd-prefix', { metadata: { ...at('2026-01-01T00:00:00Z'), name: 'linkerd-prefix' }, spec: { parentRefs: [parent(7002)], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/books' } }] }] } }));
  objs.httproutes.set('gateway-exact', obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'gateway-exact', { metadata: { ...at('2026-01-02T00:00:00Z'), name: 'gateway-exact' }, spec: { parentRefs: [parent(7002)], rules: [{ matches: [{ path: { type: 'Exact', value: '/books.json' } }] }] } }));
  objs.httproutes.set('gateway-prefix-newer', obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'gateway-prefix-newer', { metadata: { ...at('2026-01-03T00:00:00Z'), name: 'gateway-prefix-newer' }, spec: { parentRefs: [parent(7002)], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/books' } }] }] } }));
  objs.linkerdHttpRoutes.set('on-grpc-port', obj('policy.linkerd.io/v1beta3', 'HTTPRoute', 'on-grpc-port', { spec: { parentRefs: [parent(9090)], rules: [{}] } }));
  objs.grpcroutes.set('grpc', obj('gateway.networking.k8s.io/v1', 'GRPCRoute', 'grpc', { spec: { parentRefs: [{ group: '', kind: 'Service', name: 'books', port: 9090 }], rules: [{}] } }));
  const out = compileNamespace('books', objs, () => undefined);
  const table = out.config.producerRoutes.get('books')!;
  const pick = (path: string) => matchRule(table, 7002, { method: 'GET', path, query: '', headers: {} })?.routeName;
  assert.equal(pick('/books.json'), 'gateway-exact', 'an Exact match beats a prefix, whatever the group');
  assert.equal(pick('/books/1.json'), 'linkerd-prefix', 'equal prefixes: the oldest route wins');
  const [conflicted] = out.linkerdRouteStatus.get('on-grpc-port')!;
  assert.deepEqual([conflicted.conditions[0].status, conflicted.conditions[0].reason], ['False', 'Conflicted']);
  assert.equal(matchRule(table, 9090, { method: 'GET', path: '/', query: '', headers: {} })?.kind, 'GRPCRoute');
});
