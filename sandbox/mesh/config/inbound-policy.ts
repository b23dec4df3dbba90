// Who may talk to a pod's sidecar, as one compiled object per pod. Each API that has a say (SMI TrafficTarget,
// Linkerd's default-inbound-policy / Server / AuthorizationPolicy, Istio's PeerAuthentication / AuthorizationPolicy)
// compiles to an InboundLayer; the control plane composes a pod's layers into its InboundPolicy, and the inbound
// proxy asks only that: once per connection (refuse it before any byte is read?) and once per request.
import type { IncomingHttpHeaders } from 'node:http';

/** What the sidecar knows of a connection once it has been accepted (and its TLS handshake, if any, is done). */
export interface InboundConnectionFacts {
  /** The pod port the client connected to. */
  port: number;
  /** Whether the connection is mesh mTLS (the client presented a certificate of the sandbox CA). */
  tls: boolean;
  /** The client's verified SPIFFE identity, when tls. */
  peerIdentity?: string;
  /** The client's address (a pod IP, or another loopback address for un-meshed clients). */
  sourceIP: string;
  /** The sidecar's authz counters (Linkerd's inbound_*_authz_*_total), for layers that report decisions. */
  metrics?: InboundAuthzMetrics;
  /** The sidecar's log (`kubectl logs … -c mesh-proxy`): Linkerd logs requests its audit mode lets through. */
  log?: (line: string) => void;
}

/** Linkerd's policy metrics a layer may count (proxy-metrics.ts exposes them). */
export type AuthzMetricName =
  | 'inbound_http_authz_allow_total'
  | 'inbound_http_authz_deny_total'
  | 'inbound_http_route_not_found_total'
  | 'inbound_tcp_authz_allow_total'
  | 'inbound_tcp_authz_deny_total';

export interface InboundAuthzMetrics {
  /** `labels`: Prometheus label text without braces (`srv_kind="server",srv_name="web",…`). */
  count(metric: AuthzMetricName, labels: string): void;
}

export interface InboundRequestFacts extends InboundConnectionFacts {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query string without `?` ('' when none): route queryParams matches. */
  query?: string;
  /** Request headers, names lower-cased (node:http's shape; HTTP/2 pseudo-headers are not included). */
  headers: IncomingHttpHeaders;
  /** The Host / :authority. */
  authority: string;
}

/** A refused request: the status and body the real mesh answers with. */
export interface InboundDenial {
  status: number;
  /** What the proxy says (the `l5d-proxy-error` / tap error; shown to the learner). */
  message: string;
  /** The exact response body upstream sends, when it matters to tutorials (Istio: `RBAC: access denied`). */
  body?: string;
  /** Extra response headers upstream sends with the denial (e.g. `l5d-proxy-error`). */
  headers?: Record<string, string>;
}

/** One API's say over a pod's inbound traffic. Both methods are optional: a layer may act only on one level. */
export interface InboundLayer {
  /** Which objects this layer was compiled from (diagnostics, tap): e.g. `PeerAuthentication foo/default (STRICT)`. */
  source: string;
  /**
   * A reason to refuse the connection outright, closing it without an HTTP answer (Istio STRICT mTLS on a plaintext
   * client resets the connection; Linkerd refuses TCP it does not authorize), else undefined.
   */
  refuseConnection?(c: InboundConnectionFacts): string | undefined;
  /** The denial of one request (HTTP/1 and HTTP/2 alike), else undefined. */
  authorize?(r: InboundRequestFacts): InboundDenial | undefined;
}

export interface InboundPolicy {
  readonly layers: readonly InboundLayer[];
  refuseConnection(c: InboundConnectionFacts): string | undefined;
  authorize(r: InboundRequestFacts): InboundDenial | undefined;
  /** False when no layer looks at requests: the proxy's fast path may relay without building request facts. */
  readonly perRequest: boolean;
}

/** Every layer must allow: the first refusal or denial wins (layers are independent APIs, each deny-capable). */
export function composeInboundPolicy(layers: InboundLayer[]): InboundPolicy {
  const connectionLayers = layers.filter((l) => l.refuseConnection);
  const requestLayers = layers.filter((l) => l.authorize);
  return {
    layers,
    perRequest: requestLayers.length > 0,
    refuseConnection(c) {
      for (const l of connectionLayers) {
        const why = l.refuseConnection!(c);
        if (why) return why;
      }
      return undefined;
    },
    authorize(r) {
      for (const l of requestLayers) {
        const denial = l.authorize!(r);
        if (denial) return denial;
      }
      return undefined;
    },
  };
}
