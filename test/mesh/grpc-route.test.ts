// GRPCRoute through real sidecars: the upstream mesh suite's GRPCRoute manifests (vendored unchanged) are compiled into
// the Service's route table and route a gRPC method path — sent here as an HTTP/1 POST to `/proto.EchoTestService/Echo`
// (HTTP/2 between sidecars is the h2 work) — by weight and by header match with header modifiers; method matches
// (exact, service only, method only, regex) rank as the GRPCRoute spec says; and on a Service port that both a
// GRPCRoute and an HTTPRoute claim, the GRPCRoute applies and the HTTPRoute is rejected as Conflicted (GEP-1294).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';

const NS = 'gateway-conformance-mesh';
const GW = 'gateway.networking.k8s.io';
const UPSTREAM = fileURLToPath(new URL('../../playground-server/conformance/upstream/gateway-api/tests/mesh/', import.meta.url)); // the runner's vendored copy
const upstream = (file: string) => parse(readFileSync(join(UPSTREAM, file), 'utf8')) as KubeObject;
const ECHO = '/proto.EchoTestService/Echo';

let h: MeshHarness;
let client: TestPod;

type Cond = { type: string; status: string; reason: string; message: string };
const conditions = (plural: string, name: string): Cond[] =>
  ((h.api.get(h.type(GW, plural), NS, name).status as { parents?: { conditions: Cond[] }[] })?.parents ?? [])[0]?.conditions ?? [];
const cond = (plural: string, name: string, type: string) => conditions(plural, name).find((c) => c.type === type);
const servedBy = (body: string) => (JSON.parse(body) as { pod: string }).pod;
const grpcCall = (path: string, headers: Record<string, string> = {}) =>
  h.send(client, 'echo:7070', path, { method: 'POST', headers: { 'content-type': 'application/grpc', 'x-mesh-debug': '1', ...headers } });

before(async () => {
  h = await MeshHarness.start();
  h.namespace(NS);
  h.service('echo', 7070, { app: 'echo' }, NS);
  h.service('echo-v1', 7070, { app: 'echo', version: 'v1' }, NS);
  h.service('echo-v2', 7070, { app: 'echo', version: 'v2' }, NS);
  await h.pod({ namespace: NS, name: 'echo-v1-a', app: 'echo', deployment: 'echo-v1', labels: { version: 'v1' }, port: 7070, handler: whoami('echo-v1') });
  await h.pod({ namespace: NS, name: 'echo-v2-a', app: 'echo', deployment: 'echo-v2', labels: { version: 'v2' }, port: 7070, handler: whoami('echo-v2') });
  client = await h.pod({ namespace: NS, name: 'client-a', app: 'client', port: 7071, handler: whoami('client') });
});

after(async () => {
  await h?.stop();
});

test('grpcroute-weight.yaml: Accepted; echo-v3 (absent, weight 0) is BackendNotFound; calls split 70/30 over echo-v1/echo-v2', async () => {
  const route = upstream('grpcroute-weight.yaml');
  h.apply(GW, 'grpcroutes', route);
  await h.cp.settled();
  assert.deepEqual([cond('grpcroutes', 'mesh-grpc-weighted-backends', 'Accepted')?.status, cond('grpcroutes', 'mesh-grpc-weighted-backends', 'Accepted')?.reason], ['True', 'Accepted']);
  const resolved = cond('grpcroutes', 'mesh-grpc-weighted-backends', 'ResolvedRefs')!;
  assert.deepEqual([resolved.status, resolved.reason], ['False', 'BackendNotFound']);
  assert.match(resolved.message, /echo-v3/);

  const replies = await h.sendMany(client, 'echo:7070', ECHO, 1000, 16, { method: 'POST', headers: { 'content-type': 'application/grpc' } });
  assert.ok(replies.every((r) => r.status === 200), `all succeed (${[...new Set(replies.map((r) => r.status))]})`);
  const v1 = replies.filter((r) => servedBy(r.body) === 'echo-v1').length;
  // 70% ± 5 points over 1000 calls (the conformance suite allows ±5 points too; a binomial's 3σ here is ±4.3).
  assert.ok(v1 >= 650 && v1 <= 750, `echo-v1 got ${v1}/1000`);
  const debug = await grpcCall(ECHO);
  assert.equal(debug.headers['x-mesh-route'], 'mesh-grpc-weighted-backends');
  h.remove(GW, 'grpcroutes', NS, 'mesh-grpc-weighted-backends');
});

test('grpcroute-request-header-modifier.yaml: header matches pick the rule, whose filter sets, adds and removes request headers', async () => {
  h.apply(GW, 'grpcroutes', upstream('grpcroute-request-header-modifier.yaml'));
  await h.cp.settled();
  assert.deepEqual(conditions('grpcroutes', 'grpc-request-header-modifier').map((c) => [c.type, c.status]), [['Accepted', 'True'], ['ResolvedRefs', 'True']]);

  const seen = (r: { body: string }) => (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
  const set = await grpcCall(ECHO, { 'x-test-case': 'set', 'some-other-header': 'this-header-should-be-set', 'x-header-set': 'this-value-should-be-overwritten' });
  assert.equal(servedBy(set.body), 'echo-v1');
  assert.equal(seen(set)['x-header-set'], 'set-overwrites-values');
  assert.equal(seen(set)['some-other-header'], 'this-header-should-be-set');

  const add = await grpcCall(ECHO, { 'x-test-case': 'add', 'x-header-add': 'this-value-should-be-appended' });
  assert.equal(seen(add)['x-header-add'], 'this-value-should-be-appended,add-appends-values');

  const remove = await grpcCall(ECHO, { 'x-test-case': 'remove', 'x-header-remove': 'gone' });
  assert.equal(seen(remove)['x-header-remove'], undefined);

  const multi = await grpcCall(ECHO, { 'x-test-case': 'multi', 'x-header-remove-1': 'a', 'x-header-remove-2': 'b', 'x-header-add-1': 'x' });
  assert.equal(servedBy(multi.body), 'echo-v2');
  const m = seen(multi);
  assert.deepEqual([m['x-header-set-1'], m['x-header-set-2'], m['x-header-add-1'], m['x-header-add-2'], m['x-header-remove-1'], m['x-header-remove-2']], ['header-set-1', 'header-set-2', 'x,header-add-1', 'header-add-2', undefined, undefined]);

  // No rule matches a call without x-test-case: once a route is attached, that is a 404.
  assert.equal((await grpcCall(ECHO)).status, 404);
  h.remove(GW, 'grpcroutes', NS, 'grpc-request-header-modifier');
});

const grpcRoute = (name: string, rules: unknown[]): KubeObject => ({
  apiVersion: `${GW}/v1`,
  kind: 'GRPCRoute',
  metadata: { name, namespace: NS },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 7070 }], rules },
});
const to = (svc: string) => [{ name: svc, port: 7070 }];

test('method matches: exact service+method beats service only beats method only; regex; unknown type is UnsupportedValue', async () => {
  h.apply(GW, 'grpcroutes', grpcRoute('methods', [
    { name: 'by-method', matches: [{ method: { method: 'Echo' } }], backendRefs: to('echo-v1') },
    { name: 'by-service', matches: [{ method: { service: 'proto.EchoTestService' } }], backendRefs: to('echo-v2') },
    { name: 'exact', matches: [{ method: { service: 'proto.EchoTestService', method: 'ForwardEcho' } }], backendRefs: to('echo-v1') },
    { name: 'regex', matches: [{ method: { type: 'RegularExpression', service: 'grpc\\.health\\.v1\\..*', method: 'Check|Watch' } }], backendRefs: to('echo-v2') },
  ]));
  await h.cp.settled();
  assert.equal(cond('grpcroutes', 'methods', 'Accepted')?.status, 'True');
  const route = async (path: string) => {
    const r = await grpcCall(path);
    return [r.status, r.headers['x-mesh-route']];
  };
  assert.deepEqual(await route('/proto.EchoTestService/ForwardEcho'), [200, 'methods/exact']);
  assert.deepEqual(await route('/proto.EchoTestService/Echo'), [200, 'methods/by-service'], 'the service match has more characters than the method match');
  assert.deepEqual(await route('/other.Service/Echo'), [200, 'methods/by-method']);
  assert.deepEqual(await route('/grpc.health.v1.Health/Check'), [200, 'methods/regex']);
  assert.deepEqual(await route('/grpc.health.v1.Health/List'), [404, undefined]);
  assert.deepEqual(await route('/proto.EchoTestServiceX/Other'), [404, undefined], 'a service match is a whole path element');

  h.apply(GW, 'grpcroutes', grpcRoute('methods', [{ matches: [{ method: { type: 'Prefix', service: 'x' } }], backendRefs: to('echo-v1') }]));
  await h.cp.settled();
  const accepted = cond('grpcroutes', 'methods', 'Accepted')!;
  assert.deepEqual([accepted.status, accepted.reason], ['False', 'UnsupportedValue']);
  assert.match(accepted.message, /spec\.rules\[0\]\.matches\[0\]\.method\.type: unsupported value "Prefix"/);
  h.remove(GW, 'grpcroutes', NS, 'methods');
});

test('GRPCRoute filters: RequestMirror is accepted; an HTTPRoute-only filter (URLRewrite) is reported (Accepted=False UnsupportedValue), never silently skipped', async () => {
  h.apply(GW, 'grpcroutes', grpcRoute('mirror', [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'echo-v2', port: 7070 } } }], backendRefs: to('echo-v1') }]));
  h.apply(GW, 'grpcroutes', grpcRoute('rewrite', [{ filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'x' } }], backendRefs: to('echo-v1') }]));
  await h.cp.settled();
  assert.equal(cond('grpcroutes', 'mirror', 'Accepted')?.status, 'True');
  const accepted = cond('grpcroutes', 'rewrite', 'Accepted')!;
  assert.deepEqual([accepted.status, accepted.reason], ['False', 'UnsupportedValue']);
  assert.match(accepted.message, /spec\.rules\[0\]\.filters\[0\]\.type: "URLRewrite" is not a GRPCRoute filter/);
  h.remove(GW, 'grpcroutes', NS, 'mirror');
  h.remove(GW, 'grpcroutes', NS, 'rewrite');
});

test('a GRPCRoute and an HTTPRoute on the same Service port: the GRPCRoute applies, the HTTPRoute is Conflicted until the GRPCRoute goes', async () => {
  h.apply(GW, 'grpcroutes', grpcRoute('grpc-wins', [{ backendRefs: to('echo-v2') }]));
  const http = (name: string, port?: number): KubeObject => ({
    apiVersion: `${GW}/v1`,
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'echo', ...(port ? { port } : {}) }], rules: [{ backendRefs: to('echo-v1') }] },
  });
  h.apply(GW, 'httproutes', http('http-loses', 7070));
  await h.cp.settled();
  assert.equal(cond('grpcroutes', 'grpc-wins', 'Accepted')?.status, 'True');
  const lost = cond('httproutes', 'http-loses', 'Accepted')!;
  assert.deepEqual([lost.status, lost.reason], ['False', 'Conflicted']);
  assert.match(lost.message, /GRPCRoute takes precedence over HTTPRoute/);
  const r = await grpcCall(ECHO);
  assert.deepEqual([servedBy(r.body), r.headers['x-mesh-route']], ['echo-v2', 'grpc-wins']);

  // Once the GRPCRoute goes, the HTTPRoute is accepted and applies.
  h.remove(GW, 'grpcroutes', NS, 'grpc-wins');
  await h.cp.settled();
  await h.cp.settled();
  assert.equal(cond('httproutes', 'http-loses', 'Accepted')?.status, 'True');
  const after = await grpcCall(ECHO);
  assert.deepEqual([servedBy(after.body), after.headers['x-mesh-route']], ['echo-v1', 'http-loses']);
  h.remove(GW, 'httproutes', NS, 'http-loses');
});
