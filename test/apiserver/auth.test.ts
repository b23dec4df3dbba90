// Authentication (401 without a valid token) and a user whose Role+RoleBinding grant one namespace (403
// everywhere else, with the RBAC authorizer's text), over REST and through the real kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpsRoundTrip, startFixture, SCOPED_TOKEN, type Fixture } from './fixture.js';
import * as m from './manifests.js';
import { writeKubeconfig } from '../../sandbox/apiserver/kubeconfig.js';
import { join } from 'node:path';

let f: Fixture;
before(async () => {
  f = await startFixture({ namespaces: ['default', 'team-a'] });
  // What a namespace owner gets on a real cluster: everything in the core and apps groups of team-a only.
  f.grant('team-a', 'team-a-owner', [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['*'] }], { kind: 'User', name: 'learner' });
});
after(() => f.close());

describe('authentication', () => {
  test('requests without a token, or with an unknown one, are 401 Status', async () => {
    for (const token of [null, 'not-a-token']) {
      const res = await f.request('GET', '/api/v1/namespaces/default/pods', { token });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    assert.equal((await f.request('GET', '/apis', { token: null })).status, 401);
    assert.equal((await f.request('GET', '/no/such/path', { token: null })).status, 401);
  });

  test('health and version endpoints need no token', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const res = await f.request('GET', path, { token: null });
      assert.equal(res.status, 200);
      assert.equal(res.text, 'ok');
    }
    const version = await f.request('GET', '/version', { token: null });
    assert.equal(version.json().gitVersion, 'v1.32.0');
  });

  test('HTTP Basic credentials are not accepted: only bearer tokens authenticate', async () => {
    const res = await f.request('GET', '/api/v1/namespaces', { token: null, accept: 'application/json' });
    assert.equal(res.status, 401);
    const basic = await httpsRoundTrip(`${f.url}/api/v1/namespaces`, { method: 'GET', headers: { Authorization: `Basic ${Buffer.from(`learner:${SCOPED_TOKEN}`).toString('base64')}` }, ca: f.ca });
    assert.equal(basic.status, 401);
  });

  test('kubectl with a wrong token is told to log in', async () => {
    const bad = join(f.dir, 'kubeconfig-bad');
    writeKubeconfig(bad, { server: f.url, token: 'wrong', certificateAuthority: f.ca });
    const r = await f.kubectl(['get', 'pods'], { kubeconfig: bad });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /You must be logged in to the server/);
  });
});

describe('a user granted one namespace by a Role and RoleBinding', () => {
  test('REST: reads and writes in its namespace work, elsewhere 403 with the RBAC message', async () => {
    const own = await f.request('GET', '/api/v1/namespaces/team-a/pods', { token: SCOPED_TOKEN });
    assert.equal(own.status, 200);
    const other = await f.request('GET', '/api/v1/namespaces/default/pods', { token: SCOPED_TOKEN });
    assert.equal(other.status, 403);
    assert.equal(other.json().reason, 'Forbidden');
    assert.equal(other.json().message, 'pods is forbidden: User "learner" cannot list resource "pods" in API group "" in the namespace "default"');
    const all = await f.request('GET', '/apis/apps/v1/deployments', { token: SCOPED_TOKEN });
    assert.equal(all.status, 403);
    assert.equal(all.json().message, 'deployments.apps is forbidden: User "learner" cannot list resource "deployments" in API group "apps" at the cluster scope');
    const create = await f.request('POST', '/api/v1/namespaces', { token: SCOPED_TOKEN, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mine' } }), contentType: 'application/json' });
    assert.equal(create.status, 403);
    assert.equal(create.json().message, 'namespaces is forbidden: User "learner" cannot create resource "namespaces" in API group "" at the cluster scope');
    assert.equal(f.api.tryGet(f.api.type('', 'namespaces'), undefined, 'mine'), undefined);
    // As upstream: a Role granting `namespaces` in team-a lets its holder read the Namespace team-a itself.
    assert.equal((await f.request('GET', '/api/v1/namespaces/team-a', { token: SCOPED_TOKEN })).status, 200);
    const ns = await f.request('GET', '/api/v1/namespaces/default', { token: SCOPED_TOKEN });
    assert.equal(ns.status, 403);
    assert.equal(ns.json().message, 'namespaces "default" is forbidden: User "learner" cannot get resource "namespaces" in API group "" in the namespace "default"');
    assert.deepEqual(ns.json().details, { name: 'default', group: '', kind: 'namespaces' });
    // Discovery is readable by every authenticated user (system:discovery); other paths are not.
    assert.equal((await f.request('GET', '/api', { token: SCOPED_TOKEN })).status, 200);
    assert.equal((await f.request('GET', '/apis/apps/v1', { token: SCOPED_TOKEN })).status, 200);
    const path = await f.request('GET', '/no/such/path', { token: SCOPED_TOKEN });
    assert.equal(path.status, 403);
    assert.equal(path.json().message, 'forbidden: User "learner" cannot get path "/no/such/path"');
    assert.equal((await f.request('GET', '/no/such/path')).status, 404, 'the admin (system:masters) may; the path does not exist');
  });

  test('kubectl: works in its namespace, Forbidden outside it', async () => {
    const kc = { kubeconfig: f.scopedKubeconfig };
    const applied = await f.kubectl(['apply', '-f', '-'], { ...kc, input: m.configMap('mine') });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match((await f.kubectl(['get', 'cm'], kc)).stdout, /settings/);
    const other = await f.kubectl(['get', 'pods', '-n', 'default'], kc);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /Error from server \(Forbidden\): pods is forbidden: User "learner" cannot list resource "pods" in API group "" in the namespace "default"/);
    const everywhere = await f.kubectl(['get', 'pods', '-A'], kc);
    assert.match(everywhere.stderr, /cannot list resource "pods" in API group "" at the cluster scope/);
    const ns = await f.kubectl(['create', 'namespace', 'sneaky'], kc);
    assert.match(ns.stderr, /namespaces is forbidden: User "learner" cannot create resource "namespaces"/);
  });
});

describe('kubectl auth', () => {
  test('can-i answers from the user\'s RBAC rules', async () => {
    const kc = { kubeconfig: f.scopedKubeconfig };
    assert.equal((await f.kubectl(['auth', 'can-i', 'create', 'pods'], kc)).stdout, 'yes\n');
    const no = await f.kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'default'], kc);
    assert.equal(no.stdout, 'no\n');
    assert.equal(no.code, 1);
    assert.equal((await f.kubectl(['auth', 'can-i', 'list', 'pods', '-A'], kc)).stdout, 'no\n');
    assert.equal((await f.kubectl(['auth', 'can-i', 'create', 'namespaces'])).stdout, 'yes\n');
  });

  test('whoami shows the user', async () => {
    const r = await f.kubectl(['auth', 'whoami'], { kubeconfig: f.scopedKubeconfig });
    assert.match(r.stdout, /Username\s+learner/);
    assert.match(r.stdout, /Groups\s+\[system:authenticated\]/);
    const admin = await f.kubectl(['auth', 'whoami']);
    assert.match(admin.stdout, /Username\s+admin/);
    assert.match(admin.stdout, /Groups\s+\[system:masters system:authenticated\]/);
  });
});
