// The outbound stack's route selection layer (sandbox/mesh/proxy/outbound/route-selection.ts), on route tables the
// control plane compiles from real HTTPRoute objects: the first rule that matches by Gateway API precedence (exact
// path, longest prefix, method, most headers, then the oldest route and its name), 404 (undefined) when a table is
// attached and nothing matches, a Service's default rule without routes, the endpoint itself for a pod address, and
// the fast path (no header object) declined exactly when a rule would read headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import type { CompiledRule, MeshSnapshot } from '../../sandbox/mesh/config/snapshot.js';
import { compileNamespace, type NamespaceObjects } from '../../sandbox/mesh/control-plane/namespace-compiler.js';
import type { Destination } from '../../sandbox/mesh/proxy/destination.js';
import { HEADERS_NEEDED, POD_ADDRESS_RULE, selectRoute } from '../../sandbox/mesh/proxy/outbound/route-selection.js';

const NS = 'shop';
const empty = (): NamespaceObjects => ({
  services: new Map(), endpoints: new Map(), pods: new Map(), httproutes: new Map(), grpcroutes: new Map(), trafficsplits: new Map(), traffictargets: new Map(),
  httproutegroups: new Map(), configmaps: new Map(), virtualservices: new Map(), destinationrules: new Map(), peerauthentications: new Map(),
  istioAuthorizationPolicies: new Map(), linkerdServers: new Map(), linkerdAuthorizationPolicies: new Map(), linkerdServerAuthorizations: new Map(),
  meshTlsAuthentications: new Map(), networkAuthentications: new Map(), linkerdHttpRoutes: new Map(),
});
const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ port: 9080 }] } });
const route = (name: string, created: string, rules: unknown[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: NS, creationTimestamp: created },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'books', port: 9080 }], rules },
});
const to = (backend: string, matches: unknown[]) => ({ matches, backendRefs: [{ name: backend, port: 9080 }] });

/** A snapshot of one namespace compiled from `routes`, and the destination "books:9080" in it. */
function compiled(routes: KubeObject[]): { snap: MeshSnapshot; dest: Destination } {
  const objs = empty();
  for (const s of ['books', 'plain', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']) objs.services.set(s, service(s));
  for (const r of routes) objs.httproutes.set(r.metadata.name!, r);
  const { config } = compileNamespace(NS, objs, () => undefined);
  const snap: MeshSnapshot = { version: 1, namespaces: new Map([[NS, config]]), podsByIP: new Map(), servicesByClusterIP: new Map() };
  const books = config.services.get('books')!;
  return { snap, dest: { kind: 'service', service: books, port: books.ports[0], authority: 'books.shop.svc.cluster.local:9080' } };
}

const self = { namespace: NS, pod: 'client-1' };
const backendOf = (r: CompiledRule | undefined | typeof HEADERS_NEEDED) => (r === undefined || r === HEADERS_NEEDED ? r : r.backends.map((b) => b.service).join(','));

const ROUTES = [
  // The oldest route: a short prefix, and the same prefix as the newer route below (the oldest wins that tie).
  route('old', '2026-01-01T00:00:00Z', [to('v1', [{ path: { type: 'PathPrefix', value: '/api' } }]), to('v6', [{ path: { type: 'PathPrefix', value: '/tie' } }])]),
  route('new', '2026-02-01T00:00:00Z', [
    to('v2', [{ path: { type: 'Exact', value: '/api/books' } }]),
    to('v3', [{ path: { type: 'PathPrefix', value: '/api/books' }, headers: [{ name: 'x-canary', value: 'yes' }] }]),
    to('v4', [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST' }]),
    to('v5', [{ path: { type: 'PathPrefix', value: '/tie' } }]),
  ]),
];

test('the first matching rule by Gateway API precedence, whatever the order routes and rules were written in', () => {
  const { snap, dest } = compiled(ROUTES);
  const pick = (method: string, url: string, headers: Record<string, string> = {}) => backendOf(selectRoute(snap, self, dest, method, url, { headers }));
  assert.equal(pick('GET', '/api/books'), 'v2', 'an exact path beats every prefix (of an older route too)');
  assert.equal(pick('GET', '/api/books?page=2'), 'v2', 'the query string is not part of the path');
  assert.equal(pick('GET', '/api/books/1', { 'x-canary': 'yes' }), 'v3', 'the longest prefix wins');
  assert.equal(pick('GET', '/api/books/1'), 'v1', 'a rule whose header does not match is skipped');
  assert.equal(pick('POST', '/api/orders'), 'v4', 'with equal prefixes a method match wins over the older route');
  assert.equal(pick('GET', '/api/orders'), 'v1');
  assert.equal(pick('GET', '/tie/x'), 'v6', 'equal matches: the oldest route');
  assert.equal(pick('GET', '/apix'), undefined, 'a prefix matches whole path segments only');
  assert.equal(pick('GET', '/other'), undefined, 'a table is attached and no rule matches: 404');
});

test('equal matches and equal ages: the route whose namespace/name sorts first', () => {
  const same = '2026-03-01T00:00:00Z';
  const { snap, dest } = compiled([route('zeta', same, [to('v1', [{ path: { type: 'PathPrefix', value: '/' } }])]), route('alpha', same, [to('v2', [{ path: { type: 'PathPrefix', value: '/' } }])])]);
  assert.equal(backendOf(selectRoute(snap, self, dest, 'GET', '/x', { headers: {} })), 'v2');
});

test('no route attached: the Service default rule; a pod address: the endpoint itself', () => {
  const { snap } = compiled(ROUTES);
  const plain = snap.namespaces.get(NS)!.services.get('plain')!;
  const rule = selectRoute(snap, self, { kind: 'service', service: plain, port: plain.ports[0], authority: 'plain.shop.svc.cluster.local:9080' }, 'GET', '/', undefined);
  assert.ok(rule && rule !== HEADERS_NEEDED);
  assert.deepEqual([rule.kind, backendOf(rule)], ['default', 'plain']);
  assert.equal(selectRoute(snap, self, { kind: 'endpoint', ip: '127.1.0.9', port: 8080, authority: '127.1.0.9:8080' }, 'GET', '/', undefined), POD_ADDRESS_RULE);
});

test('the fast path (no header object) is declined exactly when a rule would read headers', () => {
  const { snap, dest } = compiled(ROUTES);
  let reads = 0;
  const counted = { get headers() { reads++; return { 'x-canary': 'yes' }; } };
  assert.equal(backendOf(selectRoute(snap, self, dest, 'GET', '/api/books', undefined)), 'v2', 'the exact rule matched before any header rule was tried');
  assert.equal(selectRoute(snap, self, dest, 'GET', '/api/books/1', undefined), HEADERS_NEEDED, 'the header rule had to be tried');
  assert.equal(backendOf(selectRoute(snap, self, dest, 'GET', '/api/books/1', counted)), 'v3');
  assert.equal(reads, 1, 'headers are read only when a rule asks for them');
  assert.equal(backendOf(selectRoute(snap, self, dest, 'POST', '/api/orders', counted)), 'v4');
  assert.equal(reads, 1);
});
