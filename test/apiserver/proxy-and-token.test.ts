// The pods/services proxy subresource and the TokenRequest subresource (serviceaccounts/<sa>/token).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFixture, type Fixture } from './fixture.js';
import { AddressPool, POD_CIDR, SERVICE_CIDR } from '../../sandbox/runtime/addresses.js';

let f: Fixture;
let upstream: Server;
let upstreamPort: number;
let serviceListener: Server;
// Stand-ins for what a node would assign: the proxy connects only to these (never to status.podIP).
const podPool = new AddressPool(POD_CIDR);
const servicePool = new AddressPool(SERVICE_CIDR);
const assigned = { podIP: '', clusterIP: '', uid: '' };

before(async () => {
  await Promise.all([podPool.claimBlock(), servicePool.claimBlock()]);
  assigned.podIP = podPool.allocate();
  assigned.clusterIP = servicePool.allocate();
  f = await startFixture({
    namespaces: ['default', 'team-x', 'team-y'],
    proxyTargets: {
      pod: (ns, name) => (ns === 'default' && name === 'web' ? { podIP: assigned.podIP, uid: assigned.uid } : undefined),
      service: (ns, name) => (ns === 'default' && name === 'web' ? { clusterIP: assigned.clusterIP } : undefined),
    },
  });
  // A stand-in workload: echoes method, path and body; /stream sends three lines slowly.
  upstream = createServer((req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(JSON.stringify({ n }) + '\n');
        if (++n === 3) { clearInterval(timer); res.end(); }
      }, 20);
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, assigned.podIP, resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  // The Service's clusterIP:port, where the service proxy would listen: the same stand-in app.
  serviceListener = createServer((req, res) => upstream.emit('request', req, res));
  await new Promise<void>((resolve) => serviceListener.listen(upstreamPort, assigned.clusterIP, resolve));
  const pods = f.api.type('', 'pods');
  const pod = f.api.create(pods, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'x', ports: [{ name: 'http', containerPort: upstreamPort }] }] },
  });
  assigned.uid = pod.metadata.uid!;
  f.api.update(pods, { ...pod, status: { phase: 'Running', podIP: assigned.podIP } }, { subresource: 'status' });
  f.api.create(f.api.type('', 'services'), {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
    spec: { clusterIP: assigned.clusterIP, ports: [{ name: 'http', port: upstreamPort }] },
  });
  f.api.create(f.api.type('', 'serviceaccounts'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'learner', namespace: 'team-x' } });
});
after(async () => {
  upstream.closeAllConnections();
  serviceListener.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await new Promise((r) => serviceListener.close(r));
  await f.close();
  await Promise.all([podPool.close(), servicePool.close()]);
});

describe('proxy subresource', () => {
  test('pods/<name>:<port>/proxy relays method, path, query and body, never the caller credential', async () => {
    const res = await f.request('POST', `/api/v1/namespaces/default/pods/web:${upstreamPort}/proxy/echo/a%20b?x=1`, { body: 'hello', contentType: 'text/plain' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-upstream'), 'yes');
    assert.deepEqual(res.json(), { method: 'POST', url: '/echo/a%20b?x=1', body: 'hello', auth: null });
  });

  test('a named port and the first container port are resolved; services proxy too', async () => {
    assert.equal((await f.request('GET', '/api/v1/namespaces/default/pods/web:http/proxy/')).json().url, '/');
    assert.equal((await f.request('GET', '/api/v1/namespaces/default/pods/web/proxy/p')).json().url, '/p');
    assert.equal((await f.request('GET', '/api/v1/namespaces/default/services/web:http/proxy/s')).json().url, '/s');
  });

  test('a streamed response arrives whole', async () => {
    const res = await f.request('GET', `/api/v1/namespaces/default/pods/web/proxy/stream`);
    assert.deepEqual(res.text.trim().split('\n').map((l) => JSON.parse(l).n), [0, 1, 2]);
  });

  test('missing pod 404, bad port 400, unreachable 503 — all as Status objects', async () => {
    assert.equal((await f.request('GET', '/api/v1/namespaces/default/pods/nope/proxy/')).status, 404);
    const bad = await f.request('GET', '/api/v1/namespaces/default/pods/web:nosuchport/proxy/');
    assert.equal(bad.status, 400);
    assert.match(bad.json().message, /invalid port "nosuchport"/);
    const down = await f.request('GET', '/api/v1/namespaces/default/pods/web:1/proxy/');
    assert.equal(down.status, 503);
    assert.equal(down.json().reason, 'ServiceUnavailable');
  });

  test('kubectl get --raw goes through the proxy', async () => {
    const r = await f.kubectl(['get', '--raw', `/api/v1/namespaces/default/pods/web:${upstreamPort}/proxy/raw`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).url, '/raw');
  });
});

describe('TokenRequest', () => {
  test('kubectl create token mints a ServiceAccount token; a RoleBinding in its namespace decides what it may do', async () => {
    const r = await f.kubectl(['create', 'token', 'learner', '-n', 'team-x']);
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trim();
    const before = await f.request('GET', '/api/v1/namespaces/team-x/configmaps', { token });
    assert.equal(before.status, 403, 'no binding yet: nothing');
    assert.equal(before.json().message, 'configmaps is forbidden: User "system:serviceaccount:team-x:learner" cannot list resource "configmaps" in API group "" in the namespace "team-x"');
    f.grant('team-x', 'config-reader', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }], { kind: 'ServiceAccount', name: 'learner', namespace: 'team-x' });
    assert.equal((await f.request('GET', '/api/v1/namespaces/team-x/configmaps', { token })).status, 200);
    const other = await f.request('GET', '/api/v1/namespaces/team-y/configmaps', { token });
    assert.equal(other.status, 403);
    assert.equal(other.json().message, 'configmaps is forbidden: User "system:serviceaccount:team-x:learner" cannot list resource "configmaps" in API group "" in the namespace "team-y"');
    const whoami = await f.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}', contentType: 'application/json' });
    assert.deepEqual(whoami.json().status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:team-x', 'system:authenticated']);
  });

  test('minting a token is `create` on serviceaccounts/token, authorized like any subresource', async () => {
    const sas = f.api.type('', 'serviceaccounts');
    f.api.create(sas, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'minter', namespace: 'team-y' } });
    f.api.create(sas, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'target', namespace: 'team-y' } });
    const minter = (await f.serviceAccountKubeconfig('team-y', 'minter')).kubeconfig;
    const refused = await f.kubectl(['create', 'token', 'target'], { kubeconfig: minter });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /serviceaccounts "target" is forbidden: User "system:serviceaccount:team-y:minter" cannot create resource "serviceaccounts\/token" in API group "" in the namespace "team-y"/);
    f.grant('team-y', 'token-minter', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['target'] }], { kind: 'ServiceAccount', name: 'minter' });
    const minted = await f.kubectl(['create', 'token', 'target'], { kubeconfig: minter });
    assert.equal(minted.code, 0, minted.stderr);
    const whoami = await f.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: minted.stdout.trim(), body: '{}', contentType: 'application/json' });
    assert.equal(whoami.json().status.userInfo.username, 'system:serviceaccount:team-y:target');
    const other = await f.kubectl(['create', 'token', 'minter'], { kubeconfig: minter });
    assert.match(other.stderr, /serviceaccounts "minter" is forbidden/, 'resourceNames: only the named ServiceAccount');
  });

  test('the token dies with its ServiceAccount; a missing ServiceAccount is 404; too short a lifetime is 422', async () => {
    const sas = f.api.type('', 'serviceaccounts');
    f.api.create(sas, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'temp', namespace: 'team-x' } });
    const minted = await f.request('POST', '/api/v1/namespaces/team-x/serviceaccounts/temp/token', { body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }), contentType: 'application/json' });
    assert.equal(minted.status, 201);
    const token = minted.json().status.token as string;
    assert.equal((await f.request('GET', '/api', { token })).status, 200);
    f.api.delete(sas, 'team-x', 'temp');
    assert.equal((await f.request('GET', '/api', { token })).status, 401);

    assert.equal((await f.request('POST', '/api/v1/namespaces/team-x/serviceaccounts/ghost/token', { body: '{}', contentType: 'application/json' })).status, 404);
    const short = await f.request('POST', '/api/v1/namespaces/team-x/serviceaccounts/learner/token', { body: JSON.stringify({ spec: { expirationSeconds: 5 } }), contentType: 'application/json' });
    assert.equal(short.status, 422);
    assert.equal(short.json().details.causes[0].field, 'spec.expirationSeconds');
  });
});
