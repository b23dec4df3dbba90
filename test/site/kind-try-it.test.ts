// The kind try-it's pure parts: Kubernetes field paths → YAML lines (Status causes, the playground's
// `manifest[i]` fields, strict-decoding messages, syntax errors, several documents), the copy Undo re-applies,
// status conditions per route parent, the request target an object implies, and pod → Deployment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsInMessage, locateServerErrors, parseFieldPath } from '../../site/src/islands/kind-try-it-lines.ts';
import { editorSchema } from '../../site/src/lib/kind-try-it/editor-schema.ts';
import { conditionsOf, intendedSplits, requestTargetOf, resourceName, restorable, tally, targetUrl, workloadOfPod } from '../../site/src/islands/kind-try-it-model.ts';

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: reviews
  labels:
    app.kubernetes.io/name: reviews
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: reviews
    port: 9080
  rules:
  - backendRefs:
    - name: reviews-v1
      port: 9080
      weight: 90
    - name: reviews-v2
      port: 9080
      weight: -1
`;
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

test('field paths parse as Kubernetes prints them: indices, dotted map keys in brackets, a leading dot', () => {
  assert.deepEqual(parseFieldPath('spec.rules[0].backendRefs[1].weight'), ['spec', 'rules', 0, 'backendRefs', 1, 'weight']);
  assert.deepEqual(parseFieldPath('.metadata.labels[app.kubernetes.io/name]'), ['metadata', 'labels', 'app.kubernetes.io/name']);
  assert.deepEqual(parseFieldPath("metadata.annotations['a.b/c']"), ['metadata', 'annotations', 'a.b/c']);
  assert.deepEqual(parseFieldPath('spec.rules[0][1]'), ['spec', 'rules', 0, 1]);
});

test('a Status cause lands on the line of the field it names (the value\'s line, not its parent\'s)', () => {
  const err = {
    message: 'HTTPRoute "reviews": HTTPRoute.gateway.networking.k8s.io "reviews" is invalid: spec.rules[0].backendRefs[1].weight: Invalid value: -1: should be greater than or equal to 0',
    details: { object: 'HTTPRoute "reviews"', kubernetes: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.rules[0].backendRefs[1].weight', message: 'Invalid value: -1: should be greater than or equal to 0' }] } },
  };
  const located = locateServerErrors(ROUTE, err);
  assert.equal(located.length, 1);
  assert.equal(located[0].line, 20);
  assert.equal(lineOf(ROUTE, 'weight: -1'), 20);
  assert.equal(located[0].field, 'spec.rules[0].backendRefs[1].weight');
  assert.match(located[0].message, /greater than or equal to 0/);
  // A block value (a mapping or list) is reported at its key's line.
  const parents = locateServerErrors(ROUTE, { message: 'x', details: { kubernetes: { causes: [{ field: 'spec.parentRefs', message: 'Too many' }, { field: 'metadata.labels[app.kubernetes.io/name]', message: 'bad' }] } } });
  assert.deepEqual(parents.map((p) => p.line), [lineOf(ROUTE, 'parentRefs:'), lineOf(ROUTE, 'app.kubernetes.io/name')]);
});

test('a missing field points at its nearest existing ancestor; unknown fields come from the strict-decoding message', () => {
  const missing = locateServerErrors(ROUTE, { message: 'x', details: { kubernetes: { causes: [{ field: 'spec.rules[0].backendRefs[0].filters[0].type', message: 'Required value' }] } } });
  assert.equal(missing[0].line, lineOf(ROUTE, '- name: reviews-v1'));
  assert.deepEqual(fieldsInMessage('strict decoding error: unknown field "spec.rules[0].backendRefs[0].wieght", unknown field "spec.foo"'), ['spec.rules[0].backendRefs[0].wieght', 'spec.foo']);
  const typo = ROUTE.replace('      weight: 90', '      wieght: 90');
  const unknown = locateServerErrors(typo, { message: 'HTTPRoute "reviews": strict decoding error: unknown field "spec.rules[0].backendRefs[0].wieght"', details: { object: 'HTTPRoute "reviews"' } });
  assert.deepEqual(unknown.map((u) => u.line), [lineOf(typo, 'wieght')]);
});

test('the playground\'s manifest[i] fields and YAML syntax errors pick the right document and line', () => {
  const two = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n${ROUTE}`;
  const offset = 5;
  const fields = locateServerErrors(two, { message: 'invalid', details: { fields: [{ field: 'manifest[1].metadata.name', message: 'is required' }, { field: 'manifest[0].kind', message: 'unknown' }] } });
  assert.deepEqual(fields.map((f) => f.line), [offset + lineOf(ROUTE, 'name: reviews'), 2]);
  // A cause about the second document (details.object names it) is placed in that document, not the first.
  const second = locateServerErrors(two, { message: 'x', details: { object: 'HTTPRoute "reviews"', kubernetes: { causes: [{ field: 'spec.rules[0].backendRefs[1].weight', message: 'bad' }] } } });
  assert.equal(second[0].line, offset + 20);
  const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n';
  const syntax = locateServerErrors(broken, { message: 'invalid', details: { fields: [{ field: 'manifest[0]', message: 'not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 5, column 1:' }] } });
  assert.equal(syntax[0].line, 5);
  // Nothing to go on: line 1, the message kept.
  assert.deepEqual(locateServerErrors(ROUTE, { message: 'the cluster is unreachable' }), [{ line: 1, message: 'the cluster is unreachable' }]);
});

test('Undo\'s copy drops status and server-owned metadata; resource names carry the group', () => {
  const live = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'pg-x', uid: 'u', resourceVersion: '7', generation: 2, creationTimestamp: 't', managedFields: [{}], labels: { a: 'b' } }, spec: { rules: [] }, status: { parents: [] } };
  assert.deepEqual(restorable(live), { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', labels: { a: 'b' } }, spec: { rules: [] } });
  assert.equal(live.metadata.uid, 'u', 'the live object is left alone');
  assert.equal(resourceName('gateway.networking.k8s.io/v1', 'httproutes'), 'httproutes.gateway.networking.k8s.io');
  assert.equal(resourceName('v1', 'Service'), 'service');
});

test('conditions are read per route parent and marked stale until the controller saw the generation', () => {
  const route = {
    metadata: { generation: 3 },
    status: { parents: [{ parentRef: { kind: 'Service', name: 'reviews', port: 9080 }, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: 3 }, { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', observedGeneration: 2 }] }] },
  };
  assert.deepEqual(conditionsOf(route).map((c) => [c.parent, `${c.type}=${c.status}`, c.current]), [['Service reviews:9080', 'Accepted=True', true], ['Service reviews:9080', 'ResolvedRefs=True', false]]);
  assert.deepEqual(conditionsOf({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }).map((c) => `${c.parent}|${c.type}=${c.status}`), ['|Ready=False']);
  assert.deepEqual(conditionsOf({}), []);
});

test('the request that shows an object\'s effect, and the Deployment that served it', () => {
  const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }] }] } };
  assert.equal(targetUrl(requestTargetOf(route)!), 'http://reviews:9080/reviews');
  assert.deepEqual(requestTargetOf({ ...route, spec: { parentRefs: [{ kind: 'Gateway', name: 'gw' }] } }), undefined, 'a north-south route has no in-mesh target');
  assert.deepEqual(requestTargetOf({ apiVersion: 'split.smi-spec.io/v1alpha4', kind: 'TrafficSplit', spec: { service: 'reviews.pg-x.svc.cluster.local' } }), { host: 'reviews', path: '/reviews/0' });
  assert.deepEqual(requestTargetOf({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', spec: { hosts: ['my-app'] } }), { host: 'my-app', path: '/' });
  // A route without a path match is exercised on a path the sample app answers.
  assert.equal(targetUrl(requestTargetOf({ ...route, spec: { ...route.spec, rules: [{}] } })!), 'http://reviews:9080/reviews/0');
  const pod = { metadata: { name: 'reviews-v1-5f6c7-xk2lp', labels: { 'pod-template-hash': '5f6c7' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'reviews-v1-5f6c7' }] } };
  assert.equal(workloadOfPod(pod), 'reviews-v1');
  assert.equal(workloadOfPod({ metadata: { name: 'bare' } }), 'bare');
  assert.deepEqual(tally(['a', 'b', 'a', null]), [['a', 2], ['b', 1], ['not reported', 1]]);
});

test('the split an object asks for, as shares: route weights are proportional and default to 1', () => {
  const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', spec: { rules: [{ backendRefs: [{ name: 'a', weight: 90 }, { name: 'b', weight: 30 }] }, { backendRefs: [{ name: 'c' }] }, { backendRefs: [{ name: 'd' }, { name: 'e' }] }] } };
  assert.deepEqual(intendedSplits(route), [{ rule: 'rule 1', shares: [['a', 75], ['b', 25]] }, { rule: 'rule 3', shares: [['d', 50], ['e', 50]] }]);
  assert.deepEqual(intendedSplits({ kind: 'TrafficSplit', spec: { backends: [{ service: 'v1', weight: 0 }, { service: 'v2', weight: 0 }] } }), [{ rule: 'backends', shares: [['v1', 0], ['v2', 0]] }]);
  assert.deepEqual(intendedSplits({ kind: 'ConfigMap' }), []);
});

test('the editor schema of a kind: plain JSON Schema, apiVersion pinned to its served versions, no status', () => {
  const schema = editorSchema({
    group: 'example.io',
    kind: 'Widget',
    versions: [{ name: 'v1' }, { name: 'v1beta1' }],
    schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'true' }], properties: { port: { 'x-kubernetes-int-or-string': true }, 'x-kubernetes-name': { type: 'string' } } }, status: { type: 'object' } } },
  }) as { properties: Record<string, { enum?: string[]; const?: string; properties?: Record<string, unknown> }> };
  assert.deepEqual(schema.properties.apiVersion.enum, ['example.io/v1', 'example.io/v1beta1']);
  assert.equal(schema.properties.kind.const, 'Widget');
  assert.equal(schema.properties.status, undefined);
  assert.deepEqual(schema.properties.spec, { type: 'object', properties: { port: { anyOf: [{ type: 'integer' }, { type: 'string' }] }, 'x-kubernetes-name': { type: 'string' } } });
});
