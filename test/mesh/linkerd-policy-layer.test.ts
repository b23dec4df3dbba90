// Linkerd's inbound policy as the control plane compiles it for one pod (control-plane/linkerd/): every
// default-inbound-policy value, Server port selection (number, name, oldest wins), AuthorizationPolicy with
// MeshTLSAuthentication / NetworkAuthentication / ServiceAccount, ServerAuthorization, accessPolicy, routes on a
// Server (404 off-route, per-route authorization, the probe route), opaque ports refused per connection, and the
// authz counters with Linkerd's labels. Pure: objects in, decisions out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import type { AuthzMetricName, InboundConnectionFacts, InboundRequestFacts } from '../../sandbox/mesh/config/inbound-policy.js';
import type { PodInfo } from '../../sandbox/mesh/config/snapshot.js';
import { compileLinkerdPolicy, type LinkerdPolicySources } from '../../sandbox/mesh/control-plane/linkerd/namespace-policy.js';
import { linkerdInboundLayer } from '../../sandbox/mesh/control-plane/linkerd/linkerd-inbound-layer.js';
import { AuthzMetrics } from '../../sandbox/mesh/proxy/authz-metrics.js';
import { inheritDefaultInboundPolicy } from '../../sandbox/mesh/injector.js';
import { compileNetwork, isAuthorized, type CompiledNetwork } from '../../sandbox/mesh/control-plane/linkerd/client-authorization.js';
import { parentStatuses, resolveParents } from '../../sandbox/mesh/control-plane/route-parents.js';
import { validatePolicyObject } from '../../sandbox/mesh/control-plane/linkerd/policy-validator.js';

const NS = 'emojivoto';
const WEB = 'spiffe://cluster.local/ns/emojivoto/sa/web';
const EMOJI = 'spiffe://cluster.local/ns/emojivoto/sa/emoji';
const IN_CLUSTER = '127.1.0.9'; // the sandbox's pod network
const OUTSIDE = '127.99.0.1';

let seq = 0;
const obj = (apiVersion: string, kind: string, name: string, spec: unknown, extra: Partial<KubeObject['metadata']> = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name, namespace: NS, creationTimestamp: `2026-01-01T00:00:${String(seq++).padStart(2, '0')}Z`, ...extra }, spec }) as KubeObject;

function votingPod(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'voting-1', namespace: NS, labels: { app: 'voting-svc' }, annotations },
    spec: {
      containers: [
        { name: 'voting-svc', ports: [{ name: 'grpc', containerPort: 8080 }, { name: 'prom', containerPort: 8801 }], readinessProbe: { httpGet: { path: '/ready', port: 'prom' } } },
      ],
    },
  } as unknown as KubeObject;
}
const info: PodInfo = { namespace: NS, name: 'voting-1', ip: '127.1.0.2', serviceAccount: 'voting', meshed: true, labels: { app: 'voting-svc' } };

interface World {
  nsAnnotations?: Record<string, string>;
  pod?: KubeObject;
  objects?: KubeObject[];
}

function layerOf(w: World) {
  const sources: LinkerdPolicySources = {
    linkerdServers: new Map(),
    linkerdAuthorizationPolicies: new Map(),
    linkerdServerAuthorizations: new Map(),
    meshTlsAuthentications: new Map(),
    networkAuthentications: new Map(),
    linkerdHttpRoutes: new Map(),
    httproutes: new Map(),
    grpcroutes: new Map(),
  };
  for (const o of w.objects ?? []) {
    const key = ({
      Server: 'linkerdServers',
      AuthorizationPolicy: 'linkerdAuthorizationPolicies',
      ServerAuthorization: 'linkerdServerAuthorizations',
      MeshTLSAuthentication: 'meshTlsAuthentications',
      NetworkAuthentication: 'networkAuthentications',
      HTTPRoute: o.apiVersion.startsWith('policy.linkerd.io') ? 'linkerdHttpRoutes' : 'httproutes',
      GRPCRoute: 'grpcroutes',
    } as Record<string, keyof LinkerdPolicySources>)[o.kind];
    sources[key].set(o.metadata.name!, o);
  }
  const problems: string[] = [];
  const policy = compileLinkerdPolicy(NS, sources, problems);
  const pod = w.pod ?? votingPod();
  // The namespace's annotation reaches the pod as Linkerd's injector puts it there, at creation.
  if (w.nsAnnotations) inheritDefaultInboundPolicy(pod, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, annotations: w.nsAnnotations } } as KubeObject);
  const layer = linkerdInboundLayer(info, pod, policy, problems);
  return { layer, problems };
}

const conn = (c: Partial<InboundConnectionFacts> = {}): InboundConnectionFacts => ({ port: 8080, tls: true, peerIdentity: WEB, sourceIP: IN_CLUSTER, ...c });
const req = (r: Partial<InboundRequestFacts> = {}): InboundRequestFacts => ({ ...conn(), method: 'POST', path: '/emojivoto.v1.VotingService/VoteDog', headers: {}, authority: 'voting-svc:8080', ...r });
const status = (l: ReturnType<typeof layerOf>['layer'], r: Partial<InboundRequestFacts> = {}) => l?.authorize?.(req(r))?.status ?? 200;

const SERVER = obj('policy.linkerd.io/v1beta1', 'Server', 'voting-grpc', { podSelector: { matchLabels: { app: 'voting-svc' } }, port: 'grpc', proxyProtocol: 'gRPC' });

test('default-inbound-policy: every value, from the pod annotation (the namespace\'s copied at injection), else all-unauthenticated', () => {
  assert.equal(layerOf({}).layer, undefined, 'all-unauthenticated with no Server: no layer (the proxy keeps its fast path)');
  const plain = { tls: false, peerIdentity: undefined };
  const cases: [string, Partial<InboundRequestFacts>, number][] = [
    ['all-authenticated', {}, 200],
    ['all-authenticated', plain, 403],
    ['all-authenticated', { sourceIP: OUTSIDE }, 200],
    ['cluster-authenticated', {}, 200],
    ['cluster-authenticated', { sourceIP: OUTSIDE }, 403],
    ['cluster-authenticated', { ...plain }, 403],
    ['cluster-unauthenticated', plain, 200],
    ['cluster-unauthenticated', { ...plain, sourceIP: OUTSIDE }, 403],
    ['deny', {}, 403],
    ['deny', plain, 403],
    ['audit', plain, 200],
  ];
  for (const [value, r, want] of cases) {
    assert.equal(status(layerOf({ pod: votingPod({ 'config.linkerd.io/default-inbound-policy': value }) }).layer, r), want, `pod ${value} ${JSON.stringify(r)}`);
    assert.equal(status(layerOf({ nsAnnotations: { 'config.linkerd.io/default-inbound-policy': value } }).layer, r), want, `namespace ${value} ${JSON.stringify(r)}`);
  }
  // The pod's annotation wins over the namespace's.
  assert.equal(status(layerOf({ nsAnnotations: { 'config.linkerd.io/default-inbound-policy': 'deny' }, pod: votingPod({ 'config.linkerd.io/default-inbound-policy': 'all-unauthenticated' }) }).layer), 200);
  const typo = layerOf({ pod: votingPod({ 'config.linkerd.io/default-inbound-policy': 'denied' }) });
  assert.equal(typo.layer, undefined, 'an invalid value falls back to the cluster default');
  assert.match(typo.problems.join('\n'), /"denied" is not one of .* the cluster default \(all-unauthenticated\) applies/);
});

test("deny answers as linkerd2-proxy does: 403, `l5d-proxy-error: unauthorized request on route`, empty body; the pod's probe path stays open", () => {
  const { layer } = layerOf({ pod: votingPod({ 'config.linkerd.io/default-inbound-policy': 'deny' }) });
  assert.deepEqual(layer!.authorize!(req()), { status: 403, message: 'unauthorized request on route', body: '' });
  assert.equal(status(layer, { port: 8801, method: 'GET', path: '/ready', tls: false, peerIdentity: undefined, sourceIP: OUTSIDE }), 200, 'the default `probe` route');
  assert.equal(status(layer, { port: 8801, method: 'GET', path: '/metrics', tls: false }), 403);
  assert.equal(layer!.refuseConnection!(conn()), undefined, 'HTTP (detected) ports decide per request');
});

test('a Server on the gRPC port (by name) denies every client until authorized; other ports keep the default', () => {
  const { layer } = layerOf({ objects: [SERVER] });
  assert.equal(status(layer), 403, 'no authorization yet: even web is denied');
  assert.equal(status(layer, { port: 8801, tls: false }), 200, 'port 8801 has no Server: all-unauthenticated');
});

test('AuthorizationPolicy + MeshTLSAuthentication naming web: only web may call voting', () => {
  const ap = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'voting-policy', {
    targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' },
    requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'web-authn' }],
  });
  for (const identities of [['web.emojivoto.serviceaccount.identity.linkerd.cluster.local'], [WEB]]) {
    const authn = obj('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'web-authn', { identities });
    const { layer } = layerOf({ objects: [SERVER, ap, authn] });
    assert.equal(status(layer), 200, `web (${identities[0]})`);
    assert.equal(status(layer, { peerIdentity: EMOJI }), 403, 'emoji');
    assert.equal(status(layer, { tls: false, peerIdentity: undefined }), 403, 'plaintext');
  }
  const byRef = obj('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'web-authn', { identityRefs: [{ kind: 'ServiceAccount', name: 'web' }] });
  assert.equal(status(layerOf({ objects: [SERVER, ap, byRef] }).layer), 200);
  assert.equal(status(layerOf({ objects: [SERVER, ap, byRef] }).layer, { peerIdentity: EMOJI }), 403);
  const nsRef = obj('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'web-authn', { identityRefs: [{ kind: 'Namespace', name: 'emojivoto' }] });
  assert.equal(status(layerOf({ objects: [SERVER, ap, nsRef] }).layer, { peerIdentity: EMOJI }), 200, 'a Namespace identityRef: every ServiceAccount there');
  assert.equal(status(layerOf({ objects: [SERVER, ap, nsRef] }).layer, { peerIdentity: 'spiffe://cluster.local/ns/other/sa/web' }), 403);
  const star = obj('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'web-authn', { identities: ['*'] });
  assert.equal(status(layerOf({ objects: [SERVER, ap, star] }).layer, { peerIdentity: EMOJI }), 200, '`*`: every meshed client');
  assert.equal(status(layerOf({ objects: [SERVER, ap, star] }).layer, { tls: false, peerIdentity: undefined }), 403, '`*` still needs mTLS');

  // A missing MeshTLSAuthentication makes the policy illegal: it grants nothing, and says so.
  const missing = layerOf({ objects: [SERVER, ap] });
  assert.equal(status(missing.layer), 403);
  assert.match(missing.problems.join('\n'), /could not find MeshTLSAuthentication web-authn in namespace emojivoto; ignored/);
});

test('ServiceAccount refs, NetworkAuthentication (cidr/except), all refs required, and a Namespace target', () => {
  const sa = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'sa', { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' }, requiredAuthenticationRefs: [{ kind: 'ServiceAccount', name: 'web' }] });
  assert.equal(status(layerOf({ objects: [SERVER, sa] }).layer), 200);
  assert.equal(status(layerOf({ objects: [SERVER, sa] }).layer, { peerIdentity: EMOJI }), 403);

  const net = obj('policy.linkerd.io/v1alpha1', 'NetworkAuthentication', 'pods', { networks: [{ cidr: '127.1.0.0/16', except: ['127.1.0.9/32'] }] });
  const both = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'both', {
    targetRef: { kind: 'Namespace', name: NS },
    requiredAuthenticationRefs: [{ kind: 'ServiceAccount', name: 'web' }, { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'pods' }],
  });
  const { layer } = layerOf({ objects: [SERVER, net, both] });
  assert.equal(status(layer, { sourceIP: '127.1.0.7' }), 200, 'web from the network');
  assert.equal(status(layer, { sourceIP: IN_CLUSTER }), 403, 'an excepted address');
  assert.equal(status(layer, { sourceIP: '127.1.0.7', peerIdentity: EMOJI }), 403, 'the network alone is not enough');
  const netOnly = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'net', { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' }, requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'pods' }] });
  assert.equal(status(layerOf({ objects: [SERVER, net, netOnly] }).layer, { tls: false, peerIdentity: undefined, sourceIP: '127.1.0.7' }), 200, 'network only: no mTLS needed');
});

test("ServerAuthorization (the restricting-access task's): meshTLS serviceAccounts, by server name or label selector", () => {
  const saz = obj('policy.linkerd.io/v1beta1', 'ServerAuthorization', 'voting-grpc', { server: { name: 'voting-grpc' }, client: { meshTLS: { serviceAccounts: [{ name: 'web' }] } } });
  const { layer } = layerOf({ objects: [SERVER, saz] });
  assert.equal(status(layer), 200);
  assert.equal(status(layer, { peerIdentity: EMOJI }), 403);
  const labelled = obj('policy.linkerd.io/v1beta1', 'Server', 'voting-grpc', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['voting-svc', 'emoji-svc'] }] }, port: 8080 }, { labels: { tier: 'backend' } });
  const bySelector = obj('policy.linkerd.io/v1beta1', 'ServerAuthorization', 'backend', { server: { selector: { matchLabels: { tier: 'backend' } } }, client: { unauthenticated: true } });
  assert.equal(status(layerOf({ objects: [labelled, bySelector] }).layer, { tls: false, peerIdentity: undefined }), 200, 'unauthenticated from the cluster network');
  assert.equal(status(layerOf({ objects: [labelled, bySelector] }).layer, { tls: false, peerIdentity: undefined, sourceIP: OUTSIDE }), 403, 'no networks: the cluster networks only');
});

test('accessPolicy (v1beta3): audit and all-unauthenticated let unmatched traffic through; the older Server wins a port', () => {
  const audit = obj('policy.linkerd.io/v1beta3', 'Server', 'voting-grpc', { podSelector: { matchLabels: { app: 'voting-svc' } }, port: 8080, accessPolicy: 'audit' });
  const logged: string[] = [];
  assert.equal(status(layerOf({ objects: [audit] }).layer, { tls: false, peerIdentity: undefined, log: (l) => logged.push(l) }), 200);
  assert.equal(logged.length, 1, 'audit mode logs what it lets through');
  assert.match(logged[0], /^INFO .*Request allowed server\.group=policy\.linkerd\.io server\.kind=server server\.name=voting-grpc .*authz\.name=audit client\.tls=None\(NoClientHello\) client\.ip=127\.1\.0\.9$/);
  const later = obj('policy.linkerd.io/v1beta3', 'Server', 'zz-open', { podSelector: { matchLabels: { app: 'voting-svc' } }, port: 'grpc', accessPolicy: 'all-unauthenticated' });
  const { layer, problems } = layerOf({ objects: [SERVER, later] });
  assert.equal(status(layer), 403, 'voting-grpc (older) owns port 8080');
  assert.match(problems.join('\n'), /port 8080 is already selected by Server voting-grpc/);
  const external = obj('policy.linkerd.io/v1beta3', 'Server', 'ext', { externalWorkloadSelector: { matchLabels: { app: 'x' } }, port: 8080 });
  assert.match(layerOf({ objects: [external] }).problems.join('\n'), /externalWorkloadSelector is not supported/);
});

test('routes on a Server: requests off every route get 404; each route has its own authorizations; the probe route goes', () => {
  const server = obj('policy.linkerd.io/v1beta3', 'Server', 'authors-server', { podSelector: { matchLabels: { app: 'voting-svc' } }, port: 'prom' });
  const getRoute = obj('policy.linkerd.io/v1beta1', 'HTTPRoute', 'authors-get-route', {
    parentRefs: [{ name: 'authors-server', kind: 'Server', group: 'policy.linkerd.io' }],
    rules: [{ matches: [{ path: { value: '/authors.json' }, method: 'GET' }, { path: { value: '/authors/', type: 'PathPrefix' }, method: 'GET' }] }],
  });
  const probeRoute = obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'authors-probe-route', {
    parentRefs: [{ name: 'authors-server', kind: 'Server', group: 'policy.linkerd.io' }],
    rules: [{ matches: [{ path: { type: 'Exact', value: '/ping' }, method: 'GET' }] }],
  });
  const getPolicy = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'authors-get-policy', {
    targetRef: { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'authors-get-route' },
    requiredAuthenticationRefs: [{ name: 'authors-get-authn', kind: 'MeshTLSAuthentication', group: 'policy.linkerd.io' }],
  });
  const getAuthn = obj('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'authors-get-authn', { identities: ['web.emojivoto.serviceaccount.identity.linkerd.cluster.local'] });
  const probeAuthn = obj('policy.linkerd.io/v1alpha1', 'NetworkAuthentication', 'probe-authn', { networks: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }] });
  const probePolicy = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'probe-policy', {
    targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'authors-probe-route' },
    requiredAuthenticationRefs: [{ name: 'probe-authn', kind: 'NetworkAuthentication', group: 'policy.linkerd.io' }],
  });
  const { layer } = layerOf({ objects: [server, getRoute, probeRoute, getPolicy, getAuthn, probeAuthn, probePolicy] });
  const on = (r: Partial<InboundRequestFacts>) => status(layer, { port: 8801, method: 'GET', ...r });
  assert.equal(on({ path: '/authors/1.json' }), 200, 'web on the GET route');
  assert.equal(on({ path: '/authors.json', peerIdentity: EMOJI }), 403, 'emoji is not in authors-get-authn');
  assert.equal(on({ path: '/authors/1.json', method: 'DELETE' }), 404, 'no route for DELETE');
  assert.deepEqual(layer!.authorize!(req({ port: 8801, method: 'DELETE', path: '/authors/1' })), { status: 404, message: 'no route found for request', body: '' });
  assert.equal(on({ path: '/ping', tls: false, peerIdentity: undefined, sourceIP: OUTSIDE }), 200, 'the probe route, from anywhere');
  assert.equal(on({ path: '/ready', tls: false }), 404, "with routes attached, the pod's own probe route is gone");
  assert.equal(status(layer, { port: 8080, tls: false }), 200, 'routes attach to their Server only');

  // A Server-level authorization covers every route of the Server.
  const serverWide = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'all-meshed', { targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'authors-server' }, requiredAuthenticationRefs: [{ kind: 'ServiceAccount', name: 'emoji' }] });
  const withServerWide = layerOf({ objects: [server, getRoute, getPolicy, getAuthn, serverWide] }).layer;
  assert.equal(status(withServerWide, { port: 8801, method: 'GET', path: '/authors.json', peerIdentity: EMOJI }), 200);
});

test('opaque Servers are authorized per connection: a refused client is closed before any request', () => {
  const opaque = obj('policy.linkerd.io/v1beta1', 'Server', 'voting-tcp', { podSelector: { matchLabels: { app: 'voting-svc' } }, port: 8080, proxyProtocol: 'opaque' });
  const saz = obj('policy.linkerd.io/v1beta1', 'ServerAuthorization', 'web-only', { server: { name: 'voting-tcp' }, client: { meshTLS: { identities: ['web.emojivoto.serviceaccount.identity.linkerd.cluster.local'] } } });
  const { layer } = layerOf({ objects: [opaque, saz] });
  assert.equal(layer!.refuseConnection!(conn()), undefined);
  assert.equal(layer!.refuseConnection!(conn({ peerIdentity: EMOJI })), 'unauthorized connection on server/voting-tcp');
  assert.equal(status(layer), 200, 'no per-request check on an opaque port');
});

test("decisions count in Linkerd's authz metrics, labelled by server, route, authorization and client", () => {
  const metrics = new AuthzMetrics();
  const saz = obj('policy.linkerd.io/v1beta1', 'ServerAuthorization', 'voting-grpc', { server: { name: 'voting-grpc' }, client: { meshTLS: { serviceAccounts: [{ name: 'web' }] } } });
  const { layer } = layerOf({ objects: [SERVER, saz] });
  layer!.authorize!(req({ metrics }));
  layer!.authorize!(req({ metrics }));
  layer!.authorize!(req({ metrics, peerIdentity: EMOJI }));
  const text = metrics.lines(0).join('\n');
  const srv = 'srv_group="policy.linkerd.io",srv_kind="server",srv_name="voting-grpc",srv_port="8080",route_group="",route_kind="default",route_name="default"';
  assert.ok(text.includes(`inbound_http_authz_allow_total{${srv},authz_group="policy.linkerd.io",authz_kind="serverauthorization",authz_name="voting-grpc",tls="true",client_id="web.emojivoto.serviceaccount.identity.linkerd.cluster.local"} 2`), text);
  assert.ok(text.includes(`inbound_http_authz_deny_total{${srv},tls="true",client_id="emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local"} 1`), text);
  assert.ok(text.includes('inbound_tcp_authz_deny_total 0'), 'the TCP family is always exposed');
  const m = new AuthzMetrics();
  for (let i = 0; i < 2100; i++) m.count('inbound_http_authz_deny_total' as AuthzMetricName, `client_id="c${i}"`);
  assert.match(m.lines(0).join('\n'), /inbound_http_authz_deny_total\{overflow="true"\} 100/, 'series are bounded');
});

test('a Gateway API HTTPRoute whose parent is a Server is accepted as an inbound route (a missing Server is not)', () => {
  const refs = [{ group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' }, { group: 'policy.linkerd.io', kind: 'Server', name: 'nope' }];
  const parents = resolveParents('HTTPRoute', NS, refs, () => undefined, undefined, (ns, name) => ns === NS && name === 'voting-grpc');
  assert.deepEqual(parents[0].server, { namespace: NS, name: 'voting-grpc' });
  assert.equal(parents[1].problem?.reason, 'NoMatchingParent');
  const [accepted] = parentStatuses(parents, { accepted: [], refs: [] });
  assert.equal(accepted.conditions[0].status, 'True');
  assert.match(accepted.conditions[0].message, /Linkerd Server/);
});

test('networks: IPv4 and IPv6 CIDRs with exceptions, invalid CIDRs refused', () => {
  const authz = (cidr: string, except: string[] = []) => {
    const net = compileNetwork(cidr, except);
    assert.notEqual(typeof net, 'string', cidr);
    return { ref: { group: '', kind: 'default' as const, name: 't' }, authentication: { kind: 'unauthenticated' as const }, networks: [net as CompiledNetwork] };
  };
  const from = (sourceIP: string) => conn({ sourceIP });
  assert.ok(isAuthorized(authz('0.0.0.0/0'), from('127.1.2.3')));
  assert.ok(!isAuthorized(authz('0.0.0.0/0'), from('fd00::1')), 'an IPv4 network does not admit IPv6 clients');
  assert.ok(isAuthorized(authz('127.1.0.0/16', ['127.1.9.0/24']), from('127.1.8.255')));
  assert.ok(!isAuthorized(authz('127.1.0.0/16', ['127.1.9.0/24']), from('127.1.9.1')));
  assert.ok(isAuthorized(authz('10.0.0.7/32'), from('10.0.0.7')));
  assert.ok(!isAuthorized(authz('10.0.0.7/32'), from('10.0.0.8')));
  assert.ok(isAuthorized(authz('255.255.255.0/24'), from('255.255.255.255')), 'the top of the IPv4 space (unsigned arithmetic)');
  assert.ok(isAuthorized(authz('fd00::/8', ['fd00::1/128']), from('fd00::2')));
  assert.ok(!isAuthorized(authz('fd00::/8', ['fd00::1/128']), from('fd00::1')));
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'example.com/8', '10.0.0.0/8/1', '']) assert.equal(typeof compileNetwork(bad), 'string', bad);
});

test('a gRPC Server uses GRPCRoutes (HTTPRoutes attached to it do not apply); an AuthorizationPolicy may target a GRPCRoute', () => {
  const grpcRoute = obj('gateway.networking.k8s.io/v1', 'GRPCRoute', 'vote-dog', {
    parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' }],
    rules: [{ matches: [{ method: { service: 'emojivoto.v1.VotingService', method: 'VoteDog' } }] }],
  });
  const httpRoute = obj('policy.linkerd.io/v1beta1', 'HTTPRoute', 'ignored', { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' }], rules: [{ matches: [{ path: { type: 'Exact', value: '/nothing' } }] }] });
  const policy = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'dog-voters', {
    targetRef: { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'vote-dog' },
    requiredAuthenticationRefs: [{ kind: 'ServiceAccount', name: 'emoji' }],
  });
  const { layer } = layerOf({ objects: [SERVER, grpcRoute, httpRoute, policy] });
  assert.equal(status(layer, { peerIdentity: EMOJI }), 200, 'emoji may VoteDog');
  assert.equal(status(layer), 403, 'web may not');
  assert.equal(status(layer, { peerIdentity: EMOJI, path: '/emojivoto.v1.VotingService/VoteJoy' }), 404, 'no GRPCRoute matches VoteJoy');
  assert.equal(status(layer, { peerIdentity: EMOJI, path: '/nothing' }), 404, 'the HTTPRoute does not apply to a gRPC Server');
});

test('a policy cannot reach beyond its namespace: another Namespace target, or authentications elsewhere, grant nothing', () => {
  const otherNs = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'elsewhere', { targetRef: { kind: 'Namespace', name: 'kube-system' }, requiredAuthenticationRefs: [] });
  const remoteAuthn = obj('policy.linkerd.io/v1alpha1', 'AuthorizationPolicy', 'remote', {
    targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'voting-grpc' },
    requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'everyone', namespace: 'attacker' }],
  });
  const { layer, problems } = layerOf({ objects: [SERVER, otherNs, remoteAuthn] });
  assert.equal(status(layer), 403);
  assert.equal(status(layer, { tls: false, peerIdentity: undefined }), 403);
  assert.match(problems.join('\n'), /a Namespace target must name the policy's own namespace emojivoto \(got "kube-system"\); ignored/);
  assert.match(problems.join('\n'), /could not find NetworkAuthentication everyone in namespace attacker; ignored/);
});

test("the policy validator's checks and messages (Linkerd's admission.rs)", () => {
  const v = validatePolicyObject;
  const mtls = (name: string) => ({ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name });
  const target = { group: 'policy.linkerd.io', kind: 'Server', name: 's' };
  assert.equal(v('AuthorizationPolicy', NS, { targetRef: target, requiredAuthenticationRefs: [mtls('a'), { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'n' }] }), undefined);
  assert.equal(v('AuthorizationPolicy', NS, { targetRef: { kind: 'Namespace', name: 'other' } }), 'cannot target another namespace: other');
  assert.equal(v('AuthorizationPolicy', NS, { targetRef: target, requiredAuthenticationRefs: [mtls('a'), { kind: 'ServiceAccount', name: 'web' }] }), 'a MeshTLSAuthentication and ServiceAccount may not be set together');
  assert.equal(v('AuthorizationPolicy', NS, { targetRef: target, requiredAuthenticationRefs: [{ kind: 'Secret', name: 'x' }] }), 'unsupported authentication kind(s): Secret');
  assert.equal(v('AuthorizationPolicy', NS, { targetRef: { group: 'apps', kind: 'Deployment', name: 'web' } }), 'unsupported authorization target type: Deployment.apps');
  assert.equal(v('MeshTLSAuthentication', NS, { identityRefs: [{ kind: 'Namespace', name: 'x', namespace: 'y' }] }), 'Namespace identity_ref is cluster-scoped and cannot have a namespace');
  assert.equal(v('NetworkAuthentication', NS, { networks: [] }), 'at least one network must be specified');
  assert.equal(v('NetworkAuthentication', NS, { networks: [{ cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }] }), "cidr '10.0.0.0/8' does not include exception '192.168.0.0/16'");
  assert.equal(v('NetworkAuthentication', NS, { networks: [{ cidr: 'fd00::/8', except: ['fd00::/16'] }, { cidr: '::/0', except: ['::ffff:10.0.0.0/104'] }] }), undefined);
  assert.equal(v('NetworkAuthentication', NS, { networks: [{ cidr: 'fd00::/16', except: ['fd00::/8'] }] }), "cidr 'fd00::/16' is completely negated by exception 'fd00::/8'");
  assert.equal(v('ServerAuthorization', NS, { client: { unauthenticated: true, meshTLS: { identities: ['*'] } } }), '`unauthenticated` must be false if `mesh_tls` is specified');
  assert.equal(v('Server', NS, { accessPolicy: 'open' }), `Invalid 'accessPolicy' field: invalid mode: "open"`);
  assert.equal(v('Server', NS, { accessPolicy: 'audit' }), undefined);
});
