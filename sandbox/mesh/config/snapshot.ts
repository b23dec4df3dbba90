// The compiled mesh configuration the control plane pushes to every sidecar (the sandbox's in-process xDS).
// A snapshot is immutable: a config change builds a new one and swaps the reference, so a request in flight
// keeps the view it started with. Compiled per namespace; unchanged namespaces are shared between snapshots.
import type { InboundPolicy } from './inbound-policy.js';

export interface PodInfo {
  namespace: string;
  name: string;
  ip: string;
  serviceAccount: string;
  /** SPIFFE identity; set only for meshed pods (they hold a certificate). */
  identity?: string;
  meshed: boolean;
  /** Owning Deployment (from the ReplicaSet owner and pod-template-hash), else the pod's `app` label. */
  deployment?: string;
  /** Opted out of mTLS (`mesh.playground.dev/mtls: disabled`): clients send plaintext to its sidecar. */
  mtlsDisabled?: boolean;
  /** Per container port, overrides mtlsDisabled (Istio PeerAuthentication portLevelMtls: true = DISABLE there). */
  mtlsDisabledByPort?: ReadonlyMap<number, boolean>;
  /** The pod's labels (DestinationRule subsets, Istio workload selectors, Linkerd Server podSelectors). */
  labels: Record<string, string>;
  /** Its sidecar writes an access log line per request to its stdout (Istio Telemetry accessLogging, provider envoy). */
  accessLog?: boolean;
  /**
   * Everything that decides who may talk to this pod's sidecar (SMI TrafficTarget, default-inbound-policy,
   * Istio PeerAuthentication and AuthorizationPolicy, Linkerd Server and AuthorizationPolicy), composed by the
   * control plane; the inbound proxy asks only this. Absent: allow everything (an un-meshed pod).
   */
  inbound?: InboundPolicy;
}

export interface MeshEndpoint {
  ip: string;
  /** The target (container) port. */
  port: number;
  pod?: PodInfo;
}

export interface ServicePortEntry {
  port: number;
  name?: string;
  /** spec.ports[].appProtocol: with the name, what Istio's protocol selection reads (upstream-protocol.ts). */
  appProtocol?: string;
  endpoints: MeshEndpoint[];
}

export interface ServiceEntry {
  namespace: string;
  name: string;
  clusterIP?: string;
  ports: ServicePortEntry[];
  /**
   * What the Service's own annotations give its default route (no route attached): Linkerd's `retry.linkerd.io/*`
   * and `timeout.linkerd.io/*` on a Service (control-plane/linkerd/route-policy.ts). Read by defaultRule().
   */
  defaultPolicy?: Pick<CompiledRule, 'retry' | 'requestTimeoutMs' | 'backendTimeoutMs'>;
}

export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';

export interface ValueMatch {
  /** Header names lower-cased; query parameter names as written (case-sensitive per the spec). */
  name: string;
  exact?: string;
  regex?: RegExp;
}

export interface CompiledMatch {
  path: { type: PathMatchType; value: string; regex?: RegExp };
  method?: string;
  headers: ValueMatch[];
  query: ValueMatch[];
  /** SMI HTTPRouteGroup matches (any one must match), used by TrafficSplit `matches`. */
  smi?: HttpRouteGroupMatch[];
  /** Istio VirtualService conditions the Gateway API has no field for (checked by proxy/istio-match.ts). */
  istio?: IstioMatchConditions;
}

/** Istio HTTPMatchRequest conditions beyond path, method, headers and query (all must hold). */
export interface IstioMatchConditions {
  /** `method: {prefix|regex}` (an exact method is CompiledMatch.method). */
  methodRegex?: RegExp;
  /** `withoutHeaders`: the request matches only if it matches none of these (an absent header matches none). */
  withoutHeaders?: ValueMatch[];
  /** `sourceLabels`: the calling pod carries every one of these labels. */
  sourceLabels?: Record<string, string>;
  /** `sourceNamespace`: the calling pod's namespace. */
  sourceNamespace?: string;
}

export interface HeaderModifier {
  set: [string, string][];
  add: [string, string][];
  remove: string[];
}

export interface FaultSpec {
  /**
   * `body`: what the proxy answers (Envoy's fault filter sends `fault filter abort`); absent = the sandbox's reason.
   * `grpcStatus`: for a gRPC call, the grpc-status of the trailers-only answer instead of one mapped from `status`.
   */
  abort?: { status: number; percentage: number; body?: string; grpcStatus?: number };
  delay?: { ms: number; percentage: number };
}

/** How a redirect or rewrite changes the path (Gateway API HTTPPathModifier). */
export type PathModifier =
  | { type: 'ReplaceFullPath'; value: string }
  /** `prefix` is the rule's one PathPrefix match (trailing `/` trimmed, "/" kept): the part replaced. */
  | { type: 'ReplacePrefixMatch'; value: string; prefix: string };

/** RequestRedirect: the proxy answers with `status` and a Location composed from these (request-filters.ts). */
export interface RedirectSpec {
  scheme?: 'http' | 'https';
  hostname?: string;
  path?: PathModifier;
  port?: number;
  status: 301 | 302 | 303 | 307 | 308;
}

/** URLRewrite: the Host and/or path sent upstream instead of the caller's. */
export interface RewriteSpec {
  hostname?: string;
  path?: PathModifier;
}

/** RequestMirror: a copy of `numerator / denominator` of the requests goes to this Service, answer discarded. */
export interface MirrorSpec {
  namespace: string;
  service: string;
  port: number;
  /** A DestinationRule subset name (Istio `mirror.subset`): copies go only to the subset's endpoints. */
  subset?: string;
  numerator: number;
  denominator: number;
}

/** The Gateway API filters a rule or a backendRef carries (a backendRef's apply only when it is chosen). */
export interface HttpFilters {
  requestHeaders?: HeaderModifier;
  responseHeaders?: HeaderModifier;
  redirect?: RedirectSpec;
  rewrite?: RewriteSpec;
  mirrors?: MirrorSpec[];
}

export interface CompiledBackend {
  namespace: string;
  service: string;
  port: number;
  weight: number;
  /**
   * A DestinationRule subset name (Istio `route.destination.subset`): only endpoints whose pod carries the subset's
   * labels. Resolved per request through destinationRuleFor() (the client's namespace first, then the Service's).
   */
  subset?: string;
  /** Why this backend cannot be used (requests to it get 500, as the Gateway API spec says). */
  invalid?: string;
  /** backendRefs[].filters: applied after the rule's, only to requests sent to this backend. */
  filters?: HttpFilters;
}

export interface RetryPolicy {
  /** Retries after the first try (Gateway API, Istio and Linkerd all count retries, not tries). */
  attempts: number;
  /** Response statuses that are retried. */
  codes: Set<number>;
  backoffMs: number;
  /** Istio `retryOn` / Linkerd `retry.linkerd.io/http` conditions beyond status codes; absent = statuses only. */
  on?: { connectFailure?: boolean; reset?: boolean; gatewayError?: boolean; any5xx?: boolean; grpc?: Set<number> };
  /** Timeout of each try (Istio `perTryTimeout`, Linkerd `retry.linkerd.io/timeout`). */
  perTryTimeoutMs?: number;
}

export interface CompiledRule extends HttpFilters {
  /** Metrics/tap label: `<route name>` or `<route name>/<rule name>`. */
  label: string;
  /** The API the rule came from (`LinkerdHTTPRoute` is policy.linkerd.io's HTTPRoute). */
  kind: 'HTTPRoute' | 'GRPCRoute' | 'TrafficSplit' | 'VirtualService' | 'LinkerdHTTPRoute' | 'default';
  routeNamespace: string;
  routeName: string;
  backends: CompiledBackend[];
  totalWeight: number;
  requestTimeoutMs?: number;
  backendTimeoutMs?: number;
  retry?: RetryPolicy;
  fault?: FaultSpec;
  /** A rule that must answer with an error instead of routing (e.g. unsupported filter), with the reason. */
  reject?: { status: number; reason: string };
}

export interface RouteEntry {
  match: CompiledMatch;
  rule: CompiledRule;
  /** parentRef port; undefined = every port of the Service. */
  port?: number;
}

/** One Istio `tcp` route entry: connections to the Service (on `port`, or any port) take the rule's weighted backends. */
export interface TcpRouteEntry {
  rule: CompiledRule;
  port?: number;
}

/** Routes attached to one Service, in precedence order (first match wins). */
export interface RouteTable {
  entries: RouteEntry[];
  /** Istio VirtualService `tcp` routes for the Service's TCP ports, in written order (first match wins). */
  tcp?: TcpRouteEntry[];
  /** Once a route is attached, unmatched requests are rejected with 404. Ports the table covers: */
  ports: Set<number> | 'all';
}

export interface HttpRouteGroupMatch {
  name: string;
  pathRegex?: RegExp;
  methods?: Set<string>;
  headers: { name: string; regex: RegExp }[];
}

export interface AccessRule {
  /** Allowed source identities (SPIFFE). */
  sources: Set<string>;
  /** 'all' = any request (TCPRoute rule or a route group with no match filter). */
  matches: HttpRouteGroupMatch[] | 'all';
  target: string;
}

export interface NamespaceConfig {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  services: Map<string, ServiceEntry>;
  pods: Map<string, PodInfo>;
  /** Producer routes: routes in this namespace attached to Services in this namespace, by Service name. */
  producerRoutes: Map<string, RouteTable>;
  /** Consumer routes: routes in this namespace attached to Services elsewhere, by `<ns>/<service>`. */
  consumerRoutes: Map<string, RouteTable>;
  /** SMI TrafficSplits by apex Service name (used when no HTTPRoute is attached). */
  splits: Map<string, RouteTable>;
  /** SMI TrafficTargets by destination ServiceAccount name: deny by default once any exists. */
  access: Map<string, AccessRule[]>;
  /**
   * Istio DestinationRules declared in this namespace, by the `<namespace>/<service>` of their host. A client looks
   * in its own namespace first, then in the Service's (Istio's lookup order, root namespace aside).
   */
  destinationRules: Map<string, CompiledDestinationRule>;
}

/** What a client sidecar does for one destination (Istio `trafficPolicy`; Linkerd has no equivalent kind). */
export interface TrafficPolicy {
  loadBalancer?: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH';
  /** Envoy circuit breakers, per client sidecar and destination (subset), as Istio's connectionPool sets them. */
  connectionPool?: {
    maxConnections?: number;
    /** http1MaxPendingRequests: requests queued for a connection; one more is an overflow answered 503. */
    maxPendingRequests?: number;
    /** http2MaxRequests: requests in flight at once. */
    maxRequests?: number;
    maxRequestsPerConnection?: number;
    /** Retries outstanding at once towards the destination (Envoy's max_retries circuit breaker). */
    maxRetries?: number;
    connectTimeoutMs?: number;
    /**
     * http.useClientProtocol: the upstream speaks the client's HTTP version whatever the Service port's protocol
     * (Istio sets the cluster to use_downstream_protocol), so an h2c client keeps HTTP/2 to an `http` port.
     */
    useClientProtocol?: true;
  };
  outlierDetection?: {
    consecutive5xxErrors?: number;
    consecutiveGatewayErrors?: number;
    intervalMs: number;
    baseEjectionTimeMs: number;
    maxEjectionPercent: number;
  };
  /** ISTIO_MUTUAL / DISABLE (client-side TLS towards the destination); SIMPLE and MUTUAL are reported unsupported. */
  tls?: 'ISTIO_MUTUAL' | 'DISABLE';
}

export interface CompiledDestinationRule {
  namespace: string;
  name: string;
  /** The destination Service. */
  host: { namespace: string; service: string };
  policy?: TrafficPolicy;
  /** Per-port overrides (`trafficPolicy.portLevelSettings`). */
  portPolicies?: Map<number, TrafficPolicy>;
  subsets: Map<string, { labels: Record<string, string>; policy?: TrafficPolicy }>;
}

export interface MeshSnapshot {
  version: number;
  namespaces: Map<string, NamespaceConfig>;
  podsByIP: Map<string, PodInfo>;
  servicesByClusterIP: Map<string, ServiceEntry>;
}

export const EMPTY_SNAPSHOT: MeshSnapshot = {
  version: 0,
  namespaces: new Map(),
  podsByIP: new Map(),
  servicesByClusterIP: new Map(),
};
