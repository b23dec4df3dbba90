// Authentication (401 without a valid token) and namespace-scoped tokens (403 outside their namespaces),
// over REST and through the real kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpsRoundTrip, startFixture, SCOPED_TOKEN, type Fixture } from './fixture.js';
import * as m from './manifests.js';
import { writeKubeconfig } from '../../sandbox/apiserver/kubeconfig.js';
import { join } from 'node:path';

let f: Fixture;
before(async () => {
  f = await startFixture({ namespaces: ['default', 'team-a'] });
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

describe('namespace-scoped tokens', () => {
  test('REST: reads and writes in its namespace work, elsewhere 403 with an RBAC-like message', async () => {
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
    assert.equal(f.api.tryGet(f.api.type('', 'namespaces'), undefined, 'mine'), undefined);
    assert.equal((await f.request('GET', '/api/v1/namespaces/team-a', { token: SCOPED_TOKEN })).status, 200);
    assert.equal((await f.request('GET', '/api/v1/namespaces/default', { token: SCOPED_TOKEN })).status, 403);
    assert.equal((await f.request('GET', '/api', { token: SCOPED_TOKEN })).status, 200);
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
  test('can-i answers from the token\'s scope', async () => {
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
    assert.match(r.stdout, /sandbox:namespace:team-a/);
  });
});
