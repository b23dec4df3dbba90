// Istio DestinationRule `trafficPolicy` (top level, per port, per subset): what the client sidecars honour
// (control-plane/istio/traffic-policy-compiler.ts, proxy/destination-clusters.ts and its circuit breaker, outlier
// detector and balancer). Joined into the DestinationRule kind in istio.ts with the host/subset fields.
import type { FieldSupport } from '../support-registry.js';

/** The fields of one TrafficPolicy (or a portLevelSettings entry), relative to it. */
const POLICY: FieldSupport[] = [
  { path: 'connectionPool.tcp.maxConnections', support: 'partial', note: 'per client sidecar and cluster, as Envoy\'s circuit breaker: a request waits for a connection, or overflows (503 `x-envoy-overloaded`) once http1MaxPendingRequests wait; HTTP/1 only (HTTP/2 clients share one connection)' },
  { path: 'connectionPool.tcp.connectTimeout', support: 'full' },
  { path: 'connectionPool.tcp.tcpKeepalive', support: 'none', note: 'loopback connections need no keepalive probes' },
  { path: 'connectionPool.tcp.maxConnectionDuration', support: 'none' },
  { path: 'connectionPool.tcp.idleTimeout', support: 'none' },
  { path: 'connectionPool.http.http1MaxPendingRequests', support: 'full', note: 'requests waiting for a connection (including one being opened); one more is an overflow, counted in upstream_rq_pending_overflow' },
  { path: 'connectionPool.http.http2MaxRequests', support: 'full', note: 'requests in flight at once (HTTP/1 requests, HTTP/2 streams); one more is an overflow' },
  { path: 'connectionPool.http.maxRequestsPerConnection', support: 'full', note: 'the connection closes after that many requests' },
  { path: 'connectionPool.http.maxRetries', support: 'full', note: 'retries outstanding at once to the cluster; past it a retry is not made (upstream_rq_retry_overflow)' },
  { path: 'connectionPool.http.idleTimeout', support: 'none' },
  { path: 'connectionPool.http.h2UpgradePolicy', support: 'partial', note: 'DEFAULT and DO_NOT_UPGRADE (Istio\'s mesh default): HTTP/1.1 clients stay HTTP/1.1 upstream; HTTP/2 clients get HTTP/2 to `http2`/`grpc`/appProtocol `kubernetes.io/h2c` and unnamed ports, HTTP/1.1 to `http` ones. UPGRADE is not modelled: reported and ignored, the sidecars keep talking HTTP/1.1 for HTTP/1.1 clients (Istio: HTTP/2 between the sidecars on any port, then the port\'s protocol to the app: HTTP/1.1 for `http` ports, so only an HTTP/1.1 client of an unnamed port would reach its app differently, as HTTP/2); with useClientProtocol it is an error, as Istio\'s validation says' },
  { path: 'connectionPool.http.useClientProtocol', support: 'full', note: 'the upstream speaks the client\'s HTTP version whatever the Service port\'s name (Istio\'s use_downstream_protocol): an h2c client keeps HTTP/2 to an `http` port; HTTP/1.1 clients stay HTTP/1.1' },
  { path: 'connectionPool.http.maxConcurrentStreams', support: 'none' },
  { path: 'outlierDetection.consecutive5xxErrors', support: 'full', note: 'connect failures and resets count as 503, timeouts as 504, as Envoy counts local-origin errors' },
  { path: 'outlierDetection.consecutiveGatewayErrors', support: 'full' },
  { path: 'outlierDetection.consecutiveErrors', support: 'full', note: 'deprecated: consecutive gateway errors, 5xx detection off (as Istio maps it)' },
  { path: 'outlierDetection.interval', support: 'partial', note: 'decays the ejection multiplier; an ejection ends as soon as its time is up rather than at the next interval tick' },
  { path: 'outlierDetection.baseEjectionTime', support: 'full', note: 'ejection lasts baseEjectionTime × times ejected, at most 300 s (Envoy\'s max_ejection_time)' },
  { path: 'outlierDetection.maxEjectionPercent', support: 'full', note: 'with every endpoint ejected the client gets 503 `no healthy upstream` (Istio sets no panic threshold)' },
  { path: 'outlierDetection.minHealthPercent', support: 'none', note: 'outlier detection stays on however few endpoints are healthy' },
  { path: 'outlierDetection.splitExternalLocalOriginErrors', support: 'none' },
  { path: 'outlierDetection.consecutiveLocalOriginFailures', support: 'none' },
  { path: 'loadBalancer.simple', support: 'partial', note: 'LEAST_REQUEST (the default: peak-EWMA power of two choices), ROUND_ROBIN, RANDOM; PASSTHROUGH balances at random' },
  { path: 'loadBalancer.consistentHash', support: 'none', note: 'the default LEAST_REQUEST balancing applies' },
  { path: 'loadBalancer.localityLbSetting', support: 'none', note: 'the sandbox has one locality' },
  { path: 'loadBalancer.warmupDurationSecs', support: 'none' },
  { path: 'tls.mode', support: 'partial', note: 'ISTIO_MUTUAL (the default) and DISABLE (plaintext to the destination\'s sidecar); SIMPLE and MUTUAL (your own certificates) are not supported' },
  { path: 'tls.clientCertificate', support: 'none' },
  { path: 'tls.privateKey', support: 'none' },
  { path: 'tls.caCertificates', support: 'none' },
  { path: 'tls.credentialName', support: 'none' },
  { path: 'tls.subjectAltNames', support: 'none' },
  { path: 'tls.sni', support: 'none' },
  { path: 'tls.insecureSkipVerify', support: 'none' },
  { path: 'tunnel', support: 'none' },
  { path: 'proxyProtocol', support: 'none' },
];

const under = (prefix: string) => POLICY.map((f) => ({ ...f, path: `${prefix}.${f.path}` }));

export const DESTINATION_RULE_POLICY_FIELDS: FieldSupport[] = [
  ...under('spec.trafficPolicy'),
  { path: 'spec.trafficPolicy.portLevelSettings[].port.number', support: 'full', note: 'the port\'s settings replace the rule\'s whole (they do not inherit), as in Istio' },
  ...under('spec.trafficPolicy.portLevelSettings[]'),
  ...under('spec.subsets[].trafficPolicy'),
  { path: 'spec.subsets[].trafficPolicy.portLevelSettings', support: 'none', note: 'a subset\'s policy applies to every port' },
];
