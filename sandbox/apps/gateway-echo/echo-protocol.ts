// Istio's echo protocol (istio/istio pkg/test/echo/fields.go): `Field=value` lines. The server writes them for each
// request it serves; the `client` writes them, prefixed `[<n>]`, for each request it sends, with the server's lines
// as `[<n> body] …`. The Gateway API mesh conformance suite (conformance/utils/echo/parse.go) reads this text.
export const Field = {
  ServiceVersion: 'ServiceVersion',
  ServicePort: 'ServicePort',
  StatusCode: 'StatusCode',
  URL: 'URL',
  ForwarderURL: 'Url',
  ForwarderHeader: 'Header',
  Host: 'Host',
  Hostname: 'Hostname',
  Namespace: 'Namespace',
  Method: 'Method',
  Proto: 'Proto',
  RequestHeader: 'RequestHeader',
  ResponseHeader: 'ResponseHeader',
  Cluster: 'Cluster',
  IstioVersion: 'IstioVersion',
  IP: 'IP',
  SourceIP: 'SourceIP',
  Latency: 'Latency',
  ActiveRequests: 'ActiveRequests',
} as const;

export const line = (field: string, value: string) => `${field}=${value}\n`;
export const lineForRequest = (id: number, field: string, value: string) => `[${id}] ${field}=${value}\n`;
export const bodyLine = (id: number, text: string) => `[${id} body] ${text}\n`;

/** Go's time.Duration String(): 850ns, 12.5µs, 1.234567ms, 2.5s. */
export function goDuration(ms: number): string {
  const trim = (n: number) => String(Number(n.toFixed(6)));
  if (ms < 0.001) return `${Math.round(ms * 1e6)}ns`;
  if (ms < 1) return `${trim(ms * 1000)}µs`;
  if (ms < 1000) return `${trim(ms)}ms`;
  return `${trim(ms / 1000)}s`;
}
