// Linkerd's policy on gRPC through real sidecars (mesh harness, h2c apps): with a Server (proxyProtocol gRPC) and an
// AuthorizationPolicy + MeshTLSAuthentication naming web, web's call succeeds and another meshed client's gets
// PERMISSION_DENIED (grpc-status 7 in a trailers-only 200, as linkerd2-proxy answers gRPC), counted in the
// destination's inbound_http_authz_{allow,deny}_total.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { MeshHarness, type TestPod } from './harness.js';
import { SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';

let h: MeshHarness;
let voting: TestPod;
let web: TestPod;
let emoji: TestPod;
let grpcApp: Http2Server;

/** One gRPC call from a meshed pod's app, h2c to its sidecar: the response headers (trailers-only) or trailers. */
function call(from: TestPod, method: string): Promise<IncomingHttpHeaders> {
  const session = h2connect('http://voting-svc:8080', { createConnection: () => tcpConnect({ host: from.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: from.localHost }) });
  session.on('error', () => {});
  return new Promise<IncomingHttpHeaders>((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': `/emojivoto.v1.VotingService/${method}`, ':authority': 'voting-svc:8080', 'content-type': 'application/grpc', te: 'trailers' });
    let head: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    req.on('response', (hd) => (head = hd));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', () => {});
    req.on('end', () => resolve({ ...head, ...(trailers ?? {}) }));
    req.on('error', reject);
    req.end(Buffer.alloc(5));
  }).finally(() => session.close());
}

const policyObject = (kind: string, name: string, spec: unknown): KubeObject => ({ apiVersion: kind === 'Server' ? 'policy.linkerd.io/v1beta3' : 'policy.linkerd.io/v1alpha1', kind, metadata: { name, namespace: 'default' }, spec }) as KubeObject;

before(async () => {
  h = await MeshHarness.start();
  h.service('voting-svc', 8080, { app: 'voting-svc' }, 'default', { name: 'grpc' }); // as emojivoto names it
  voting = await h.pod({ name: 'voting-1', app: 'voting-svc', serviceAccount: 'voting', port: 8080 });
  web = await h.pod({ name: 'web-1', app: 'web-svc', serviceAccount: 'web', port: 8080 });
  emoji = await h.pod({ name: 'emoji-1', app: 'emoji-svc', serviceAccount: 'emoji', port: 8080 });
  // voting's app speaks gRPC (h2c), answering every call with grpc-status 0.
  voting.app.closeAllConnections();
  await new Promise((r) => voting.app.close(r));
  grpcApp = createH2Server();
  grpcApp.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5));
    });
  });
  await new Promise<void>((r) => grpcApp.listen(8080, voting.localHost, r));
});

after(async () => {
  grpcApp?.close();
  await h.stop();
});

test('only web may call voting over gRPC; emoji gets PERMISSION_DENIED from the proxy', async () => {
  assert.equal((await call(emoji, 'VoteDog'))['grpc-status'], '0', 'no Server yet: open');
  h.apply('policy.linkerd.io', 'servers', policyObject('Server', 'voting-grpc', { podSelector: { matchLabels: { app: 'voting-svc' } }, port: 8080, proxyProtocol: 'gRPC' }));
  h.apply('policy.linkerd.io', 'meshtlsauthentications', policyObject('MeshTLSAuthentication', 'web', { identities: ['web.default.serviceaccount.identity.linkerd.cluster.local'] }));
  h.apply('policy.linkerd.io', 'authorizationpolicies', policyObject('AuthorizationPolicy', 'voting', {
    targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' },
    requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web' }],
  }));
  await h.cp.settled();
  const denied = await call(emoji, 'VoteDog');
  assert.equal(denied[':status'], 200);
  assert.equal(denied['grpc-status'], '7', 'PERMISSION_DENIED');
  assert.equal(denied['l5d-proxy-error'], 'unauthorized request on route');
  assert.equal((await call(web, 'VoteDog'))['grpc-status'], '0');
  const authz = voting.sidecar!.metrics.authz;
  // A plaintext client cannot claim web's identity with Linkerd's client-id header: identity comes from mTLS only.
  const legacy = await h.pod({ name: 'legacy-1', app: 'legacy', meshed: false, port: 9090 });
  const spoofed = await h.send(legacy, 'voting-svc:8080', '/emojivoto.v1.VotingService/VoteDog', { method: 'POST', headers: { 'l5d-client-id': 'web.default.serviceaccount.identity.linkerd.cluster.local' } });
  assert.equal(spoofed.status, 403);
  assert.match(voting.sidecar!.metrics.exposition(), /inbound_http_authz_allow_total\{[^}]*authz_kind="authorizationpolicy",authz_name="voting",tls="true",client_id="web\.default\.serviceaccount\.identity\.linkerd\.cluster\.local"\} 1/);
  assert.equal(authz.total('inbound_http_authz_deny_total'), 2, 'emoji and the spoofing plaintext client');
  assert.equal(authz.total('inbound_http_authz_allow_total'), 1);
});
