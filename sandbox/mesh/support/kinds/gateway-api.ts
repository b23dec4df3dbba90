// The Gateway API kinds (gateway.networking.k8s.io, GAMMA form): what the sandbox mesh honours, read from the
// compilers (control-plane/http-route-compiler.ts, http-filter-compiler.ts, grpc-route-compiler.ts, route-parents.ts).
// Most problems are reported in the route's status.parents[] conditions, as upstream implementations report them;
// apply-time warnings are on because `sessionPersistence` and `useDefaultGateways` would otherwise be ignored
// without a word (the compilers do not read them).
import type { FieldSupport, KindSupport } from '../support-registry.js';
import { MAX_RETRY_ATTEMPTS } from '../../constants.js';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Fields both route kinds share: parents, hostnames, backends, session persistence. */
const ROUTE_COMMON: FieldSupport[] = [
  {
    path: 'spec.parentRefs',
    support: 'partial',
    note: 'Service parents only (group "" or core, kind Service; port or sectionName picks one Service port). A Gateway or any other parent gets Accepted=False (NoMatchingParent / UnsupportedValue): the sandbox has no Gateway controller',
  },
  { path: 'spec.hostnames', support: 'partial', note: 'not matched on, as GEP-1294 asks of mesh implementations: match the Host header instead' },
  { path: 'spec.useDefaultGateways', support: 'none', note: 'it attaches routes to default Gateways, and the sandbox has no Gateway controller' },
  { path: 'spec.rules', support: 'full' },
  { path: 'spec.rules[].name', support: 'full', note: 'shown as <route>/<rule> in x-mesh-route and the per-route metrics' },
  {
    path: 'spec.rules[].backendRefs',
    support: 'partial',
    note: 'core Services with weights (a rule without backendRefs goes to the parent Service); other kinds get ResolvedRefs=False (InvalidKind) and their share of requests a 500. A backend in another namespace is used without a ReferenceGrant',
  },
  { path: 'spec.rules[].sessionPersistence', support: 'none', note: 'requests are not pinned to an endpoint: each one is balanced (power of two choices over peak-EWMA latency)' },
];

/** A filter type the mesh does not implement: the route says so in its status and the rule (or backend) answers 500. */
const notImplementedFilter = (path: string, what: string): FieldSupport => ({
  path,
  support: 'none',
  note: `${what}: the route gets Accepted=False (UnsupportedValue) and its requests an HTTP 500, as the spec asks for a filter that cannot be applied`,
});

const HTTP_ROUTE: KindSupport = {
  api: 'Gateway API',
  group: GATEWAY_API_GROUP,
  kind: 'HTTPRoute',
  versions: ['v1', 'v1beta1'],
  summary: 'L7 routing for the Service a client dialled (GAMMA): matches, weighted backends, filters, timeouts and retries in every client sidecar.',
  docs: 'https://gateway-api.sigs.k8s.io/reference/spec/#httproute',
  warnOnApply: true,
  fields: [
    ...ROUTE_COMMON,
    { path: 'spec.rules[].matches[].path', support: 'full', note: 'Exact, PathPrefix (on path elements), RegularExpression (JavaScript syntax, whole path)' },
    { path: 'spec.rules[].matches[].headers', support: 'full', note: 'Exact, RegularExpression' },
    { path: 'spec.rules[].matches[].queryParams', support: 'full', note: 'Exact, RegularExpression' },
    { path: 'spec.rules[].matches[].method', support: 'full' },
    {
      path: 'spec.rules[].filters',
      support: 'partial',
      note: 'RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite (hostname, path), RequestMirror (percent / fraction; bodies over 64 KiB are not copied); combinations the CRD\'s CEL forbids get Accepted=False (IncompatibleFilters)',
    },
    { path: 'spec.rules[].filters[].extensionRef', support: 'partial', note: 'sandbox-only: a ConfigMap holding Istio\'s fault vocabulary (abort.httpStatus, abort.percentage, delay.fixedDelay, delay.percentage); any other kind gets ResolvedRefs=False (InvalidKind)' },
    notImplementedFilter('spec.rules[].filters[].cors', 'the CORS filter is not implemented'),
    notImplementedFilter('spec.rules[].filters[].externalAuth', 'the ExternalAuth filter is not implemented'),
    { path: 'spec.rules[].backendRefs[].filters', support: 'partial', note: 'the rule filters above, applied only when that backend is chosen' },
    notImplementedFilter('spec.rules[].backendRefs[].filters[].extensionRef', 'the fault ExtensionRef works on rules only'),
    notImplementedFilter('spec.rules[].backendRefs[].filters[].cors', 'the CORS filter is not implemented'),
    notImplementedFilter('spec.rules[].backendRefs[].filters[].externalAuth', 'the ExternalAuth filter is not implemented'),
    { path: 'spec.rules[].timeouts', support: 'full', note: 'request and backendRequest (per try); "0s" disables' },
    {
      path: 'spec.rules[].retry',
      support: 'full',
      note: `attempts counts retries after the first try (at most ${MAX_RETRY_ATTEMPTS}); backoff is the first wait, doubled per retry; codes default to 500, 502, 503, 504`,
    },
  ],
};

const GRPC_ROUTE: KindSupport = {
  api: 'Gateway API',
  group: GATEWAY_API_GROUP,
  kind: 'GRPCRoute',
  versions: ['v1'],
  summary: 'gRPC routing by service and method (a path match on /package.Service/Method), with HTTPRoute\'s backends and filters; on a Service port with both kinds the GRPCRoute applies.',
  docs: 'https://gateway-api.sigs.k8s.io/reference/spec/#grpcroute',
  warnOnApply: true,
  fields: [
    ...ROUTE_COMMON,
    { path: 'spec.rules[].matches[].method', support: 'full', note: 'Exact and RegularExpression on service, method or both' },
    { path: 'spec.rules[].matches[].headers', support: 'full', note: 'Exact, RegularExpression' },
    { path: 'spec.rules[].filters', support: 'partial', note: 'RequestHeaderModifier, ResponseHeaderModifier, RequestMirror' },
    { path: 'spec.rules[].filters[].extensionRef', support: 'partial', note: 'sandbox-only: the fault ConfigMap, as on HTTPRoute' },
    { path: 'spec.rules[].backendRefs[].filters', support: 'partial', note: 'the rule filters above, applied only when that backend is chosen' },
    notImplementedFilter('spec.rules[].backendRefs[].filters[].extensionRef', 'the fault ExtensionRef works on rules only'),
  ],
};

export const GATEWAY_API_KINDS: KindSupport[] = [HTTP_ROUTE, GRPC_ROUTE];
