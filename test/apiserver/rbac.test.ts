// RBAC in the sandbox API server, as a learner meets it: the real kubectl with a ServiceAccount token from the
// TokenRequest API, Roles and bindings applied by the admin, and the authorizer's own error texts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, httpsRoundTrip, startFixture, type Fixture } from './fixture.js';
import { ClusterRoleAggregationController } from '../../sandbox/controllers/cluster-role-aggregation.js';
import { AddressPool, POD_CIDR, SERVICE_CIDR } from '../../sandbox/runtime/addresses.js';

const NS = 'pg-1';
const SA_USER = `system:serviceaccount:${NS}:learner`;
const SA_GROUPS = `["system:serviceaccounts" "system:serviceaccounts:${NS}" "system:authenticated"]`;

let f: Fixture;
let learner: string; // kubeconfig of ServiceAccount pg-1/learner, context namespace pg-1
let upstream: Server;
let upstreamPort: number;
let serviceListener: Server;
const upstreamSaw: string[] = [];
// Stand-ins for a node's assignments: the API server's proxy connects only to these (never to status.podIP).
const podPool = new AddressPool(POD_CIDR);
const servicePool = new AddressPool(SERVICE_CIDR);
const assigned = { podIP: '', clusterIP: '', uids: new Map<string, string>() };

/** A Role (kind Role in `ns`) from YAML text through the admin's kubectl, as an operator would apply it. */
async function apply(yaml: string, kubeconfig?: string) {
  return f.kubectl(['apply', '-f', '-'], { input: yaml, kubeconfig });
}

const role = (name: string, rules: string, ns = NS) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ${name}, namespace: ${ns}}
rules:
${rules}
`;
const binding = (name: string, roleKind: string, roleName: string, subject = `{kind: ServiceAccount, name: learner, namespace: ${NS}}`, ns = NS) => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ${name}, namespace: ${ns}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: ${roleName}}
subjects: [${subject}]
`;

before(async () => {
  await Promise.all([podPool.claimBlock(), servicePool.claimBlock()]);
  assigned.podIP = podPool.allocate();
  assigned.clusterIP = servicePool.allocate();
  f = await startFixture({
    namespaces: ['default', NS, 'other'],
    proxyTargets: {
      pod: (ns, name) => (name === 'web' && assigned.uids.has(ns) ? { podIP: assigned.podIP, uid: assigned.uids.get(ns)! } : undefined),
      service: (ns, name) => (name === 'web' && assigned.uids.has(ns) ? { clusterIP: assigned.clusterIP } : undefined),
    },
  });
  learner = (await f.serviceAccountKubeconfig(NS, 'learner')).kubeconfig;
  // A workload for the proxy subresources: a pod and a Service in pg-1 whose address is a local listener.
  upstream = createServer((req, res) => {
    upstreamSaw.push(`${req.method} ${req.url}`);
    res.end('hello from the pod');
  });
  await new Promise<void>((resolve) => upstream.listen(0, assigned.podIP, resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  serviceListener = createServer((req, res) => upstream.emit('request', req, res));
  await new Promise<void>((resolve) => serviceListener.listen(upstreamPort, assigned.clusterIP, resolve));
  for (const ns of [NS, 'other']) {
    const pods = f.api.type('', 'pods');
    const created = await apply(`apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  containers: [{name: app, image: x, ports: [{name: http, containerPort: ${upstreamPort}}]}]\n`);
    assert.equal(created.code, 0, created.stderr);
    const pod = f.api.get(pods, ns, 'web');
    assigned.uids.set(ns, pod.metadata.uid!);
    f.api.update(pods, { ...pod, status: { phase: 'Running', podIP: '127.0.0.1' } }, { subresource: 'status' });
    f.api.create(f.api.type('', 'services'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { clusterIP: assigned.clusterIP, ports: [{ name: 'http', port: upstreamPort }] } });
    f.api.create(f.api.type('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'allowed', namespace: ns }, data: { a: '1' } });
    f.api.create(f.api.type('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'private', namespace: ns }, data: { b: '2' } });
  }
});
after(async () => {
  upstream.closeAllConnections();
  serviceListener.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await new Promise((r) => serviceListener.close(r));
  await f.close();
  await Promise.all([podPool.close(), servicePool.close()]);
});

describe('a ServiceAccount token', () => {
  test('with no bindings is forbidden everything but discovery and self reviews, with the exact upstream text', async () => {
    const pods = await f.kubectl(['get', 'pods'], { kubeconfig: learner });
    assert.notEqual(pods.code, 0);
    assert.equal(pods.stderr.trim(), `Error from server (Forbidden): pods is forbidden: User "${SA_USER}" cannot list resource "pods" in API group "" in the namespace "${NS}"`);
    const one = await f.kubectl(['get', 'pod', 'web'], { kubeconfig: learner });
    assert.equal(one.stderr.trim(), `Error from server (Forbidden): pods "web" is forbidden: User "${SA_USER}" cannot get resource "pods" in API group "" in the namespace "${NS}"`);
    const nodes = await f.kubectl(['get', 'namespaces'], { kubeconfig: learner });
    assert.equal(nodes.stderr.trim(), `Error from server (Forbidden): namespaces is forbidden: User "${SA_USER}" cannot list resource "namespaces" in API group "" at the cluster scope`);
    // Discovery still works (system:discovery), so kubectl resolved the kinds above before being refused.
    const resources = await f.kubectl(['api-resources', '--api-group=apps', '-o', 'name'], { kubeconfig: learner });
    assert.equal(resources.code, 0, resources.stderr);
    assert.match(resources.stdout, /^deployments\.apps$/m);
    assert.equal((await f.kubectl(['auth', 'can-i', 'get', 'pods'], { kubeconfig: learner })).stdout, 'no\n');
  });

  test('a Role and RoleBinding grant exactly their rules, in their namespace only', async () => {
    assert.equal((await apply(role('pod-reader', '- {apiGroups: [""], resources: [pods], verbs: [get, list, patch, update]}') + '---\n' + binding('pod-reader', 'Role', 'pod-reader'))).code, 0);
    const own = await f.kubectl(['get', 'pods'], { kubeconfig: learner });
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /^web\s+/m);
    const elsewhere = await f.kubectl(['get', 'pods', '-n', 'other'], { kubeconfig: learner });
    assert.equal(elsewhere.stderr.trim(), `Error from server (Forbidden): pods is forbidden: User "${SA_USER}" cannot list resource "pods" in API group "" in the namespace "other"`);
    const all = await f.kubectl(['get', 'pods', '-A'], { kubeconfig: learner });
    assert.match(all.stderr, /cannot list resource "pods" in API group "" at the cluster scope/);
    const del = await f.kubectl(['delete', 'pod', 'web'], { kubeconfig: learner });
    assert.match(del.stderr, new RegExp(`pods "web" is forbidden: User "${SA_USER}" cannot delete resource "pods" in API group "" in the namespace "${NS}"`));
    const cm = await f.kubectl(['get', 'configmaps'], { kubeconfig: learner });
    assert.match(cm.stderr, /cannot list resource "configmaps"/);
    assert.ok(f.api.tryGet(f.api.type('', 'pods'), NS, 'web'), 'the refused delete deleted nothing');
  });

  test('pods/status is its own resource: a Role with pods lets a learner label a pod but not rewrite its status', async () => {
    const labelled = await f.kubectl(['label', 'pod', 'web', 'checked=yes'], { kubeconfig: learner });
    assert.equal(labelled.code, 0, labelled.stderr);
    // kubectl reads the subresource before patching it: already that is refused.
    const status = await f.kubectl(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"podIP":"127.0.0.2"}}'], { kubeconfig: learner });
    assert.notEqual(status.code, 0);
    assert.equal(status.stderr.trim(), `Error from server (Forbidden): pods "web" is forbidden: User "${SA_USER}" cannot get resource "pods/status" in API group "" in the namespace "${NS}"`);
    // The writes themselves, over REST with the same token.
    const { token } = await f.serviceAccountKubeconfig(NS, 'learner');
    const live = f.api.get(f.api.type('', 'pods'), NS, 'web');
    const body = JSON.stringify({ ...live, status: { ...(live.status as object), podIP: '127.0.0.2' } });
    const put = await f.request('PUT', `/api/v1/namespaces/${NS}/pods/web/status`, { token, body, contentType: 'application/json' });
    assert.equal(put.status, 403);
    assert.equal(put.json().message, `pods "web" is forbidden: User "${SA_USER}" cannot update resource "pods/status" in API group "" in the namespace "${NS}"`);
    const patch = await f.request('PATCH', `/api/v1/namespaces/${NS}/pods/web/status`, { token, body: '{"status":{"podIP":"127.0.0.2"}}', contentType: 'application/merge-patch+json' });
    assert.equal(patch.json().message, `pods "web" is forbidden: User "${SA_USER}" cannot patch resource "pods/status" in API group "" in the namespace "${NS}"`);
    const update = await f.request('PUT', `/api/v1/namespaces/${NS}/pods/web`, { token, body: JSON.stringify({ ...live, metadata: { ...live.metadata, annotations: { note: 'updated' } } }), contentType: 'application/json' });
    assert.equal(update.status, 200, update.text);
    const pod = f.api.get(f.api.type('', 'pods'), NS, 'web');
    assert.equal((pod.status as { podIP: string }).podIP, '127.0.0.1', 'status unchanged');
    assert.equal(pod.metadata.labels?.checked, 'yes');
    assert.equal(pod.metadata.annotations?.note, 'updated');
  });

  test('proxy subresources take their verb from the HTTP method; a refused proxy request never reaches the pod', async () => {
    const path = `/api/v1/namespaces/${NS}/pods/web:${upstreamPort}/proxy/hello`;
    const refused = await f.kubectl(['get', '--raw', path], { kubeconfig: learner });
    assert.equal(refused.stderr.trim(), `Error from server (Forbidden): pods "web:${upstreamPort}" is forbidden: User "${SA_USER}" cannot get resource "pods/proxy" in API group "" in the namespace "${NS}"`);
    assert.deepEqual(upstreamSaw, [], 'the listener saw no connection');
    assert.equal((await apply(role('proxy-get', '- {apiGroups: [""], resources: [pods/proxy, services/proxy], verbs: [get]}') + '---\n' + binding('proxy-get', 'Role', 'proxy-get'))).code, 0);
    const allowed = await f.kubectl(['get', '--raw', path], { kubeconfig: learner });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout, 'hello from the pod');
    const svc = await f.kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/services/web:http/proxy/svc`], { kubeconfig: learner });
    assert.equal(svc.stdout, 'hello from the pod');
    assert.deepEqual(upstreamSaw, ['GET /hello', 'GET /svc']);
    const post = await f.kubectl(['create', '--raw', path, '-f', f.file('body.json', '{}')], { kubeconfig: learner });
    assert.equal(post.stderr.trim(), `Error from server (Forbidden): pods "web:${upstreamPort}" is forbidden: User "${SA_USER}" cannot create resource "pods/proxy" in API group "" in the namespace "${NS}"`);
    const other = await f.kubectl(['get', '--raw', `/api/v1/namespaces/other/services/web:http/proxy/x`], { kubeconfig: learner });
    assert.match(other.stderr, /services "web:http" is forbidden: .* cannot get resource "services\/proxy" in API group "" in the namespace "other"/);
    assert.deepEqual(upstreamSaw, ['GET /hello', 'GET /svc'], 'the refused requests never reached the pod');
  });

  test('`*/scale` matches every kind\'s scale subresource; the verb of a scale write is update', async () => {
    f.api.create(f.api.type('apps', 'deployments'), {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: NS },
      spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'x' }] } } },
    });
    const { token } = await f.serviceAccountKubeconfig(NS, 'learner');
    const scalePath = `/apis/apps/v1/namespaces/${NS}/deployments/api/scale`;
    const denied = await f.request('GET', scalePath, { token });
    assert.equal(denied.json().message, `deployments.apps "api" is forbidden: User "${SA_USER}" cannot get resource "deployments/scale" in API group "apps" in the namespace "${NS}"`);
    f.grant(NS, 'scaler', [{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['get', 'patch'] }], { kind: 'ServiceAccount', name: 'learner' });
    assert.equal((await f.request('GET', scalePath, { token })).json().spec.replicas, 1);
    const dep = await f.kubectl(['get', 'deployment', 'api'], { kubeconfig: learner });
    assert.match(dep.stderr, /cannot get resource "deployments" in API group "apps"/, '*/scale is not the deployment itself');
    // kubectl scale reads the Deployment, then patches its scale.
    f.grant(NS, 'deployment-reader', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }], { kind: 'ServiceAccount', name: 'learner' });
    const scaled = await f.kubectl(['scale', 'deployment', 'api', '--replicas=3'], { kubeconfig: learner });
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal((f.api.get(f.api.type('apps', 'deployments'), NS, 'api').spec as { replicas: number }).replicas, 3);
    const put = await f.request('PUT', `/apis/apps/v1/namespaces/${NS}/deployments/api/scale`, { token, body: JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api', namespace: NS }, spec: { replicas: 1 } }), contentType: 'application/json' });
    assert.equal(put.json().message, `deployments.apps "api" is forbidden: User "${SA_USER}" cannot update resource "deployments/scale" in API group "apps" in the namespace "${NS}"`);
  });

  test('resourceNames: only the named objects, never a list', async () => {
    assert.equal((await apply(role('one-config', '- {apiGroups: [""], resources: [configmaps], resourceNames: [allowed], verbs: [get]}') + '---\n' + binding('one-config', 'Role', 'one-config'))).code, 0);
    const ok = await f.kubectl(['get', 'configmap', 'allowed', '-o', 'jsonpath={.data.a}'], { kubeconfig: learner });
    assert.equal(ok.stdout, '1', ok.stderr);
    const no = await f.kubectl(['get', 'configmap', 'private'], { kubeconfig: learner });
    assert.match(no.stderr, /configmaps "private" is forbidden: .* cannot get resource "configmaps"/);
    const list = await f.kubectl(['get', 'configmaps'], { kubeconfig: learner });
    assert.match(list.stderr, /configmaps is forbidden: .* cannot list resource "configmaps"/);
    // A list narrowed to one name by a field selector is a list of that name (as upstream): `list` is still needed.
    const { token } = await f.serviceAccountKubeconfig(NS, 'learner');
    const narrowed = await f.request('GET', `/api/v1/namespaces/${NS}/configmaps?fieldSelector=metadata.name%3Dallowed`, { token });
    assert.equal(narrowed.json().message, `configmaps "allowed" is forbidden: User "${SA_USER}" cannot list resource "configmaps" in API group "" in the namespace "${NS}"`);
  });

  test('a ClusterRole bound by a RoleBinding applies in that namespace only; view excludes Secrets', async () => {
    f.api.create(f.api.type('', 'secrets'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: NS }, data: { p: 'cHc=' } });
    assert.equal((await apply(binding('viewer', 'ClusterRole', 'view'))).code, 0);
    const svc = await f.kubectl(['get', 'services'], { kubeconfig: learner });
    assert.equal(svc.code, 0, svc.stderr);
    assert.match(svc.stdout, /^web\s+ClusterIP/m);
    assert.match((await f.kubectl(['get', 'services', '-n', 'other'], { kubeconfig: learner })).stderr, /cannot list resource "services" in API group "" in the namespace "other"/);
    assert.match((await f.kubectl(['get', 'secrets'], { kubeconfig: learner })).stderr, /cannot list resource "secrets"/);
    assert.match((await f.kubectl(['get', 'clusterroles'], { kubeconfig: learner })).stderr, /clusterroles.rbac.authorization.k8s.io is forbidden: .* cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope/);
    assert.equal((await f.kubectl(['delete', 'rolebinding', 'viewer', '-n', NS])).code, 0);
    assert.match((await f.kubectl(['get', 'services'], { kubeconfig: learner })).stderr, /cannot list resource "services"/, 'unbound: gone');
  });

  test('a namespace Role granting everything cannot reach cluster-scoped kinds through a namespaced URL', async () => {
    const { token } = await f.serviceAccountKubeconfig('other', 'owner');
    f.grant('other', 'owner-all', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], { kind: 'ServiceAccount', name: 'owner' });
    const json = (o: unknown) => ({ token, body: JSON.stringify(o), contentType: 'application/json' });
    const attempts = [
      await f.request('POST', '/api/v1/namespaces/other/namespaces', json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky' } })),
      await f.request('DELETE', `/api/v1/namespaces/other/namespaces/${NS}`, { token }),
      await f.request('GET', '/api/v1/namespaces/other/namespaces', { token }),
      await f.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/other/clusterrolebindings', json({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'owner-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'owner', namespace: 'other' }] })),
      await f.request('GET', '/apis/apiextensions.k8s.io/v1/namespaces/other/customresourcedefinitions', { token }),
    ];
    assert.deepEqual(attempts.map((r) => r.status), [404, 404, 404, 404, 404]);
    assert.equal(f.api.tryGet(f.api.type('', 'namespaces'), undefined, 'sneaky'), undefined);
    assert.ok(f.api.tryGet(f.api.type('', 'namespaces'), undefined, NS), 'pg-1 still exists');
    assert.equal(f.api.tryGet(f.api.type('rbac.authorization.k8s.io', 'clusterrolebindings'), undefined, 'owner-admin'), undefined);
    const direct = await f.request('POST', '/api/v1/namespaces', json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky' } }));
    assert.equal(direct.json().message, 'namespaces is forbidden: User "system:serviceaccount:other:owner" cannot create resource "namespaces" in API group "" at the cluster scope');
    // Its own Namespace object it may read and even change (upstream: `namespaces` in a Role covers that one).
    assert.equal((await f.request('GET', '/api/v1/namespaces/other', { token })).status, 200);
    assert.equal((await f.request('GET', `/api/v1/namespaces/${NS}`, { token })).status, 403);
  });

  test('a binding to a missing role grants nothing and the denial says why', async () => {
    assert.equal((await apply(binding('dangling', 'Role', 'no-such-role'))).code, 0);
    try {
      const r = await f.kubectl(['get', 'secrets'], { kubeconfig: learner });
      assert.match(r.stderr, /secrets is forbidden: .* cannot list resource "secrets" in API group "" in the namespace "pg-1": RBAC: role.rbac.authorization.k8s.io "no-such-role" not found/);
      assert.equal((await f.kubectl(['auth', 'can-i', 'get', 'secrets'], { kubeconfig: learner })).stdout, 'no - RBAC: role.rbac.authorization.k8s.io "no-such-role" not found\n');
    } finally {
      assert.equal((await f.kubectl(['delete', 'rolebinding', 'dangling', '-n', NS])).code, 0);
    }
  });
});

describe('privilege escalation', () => {
  test('a learner who may write Roles cannot grant what it does not hold, unless it may `escalate`', async () => {
    assert.equal((await apply(role('role-writer', '- {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [create, get, list, update, patch]}') + '---\n' + binding('role-writer', 'Role', 'role-writer'))).code, 0);
    const within = await apply(role('mine', '- {apiGroups: [""], resources: [pods], verbs: [get]}'), learner);
    assert.equal(within.code, 0, within.stderr);
    const beyond = await apply(role('grab-secrets', '- {apiGroups: [""], resources: [secrets], verbs: [get, list]}\n- {apiGroups: [""], resources: [pods], verbs: [get, delete]}'), learner);
    assert.notEqual(beyond.code, 0);
    assert.equal(
      beyond.stderr.trim(),
      `Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "grab-secrets" is forbidden: user "${SA_USER}" (groups=${SA_GROUPS}) is attempting to grant RBAC permissions not currently held:\n` +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    );
    assert.equal(f.api.tryGet(f.api.type('rbac.authorization.k8s.io', 'roles'), NS, 'grab-secrets'), undefined);
    // Nor by editing a Role it wrote itself.
    const edit = await apply(role('mine', '- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}'), learner);
    assert.match(edit.stderr, /roles.rbac.authorization.k8s.io "mine" is forbidden: user .* is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);

    assert.equal((await apply(role('escalator', '- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}') + '---\n' + binding('escalator', 'Role', 'escalator'))).code, 0);
    const escalated = await apply(role('grab-secrets', '- {apiGroups: [""], resources: [secrets], verbs: [get, list]}'), learner);
    assert.equal(escalated.code, 0, escalated.stderr);
  });

  test('a learner cannot bind a role it does not hold, unless it may `bind` it', async () => {
    const refused = await apply(binding('self-edit', 'ClusterRole', 'edit'), learner);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`rolebindings.rbac.authorization.k8s.io "self-edit" is forbidden: user "${SA_USER}" \\(groups=\\[.*\\]\\) is attempting to grant RBAC permissions not currently held:\\n`));
    assert.match(refused.stderr, /^\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get" "list" "watch" "create" "delete" "deletecollection" "patch" "update"\]\}$/m);
    assert.match(refused.stderr, /^\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["create" "delete" "deletecollection" "watch"\]\}$/m, 'what it holds (pods get, list, patch, update) is not listed');
    assert.equal(f.api.tryGet(f.api.type('rbac.authorization.k8s.io', 'rolebindings'), NS, 'self-edit'), undefined);
    // A binding to a role whose rules it holds is fine (pods get, from pod-reader).
    assert.equal((await apply(binding('self-mine', 'Role', 'mine'), learner)).code, 0);

    assert.equal((await apply(role('edit-binder', '- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [edit]}') + '---\n' + binding('edit-binder', 'Role', 'edit-binder'))).code, 0);
    const bound = await apply(binding('self-edit', 'ClusterRole', 'edit'), learner);
    assert.equal(bound.code, 0, bound.stderr);
    const admin = await apply(binding('self-admin', 'ClusterRole', 'admin'), learner);
    assert.match(admin.stderr, /rolebindings.rbac.authorization.k8s.io "self-admin" is forbidden/, '`bind` was granted for edit only');
    assert.equal((await f.kubectl(['delete', 'rolebinding', 'self-edit', 'edit-binder', '-n', NS])).code, 0);
  });

  test('kubectl create role / rolebinding (protobuf bodies) work and are checked the same way', async () => {
    const created = await f.kubectl(['create', 'role', 'deploy-lister', '--verb=list', '--resource=deployments.apps', '-n', NS]);
    assert.equal(created.code, 0, created.stderr);
    const bound = await f.kubectl(['create', 'rolebinding', 'deploy-lister', '--role=deploy-lister', `--serviceaccount=${NS}:learner`, '-n', NS]);
    assert.equal(bound.code, 0, bound.stderr);
    const stored = f.api.get(f.api.type('rbac.authorization.k8s.io', 'rolebindings'), NS, 'deploy-lister');
    assert.deepEqual(stored.subjects, [{ kind: 'ServiceAccount', apiGroup: '', name: 'learner', namespace: NS }]);
    assert.equal((await f.kubectl(['get', 'deployments'], { kubeconfig: learner })).code, 0);
    const self = await f.kubectl(['create', 'rolebinding', 'self-admin2', '--clusterrole=admin', `--serviceaccount=${NS}:learner`], { kubeconfig: learner });
    assert.match(self.stderr, /rolebindings.rbac.authorization.k8s.io "self-admin2" is forbidden: user "system:serviceaccount:pg-1:learner" .* is attempting to grant RBAC permissions not currently held/);
  });

  test('roleRef is immutable; rules are validated with upstream messages', async () => {
    const changed = await apply(binding('pod-reader', 'ClusterRole', 'view'));
    assert.notEqual(changed.code, 0);
    assert.match(changed.stderr, /The RoleBinding "pod-reader" is invalid: roleRef: Invalid value: rbac.RoleRef\{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"\}: cannot change roleRef/);
    const urls = await apply(role('bad', '- {nonResourceURLs: ["/healthz"], verbs: [get]}\n- {apiGroups: [""], resources: [pods]}'));
    assert.match(urls.stderr, /The Role "bad" is invalid: \n\* rules\[0\].nonResourceURLs: Invalid value: \[\]string\{"\/healthz"\}: namespaced rules cannot apply to non-resource URLs\n\* rules\[1\].verbs: Required value: verbs must contain at least one value/);
    const kind = await apply(binding('bad', 'Secret', 'x'));
    assert.match(kind.stderr, /roleRef.kind: Unsupported value: "Secret": supported values: "Role", "ClusterRole"/);
  });
});

describe('kubectl auth', () => {
  test('can-i answers yes and no from the same rules', async () => {
    const can = (args: string[]) => f.kubectl(['auth', 'can-i', ...args], { kubeconfig: learner });
    assert.equal((await can(['list', 'pods'])).stdout, 'yes\n');
    const no = await can(['delete', 'pods']);
    assert.equal(no.stdout, 'no\n');
    assert.equal(no.code, 1);
    assert.equal((await can(['list', 'pods', '-n', 'other'])).stdout, 'no\n');
    assert.equal((await can(['patch', 'pods', '--subresource=status'])).stdout, 'no\n');
    assert.equal((await can(['get', 'configmap/allowed'])).stdout, 'yes\n');
    assert.equal((await can(['get', 'configmap/private'])).stdout, 'no\n');
    assert.equal((await can(['get', '/apis'])).stdout, 'yes\n');
    assert.equal((await can(['get', '/metrics'])).stdout, 'no\n');
    assert.equal((await f.kubectl(['auth', 'can-i', '*', '*', '-A'])).stdout, 'yes\n', 'the admin is in system:masters');
  });

  test('can-i --list prints the rules held in the namespace', async () => {
    const r = await f.kubectl(['auth', 'can-i', '--list', '-n', NS], { kubeconfig: learner });
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(rows[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    const row = (resource: string) => rows.find((cols) => cols[0] === resource);
    assert.deepEqual(row('pods'), ['pods', '[]', '[]', '[get list patch update]'], 'pod-reader and mine, merged');
    assert.deepEqual(row('configmaps'), ['configmaps', '[]', '[allowed]', '[get]']);
    assert.deepEqual(row('selfsubjectrulesreviews.authorization.k8s.io'), ['selfsubjectrulesreviews.authorization.k8s.io', '[]', '[]', '[create]']);
    assert.ok(rows.some((cols) => cols[0] === '[/apis/*]' && cols.at(-1) === '[get]'), r.stdout);
    assert.equal(row('secrets'), undefined);
    const other = await f.kubectl(['auth', 'can-i', '--list', '-n', 'other'], { kubeconfig: learner });
    assert.equal(other.stdout.match(/^pods\s/m), null, 'nothing of pg-1 in another namespace');
  });

  test('whoami shows the ServiceAccount user and its groups', async () => {
    const r = await f.kubectl(['auth', 'whoami'], { kubeconfig: learner });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Username\\s+${SA_USER}`));
    assert.match(r.stdout, new RegExp(`Groups\\s+\\[system:serviceaccounts system:serviceaccounts:${NS} system:authenticated\\]`));
  });
});

describe('impersonation', () => {
  test('--as is refused without the impersonate verb and runs as the other user with it', async () => {
    const refused = await f.kubectl(['--as=someone', 'get', 'pods'], { kubeconfig: learner });
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim(), `Error from server (Forbidden): users "someone" is forbidden: User "${SA_USER}" cannot impersonate resource "users" in API group "" at the cluster scope`);
    const group = await f.kubectl(['--as=someone', '--as-group=system:masters', 'get', 'pods'], { kubeconfig: learner });
    assert.match(group.stderr, /users "someone" is forbidden/);
    const sa = await f.kubectl(['--as=system:serviceaccount:other:default', 'get', 'pods'], { kubeconfig: learner });
    assert.match(sa.stderr, /serviceaccounts "default" is forbidden: User "system:serviceaccount:pg-1:learner" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "other"/);

    // A ClusterRole granting impersonate on users named "someone" only (not groups: system:masters stays out of reach).
    assert.equal((await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-someone}
rules:
- {apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [someone]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: learner-impersonates-someone}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-someone}
subjects: [{kind: ServiceAccount, name: learner, namespace: ${NS}}]
`)).code, 0);
    const asSomeone = await f.kubectl(['--as=someone', 'get', 'pods'], { kubeconfig: learner });
    assert.equal(asSomeone.stderr.trim(), `Error from server (Forbidden): pods is forbidden: User "someone" cannot list resource "pods" in API group "" in the namespace "${NS}"`, 'it ran as "someone", who may not list pods');
    f.grant(NS, 'someone-reads-pods', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }], { kind: 'User', name: 'someone' });
    const allowed = await f.kubectl(['--as=someone', 'get', 'pods'], { kubeconfig: learner });
    assert.equal(allowed.code, 0, allowed.stderr);
    const whoami = await f.kubectl(['--as=someone', 'auth', 'whoami'], { kubeconfig: learner });
    assert.match(whoami.stdout, /Username\s+someone/);
    assert.match(whoami.stdout, /Groups\s+\[system:authenticated\]/);
    const escalate = await f.kubectl(['--as=someone', '--as-group=system:masters', 'get', 'pods'], { kubeconfig: learner });
    assert.match(escalate.stderr, /groups "system:masters" is forbidden: User "system:serviceaccount:pg-1:learner" cannot impersonate resource "groups" in API group "" at the cluster scope/);
  });

  test('Impersonate-Uid and Impersonate-Group are authorized too; groups without a user are refused', async () => {
    const { token } = await f.serviceAccountKubeconfig(NS, 'learner');
    const headers = (h: Record<string, string>) => ({ method: 'GET', headers: { Authorization: `Bearer ${token}`, ...h }, ca: f.ca });
    const uid = await httpsRoundTrip(`${f.url}/api/v1/namespaces/${NS}/pods`, headers({ 'Impersonate-User': 'someone', 'Impersonate-Uid': 'u-123' }));
    assert.equal(uid.status, 403);
    assert.equal(JSON.parse(uid.body.toString()).message, `uids.authentication.k8s.io "u-123" is forbidden: User "${SA_USER}" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope`);
    const groupOnly = await httpsRoundTrip(`${f.url}/api/v1/namespaces/${NS}/pods`, headers({ 'Impersonate-Group': 'system:masters' }));
    assert.equal(groupOnly.status, 500);
    assert.match(JSON.parse(groupOnly.body.toString()).message, /without impersonating a user/);
    const admin = await httpsRoundTrip(`${f.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Impersonate-User': 'alice', 'Impersonate-Group': 'devs', 'Impersonate-Uid': 'u-1', 'Content-Type': 'application/json' }, body: '{}', ca: f.ca });
    assert.deepEqual(JSON.parse(admin.body.toString()).status.userInfo, { username: 'alice', groups: ['devs', 'system:authenticated'], uid: 'u-1' });
  });

  test('the admin (system:masters) may impersonate a ServiceAccount, which gets its groups', async () => {
    const r = await f.kubectl([`--as=${SA_USER}`, 'auth', 'whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Groups\\s+\\[system:serviceaccounts system:serviceaccounts:${NS} system:authenticated\\]`));
    const pods = await f.kubectl([`--as=${SA_USER}`, 'get', 'pods', '-n', 'other']);
    assert.match(pods.stderr, new RegExp(`User "${SA_USER}" cannot list resource "pods" in API group "" in the namespace "other"`));
  });
});

describe('aggregated ClusterRoles', () => {
  test('a ClusterRole labelled aggregate-to-view joins view, and through edit and admin, as the controller keeps them', async () => {
    const controller = new ClusterRoleAggregationController(f.api);
    controller.start();
    try {
      const roles = f.api.type('rbac.authorization.k8s.io', 'clusterroles');
      const before = (name: string) => (f.api.get(roles, undefined, name).rules as unknown[]).length;
      const counts = { view: before('view'), edit: before('edit'), admin: before('admin') };
      const applied = await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: httproutes-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules:
- {apiGroups: [gateway.networking.k8s.io], resources: [httproutes], verbs: [get, list, watch]}
`);
      assert.equal(applied.code, 0, applied.stderr);
      const has = (name: string) => JSON.stringify(f.api.get(roles, undefined, name).rules).includes('httproutes');
      for (let i = 0; i < 100 && !(has('view') && has('edit') && has('admin')); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(has('view') && has('edit') && has('admin'), 'aggregated into view, edit and admin');
      assert.deepEqual({ view: before('view'), edit: before('edit'), admin: before('admin') }, { view: counts.view + 1, edit: counts.edit + 1, admin: counts.admin + 1 });
      const view = await f.kubectl(['get', 'clusterrole', 'view', '-o', 'jsonpath={.aggregationRule.clusterRoleSelectors[0].matchLabels}']);
      assert.equal(view.stdout, '{"rbac.authorization.k8s.io/aggregate-to-view":"true"}');
      // Setting an aggregationRule needs cluster-admin's powers, even for someone who may write ClusterRoles.
      assert.equal((await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: clusterrole-writer}
rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [create, get, patch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: learner-writes-clusterroles}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: clusterrole-writer}
subjects: [{kind: ServiceAccount, name: learner, namespace: ${NS}}]
`)).code, 0);
      const grab = await apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: grab-everything}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {kubernetes.io/bootstrapping: rbac-defaults}}]}
`, learner);
      assert.match(grab.stderr, /clusterroles.rbac.authorization.k8s.io "grab-everything" is forbidden: must have cluster-admin privileges to use the aggregationRule/);
      assert.equal(f.api.tryGet(roles, undefined, 'grab-everything'), undefined);
    } finally {
      controller.stop();
    }
  });
});

describe('tables', () => {
  test('kubectl get roles,rolebindings,clusterroles prints as against a real cluster', async () => {
    const r = await f.kubectl(['get', 'roles,rolebindings,clusterroles', '-n', NS]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+CREATED AT$/m);
    assert.match(r.stdout, /^role.rbac.authorization.k8s.io\/pod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.match(r.stdout, /^NAME\s+ROLE\s+AGE$/m);
    assert.match(r.stdout, /^rolebinding.rbac.authorization.k8s.io\/pod-reader\s+Role\/pod-reader\s+\d+s$/m);
    const wide = await f.kubectl(['get', 'rolebindings', '-n', NS, '-o', 'wide']);
    assert.match(wide.stdout, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/m);
    assert.match(wide.stdout, new RegExp(`^pod-reader\\s+Role/pod-reader\\s+\\d+s\\s+${NS}/learner$`, 'm'));
    for (const name of ['admin', 'cluster-admin', 'edit', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'view']) assert.match(r.stdout, new RegExp(`^clusterrole.rbac.authorization.k8s.io/${name}\\s+\\d{4}-`, 'm'));
    const crb = await f.kubectl(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide']);
    assert.match(crb.stdout, /^cluster-admin\s+ClusterRole\/cluster-admin\s+\d+s\s+system:masters\s*$/m);
  });
});
