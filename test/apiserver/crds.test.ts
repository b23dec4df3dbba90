// CustomResourceDefinitions a user creates, with the real kubectl: the kind is served once the CRD is
// Established, its custom resources are validated, defaulted and pruned by the CRD's schema, printed with its
// printer columns and explained from the OpenAPI documents; updating the CRD takes effect and deleting it
// removes its objects and its discovery. Invalid CRDs, name conflicts and learners are refused as upstream.
import { after, before, describe, test } from 'node:test';
import { readJsonLines } from '../../playground-server/kube/stream-lines.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { startFixture, ADMIN_TOKEN, SCOPED_TOKEN, type Fixture } from './fixture.js';
import { GarbageCollector } from '../../sandbox/controllers/garbage-collector.js';

const SAMPLE_CONTROLLER = new URL('../fixtures/upstream/sample-controller/', import.meta.url);
const upstream = (file: string) => readFileSync(new URL(file, SAMPLE_CONTROLLER), 'utf8');

let f: Fixture;
before(async () => {
  f = await startFixture({ namespaces: ['default', 'team-a'] });
});
after(() => f.close());

const widgetsCrd = (extraColumn = '', extraVersion = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
${extraColumn}    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What a widget should be.
            required: [size]
            properties:
              replicas: {type: integer, minimum: 0, default: 1, description: How many copies of the widget to keep running.}
              size: {type: string, enum: [small, large]}
              color: {type: string, pattern: '^#[0-9a-f]{6}$'}
              labels: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              ready: {type: boolean}
              replicas: {type: integer}
${extraVersion}`;

const widget = (name: string, spec: string) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await f.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function refused(args: string[], input?: string): Promise<string> {
  const r = await f.kubectl(args, { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
}

describe('a CustomResourceDefinition a user applies', () => {
  // These steps build on each other (one CRD through its life), in order.
  before(async () => {
    assert.match(await ok(['apply', '-f', '-'], widgetsCrd()), /customresourcedefinition.apiextensions.k8s.io\/widgets.example.com created/);
  });

  test('becomes Established, with upstream conditions and accepted names', async () => {
    assert.match(await ok(['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=20s']), /condition met/);
    const crd = JSON.parse(await ok(['get', 'crd', 'widgets.example.com', '-o', 'json']));
    const byType = Object.fromEntries(crd.status.conditions.map((c: any) => [c.type, [c.status, c.reason, c.message]]));
    assert.deepEqual(byType.NamesAccepted, ['True', 'NoConflicts', 'no conflicts found']);
    assert.deepEqual(byType.Established, ['True', 'InitialNamesAccepted', 'the initial names have been accepted']);
    assert.deepEqual(crd.status.acceptedNames, { plural: 'widgets', singular: 'widget', shortNames: ['wd'], kind: 'Widget', listKind: 'WidgetList' });
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.equal(crd.spec.conversion.strategy, 'None');
  });

  test('is served: api-resources, discovery and the OpenAPI v3 root list it', async () => {
    assert.match(await ok(['api-resources', '--api-group=example.com']), /widgets\s+wd\s+example.com\/v1\s+true\s+Widget/);
    const groups = (await f.request('GET', '/apis')).json();
    assert.ok(groups.groups.some((g: any) => g.name === 'example.com'));
    const v3 = (await f.request('GET', '/openapi/v3')).json();
    assert.ok(v3.paths['apis/example.com/v1'], 'openapi v3 lists apis/example.com/v1');
  });

  test('custom resources are created and printed with the printer columns', async () => {
    await ok(['apply', '-f', '-'], widget('small-one', '{size: small, replicas: 3}'));
    assert.match(await ok(['get', 'widgets']), /NAME\s+REPLICAS\s*\n\s*small-one\s+3\s*\n/);
    assert.match(await ok(['get', 'wd', 'small-one', '-o', 'jsonpath={.spec.size}']), /^small$/);
  });

  test('a value of the wrong type is refused as upstream words it', async () => {
    const err = await refused(['apply', '-f', '-'], widget('bad', '{size: small, replicas: "three"}'));
    assert.match(err, /The Widget "bad" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"/);
  });

  test('enums, patterns, minimum and required are enforced', async () => {
    const err = await refused(['apply', '-f', '-'], widget('bad2', "{size: huge, replicas: -1, color: 'red'}"));
    assert.match(err, /spec.size: Unsupported value: "huge": supported values: "small", "large"/);
    assert.match(err, /spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0/);
    assert.match(err, /spec.color: Invalid value: "red": spec.color in body should match '\^#\[0-9a-f\]\{6\}\$'/);
    const missing = await refused(['apply', '-f', '-'], widget('bad3', '{replicas: 1}'));
    assert.match(missing, /spec.size: Required value/);
  });

  test('an unknown field is refused under strict validation (kubectl\'s default)', async () => {
    const err = await refused(['apply', '-f', '-'], widget('typo', '{size: small, colour: red}'));
    assert.match(err, /Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"/);
  });

  test('unknown fields are pruned, preserved where the schema says so, and defaults applied', async () => {
    await ok(['apply', '--validate=false', '-f', '-'], widget('pruned', '{size: large, bogus: 1, labels: {anything: goes}}'));
    const stored = JSON.parse(await ok(['get', 'widget', 'pruned', '-o', 'json']));
    assert.deepEqual(stored.spec, { size: 'large', replicas: 1, labels: { anything: 'goes' } });
  });

  test('the status subresource: status in a main-resource write is ignored', async () => {
    await ok(['apply', '-f', '-'], widget('with-status', '{size: small}') + 'status: {ready: true}\n');
    const stored = JSON.parse(await ok(['get', 'widget', 'with-status', '-o', 'json']));
    assert.equal(stored.status, undefined);
    const res = await f.request('PUT', '/apis/example.com/v1/namespaces/default/widgets/with-status/status', {
      body: JSON.stringify({ ...stored, status: { ready: true } }),
      contentType: 'application/json',
    });
    assert.equal(res.status, 200, res.text);
    assert.match(await ok(['get', 'widget', 'with-status', '-o', 'jsonpath={.status.ready}']), /^true$/);
  });

  test('the scale subresource: kubectl scale writes spec.replicas through it', async () => {
    assert.match(await ok(['scale', 'widget', 'small-one', '--replicas=5']), /widget.example.com\/small-one scaled/);
    assert.match(await ok(['get', 'widget', 'small-one', '-o', 'jsonpath={.spec.replicas}']), /^5$/);
    const scale = (await f.request('GET', '/apis/example.com/v1/namespaces/default/widgets/small-one/scale')).json();
    assert.deepEqual([scale.kind, scale.spec.replicas, scale.status.replicas], ['Scale', 5, 0]);
    await ok(['scale', 'widget', 'small-one', '--replicas=3']);
  });

  test('kubectl explain prints the field descriptions of the schema', async () => {
    const kind = await ok(['explain', 'widgets']);
    assert.match(kind, /KIND:\s+Widget/);
    assert.match(kind, /spec\s+<Object>/);
    assert.match(kind, /apiVersion\s+<string>\n\s+APIVersion defines the versioned schema of this representation of an object/);
    const field = await ok(['explain', 'widget.spec.replicas']);
    assert.match(field, /FIELD: replicas <integer>/);
    assert.match(field, /How many copies of the widget to keep running\./);
  });

  test('an update of the CRD takes effect: a new printer column, a new version, a new schema field', async () => {
    const v2 = `  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: string}, replicas: {type: integer}, owner: {type: string}}}
`;
    await ok(['apply', '-f', '-'], widgetsCrd('    - {name: Size, type: string, jsonPath: .spec.size}\n', v2));
    assert.match(await ok(['get', 'widgets', 'small-one']), /NAME\s+REPLICAS\s+SIZE\s*\n\s*small-one\s+3\s+small/);
    assert.match(await ok(['get', 'widgets.v2.example.com', 'small-one', '-o', 'jsonpath={.apiVersion}']), /^example.com\/v2$/);
    const applied = await f.kubectl(['apply', '-f', '-'], { input: 'apiVersion: example.com/v2\nkind: Widget\nmetadata: {name: owned}\nspec: {size: small, owner: ops}\n' });
    assert.equal(applied.code, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /deprecated/);
    assert.match(await ok(['get', 'widgets.v2.example.com', 'owned', '-o', 'jsonpath={.spec.owner}']), /^ops$/);
    const crd = JSON.parse(await ok(['get', 'crd', 'widgets.example.com', '-o', 'json']));
    assert.equal(crd.metadata.generation, 2);
    // A deprecated version warns, pointing at the newer one (upstream's default deprecation warning).
    await ok(['apply', '-f', '-'], widgetsCrd('    - {name: Size, type: string, jsonPath: .spec.size}\n', v2).replace('    served: true\n    storage: true\n', '    served: true\n    storage: true\n    deprecated: true\n'));
    const listed = await f.kubectl(['get', 'widgets.v1.example.com']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /Warning: example.com\/v1 Widget is deprecated; use example.com\/v2 Widget/);
    // What clients rely on is frozen once Established.
    const err = await refused(['apply', '-f', '-'], widgetsCrd('', v2).replace('scope: Namespaced', 'scope: Cluster'));
    assert.match(err, /spec.scope: Invalid value: "Cluster": field is immutable/);
  });

  test('a second CRD claiming a kind already in use is not accepted (KindConflict) and not served', async () => {
    await ok(['apply', '-f', '-'], widgetsCrd().replace(/widgets/g, 'gizmos').replace('singular: widget', 'singular: gizmo').replace('shortNames: [wd]', 'shortNames: [gz], listKind: GizmoList'));
    const status = await waitFor(async () => {
      const crd = JSON.parse(await ok(['get', 'crd', 'gizmos.example.com', '-o', 'json']));
      return crd.status.conditions?.length ? crd.status : undefined;
    });
    const byType = Object.fromEntries(status.conditions.map((c: any) => [c.type, [c.status, c.reason, c.message]]));
    assert.deepEqual(byType.NamesAccepted, ['False', 'KindConflict', '"Widget" is already in use']);
    assert.deepEqual(byType.Established, ['False', 'NotAccepted', 'not all names are accepted']);
    assert.doesNotMatch(await ok(['api-resources', '--api-group=example.com']), /gizmos/);
    await ok(['delete', 'crd', 'gizmos.example.com']);
  });

  test('deleting the CRD deletes its custom resources and removes the kind from discovery', async () => {
    // One instance holds a finalizer of its own: the CRD waits, Terminating, with the cleanup finalizer.
    const widgets = f.api.registry.get('example.com', 'widgets');
    const held = f.api.get(widgets, 'default', 'small-one');
    f.api.update(widgets, { ...held, metadata: { ...held.metadata, finalizers: ['example.com/hold'] } });
    assert.match(await ok(['delete', 'crd', 'widgets.example.com', '--wait=false']), /deleted/);
    const terminating = await waitFor(async () => {
      const crd = JSON.parse(await ok(['get', 'crd', 'widgets.example.com', '-o', 'json']));
      const t = crd.status.conditions.find((c: any) => c.type === 'Terminating');
      return t?.reason === 'InstanceDeletionInProgress' ? crd : undefined;
    });
    assert.deepEqual(terminating.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
    assert.ok(terminating.metadata.deletionTimestamp);
    // As upstream: still served for reads and deletes, but creates are refused.
    const resources = (await f.request('GET', '/apis/example.com/v1')).json().resources;
    assert.deepEqual(resources.find((r: any) => r.name === 'widgets').verbs, ['delete', 'deletecollection', 'get', 'list', 'watch']);
    assert.match(await ok(['get', 'widgets']), /small-one/);
    const createErr = await refused(['create', '-f', '-'], widget('late', '{size: small}'));
    assert.match(createErr, /widgets.example.com "late" is forbidden: create not allowed while custom resource definition is terminating/);
    const last = f.store.get(widgets, 'default', 'small-one');
    assert.ok(last.metadata.deletionTimestamp);
    f.store.update(widgets, { ...last, metadata: { ...last.metadata, finalizers: [] } });
    await ok(['wait', '--for=delete', 'crd/widgets.example.com', '--timeout=20s']);
    const remaining = f.store.list({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: true, shortNames: [], categories: [], verbs: [], subresources: {} }).items;
    assert.deepEqual(remaining, []);
    assert.equal((await f.request('GET', '/apis/example.com/v1')).status, 404);
    assert.equal((await f.request('GET', '/apis/example.com/v1/namespaces/default/widgets')).status, 404);
    assert.doesNotMatch(await ok(['api-resources']), /widgets/);
    assert.match(await refused(['get', 'crd', 'widgets.example.com']), /NotFound/);
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, tries = 50): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

describe("an upstream CRD (kubernetes/sample-controller's Foo, vendored unchanged)", () => {
  test('is accepted, Established, and its example object is served and validated', async () => {
    const crdPath = f.file('foo-crd.yaml', upstream('crd-status-subresource.yaml'));
    assert.match(await ok(['apply', '-f', crdPath]), /foos.samplecontroller.k8s.io created/);
    await ok(['wait', '--for', 'condition=established', 'crd/foos.samplecontroller.k8s.io', '--timeout=20s']);
    assert.match(await ok(['apply', '-f', f.file('example-foo.yaml', upstream('example-foo.yaml'))]), /foo.samplecontroller.k8s.io\/example-foo created/);
    assert.match(await ok(['get', 'foos']), /example-foo/);
    const err = await refused(['patch', 'foo', 'example-foo', '--type=merge', '-p', '{"spec":{"replicas":11}}']);
    assert.match(err, /The Foo "example-foo" is invalid: spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/);
    await ok(['delete', '-f', crdPath, '--timeout=20s']);
    assert.equal(f.api.registry.types.some((t) => t.group === 'samplecontroller.k8s.io'), false);
  });
});

/** Watch events of `path` until one satisfies `done` (bounded: 20 s); the request is closed after. */
function watchUntil(path: string, done: (e: { type: string; object: any }) => boolean): { events: Promise<{ type: string; object: any }[]> } {
  const events: { type: string; object: any }[] = [];
  return {
    events: new Promise((resolve, reject) => {
      const req = https.get(f.url + path, { ca: f.ca, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
        void (async () => {
          try {
            for await (const e of readJsonLines<{ type: string; object: any }>(res)) {
              events.push(e);
              if (done(e)) {
                clearTimeout(deadline);
                req.destroy();
                resolve(events);
                return;
              }
            }
          } catch {
            // destroyed above, or by the deadline
          }
        })();
      });
      const deadline = setTimeout(() => {
        req.destroy();
        reject(new Error(`watch ended without the awaited event: ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`));
      }, 20_000);
      req.on('error', () => undefined);
    }),
  };
}

describe('watching CustomResourceDefinitions', () => {
  test('a watch sees a CRD added, its status written by the server, and its deletion', async () => {
    const rv = (await f.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).json().metadata.resourceVersion;
    const name = 'blobs.example.com';
    const w = watchUntil(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&resourceVersion=${rv}`, (e) => e.type === 'DELETED' && e.object.metadata.name === name);
    await ok(['apply', '-f', '-'], widgetsCrd().replace(/widgets/g, 'blobs').replace('singular: widget', 'singular: blob').replace('kind: Widget', 'kind: Blob').replace('shortNames: [wd]', 'shortNames: []'));
    await ok(['wait', '--for', 'condition=established', `crd/${name}`, '--timeout=20s']);
    await ok(['delete', 'crd', name, '--timeout=20s']);
    const mine = (await w.events).filter((e) => e.object.metadata.name === name);
    assert.equal(mine[0].type, 'ADDED');
    assert.ok(mine.some((e) => e.type === 'MODIFIED' && e.object.status.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True')));
    assert.ok(mine.some((e) => e.type === 'MODIFIED' && e.object.metadata.finalizers?.includes('customresourcecleanup.apiextensions.k8s.io')));
    assert.equal(mine[mine.length - 1].type, 'DELETED');
  });
});

describe('custom resources as owners', () => {
  test('the garbage collector deletes the dependents of a deleted custom resource (a kind defined after it started)', async () => {
    const gc = new GarbageCollector(f.api);
    gc.start();
    try {
      await ok(['apply', '-f', '-'], widgetsCrd().replace(/widgets/g, 'pets').replace('singular: widget', 'singular: pet').replace('kind: Widget', 'kind: Pet').replace('shortNames: [wd]', 'shortNames: []'));
      await ok(['wait', '--for', 'condition=established', 'crd/pets.example.com', '--timeout=20s']);
      await ok(['apply', '-f', '-'], 'apiVersion: example.com/v1\nkind: Pet\nmetadata: {name: rex}\nspec: {size: small}\n');
      const pet = JSON.parse(await ok(['get', 'pet', 'rex', '-o', 'json']));
      const configMaps = f.api.type('', 'configmaps');
      f.api.create(configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'rex-food', namespace: 'default', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Pet', name: 'rex', uid: pet.metadata.uid }] },
        data: { food: 'bones' },
      });
      await ok(['delete', 'pet', 'rex']);
      await waitFor(async () => (f.api.tryGet(configMaps, 'default', 'rex-food') ? undefined : true));
    } finally {
      gc.stop();
      await f.kubectl(['delete', 'crd', 'pets.example.com', '--timeout=20s']);
    }
  });
});

describe('invalid CustomResourceDefinitions are refused with upstream messages', () => {
  const crd = (body: string) => `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n${body}`;

  test('the name must be <plural>.<group>; exactly one storage version', async () => {
    const err = await refused(['apply', '-f', '-'], crd(`metadata: {name: things.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, kind: Gadget}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
  - {name: v2, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
`));
    assert.match(err, /The CustomResourceDefinition "things.example.com" is invalid/);
    assert.match(err, /metadata.name: Invalid value: "things.example.com": must be spec.names.plural\+"."\+spec.group/);
    assert.match(err, /spec.versions: Invalid value: .*must have exactly one version marked as storage version/);
  });

  test('a v1 CRD needs a structural schema, a valid scope and a group with a dot', async () => {
    const err = await refused(['apply', '-f', '-'], crd(`metadata: {name: gadgets.example}
spec:
  group: example
  scope: Global
  preserveUnknownFields: true
  names: {plural: gadgets, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {properties: {size: {type: string}}}}}}
  - {name: v2, served: true, storage: false}
`));
    assert.match(err, /spec.group: Invalid value: "example": should be a domain with at least one dot/);
    assert.match(err, /spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"/);
    assert.match(err, /spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].type: Required value: must not be empty for specified object fields/);
    assert.match(err, /spec.versions\[1\].schema.openAPIV3Schema: Required value/);
    assert.match(err, /spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions\[\*\].schema instead/);
  });

  test('a misspelt field is refused under strict validation, as for any built-in kind', async () => {
    const err = await refused(['apply', '-f', '-'], crd(`metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scop: Cluster
  names: {plural: gadgets, kind: Gadget}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
`));
    assert.match(err, /CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: strict decoding error: unknown field "spec.scop"/);
    assert.match(await ok(['explain', 'crd.spec.scope']), /Allowed values are `Cluster` and `Namespaced`/);
  });

  test('CEL rules (x-kubernetes-validations) are accepted with a warning that the sandbox does not evaluate them', async () => {
    const r = await f.kubectl(['apply', '-f', '-'], { input: crd(`metadata: {name: gauges.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gauges, kind: Gauge}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations: [{rule: "self.min <= self.max"}]
            properties: {min: {type: integer}, max: {type: integer}}
`) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: x-kubernetes-validations \(CEL\) rules are stored but not evaluated by the sandbox's API server \(spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\); a real cluster enforces them/);
    await ok(['delete', 'crd', 'gauges.example.com']);
  });

  test('a CRD in a Kubernetes-owned group needs the api-approved annotation', async () => {
    const err = await refused(['apply', '-f', '-'], crd(`metadata: {name: gadgets.things.k8s.io}
spec:
  group: things.k8s.io
  scope: Cluster
  names: {plural: gadgets, kind: Gadget}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
`));
    assert.match(err, /metadata.annotations\[api-approved.kubernetes.io\]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io"/);
  });

  test('a CRD whose plural is a built-in kind of its group is not accepted (PluralConflict)', async () => {
    await ok(['apply', '-f', '-'], crd(`metadata: {name: roles.rbac.authorization.k8s.io, annotations: {api-approved.kubernetes.io: 'unapproved, testing'}}
spec:
  group: rbac.authorization.k8s.io
  scope: Namespaced
  names: {plural: roles, kind: MyRole}
  versions:
  - {name: v9, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
`));
    const status = await waitFor(async () => {
      const c = JSON.parse(await ok(['get', 'crd', 'roles.rbac.authorization.k8s.io', '-o', 'json']));
      return c.status.conditions?.length ? c.status : undefined;
    });
    const names = status.conditions.find((c: any) => c.type === 'NamesAccepted');
    assert.deepEqual([names.status, names.reason, names.message], ['False', 'PluralConflict', '"roles" is already in use']);
    assert.equal((await f.request('GET', '/apis/rbac.authorization.k8s.io/v9')).status, 404);
    await ok(['delete', 'crd', 'roles.rbac.authorization.k8s.io']);
  });
});

describe('who may define kinds, and kinds that are not defined', () => {
  test('a learner (scoped token) cannot create a CRD: 403 Forbidden', async () => {
    const r = await f.kubectl(['create', '-f', '-'], { input: widgetsCrd().replace(/widgets/g, 'sneakies').replace('singular: widget', 'singular: sneaky').replace('kind: Widget', 'kind: Sneaky'), kubeconfig: f.scopedKubeconfig });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /customresourcedefinitions.apiextensions.k8s.io is forbidden: User "learner" cannot create resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope/);
    const res = await f.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { token: SCOPED_TOKEN, body: '{}', contentType: 'application/json' });
    assert.equal(res.status, 403);
    assert.equal(f.api.registry.types.some((t) => t.plural === 'sneakies'), false);
    // Nor delete or change the shipped ones.
    const del = await f.kubectl(['delete', 'crd', 'httproutes.gateway.networking.k8s.io'], { kubeconfig: f.scopedKubeconfig });
    assert.match(del.stderr, /User "learner" cannot delete resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope/);
    const patch = await f.request('PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutes.gateway.networking.k8s.io', { token: SCOPED_TOKEN, body: '{"spec":{"scope":"Cluster"}}', contentType: 'application/merge-patch+json' });
    assert.equal(patch.status, 403);
    assert.ok(f.api.registry.byResource('gateway.networking.k8s.io', 'v1', 'httproutes')?.namespaced);
  });

  test('applying a kind no CRD defines gives kubectl\'s "no matches for kind" (not an OpenAPI download error)', async () => {
    const err = await refused(['apply', '-f', '-'], 'apiVersion: nowhere.example.com/v1\nkind: Phantom\nmetadata: {name: p}\n');
    assert.match(err, /resource mapping not found for name: "p" namespace: "" from "STDIN": no matches for kind "Phantom" in version "nowhere.example.com\/v1"/);
    assert.match(err, /ensure CRDs are installed first/);
    assert.doesNotMatch(err, /openapi|mime/);
  });

  test('kubectl explain of built-in kinds prints their upstream kind description', async () => {
    const out = await ok(['explain', 'deployment']);
    assert.match(out, /DESCRIPTION:\n\s+Deployment enables declarative updates for Pods and ReplicaSets\./);
    assert.match(await ok(['explain', 'pod.metadata']), /Standard object's metadata/);
  });

  test('/openapi/v2 protobuf answers carry a Content-Type Go can parse', async () => {
    const res = await f.request('GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  });

  test('the shipped mesh CRDs are objects created at boot, Established', async () => {
    const crd = JSON.parse(await ok(['get', 'crd', 'httproutes.gateway.networking.k8s.io', '-o', 'json']));
    assert.ok(crd.metadata.uid);
    assert.equal(crd.status.conditions.find((c: any) => c.type === 'Established')?.status, 'True');
  });
});
