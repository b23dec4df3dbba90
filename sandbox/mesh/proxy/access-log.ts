// One request's access log line in Envoy's default text format, the one Istio's `envoy` provider writes to the
// sidecar's stdout (so `kubectl logs POD -c <sidecar>` shows it):
//   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
//   %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED%
//   %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
//   "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
//   %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%
// Envoy prints `-` for a value it does not have; so does this proxy for what it does not track (byte counts, the
// upstream service time, the local addresses of upstream connections).
import { rawHeader } from './raw-headers.js';

export interface AccessLogEntry {
  /** Wall-clock start of the request (epoch ms). */
  startMs: number;
  method: string;
  path: string;
  protocol: 'HTTP/1.1' | 'HTTP/2';
  status: number;
  /** Envoy's response flags (`-`, `UF`, `UT`, `URX` …). */
  flags: string;
  /** Envoy's %RESPONSE_CODE_DETAILS%: `via_upstream` when the app answered, else why the proxy did. */
  details: string;
  durationMs: number;
  rawHeaders: string[];
  /** The x-request-id the request carried when it was forwarded (the proxy may have set it). */
  requestId?: string;
  authority: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  downstreamLocal?: string;
  downstreamRemote?: string;
  serverName?: string;
  route?: string;
}

/** A value as Envoy's formatter prints it: `-` when absent, printable ASCII only (a header cannot forge a new line). */
const v = (s: string | undefined) => (s ? s.replace(/[^\x20-\x7e]/g, '?').replace(/"/g, '\\"').slice(0, 1024) : '-');

export function envoyAccessLogLine(e: AccessLogEntry): string {
  const h = (name: string) => rawHeader(e.rawHeaders, name);
  return (
    `[${new Date(e.startMs).toISOString()}] "${v(e.method)} ${v(h('x-envoy-original-path') ?? e.path)} ${e.protocol}" ${e.status} ${v(e.flags)} ${v(e.details)} - "-" - - ` +
    `${Math.round(e.durationMs)} - "${v(h('x-forwarded-for'))}" "${v(h('user-agent'))}" "${v(e.requestId ?? h('x-request-id'))}" "${v(e.authority)}" "${v(e.upstreamHost)}" ` +
    `${v(e.upstreamCluster)} - ${v(e.downstreamLocal)} ${v(e.downstreamRemote)} ${v(e.serverName)} ${v(e.route)}`
  );
}
