// Which HTTP version a client sidecar speaks to a destination for an HTTP/2 client, chosen per destination Service
// port as Istio chooses its outbound cluster's upstream protocol (pilot ClusterBuilder.setUpstreamProtocol, with the
// port's protocol from kube ConvertProtocol: appProtocol first, else the port name's prefix before '-'):
//   - HTTP2 / GRPC / GRPC-Web ports (`http2`, `grpc`, `grpc-web`, appProtocol `kubernetes.io/h2c`) → HTTP/2;
//   - explicit HTTP ports (`http`, `http-*`) → HTTP/1.1, whatever the client spoke: an h2c client of httpbin's `http`
//     port reaches the app as HTTP/1.1 (the destination sidecar logs "HTTP/1.1"), as Envoy's cluster has no
//     http2_protocol_options there;
//   - anything else (unnamed, unknown prefix: protocol sniffing) → use_downstream_protocol, HTTP/2 for an h2 client.
// A pod address dialled directly has no Service port: it is sniffed too. Linkerd, unlike Istio, keeps a client's
// HTTP/2 all the way to the app; the sandbox follows Istio's choice because Linkerd's would only break an HTTP/1.1 app.
// A DestinationRule's `connectionPool.http.useClientProtocol: true` (its host, subset or port-level policy, as
// trafficPolicyFor() merges them) outranks the port: Istio's applyConnectionPool sets the cluster to
// use_downstream_protocol, so an h2c client keeps HTTP/2 even to an `http` port.
// DestinationRule `h2UpgradePolicy`: DEFAULT (the mesh default, DO_NOT_UPGRADE) and DO_NOT_UPGRADE are what this does.
// UPGRADE is not modelled (the compiler reports it and ignores it, support registry: partial). In Istio (pilot
// shouldH2Upgrade) it gives the outbound cluster http2_protocol_options, so the sidecar-to-sidecar hop is HTTP/2 for
// HTTP/1.1 and HTTP/2 clients alike, on any port (a mesh-wide UPGRADE only on HTTP ports); the destination's inbound
// cluster then speaks the port's protocol to the app: HTTP/1.1 to an `http` port, the (now HTTP/2) downstream protocol
// to an unnamed one. useClientProtocol: true wins over it (no upgrade; Istio's validation rejects the pair). Here it
// would need the HTTP/1 slow path (outbound/http1.ts) to send over the HTTP/2 session pool and translate the answer
// back, and the inbound HTTP/2 path (inbound-h2.ts, which always relays h2c to the app) to downgrade to HTTP/1.1 for
// `http` ports. What an app sees differs only for an HTTP/1.1 client of an unnamed port (HTTP/2 in Istio).
import type { ServicePortEntry, TrafficPolicy } from '../config/snapshot.js';

export type UpstreamHttpVersion = 'h2' | 'http1';

const H2_NAMES = new Set(['http2', 'grpc']);

/**
 * The upstream HTTP version for an HTTP/2 client's request to this Service port (undefined: a pod address), under the
 * destination's DestinationRule connectionPool (undefined: none).
 */
export function upstreamVersionForH2Client(port: Pick<ServicePortEntry, 'name' | 'appProtocol'> | undefined, pool?: TrafficPolicy['connectionPool']): UpstreamHttpVersion {
  if (pool?.useClientProtocol) return 'h2';
  const name = (port?.appProtocol ?? port?.name ?? '').toLowerCase();
  if (name === 'kubernetes.io/h2c' || name.startsWith('grpc-web')) return 'h2';
  const prefix = name.split('-', 1)[0];
  if (H2_NAMES.has(prefix)) return 'h2';
  if (prefix === 'http') return 'http1';
  return 'h2'; // sniffed: the downstream protocol
}
