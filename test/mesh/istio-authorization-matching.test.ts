// Istio AuthorizationPolicy and PeerAuthentication semantics, unit by unit: Istio's string matching (exact, prefix,
// suffix, presence), not… fields, when[] conditions, DENY before ALLOW, allow-nothing, AUDIT, CUSTOM without a
// provider, root-namespace scope, and PeerAuthentication precedence (workload > namespace > mesh, oldest wins, UNSET).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import type { InboundRequestFacts } from '../../sandbox/mesh/config/inbound-policy.js';
import type { PodInfo } from '../../sandbox/mesh/config/snapshot.js';
import { authorizationLayer, policiesFor, RBAC_DENIED_BODY } from '../../sandbox/mesh/control-plane/istio/authorization-layer.js';
import { compileAuthorizationPolicy } from '../../sandbox/mesh/control-plane/istio/authorization-policy-compiler.js';
import { peerAuthenticationLayer, workloadMtls } from '../../sandbox/mesh/control-plane/istio/peer-authentication.js';
import { stringMatch } from '../../sandbox/mesh/control-plane/istio/authz-value-match.js';

let seq = 0;
function obj(kind: string, namespace: string, name: string, spec: unknown, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'security.istio.io/v1', kind, metadata: { namespace, name, creationTimestamp: `2026-01-01T00:00:${String(seq++).padStart(2, '0')}Z`, ...extra }, spec } as KubeObject;
}
const ap = (ns: string, name: string, spec: unknown, extra?: Partial<KubeObject['metadata']>) => obj('AuthorizationPolicy', ns, name, spec, extra);
const pa = (ns: string, name: string, spec: unknown) => obj('PeerAuthentication', ns, name, spec);

const pod: PodInfo = { namespace: 'foo', name: 'httpbin-1', ip: '10.1.0.7', serviceAccount: 'httpbin', meshed: true, identity: 'spiffe://cluster.local/ns/foo/sa/httpbin', labels: { app: 'httpbin', version: 'v1' } };

function req(over: Partial<InboundRequestFacts> = {}): InboundRequestFacts {
  return { port: 8080, tls: true, peerIdentity: 'spiffe://cluster.local/ns/foo/sa/sleep', sourceIP: '10.1.0.9', method: 'GET', path: '/ip', headers: {}, authority: 'httpbin.foo:8000', ...over };
}

/** The decision of the given policies for a request: 'allow' or the denial's status and body. */
function decide(policies: KubeObject[], r: InboundRequestFacts, root: KubeObject[] = [], p: PodInfo = pod): string {
  const layer = authorizationLayer(p, policiesFor(p, policies, root));
  const d = layer?.authorize?.(r);
  return d ? `${d.status} ${d.body}` : 'allow';
}
const DENIED = `403 ${RBAC_DENIED_BODY}`;

describe('Istio string matching', () => {
  test('exact, prefix, suffix and presence', () => {
    assert.equal(stringMatch('/ip')('/ip'), true);
    assert.equal(stringMatch('/ip')('/ip/'), false);
    assert.equal(stringMatch('/api/*')('/api/v1'), true);
    assert.equal(stringMatch('/api/*')('/apix'), false);
    assert.equal(stringMatch('*.png')('/img/a.png'), true);
    assert.equal(stringMatch('*.png')('/img/a.jpg'), false);
    assert.equal(stringMatch('*')('x'), true);
    assert.equal(stringMatch('*')(''), false);
  });

  test('paths, notPaths and methods in to[].operation', () => {
    const allow = ap('foo', 'a', { rules: [{ to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/status/*', '*.json'], notPaths: ['/status/secret'] } }] }] });
    assert.equal(decide([allow], req({ path: '/status/200' })), 'allow');
    assert.equal(decide([allow], req({ path: '/data/x.json' })), 'allow');
    assert.equal(decide([allow], req({ path: '/status/secret' })), DENIED);
    assert.equal(decide([allow], req({ path: '/ip' })), DENIED);
    assert.equal(decide([allow], req({ path: '/status/200', method: 'POST' })), DENIED);
  });

  test('hosts match case-insensitively with or without the port; ports and notPorts', () => {
    const allow = ap('foo', 'a', { rules: [{ to: [{ operation: { hosts: ['HTTPBIN.foo', '*.example.com'], notPorts: ['9090'] } }] }] });
    assert.equal(decide([allow], req({ authority: 'httpbin.foo:8000' })), 'allow');
    assert.equal(decide([allow], req({ authority: 'api.example.com' })), 'allow');
    assert.equal(decide([allow], req({ authority: 'other.foo' })), DENIED);
    assert.equal(decide([allow], req({ authority: 'httpbin.foo', port: 9090 })), DENIED);
  });
});

describe('Istio AuthorizationPolicy', () => {
  test('an empty spec allows nothing; a rule that is {} allows everything', () => {
    assert.equal(decide([ap('foo', 'allow-nothing', {})], req()), DENIED);
    assert.equal(decide([ap('foo', 'allow-nothing', { action: 'ALLOW', rules: [] })], req()), DENIED);
    assert.equal(decide([ap('foo', 'allow-all', { rules: [{}] })], req()), 'allow');
    assert.equal(decide([], req()), 'allow');
  });

  test('DENY wins over ALLOW; any ALLOW policy that matches allows', () => {
    const allowAll = ap('foo', 'allow-all', { rules: [{}] });
    const denyPost = ap('foo', 'deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    const allowGet = ap('foo', 'allow-get', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    assert.equal(decide([allowAll, denyPost], req({ method: 'POST' })), DENIED);
    assert.equal(decide([allowAll, denyPost], req({ method: 'GET' })), 'allow');
    assert.equal(decide([allowGet, ap('foo', 'allow-put', { rules: [{ to: [{ operation: { methods: ['PUT'] } }] }] })], req({ method: 'PUT' })), 'allow');
    assert.equal(decide([allowGet], req({ method: 'DELETE' })), DENIED);
    // A DENY policy alone denies only what it matches.
    assert.equal(decide([denyPost], req({ method: 'GET' })), 'allow');
  });

  test("principals and namespaces need mTLS: a plaintext request has no principal", () => {
    const viewer = ap('foo', 'details-viewer', { selector: { matchLabels: { app: 'httpbin' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-productpage'] } }], to: [{ operation: { methods: ['GET'] } }] }] });
    assert.equal(decide([viewer], req({ peerIdentity: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage' })), 'allow');
    assert.equal(decide([viewer], req({ peerIdentity: 'spiffe://cluster.local/ns/default/sa/sleep' })), DENIED);
    assert.equal(decide([viewer], req({ tls: false, peerIdentity: undefined })), DENIED);
    const ns = ap('foo', 'ns', { rules: [{ from: [{ source: { namespaces: ['foo'], notPrincipals: ['*/sa/sleep'] } }] }] });
    assert.equal(decide([ns], req({ peerIdentity: 'spiffe://cluster.local/ns/foo/sa/curl' })), 'allow');
    assert.equal(decide([ns], req({ peerIdentity: 'spiffe://cluster.local/ns/foo/sa/sleep' })), DENIED);
    assert.equal(decide([ns], req({ peerIdentity: 'spiffe://cluster.local/ns/bar/sa/curl' })), DENIED);
    const td = ap('foo', 'td', { rules: [{ from: [{ source: { trustDomains: ['cluster.local'] } }] }] });
    assert.equal(decide([td], req()), 'allow');
    assert.equal(decide([td], req({ peerIdentity: 'spiffe://other.domain/ns/foo/sa/sleep' })), DENIED);
    // notPrincipals: ["*"] matches exactly the requests without a principal.
    const denyPlain = ap('foo', 'deny-plain', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] });
    assert.equal(decide([denyPlain], req({ tls: false, peerIdentity: undefined })), DENIED);
    assert.equal(decide([denyPlain], req()), 'allow');
  });

  test('ipBlocks and notIpBlocks (addresses and CIDRs)', () => {
    const allow = ap('foo', 'ip', { rules: [{ from: [{ source: { ipBlocks: ['10.1.0.0/16'], notIpBlocks: ['10.1.0.66'] } }] }] });
    assert.equal(decide([allow], req({ sourceIP: '10.1.3.4' })), 'allow');
    assert.equal(decide([allow], req({ sourceIP: '10.1.0.66' })), DENIED);
    assert.equal(decide([allow], req({ sourceIP: '10.2.0.1' })), DENIED);
  });

  test("when[]: the authz-deny task's header condition, and source/destination keys", () => {
    // istio.io authz-deny: DENY GET unless x-token is admin.
    const deny = ap('foo', 'deny-method-get', { selector: { matchLabels: { app: 'httpbin' } }, action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'] } }], when: [{ key: 'request.headers[x-token]', notValues: ['admin'] }] }] });
    assert.equal(decide([deny], req({ headers: { 'x-token': 'admin' } })), 'allow');
    assert.equal(decide([deny], req({ headers: { 'x-token': 'guest' } })), DENIED);
    assert.equal(decide([deny], req()), DENIED, 'an absent header is not "admin"');
    assert.equal(decide([deny], req({ method: 'POST', headers: { 'x-token': 'guest' } })), 'allow');
    const keys = ap('foo', 'keys', { rules: [{ when: [
      { key: 'source.namespace', values: ['foo'] },
      { key: 'source.principal', values: ['cluster.local/ns/foo/*'] },
      { key: 'destination.port', values: ['8080'] },
      { key: 'destination.ip', values: ['10.1.0.0/24'] },
      { key: 'source.ip', notValues: ['10.9.0.0/16'] },
      { key: 'request.headers[User-Agent]', values: ['curl/*'] },
    ] }] });
    assert.equal(decide([keys], req({ headers: { 'user-agent': 'curl/8.5.0' } })), 'allow');
    assert.equal(decide([keys], req({ headers: { 'user-agent': 'wget' } })), DENIED);
    assert.equal(decide([keys], req({ headers: { 'user-agent': 'curl/8.5.0' }, port: 9000 })), DENIED);
  });

  test('an unsupported when key never matches in ALLOW and always matches in DENY (fail closed), and is reported', () => {
    const allow = ap('foo', 'sni', { rules: [{ when: [{ key: 'connection.sni', values: ['x'] }] }] });
    assert.equal(decide([allow], req()), DENIED);
    assert.match(compileAuthorizationPolicy(allow).problems.join('\n'), /connection\.sni.*not supported/);
    const jwt = ap('foo', 'jwt', { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }], when: [{ key: 'request.auth.claims[iss]', values: ['x'] }] }] });
    assert.equal(decide([jwt], req()), DENIED, 'no request carries a JWT principal');
    assert.match(compileAuthorizationPolicy(jwt).problems.join('\n'), /requestPrincipals .*RequestAuthentication/);
    assert.match(compileAuthorizationPolicy(jwt).problems.join('\n'), /request\.auth\.claims\[iss\].*RequestAuthentication/);
    const deny = ap('foo', 'sni-deny', { action: 'DENY', rules: [{ when: [{ key: 'connection.sni', values: ['x'] }] }] });
    assert.equal(decide([deny], req()), DENIED);
  });

  test('AUDIT changes nothing; CUSTOM without a provider denies what its rules match; dry-run is not enforced', () => {
    assert.equal(decide([ap('foo', 'audit', { action: 'AUDIT', rules: [{}] })], req()), 'allow');
    const custom = ap('foo', 'ext', { action: 'CUSTOM', provider: { name: 'my-ext-authz' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] });
    assert.equal(decide([custom], req({ path: '/admin/x' })), DENIED);
    assert.equal(decide([custom], req({ path: '/ip' })), 'allow');
    assert.match(compileAuthorizationPolicy(custom).problems.join('\n'), /CUSTOM needs an external authorizer/);
    assert.equal(decide([ap('foo', 'dry', {}, { annotations: { 'istio.io/dry-run': 'true' } })], req()), 'allow');
  });

  test('selectors choose workloads; root-namespace policies apply in every namespace; targetRefs never apply to sidecars', () => {
    const other = ap('foo', 'other', { selector: { matchLabels: { app: 'reviews' } } });
    assert.equal(decide([other], req()), 'allow');
    assert.equal(decide([], req(), [ap('istio-system', 'mesh-allow-nothing', {})]), DENIED);
    assert.equal(decide([], req(), [ap('istio-system', 'mesh-sel', { selector: { matchLabels: { app: 'httpbin' } } })]), DENIED);
    assert.equal(decide([], req(), [ap('istio-system', 'mesh-sel', { selector: { matchLabels: { app: 'nope' } } })]), 'allow');
    const target = ap('foo', 'gw', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }] });
    assert.equal(decide([target], req()), 'allow');
    assert.match(compileAuthorizationPolicy(target).problems.join('\n'), /targetRef/);
  });

  test('a denial is Envoy\'s: 403, body "RBAC: access denied", text/plain', () => {
    const d = authorizationLayer(pod, policiesFor(pod, [ap('foo', 'n', {})], []))!.authorize!(req());
    assert.deepEqual({ status: d?.status, body: d?.body, type: d?.headers?.['content-type'] }, { status: 403, body: 'RBAC: access denied', type: 'text/plain' });
  });
});

describe('Istio PeerAuthentication', () => {
  const mode = (local: KubeObject[], root: KubeObject[] = [], p: PodInfo = pod) => workloadMtls(p, local, root);

  test('workload > namespace > mesh; UNSET inherits; default PERMISSIVE', () => {
    assert.equal(mode([]).mode, 'PERMISSIVE');
    const mesh = pa('istio-system', 'default', { mtls: { mode: 'STRICT' } });
    assert.equal(mode([], [mesh]).mode, 'STRICT');
    assert.equal(mode([pa('foo', 'default', { mtls: { mode: 'PERMISSIVE' } })], [mesh]).mode, 'PERMISSIVE');
    assert.equal(mode([pa('foo', 'default', { mtls: { mode: 'UNSET' } })], [mesh]).mode, 'STRICT');
    assert.equal(mode([pa('foo', 'default', {})], [mesh]).mode, 'STRICT');
    assert.equal(mode([pa('foo', 'ns', { mtls: { mode: 'PERMISSIVE' } }), pa('foo', 'wl', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'DISABLE' } })], [mesh]).mode, 'DISABLE');
    assert.equal(mode([pa('foo', 'wl', { selector: { matchLabels: { app: 'other' } }, mtls: { mode: 'DISABLE' } })], [mesh]).mode, 'STRICT');
    // A root-namespace policy with a selector is not a workload policy elsewhere (as pilot composes them).
    assert.equal(mode([], [pa('istio-system', 'sel', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'STRICT' } })]).mode, 'PERMISSIVE');
  });

  test('the oldest of equals wins', () => {
    const older = pa('foo', 'b-older', { mtls: { mode: 'STRICT' } });
    const newer = pa('foo', 'a-newer', { mtls: { mode: 'DISABLE' } });
    assert.equal(mode([newer, older]).mode, 'STRICT');
  });

  test('portLevelMtls by container port; UNSET there inherits the workload mode', () => {
    const wl = pa('foo', 'wl', { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' }, '9090': { mode: 'UNSET' } } });
    const m = mode([wl]);
    assert.equal(m.mode, 'STRICT');
    assert.equal(m.perPort.get(8080), 'DISABLE');
    assert.equal(m.perPort.get(9090), 'STRICT');
    const layer = peerAuthenticationLayer(m)!;
    assert.match(layer.refuseConnection!({ port: 80, tls: false, sourceIP: '10.0.0.1' }) ?? '', /STRICT/);
    assert.equal(layer.refuseConnection!({ port: 8080, tls: false, sourceIP: '10.0.0.1' }), undefined);
    assert.match(layer.refuseConnection!({ port: 8080, tls: true, peerIdentity: 'spiffe://cluster.local/ns/foo/sa/x', sourceIP: '10.0.0.1' }) ?? '', /DISABLE/);
    assert.equal(layer.refuseConnection!({ port: 80, tls: true, peerIdentity: 'spiffe://cluster.local/ns/foo/sa/x', sourceIP: '10.0.0.1' }), undefined);
    assert.equal(peerAuthenticationLayer(mode([])), undefined, 'PERMISSIVE everywhere: no layer, the fast path stays');
  });
});
