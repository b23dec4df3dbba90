// The mesh support registry: the walker that finds what an object sets and the mesh does not honour (prefix
// coverage, `[]` for list elements, `none` subtrees and unknown blocks reported once, a bounded walk), a kind served
// but not honoured reported once by name, and the entries this registry holds for the Gateway API, SMI and the
// Istio / Linkerd kinds the sandbox only stores checked against the CRDs the sandbox really serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCrdDocuments, type CrdDocument } from '../../sandbox/apiserver/resources.js';
import { MESH_API_SUPPORT, kindSupport, unsupportedFields, unsupportedWarning, type KindSupport } from '../../sandbox/mesh/support/index.js';
import { GATEWAY_API_KINDS } from '../../sandbox/mesh/support/kinds/gateway-api.js';
import { SMI_KINDS } from '../../sandbox/mesh/support/kinds/smi.js';
import { ISTIO_UNSUPPORTED_KINDS } from '../../sandbox/mesh/support/kinds/istio-unsupported.js';
import { LINKERD_UNSUPPORTED_KINDS } from '../../sandbox/mesh/support/kinds/linkerd-unsupported.js';
import { meshSupportWarnings } from '../../sandbox/mesh/support/support-admission.js';
import type { AdmissionRequest } from '../../sandbox/apiserver/api.js';
import type { ResourceType } from '../../sandbox/apiserver/resources.js';

const kind = (fields: KindSupport['fields']): KindSupport => ({ api: 'Istio', group: 'example.io', kind: 'Thing', versions: ['v1'], summary: '', docs: '', warnOnApply: true, fields });
const paths = (k: KindSupport, spec: unknown) => unsupportedFields(k, { spec }).map((f) => f.path);

test('a field is honoured when the longest entry covering its path says full or partial', () => {
  const k = kind([
    { path: 'spec.route', support: 'full' },
    { path: 'spec.route.mirror', support: 'none', note: 'no mirrors' },
    { path: 'spec.route.mirror.keep', support: 'partial' },
    { path: 'spec.routeName', support: 'full' },
  ]);
  // spec.route covers spec.route.host; spec.route.mirror (none, exact) is reported as one block with its note.
  assert.deepEqual(unsupportedFields(k, { spec: { route: { host: 'a', weight: 3, mirror: { host: 'b', keep: 1 } }, routeName: 'x' } }), [{ path: 'spec.route.mirror', note: 'no mirrors' }]);
  // "spec.routeName" is not under "spec.route": prefixes match whole path elements only.
  assert.deepEqual(paths(kind([{ path: 'spec.route', support: 'full' }]), { routeName: 'x' }), ['spec.routeName']);
  assert.deepEqual(paths(k, { route: { host: 'a' } }), []);
});

test('`[]` stands for every element of a list: each element that sets an unsupported field is reported with its index', () => {
  const k = kind([
    { path: 'spec.http[].route', support: 'full' },
    { path: 'spec.http[].match[].uri', support: 'partial' },
    { path: 'spec.http[].corsPolicy', support: 'none', note: 'no CORS' },
  ]);
  const spec = { http: [{ route: [{ host: 'a' }], corsPolicy: { allowOrigins: [{ exact: 'x' }] } }, { match: [{ uri: { prefix: '/' } }, { uri: { exact: '/x' }, port: 80 }] }, { corsPolicy: {} }] };
  assert.deepEqual(unsupportedFields(k, { spec }), [
    { path: 'spec.http[0].corsPolicy', note: 'no CORS' },
    { path: 'spec.http[1].match[1].port' },
    { path: 'spec.http[2].corsPolicy', note: 'no CORS' },
  ]);
});

test('a none subtree and a block no entry mentions are one report each, however many leaves they hold', () => {
  const k = kind([
    { path: 'spec.a', support: 'full' },
    { path: 'spec.deep', support: 'none' },
    { path: 'spec.mixed.known', support: 'full' },
  ]);
  const leaves = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, { x: [i, i + 1] }]));
  assert.deepEqual(paths(k, { a: 1, deep: leaves, unknown: leaves, mixed: { known: leaves, other: leaves, empty: {} } }), ['spec.deep', 'spec.unknown', 'spec.mixed.other', 'spec.mixed.empty']);
  // An object without spec sets nothing.
  assert.deepEqual(unsupportedFields(k, {}), []);
});

test('the walk is bounded: a huge object is walked up to a limit, not to its end', () => {
  const k = kind([{ path: 'spec.list[].keep', support: 'full' }]);
  const list = Array.from({ length: 100_000 }, () => ({ keep: 1, drop: 2 }));
  const found = unsupportedFields(k, { spec: { list } });
  assert.ok(found.length > 100, `the walk reports what it reaches (${found.length})`);
  assert.ok(found.length < 10_000, `the walk stops at its bound (${found.length} reports for 100000 elements)`);
  assert.equal(found[0].path, 'spec.list[0].drop');
});

test('a kind served but not honoured is reported once, naming the kind, whatever the object holds', () => {
  const envoyFilter = kindSupport('networking.istio.io', 'EnvoyFilter')!;
  assert.ok(envoyFilter, 'EnvoyFilter is in the registry');
  for (const spec of [undefined, {}, { configPatches: Array.from({ length: 30 }, () => ({ applyTo: 'HTTP_FILTER', patch: { operation: 'MERGE' } })) }]) {
    const found = unsupportedFields(envoyFilter, { spec });
    assert.equal(found.length, 1);
    assert.equal(found[0].wholeKind, true);
  }
  const text = unsupportedWarning(envoyFilter, 'lua', unsupportedFields(envoyFilter, { spec: {} })[0]);
  assert.match(text, /^EnvoyFilter "lua": EnvoyFilter \(networking\.istio\.io\) is not supported by the sandbox mesh and is ignored \(the sandbox proxy is not Envoy/);
});

test('the admission plugin warns once for an unsupported kind, per field for a supported kind, and not at all for deletes or status writes', () => {
  const plugin = meshSupportWarnings();
  const request = (group: string, kindName: string, spec: unknown, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
    operation: 'CREATE',
    type: { group, kind: kindName } as ResourceType,
    object: { apiVersion: `${group}/v1`, kind: kindName, metadata: { name: 'x', namespace: 'default' }, spec },
    dryRun: false,
    warnings: [],
    ...extra,
  });
  const sp = request('linkerd.io', 'ServiceProfile', { routes: [{ name: 'GET /', condition: { method: 'GET' } }] });
  plugin(sp);
  assert.deepEqual(sp.warnings, [`ServiceProfile "x": ServiceProfile (linkerd.io) is not supported by the sandbox mesh and is ignored (${kindSupport('linkerd.io', 'ServiceProfile')!.fields[0].note})`]);
  const route = request('gateway.networking.k8s.io', 'HTTPRoute', { parentRefs: [{ group: '', kind: 'Service', name: 'web' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }], sessionPersistence: { type: 'Cookie' } }] });
  plugin(route);
  assert.equal(route.warnings.length, 1);
  assert.match(route.warnings[0], /^HTTPRoute "x": spec\.rules\[0\]\.sessionPersistence is not supported by the sandbox mesh and is ignored/);
  for (const extra of [{ operation: 'DELETE' as const }, { subresource: 'status' }]) {
    const r = request('networking.istio.io', 'EnvoyFilter', {}, extra);
    plugin(r);
    assert.deepEqual(r.warnings, []);
  }
});

test('a typical HTTPRoute and GRPCRoute, as stored with the CRD defaults, get no warning', () => {
  const httpRoute = kindSupport('gateway.networking.k8s.io', 'HTTPRoute')!;
  const grpcRoute = kindSupport('gateway.networking.k8s.io', 'GRPCRoute')!;
  const parentRefs = [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }];
  const backend = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: 9080, weight });
  assert.deepEqual(
    unsupportedFields(httpRoute, {
      spec: {
        parentRefs,
        hostnames: ['reviews'],
        rules: [
          {
            name: 'jason',
            matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'end-user', value: 'jason' }], queryParams: [{ type: 'Exact', name: 'a', value: 'b' }], method: 'GET' }],
            filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } }, { type: 'RequestMirror', requestMirror: { backendRef: backend('mirror', 1), percent: 50 } }],
            backendRefs: [{ ...backend('reviews-v2', 1), filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'v', value: '2' }] } }] }],
            timeouts: { request: '10s', backendRequest: '2s' },
            retry: { attempts: 3, backoff: '100ms', codes: [503] },
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backend('reviews-v1', 90), backend('reviews-v3', 10)] },
        ],
      },
    }),
    [],
  );
  assert.deepEqual(
    unsupportedFields(grpcRoute, { spec: { parentRefs, rules: [{ matches: [{ method: { type: 'Exact', service: 'echo.Echo', method: 'Say' }, headers: [{ type: 'Exact', name: 'x', value: 'y' }] }], backendRefs: [backend('echo-v2', 1)] }] } }),
    [],
  );
  assert.deepEqual(paths(httpRoute, { parentRefs, rules: [{ filters: [{ type: 'CORS', cors: { allowOrigins: ['*'] } }] }], useDefaultGateways: 'All' }), ['spec.rules[0].filters[0].cors', 'spec.useDefaultGateways']);
});

/** Every field path a CRD version's schema defines under spec, in the registry's notation. */
function schemaPaths(schema: Record<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (s: unknown, path: string) => {
    if (typeof s !== 'object' || s === null) return;
    const node = s as { properties?: Record<string, unknown>; items?: unknown };
    out.add(path);
    for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${k}`);
    if (node.items) walk(node.items, `${path}[]`);
  };
  walk((schema?.properties as Record<string, unknown> | undefined)?.spec ?? {}, 'spec');
  return out;
}

test('the Gateway API, SMI and stored-only Istio / Linkerd entries name kinds, versions and fields the sandbox really serves', () => {
  const crds: CrdDocument[] = loadCrdDocuments();
  const mine = [...GATEWAY_API_KINDS, ...SMI_KINDS, ...ISTIO_UNSUPPORTED_KINDS, ...LINKERD_UNSUPPORTED_KINDS];
  for (const k of mine) {
    const crd = crds.find((c) => c.spec.group === k.group && c.spec.names.kind === k.kind);
    if (k.versions.length === 0) {
      assert.equal(crd, undefined, `${k.kind} (${k.group}) is listed as not served, but a CRD serves it`);
      continue;
    }
    assert.ok(crd, `${k.kind} (${k.group}) has a CRD in sandbox/apiserver/crds`);
    const served = crd.spec.versions.filter((v) => v.served).map((v) => v.name);
    assert.deepEqual([...k.versions].sort(), [...served].sort(), `${k.kind}: the registry lists the served versions`);
    const storage = crd.spec.versions.find((v) => v.storage)!;
    const known = schemaPaths(storage.schema?.openAPIV3Schema);
    for (const f of k.fields) assert.ok(known.has(f.path), `${k.kind}: ${f.path} is a field of ${k.group}/${storage.name}`);
  }
  const ids = MESH_API_SUPPORT.map((k) => `${k.group}/${k.kind}`);
  assert.deepEqual(ids, [...new Set(ids)], 'one entry per kind');
  for (const k of [...ISTIO_UNSUPPORTED_KINDS, ...LINKERD_UNSUPPORTED_KINDS]) {
    assert.equal(k.warnOnApply, true, `${k.kind} warns on apply`);
    assert.equal(unsupportedFields(k, { spec: { anything: 1 } }).length, 1);
  }
});
