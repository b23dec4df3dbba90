// One mesh test case → the echo `client` command line, and the check of its answer: upstream's makeRequest and
// compareRequest (conformance/utils/echo/pod.go), in our words. What upstream does not compare in mesh mode (the
// path the backend saw, a redirect's Location) is not compared here either.
import type { EchoResponse } from './echo-output.js';
import type { MeshCase, MeshRequest } from './mesh-test-types.js';

/** http.CalculateHost: drop the scheme's default port (an IPv6 address gets brackets). */
function calculateHost(host: string, protocol: string): string {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host);
  if (!m) return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  if ((protocol === 'http' && m[2] === '80') || (protocol === 'https' && m[2] === '443')) return m[1];
  return host;
}

/** The `client` argv for a request (`host` already resolved, e.g. a pod IP filled in). */
export function clientCommand(request: MeshRequest, host: string, count = 0): string[] {
  const protocol = (request.protocol ?? 'http').toLowerCase();
  const args = ['client', `${protocol}://${calculateHost(host || 'echo', protocol)}${request.path ?? ''}`];
  if (protocol !== 'grpc') args.push(`--method=${request.method || 'GET'}`);
  for (const [k, v] of Object.entries(request.headers ?? {})) args.push('-H', `${k}:${v}`);
  if (count > 0) args.push(`--count=${count}`);
  return args;
}

/** Why the answer does not meet the case, or undefined when it does (compareRequest). */
export function compareResponse(c: MeshCase, resp: EchoResponse): string | undefined {
  const code = Number(resp.code);
  if (resp.code === '' || !Number.isInteger(code)) return `invalid status code '${resp.code}'`;
  const wanted = c.statusCodes?.length ? c.statusCodes : [200];
  // gRPC status 0 (OK) is reported as HTTP 200 by the client.
  const expected = c.request.protocol === 'grpc' ? wanted.map((s) => (s === 0 ? 200 : s)) : wanted;
  if (!expected.includes(code)) return `wanted status code to be one of [${wanted.join(' ')}], got ${code}`;
  const exp = c.expectedRequest;
  if (exp?.headers) {
    if (resp.requestHeaders.size === 0) return `no headers captured, expected ${Object.keys(exp.headers).length}`;
    for (const [name, value] of Object.entries(exp.headers)) {
      const actual = resp.requestHeaders.get(name.toLowerCase());
      if (!actual) return `expected ${name} header to be set, actual headers: ${formatHeaders(resp.requestHeaders)}`;
      if (actual.join(',') !== value) return `expected ${name} header to be set to ${value}, got ${actual.join(',')}`;
    }
  }
  for (const name of exp?.absentHeaders ?? []) {
    const actual = resp.requestHeaders.get(name.toLowerCase());
    if (actual) return `expected ${name} header to not be set, got ${actual.join(',')}`;
  }
  for (const name of c.absentResponseHeaders ?? []) {
    const actual = resp.responseHeaders.get(name.toLowerCase());
    if (actual !== undefined) return `expected no header "${name}", got [${actual}]`;
  }
  for (const [name, value] of Object.entries(c.responseHeaders ?? {})) {
    const actual = resp.responseHeaders.get(name.toLowerCase()) ?? '';
    if (actual !== value) return `expected header ${name}=${value}, got ${actual}`;
  }
  if (!resp.hostname.startsWith(c.backend ?? '')) return `expected pod name to start with ${c.backend}, got ${resp.hostname}`;
  return undefined;
}

function formatHeaders(h: Map<string, string[]>): string {
  return `map[${[...h].map(([k, v]) => `${k}:[${v.join(' ')}]`).join(' ')}]`;
}
