// The VirtualService and DestinationRule compilers through compileNamespace (what the control plane runs), and the
// route matcher on the tables they make: hosts, rule order (first match wins, never re-sorted), Istio's match
// conditions, weights and subsets, faults / retries / mirrors, precedence of a Gateway API route on the same Service
// port, the support registry's verdict on Istio's own manifests, and subset endpoint selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import type { CompiledRule, MeshSnapshot, NamespaceConfig, PodInfo } from '../../sandbox/mesh/config/snapshot.js';
import { compileNamespace, type NamespaceObjects } from '../../sandbox/mesh/control-plane/namespace-compiler.js';
import { matchRule, tableFor, type RequestFacts } from '../../sandbox/mesh/proxy/route-matcher.js';
import { subsetEndpoints } from '../../sandbox/mesh/proxy/subset-endpoints.js';
import { kindSupport, unsupportedFields } from '../../sandbox/mesh/support/index.js';
import { unsafeRegexReason } from '../../sandbox/mesh/control-plane/safe-regex.js';

const NETWORKING = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream', 'istio', 'networking');

function objects(): NamespaceObjects {
  const m = () => new Map<string, KubeObject>();
  return {
    services: m(), endpoints: m(), pods: m(), httproutes: m(), grpcroutes: m(), trafficsplits: m(), traffictargets: m(), httproutegroups: m(), configmaps: m(),
    virtualservices: m(), destinationrules: m(), peerauthentications: m(), istioAuthorizationPolicies: m(),
    linkerdServers: m(), linkerdAuthorizationPolicies: m(), linkerdServerAuthorizations: m(), meshTlsAuthentications: m(), networkAuthentications: m(), linkerdHttpRoutes: m(),
  };
}

let clock = 0;
const obj = (apiVersion: string, kind: string, name: string, spec: unknown, namespace = 'bookinfo'): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString() },
  spec,
});
const service = (name: string, ports: number[], namespace = 'bookinfo') => obj('v1', 'Service', name, { ports: ports.map((port) => ({ port, name: `http-${port}` })) }, namespace);
const vs = (name: string, spec: unknown, namespace = 'bookinfo') => obj('networking.istio.io/v1', 'VirtualService', name, spec, namespace);
const dr = (name: string, spec: unknown, namespace = 'bookinfo') => obj('networking.istio.io/v1', 'DestinationRule', name, spec, namespace);

function compile(objs: NamespaceObjects, ns = 'bookinfo', elsewhere: Map<string, KubeObject> = new Map()) {
  return compileNamespace(ns, objs, (n, name) => elsewhere.get(`${n}/${name}`));
}

function bookinfo(): NamespaceObjects {
  const o = objects();
  for (const s of ['reviews', 'ratings', 'productpage']) o.services.set(s, service(s, [9080]));
  o.services.set('multi', service('multi', [80, 9090]));
  return o;
}

function snapshotOf(...configs: NamespaceConfig[]): MeshSnapshot {
  return { version: 1, namespaces: new Map(configs.map((c) => [c.name, c])), podsByIP: new Map(), servicesByClusterIP: new Map() };
}

const req = (path: string, headers: RequestFacts['headers'] = {}, more: Partial<RequestFacts> = {}): RequestFacts => {
  const q = path.indexOf('?');
  return { method: 'GET', path: q === -1 ? path : path.slice(0, q), query: q === -1 ? '' : path.slice(q + 1), headers, ...more };
};

function route(config: NamespaceConfig, svc: string, r: RequestFacts, port = 9080, clientNs = config.name): CompiledRule | undefined {
  const snap = snapshotOf(config);
  const entry = config.services.get(svc) ?? { namespace: config.name, name: svc, ports: [] };
  const table = tableFor(snap, clientNs, entry, port);
  assert.ok(table, `a route table for ${svc}`);
  return matchRule(table, port, r);
}

test("Bookinfo's reviews-test-v2: jason's end-user header goes to subset v2, everyone else to v1, in the order written", () => {
  const o = bookinfo();
  for (const doc of parseAllDocuments(readFileSync(join(NETWORKING, 'virtual-service-reviews-test-v2.yaml'), 'utf8'))) {
    const v = doc.toJS() as KubeObject | null;
    if (!v) continue;
    o.virtualservices.set(v.metadata.name!, { ...v, metadata: { ...v.metadata, namespace: 'bookinfo' } });
  }
  const { config, problems } = compile(o);
  assert.deepEqual(problems, []);
  const jason = route(config, 'reviews', req('/reviews/0', { 'end-user': 'jason' }))!;
  assert.equal(jason.kind, 'VirtualService');
  assert.deepEqual(jason.backends.map((b) => [b.service, b.subset, b.port, b.weight]), [['reviews', 'v2', 9080, 100]]);
  assert.equal(route(config, 'reviews', req('/reviews/0', { 'end-user': 'jasonx' }))!.backends[0].subset, 'v1');
  assert.equal(route(config, 'reviews', req('/reviews/0'))!.backends[0].subset, 'v1');
  // Istio's default retry policy on a route without retries.
  assert.equal(jason.retry?.attempts, 2);
  assert.deepEqual(jason.retry?.on, { connectFailure: true, grpc: new Set([14, 1]) });
  assert.equal(jason.retry?.codes.size, 0);
});

test('rule order is kept: an earlier prefix match wins over a later exact one (no Gateway API re-sorting)', () => {
  const o = bookinfo();
  o.virtualservices.set('r', vs('r', {
    hosts: ['reviews'],
    http: [
      { name: 'prefix', match: [{ uri: { prefix: '/a' } }], route: [{ destination: { host: 'reviews', subset: 'p' } }] },
      { name: 'exact', match: [{ uri: { exact: '/a/b' } }], route: [{ destination: { host: 'reviews', subset: 'e' } }] },
    ],
  }));
  const { config } = compile(o);
  assert.equal(route(config, 'reviews', req('/a/b'))!.label, 'r/prefix');
  // Istio's prefix is a string prefix: /abc matches prefix /a.
  assert.equal(route(config, 'reviews', req('/abc'))!.label, 'r/prefix');
  // Nothing matches: no rule (the proxy answers 404, as Envoy does with no route).
  assert.equal(route(config, 'reviews', req('/zzz')), undefined);
});

test('match conditions: headers exact/prefix/regex, query, method regex, ignoreUriCase, withoutHeaders, port, sourceLabels, sourceNamespace', () => {
  const o = bookinfo();
  const to = (subset: string) => [{ destination: { host: 'multi', subset } }];
  o.virtualservices.set('m', vs('m', {
    hosts: ['multi.bookinfo.svc.cluster.local'],
    http: [
      { match: [{ headers: { 'X-Prefix': { prefix: 'ab' } } }], route: to('header-prefix') },
      { match: [{ headers: { 'x-re': { regex: 'v[0-9]+' } } }], route: to('header-regex') },
      { match: [{ queryParams: { debug: { exact: 'yes' } } }], route: to('query') },
      { match: [{ method: { regex: 'P(UT|OST)' } }], route: to('method') },
      { match: [{ uri: { exact: '/Case' }, ignoreUriCase: true }], route: to('case') },
      { match: [{ uri: { prefix: '/guarded' }, withoutHeaders: { 'x-skip': { exact: '1' } } }], route: to('without') },
      { match: [{ port: 9090 }], route: to('port') },
      { match: [{ sourceLabels: { app: 'productpage' } }], route: to('labels') },
      { match: [{ sourceNamespace: 'other' }], route: to('namespace') },
      { route: to('rest') },
    ],
  }));
  const { config, problems } = compile(o);
  assert.deepEqual(problems, []);
  const subset = (r: RequestFacts, port = 80) => route(config, 'multi', r, port)?.backends[0].subset;
  assert.equal(subset(req('/', { 'x-prefix': 'abc' })), 'header-prefix');
  assert.equal(subset(req('/', { 'x-prefix': 'xab' })), 'rest');
  assert.equal(subset(req('/', { 'x-re': 'v12' })), 'header-regex');
  assert.equal(subset(req('/', { 'x-re': 'v12x' })), 'rest', 'a regex matches the whole value');
  assert.equal(subset(req('/?debug=yes')), 'query');
  assert.equal(subset(req('/', {}, { method: 'PUT' })), 'method');
  assert.equal(subset(req('/', {}, { method: 'PATCH' })), 'rest');
  assert.equal(subset(req('/cASE')), 'case');
  assert.equal(subset(req('/guarded/x')), 'without');
  assert.equal(subset(req('/guarded/x', { 'x-skip': '1' })), 'rest');
  assert.equal(subset(req('/'), 9090), 'port');
  assert.equal(subset(req('/', {}, { client: { namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' } } })), 'labels');
  assert.equal(subset(req('/', {}, { client: { namespace: 'bookinfo', labels: { app: 'reviews' } } })), 'rest');
  assert.equal(subset(req('/', {}, { client: { namespace: 'other', labels: {} } })), 'namespace');
});

test('weights, ports, faults, timeout, retries, mirror, rewrite and headers compile as Istio means them', () => {
  const o = bookinfo();
  o.virtualservices.set('w', vs('w', {
    hosts: ['ratings'],
    http: [{
      route: [
        { destination: { host: 'ratings', subset: 'v1' }, weight: 25, headers: { request: { set: { 'X-V': '1' } } } },
        { destination: { host: 'multi', port: { number: 9090 } }, weight: 75 },
        { destination: { host: 'multi' } },
      ],
      fault: { delay: { fixedDelay: '1.5s', percent: 10 }, abort: { httpStatus: 503, percentage: { value: 0.5 } } },
      timeout: '0.5s',
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503,retriable-4xx,unavailable,reset' },
      mirror: { host: 'reviews', subset: 'v2' },
      mirrorPercentage: { value: 12.5 },
      rewrite: { uri: '/v2', authority: 'ratings.internal' },
      headers: { request: { add: { 'X-Added': 'yes' }, remove: ['X-Secret'] }, response: { set: { 'X-Served': 'mesh' } } },
    }],
  }));
  const { config, problems } = compile(o);
  assert.deepEqual(problems, []);
  const rule = route(config, 'ratings', req('/ratings/0'))!;
  assert.deepEqual(rule.backends.map((b) => [b.service, b.subset, b.port, b.weight]), [['ratings', 'v1', 9080, 25], ['multi', undefined, 9090, 75], ['multi', undefined, 0, 0]]);
  assert.deepEqual(rule.backends[0].filters?.requestHeaders?.set, [['x-v', '1']]);
  assert.deepEqual(rule.fault, { delay: { ms: 1500, percentage: 10 }, abort: { status: 503, percentage: 0.5, body: 'fault filter abort' } });
  assert.equal(rule.requestTimeoutMs, 500);
  assert.equal(rule.retry?.attempts, 3);
  assert.equal(rule.retry?.perTryTimeoutMs, 2000);
  assert.deepEqual([...rule.retry!.codes].sort(), [409, 503]);
  assert.deepEqual(rule.retry?.on, { gatewayError: true, connectFailure: true, grpc: new Set([14]), reset: true });
  assert.deepEqual(rule.mirrors, [{ namespace: 'bookinfo', service: 'reviews', port: 9080, subset: 'v2', numerator: 125_000, denominator: 1_000_000 }]);
  // No match is Istio's prefix "/": that prefix is replaced. Authority as given.
  assert.deepEqual(rule.rewrite, { hostname: 'ratings.internal', path: { type: 'ReplacePrefixMatch', value: '/v2', prefix: '/' } });
  assert.deepEqual(rule.requestHeaders, { set: [], add: [['x-added', 'yes']], remove: ['x-secret'] });
  assert.deepEqual(rule.responseHeaders, { set: [['x-served', 'mesh']], add: [], remove: [] });
});

test('rewrite.uri replaces the matched prefix; retries.attempts 0 turns retries off; bad values are reported', () => {
  const o = bookinfo();
  o.virtualservices.set('p', vs('p', {
    hosts: ['productpage'],
    http: [
      { match: [{ uri: { prefix: '/old' } }, { uri: { exact: '/exact' } }], rewrite: { uri: '/new' }, retries: { attempts: 0 }, route: [{ destination: { host: 'productpage' } }] },
      { match: [{ uri: { regex: '(' } }], route: [{ destination: { host: 'productpage' } }] },
      { match: [{ headers: { 'x-evil': { regex: '(a+)+$' } } }], route: [{ destination: { host: 'productpage' } }] },
      { route: [{ destination: { host: 'nowhere' } }], fault: { abort: { grpcStatus: 'UNAVAILABLE' } } },
    ],
  }));
  const { config, problems } = compile(o);
  const prefixed = route(config, 'productpage', req('/old/x'))!;
  assert.deepEqual(prefixed.rewrite?.path, { type: 'ReplacePrefixMatch', value: '/new', prefix: '/old' });
  assert.equal(prefixed.retry, undefined);
  assert.deepEqual(route(config, 'productpage', req('/exact'))!.rewrite?.path, { type: 'ReplaceFullPath', value: '/new' });
  // The catastrophic regex is refused (never run per request), so its match never matches.
  assert.equal(route(config, 'productpage', req('/', { 'x-evil': 'aaaa' }))!.fault?.abort?.grpcStatus, 14);
  assert.ok(problems.some((p) => /spec\.http\[2\]\.match\[0\]\.headers\.x-evil\.regex: "\(a\+\)\+\$" is refused: a repeated group/.test(p)), problems.join('\n'));
  const last = route(config, 'productpage', req('/('))!;
  assert.match(last.backends[0].invalid ?? '', /Service "bookinfo\/nowhere" not found/);
  assert.deepEqual(last.fault?.abort, { status: 503, grpcStatus: 14, percentage: 100, body: 'fault filter abort' });
  assert.ok(problems.some((p) => /VirtualService bookinfo\/p: spec\.http\[1\]\.match\[0\]\.uri\.regex: invalid regular expression/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /spec\.http\[3\]\.route\[0\]\.destination\.host: .*nowhere/.test(p)), problems.join('\n'));
});

test('hosts: short, name.namespace and FQDN names; wildcards, external hosts, gateway-only VirtualServices and a second VirtualService for a host are reported', () => {
  const o = bookinfo();
  o.virtualservices.set('a', vs('a', { hosts: ['reviews.bookinfo', '*.example.com', 'www.example.com', 'missing'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }));
  o.virtualservices.set('b', vs('b', { hosts: ['reviews.bookinfo.svc.cluster.local'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }));
  o.virtualservices.set('g', vs('g', { hosts: ['ratings'], gateways: ['bookinfo-gateway'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }));
  const { config, problems } = compile(o);
  assert.equal(route(config, 'reviews', req('/'))!.routeName, 'a', 'the older VirtualService for the host applies');
  assert.equal(config.producerRoutes.has('ratings'), false, 'a VirtualService bound to gateways only does not apply to sidecars');
  const text = problems.join('\n');
  assert.match(text, /"\*\.example\.com": wildcard hosts are not supported/);
  assert.match(text, /"www\.example\.com" is not a Service of this cluster/);
  assert.match(text, /"missing": Service "bookinfo\/missing" not found/);
  assert.match(text, /VirtualService bookinfo\/b: host bookinfo\/reviews already has VirtualService bookinfo\/a/);
  assert.match(text, /VirtualService bookinfo\/g: spec\.gateways does not include "mesh"/);
});

test('a VirtualService in the client namespace applies to its own clients only (consumer table); the Service namespace one to everyone', () => {
  const o = objects();
  o.virtualservices.set('reviews', vs('reviews', { hosts: ['reviews.bookinfo.svc.cluster.local'], http: [{ route: [{ destination: { host: 'reviews.bookinfo', subset: 'v3' } }] }] }, 'frontend'));
  const elsewhere = new Map([['bookinfo/reviews', service('reviews', [9080])]]);
  const { config, problems, dependsOn } = compile(o, 'frontend', elsewhere);
  assert.deepEqual(problems, []);
  assert.ok(dependsOn.has('bookinfo'));
  const table = config.consumerRoutes.get('bookinfo/reviews');
  assert.ok(table);
  assert.equal(table.entries[0].rule.backends[0].subset, 'v3');
  assert.equal(config.producerRoutes.size, 0);
});

test('an HTTPRoute on the same Service port applies, and the VirtualService is reported (kept on the other ports)', () => {
  const o = bookinfo();
  o.httproutes.set('gamma', obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'gamma', {
    parentRefs: [{ group: '', kind: 'Service', name: 'multi', port: 80 }],
    rules: [{ backendRefs: [{ name: 'ratings', port: 9080 }] }],
  }));
  o.virtualservices.set('multi', vs('multi', { hosts: ['multi'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }));
  const { config, problems } = compile(o);
  assert.equal(route(config, 'multi', req('/'), 80)!.kind, 'HTTPRoute');
  const onOther = route(config, 'multi', req('/'), 9090)!;
  assert.equal(onOther.kind, 'VirtualService');
  assert.equal(onOther.backends[0].service, 'reviews');
  assert.ok(problems.some((p) => /VirtualService bookinfo\/multi: an HTTPRoute or GRPCRoute is attached to Service bookinfo\/multi \(port 80\): the Gateway API route applies there .*\(it applies on port 9090\)/.test(p)), problems.join('\n'));

  // Attached to every port: the VirtualService applies nowhere.
  const all = bookinfo();
  all.httproutes.set('gamma', obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'gamma', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }], rules: [{}] }));
  all.virtualservices.set('reviews', vs('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }));
  const second = compile(all);
  assert.equal(route(second.config, 'reviews', req('/'))!.kind, 'HTTPRoute');
  assert.ok(second.problems.some((p) => /every port/.test(p)));
});

test("DestinationRules: Bookinfo's destination-rule-all subsets by labels; rules for one host merge; unknown subsets have no endpoints", () => {
  const o = bookinfo();
  o.services.set('details', service('details', [9080]));
  for (const doc of parseAllDocuments(readFileSync(join(NETWORKING, 'destination-rule-all.yaml'), 'utf8'))) {
    const d = doc.toJS() as KubeObject | null;
    if (!d) continue;
    o.destinationrules.set(d.metadata.name!, { ...d, metadata: { ...d.metadata, namespace: 'bookinfo', creationTimestamp: '2026-01-01T00:00:00Z' } });
  }
  o.destinationrules.set('reviews-extra', dr('reviews-extra', { host: 'reviews.bookinfo.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'other' } }, { name: 'canary', labels: { track: 'canary' } }] }));
  o.destinationrules.set('bad', dr('bad', { host: 'nowhere', subsets: [] }));
  const { config, problems } = compile(o);
  const reviews = config.destinationRules.get('bookinfo/reviews')!;
  assert.deepEqual([...reviews.subsets.keys()], ['v1', 'v2', 'v3', 'canary']);
  assert.deepEqual(reviews.subsets.get('v1')!.labels, { version: 'v1' }, 'the older rule\'s subset of the same name wins');
  assert.ok(problems.some((p) => /subset "v1" of bookinfo\/reviews is already defined/.test(p)));
  assert.ok(problems.some((p) => /DestinationRule bookinfo\/bad: spec\.host: .*not found/.test(p)));

  const pod = (name: string, labels: Record<string, string>): PodInfo => ({ namespace: 'bookinfo', name, ip: `10.0.0.${name.length}`, serviceAccount: 'x', meshed: true, labels });
  const endpoints = [
    { ip: '10.0.0.1', port: 9080, pod: pod('r1', { app: 'reviews', version: 'v1' }) },
    { ip: '10.0.0.2', port: 9080, pod: pod('r2', { app: 'reviews', version: 'v2' }) },
    { ip: '10.0.0.3', port: 9080, pod: pod('r3', { app: 'reviews', version: 'v2', track: 'canary' }) },
  ];
  const snap = snapshotOf(config, { ...config, name: 'client', destinationRules: new Map() });
  const svc = { namespace: 'bookinfo', name: 'reviews' };
  assert.deepEqual(subsetEndpoints(snap, 'client', svc, endpoints, 'v2')?.map((e) => e.pod?.name), ['r2', 'r3']);
  assert.deepEqual(subsetEndpoints(snap, 'client', svc, endpoints, 'canary')?.map((e) => e.pod?.name), ['r3']);
  assert.deepEqual(subsetEndpoints(snap, 'client', svc, endpoints, 'v3'), []);
  assert.equal(subsetEndpoints(snap, 'client', svc, endpoints, 'v9'), undefined);
  assert.equal(subsetEndpoints(snap, 'client', svc, endpoints, undefined), endpoints);
});

test("the support registry honours every field of Istio's Bookinfo networking manifests and reports unsupported ones", () => {
  for (const file of readdirSync(NETWORKING)) {
    for (const doc of parseAllDocuments(readFileSync(join(NETWORKING, file), 'utf8'))) {
      const o = doc.toJS() as KubeObject | null;
      if (!o) continue;
      const kind = kindSupport('networking.istio.io', o.kind);
      assert.ok(kind?.warnOnApply, `${o.kind} is in the registry`);
      assert.deepEqual(unsupportedFields(kind, o as { spec?: unknown }), [], `${file} ${o.metadata.name}`);
    }
  }
  const kind = kindSupport('networking.istio.io', 'VirtualService')!;
  const found = unsupportedFields(kind, {
    spec: {
      hosts: ['reviews'],
      exportTo: ['.'],
      http: [{ corsPolicy: { allowOrigins: [{ exact: '*' }] }, match: [{ scheme: { exact: 'https' } }], route: [{ destination: { host: 'reviews' } }], unknownField: 1 }],
      tcp: [{ match: [{ port: 9000, sourceLabels: { app: 'curl' } }], route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }] }],
      tls: [{ route: [] }],
    },
  }).map((f) => f.path);
  assert.deepEqual(found, ['spec.exportTo', 'spec.http[0].corsPolicy', 'spec.http[0].match[0].scheme', 'spec.http[0].unknownField', 'spec.tcp[0].match[0].sourceLabels', 'spec.tls']);
});

test('learner regexes: what RE2 refuses and what would backtrack for long is refused; ordinary ones pass', () => {
  for (const ok of ['v[0-9]+', '^/productpage.*', '.*jason.*', '/api/v[12]/.*', '(foo|bar)', '^(ab)+$', 'a{2,5}b']) assert.equal(unsafeRegexReason(ok), undefined, ok);
  for (const bad of ['(a+)+$', '(a|a)*b', '(?:x*)*', '(x{2,})+', '(\\d+)\\1', 'a(?=b)', '(?<!a)b', '.*a.*b.*c', 'x'.repeat(1025)]) assert.ok(unsafeRegexReason(bad), bad.slice(0, 20));
});

test('HTTPRoute and SMI regexes get the same backtracking guard as VirtualService ones', async () => {
  const { safeRegex } = await import('../../sandbox/mesh/control-plane/http-route-compiler.js');
  assert.equal(typeof safeRegex('(a+)+$'), 'string', 'a nested repetition is refused for HTTPRoute');
  assert.ok(safeRegex('/v2/.*') instanceof RegExp);
  const { compileRouteGroup } = await import('../../sandbox/mesh/control-plane/smi-compiler.js');
  const problems: string[] = [];
  compileRouteGroup({ apiVersion: 'specs.smi-spec.io/v1alpha4', kind: 'HTTPRouteGroup', metadata: { name: 'g', namespace: 'n' }, spec: { matches: [{ name: 'm', pathRegex: '(x|x)*y' }] } }, problems);
  assert.match(problems.join('\n'), /pathRegex/);
});
