// Bad input is rejected before anything is stored, with the apiserver's status codes and messages:
// CRD schema violations (422), unknown fields (Strict 400 / Warn header / Ignore), built-in rules (422),
// malformed bodies (400), wrong media types (415), name/namespace mismatches (400).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type Fixture } from './fixture.js';
import * as m from './manifests.js';

let f: Fixture;
before(async () => {
  f = await startFixture({ namespaces: ['default', 'other'] });
});
after(() => f.close());

const HTTPROUTES = '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const routes = () => f.api.list(f.api.type('gateway.networking.k8s.io', 'httproutes'), 'default').items.map((o) => o.metadata.name);

describe('CRD schema validation', () => {
  test('kubectl shows the invalid field and value; nothing is stored', async () => {
    const r = await f.kubectl(['apply', '-f', '-'], { input: m.httpRoute({ name: 'neg', w1: -1 }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The HTTPRoute "neg" is invalid: spec\.rules\[0\]\.backendRefs\[0\]\.weight: Invalid value: -1: spec\.rules\[0\]\.backendRefs\[0\]\.weight in body should be greater than or equal to 0/);
    assert.ok(!routes().includes('neg'));
  });

  test('422 Status carries causes with field and reason', async () => {
    const body = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'bad' }, spec: { rules: [{ backendRefs: [{ name: 'a', port: 99999, weight: -2 }] }] } };
    const res = await f.request('POST', HTTPROUTES, { body: JSON.stringify(body), contentType: 'application/json' });
    assert.equal(res.status, 422);
    const status = res.json();
    assert.equal(status.reason, 'Invalid');
    assert.equal(status.details.kind, 'HTTPRoute');
    const fields = status.details.causes.map((c: { field: string; reason: string }) => `${c.field}:${c.reason}`);
    assert.ok(fields.includes('spec.rules[0].backendRefs[0].weight:FieldValueInvalid'), fields.join());
    assert.ok(fields.includes('spec.rules[0].backendRefs[0].port:FieldValueInvalid'), fields.join());
    assert.ok(!routes().includes('bad'));
  });

  test('schema defaults are applied', async () => {
    const body = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'defaults' }, spec: { rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] } };
    const res = await f.request('POST', HTTPROUTES, { body: JSON.stringify(body), contentType: 'application/json' });
    assert.equal(res.status, 201, res.text);
    const ref = res.json().spec.rules[0].backendRefs[0];
    assert.equal(ref.weight, 1);
    assert.equal(ref.kind, 'Service');
    assert.deepEqual(res.json().spec.rules[0].matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
  });

  test('a multi-document apply keeps the valid documents and rejects the invalid one', async () => {
    const r = await f.kubectl(['apply', '-f', '-'], { input: m.docs(m.configMap('x', 'multi-a'), m.httpRoute({ name: 'multi-bad', w2: -3 }), m.trafficSplit(10, 'multi-ts')) });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /configmap\/multi-a created/);
    assert.match(r.stdout, /trafficsplit\.split\.smi-spec\.io\/multi-ts created/);
    assert.match(r.stderr, /The HTTPRoute "multi-bad" is invalid: spec\.rules\[0\]\.backendRefs\[1\]\.weight/);
    assert.ok(!routes().includes('multi-bad'));
  });

  test('an invalid update leaves the stored object as it was', async () => {
    await f.kubectl(['apply', '-f', '-'], { input: m.httpRoute({ name: 'stable' }) });
    const before = f.api.get(f.api.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'stable');
    const r = await f.kubectl(['apply', '-f', '-'], { input: m.httpRoute({ name: 'stable', w1: 5, w2: -1, extra: '  hostnames: ["new.example"]\n' }) });
    assert.notEqual(r.code, 0);
    const afterwards = f.api.get(f.api.type('gateway.networking.k8s.io', 'httproutes'), 'default', 'stable');
    assert.deepEqual(afterwards, before);
  });
});

describe('unknown fields', () => {
  test('kubectl (Strict by default) gets a strict decoding error', async () => {
    const r = await f.kubectl(['apply', '-f', '-'], { input: m.httpRoute({ name: 'strict', extra: '  foo: 1\n' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /strict decoding error: unknown field "spec\.foo"/);
    const d = await f.kubectl(['apply', '-f', '-'], { input: m.deployment({ name: 'strict' }).replace('  replicas: 2', '  replicas: 2\n  foo: bar') });
    assert.match(d.stderr, /Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.foo"/);
  });

  test('Warn drops the field and says so in a Warning header; Ignore drops it silently', async () => {
    const body = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, spec: { foo: 1 } });
    const warn = await f.request('POST', `${CONFIGMAPS}?fieldValidation=Warn`, { body: body('warned'), contentType: 'application/json' });
    assert.equal(warn.status, 201, warn.text);
    assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"spec\\""');
    assert.equal(warn.json().spec, undefined);
    const ignore = await f.request('POST', `${CONFIGMAPS}?fieldValidation=Ignore`, { body: body('ignored'), contentType: 'application/json' });
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.get('warning'), null);
    const strict = await f.request('POST', `${CONFIGMAPS}?fieldValidation=Strict`, { body: body('strict'), contentType: 'application/json' });
    assert.equal(strict.status, 400);
    assert.match(strict.json().message, /strict decoding error: unknown field "spec"/);
  });

  test('kubectl --validate=warn prints the warning', async () => {
    const r = await f.kubectl(['apply', '--validate=warn', '-f', '-'], { input: m.httpRoute({ name: 'warned', extra: '  foo: 1\n' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: unknown field "spec\.foo"/);
  });
});

describe('built-in kinds', () => {
  test('a Deployment whose selector does not match its template is 422', async () => {
    const r = await f.kubectl(['apply', '-f', '-'], { input: m.deployment({ name: 'mismatch' }).replace('labels: {app: reviews, version: v1}', 'labels: {app: other}') });
    assert.match(r.stderr, /The Deployment "mismatch" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
  });

  test('container image and port range, and DNS names', async () => {
    const bad = m.deployment({ name: 'Bad_Name' }).replace('containerPort: 9080', 'containerPort: 70000').replace(/        image: .*\n/, '');
    const res = await f.request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: bad, contentType: 'application/yaml' });
    assert.equal(res.status, 422, res.text);
    const causes = res.json().details.causes.map((c: { field: string }) => c.field);
    assert.ok(causes.includes('metadata.name'), causes.join());
    assert.ok(causes.includes('spec.template.spec.containers[0].image'), causes.join());
    assert.ok(causes.includes('spec.template.spec.containers[0].ports[0].containerPort'), causes.join());
    assert.match(res.json().message, /^Deployment\.apps "Bad_Name" is invalid: \[/);
  });

  test('a Service without ports is 422', async () => {
    const res = await f.request('POST', '/api/v1/namespaces/default/services', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'noports' }, spec: { selector: { app: 'x' } } }), contentType: 'application/json' });
    assert.equal(res.status, 422);
    assert.match(res.json().message, /spec\.ports: Required value/);
  });
});

describe('malformed requests', () => {
  test('malformed JSON and YAML bodies are 400', async () => {
    const json = await f.request('POST', CONFIGMAPS, { body: '{"apiVersion": "v1", "kind": ', contentType: 'application/json' });
    assert.equal(json.status, 400);
    assert.equal(json.json().reason, 'BadRequest');
    const yaml = await f.request('POST', CONFIGMAPS, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n', contentType: 'application/yaml' });
    assert.equal(yaml.status, 400);
    assert.equal(yaml.json().kind, 'Status');
  });

  test('YAML bodies are accepted', async () => {
    const res = await f.request('POST', CONFIGMAPS, { body: m.configMap('y', 'from-yaml'), contentType: 'application/yaml' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json().data.mode, 'y');
  });

  test('an unsupported Content-Type is 415', async () => {
    const res = await f.request('POST', CONFIGMAPS, { body: 'x', contentType: 'text/plain' });
    assert.equal(res.status, 415);
    assert.equal(res.json().reason, 'UnsupportedMediaType');
  });

  test('a name differing from the URL is 400; so is another namespace', async () => {
    const put = await f.request('PUT', `${CONFIGMAPS}/settings`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'different' } }), contentType: 'application/json' });
    assert.equal(put.status, 400);
    assert.match(put.json().message, /does not match the name on the URL/);
    const ns = await f.request('POST', CONFIGMAPS, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'other' } }), contentType: 'application/json' });
    assert.equal(ns.status, 400);
    assert.equal(ns.json().message, 'the namespace of the provided object does not match the namespace sent on the request');
  });

  test('creating in a missing namespace is 404; creating twice is 409', async () => {
    const missing = await f.request('POST', '/api/v1/namespaces/nowhere/configmaps', { body: m.configMap('a', 'x'), contentType: 'application/yaml' });
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'namespaces "nowhere" not found');
    const twice = await f.request('POST', CONFIGMAPS, { body: m.configMap('a', 'from-yaml'), contentType: 'application/yaml' });
    assert.equal(twice.status, 409);
    assert.equal(twice.json().reason, 'AlreadyExists');
  });

  test('dryRun=All validates and returns the object without storing it', async () => {
    const res = await f.request('POST', `${CONFIGMAPS}?dryRun=All`, { body: m.configMap('a', 'dry'), contentType: 'application/yaml' });
    assert.equal(res.status, 201);
    assert.ok(res.json().metadata.uid);
    assert.equal(f.api.tryGet(f.api.type('', 'configmaps'), 'default', 'dry'), undefined);
  });
});
