// The echo image's `client` program (istio/istio pkg/test/echo/cmd/client), as the Gateway API mesh conformance
// suite runs it: `kubectl exec <echo pod> -c echo -- client http://echo-v2/ [--method=M] [-H k:v]… [--count=N]`.
// It sends the request(s) from the pod (its agent: cluster DNS and, in a meshed pod, the sidecar) and prints, per
// request, the echo protocol — `[0] Url=…`, `[0] Header=k:v`, `[0] SourceIP=…`, `[0] Latency=…`,
// `[0] ActiveRequests=…`, `[0] StatusCode=200`, `[0] ResponseHeader=K:V`, then the server's lines as `[0 body] …` —
// each response followed by a blank line, as upstream's fmt.Println of each output does. Redirects are not followed
// (the 3xx and its Location are printed) unless `--follow-redirects` / `-L` is given, as upstream's
// checkRedirectFunc returns http.ErrUseLastResponse; when followed, at most 10, as Go's client. http:// and grpc://
// are sent (grpc-client.ts: the unary Echo over h2c, printed as upstream's gRPC forwarder prints it); tcp://, https://
// and websockets are not supported in the sandbox and fail with an error.
import { request, type IncomingHttpHeaders } from 'node:http';
import type { Program, ProcessContext } from '../../runtime/process/program.js';
import { parseGoDuration } from '../../apiserver/validation/go-duration.js';
import { Field, bodyLine, goDuration, lineForRequest } from './echo-protocol.js';
import { canonicalHeaderKey } from './headers.js';
import { grpcEcho, grpcTarget, openGrpcSession } from './grpc-client.js';

/** Bounds on what one `client` run may send (upstream has none; the sandbox is shared). */
export const CLIENT_MAX_COUNT = 1000;
export const CLIENT_MAX_TIMEOUT_MS = 120_000;
export const CLIENT_MAX_QPS = 100;
const BODY_LIMIT = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;

interface ClientRequest {
  url: URL;
  rawUrl: string;
  method: string;
  headers: [string, string][];
  count: number;
  qps: number;
  timeoutMs: number;
  followRedirects: boolean;
  /** --msg: the EchoRequest message of grpc:// calls (upstream's default). */
  message: string;
}

/** Go's http.Client gives up after 10 redirects ("stopped after 10 redirects"). */
const MAX_REDIRECTS = 10;

class UsageError extends Error {}

const VALUE_FLAGS = new Set(['count', 'qps', 'timeout', 'header', 'H', 'method', 'msg', 'expect', 'uds', 'alpn', 'server-name', 'ca', 'client-cert', 'client-key']);
const BOOL_FLAGS = new Set(['http2', 'http3', 'insecure-skip-verify', 'k', 'server-first', 'follow-redirects', 'L', 'new-connection-per-request', 'ipv4', '4', 'ipv6', '6', 'force-dns-lookup']);

export function parseClientArgs(argv: string[]): ClientRequest {
  const positional: string[] = [];
  const headers: [string, string][] = [];
  let count = 1;
  let qps = 0;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let method = '';
  let followRedirects = false;
  let message = 'HelloWorld';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = a.match(/^(?:--([\w-]+)|-(\w))(?:=(.*))?$/);
    if (!m) {
      positional.push(a);
      continue;
    }
    const name = m[1] ?? m[2];
    if (BOOL_FLAGS.has(name)) {
      if (['http2', 'http3'].includes(name)) throw new UsageError(`--${name} is not supported in the sandbox (http:// is sent as HTTP/1.1; grpc:// goes over HTTP/2)`);
      if (name === 'follow-redirects' || name === 'L') followRedirects = m[3] === undefined || m[3] === 'true';
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown flag: ${a}`);
    const value = m[3] ?? argv[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: ${a}`);
    if (name === 'count') count = Number(value);
    else if (name === 'qps') qps = Number(value);
    else if (name === 'timeout') {
      const ms = parseGoDuration(value);
      if (ms === undefined) throw new UsageError(`invalid argument "${value}" for "--timeout" flag: time: invalid duration "${value}"`);
      timeoutMs = ms;
    } else if (name === 'method') method = value;
    else if (name === 'msg') message = value;
    else if (name === 'header' || name === 'H') {
      // pflag's string slices split on commas, as `-H a:b,c:d` does upstream.
      for (const h of value.split(',')) {
        const at = h.indexOf(':');
        if (at < 0) throw new UsageError(`invalid header format: "${h}" (want name:value)`);
        const key = h.slice(0, at).trim();
        const v = h.slice(at + 1).trim();
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) || /[\r\n]/.test(v)) throw new UsageError(`invalid header: "${h}"`);
        headers.push([key, v]);
      }
    }
  }
  if (positional.length !== 1) throw new UsageError(`accepts 1 arg(s), received ${positional.length}`);
  if (!Number.isInteger(count) || count < 1 || count > CLIENT_MAX_COUNT) throw new UsageError(`--count: an integer from 1 to ${CLIENT_MAX_COUNT}`);
  if (!Number.isInteger(qps) || qps < 0 || qps > CLIENT_MAX_QPS) throw new UsageError(`--qps: an integer from 0 to ${CLIENT_MAX_QPS}`);
  if (timeoutMs <= 0 || timeoutMs > CLIENT_MAX_TIMEOUT_MS) throw new UsageError(`--timeout: at most ${CLIENT_MAX_TIMEOUT_MS / 1000}s`);
  if (method && !/^[A-Za-z]{1,16}$/.test(method)) throw new UsageError(`--method: "${method}" is not an HTTP method`);
  const rawUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(positional[0]) ? positional[0] : `http://${positional[0]}`;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`invalid URL ${positional[0]}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'grpc:') throw new UsageError(`unsupported protocol ${url.protocol.replace(/:$/, '')}:// in the sandbox (only http:// and grpc:// are sent)`);
  return { url, rawUrl, method: method.toUpperCase() || 'GET', headers, count, qps, timeoutMs, followRedirects, message };
}

interface RoundTrip {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIP: string;
}

/** One HTTP exchange from the pod (its agent: cluster DNS and, in a meshed pod, the sidecar). */
function roundTrip(p: ProcessContext, url: URL, method: string, headers: Record<string, string | string[]>, signal: AbortSignal): Promise<RoundTrip> {
  return new Promise((resolve, reject) => {
    let sourceIP = '';
    const req = request({ agent: p.container.agent, host: url.hostname, port: url.port || 80, path: url.pathname + url.search, method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(c.subarray(0, BODY_LIMIT - size));
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), sourceIP }));
      res.on('error', reject);
    });
    req.on('socket', (s) => s.once('connect', () => (sourceIP = s.localAddress ?? '')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The request, and with --follow-redirects the redirects after it as Go's client follows them: 301/302/303 turn
 * into GET (HEAD stays HEAD), 307/308 keep the method; the Host is the new URL's.
 */
async function exchange(p: ProcessContext, r: ClientRequest, headers: Record<string, string | string[]>, signal: AbortSignal): Promise<RoundTrip> {
  let url = r.url;
  let method = r.method;
  for (let hops = 0; ; hops++) {
    const res = await roundTrip(p, url, method, headers, signal);
    const location = res.headers.location;
    if (!r.followRedirects || ![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
    if (hops + 1 > MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new Error(`failed to parse Location header ${JSON.stringify(location)}`);
    }
    if (next.protocol !== 'http:') throw new Error(`redirect to ${next.protocol}// is not supported in the sandbox (only http:// is sent)`);
    if (res.status !== 307 && res.status !== 308 && method !== 'HEAD') method = 'GET';
    headers = { ...headers, host: next.host };
    url = next;
  }
}

/** One request: its echo-protocol output, or an error. */
async function sendOne(p: ProcessContext, r: ClientRequest, id: number, active: { n: number }, signal: AbortSignal): Promise<string> {
  const started = process.hrtime.bigint();
  let out = lineForRequest(id, Field.ForwarderURL, r.rawUrl);
  const hostHeader = r.headers.find(([k]) => k.toLowerCase() === 'host')?.[1] ?? r.url.host;
  const forwarded = r.headers.filter(([k]) => k.toLowerCase() !== 'host');
  for (const [k, v] of forwarded) out += lineForRequest(id, Field.ForwarderHeader, `${canonicalHeaderKey(k)}:${v}`);
  const headers: Record<string, string | string[]> = { host: hostHeader, 'user-agent': 'Go-http-client/1.1' };
  for (const [k, v] of forwarded) {
    const key = k.toLowerCase();
    const prev = headers[key];
    headers[key] = prev === undefined || key === 'user-agent' ? v : ([] as string[]).concat(prev, v);
  }
  active.n++;
  let res: RoundTrip;
  try {
    res = await exchange(p, r, headers, signal);
  } catch (e) {
    active.n--;
    throw e;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  out += lineForRequest(id, Field.SourceIP, res.sourceIP);
  out += lineForRequest(id, Field.Latency, goDuration(ms));
  // Counted before this request is done, as upstream's executor reports it.
  out += lineForRequest(id, Field.ActiveRequests, String(active.n));
  active.n--;
  out += lineForRequest(id, Field.StatusCode, String(res.status));
  // Every response header, Location included: a redirect not followed shows where it points.
  for (const [k, values] of responseHeaders(res.headers)) for (const v of values) out += lineForRequest(id, Field.ResponseHeader, `${k}:${v}`);
  for (const text of res.body.toString('utf8').split('\n')) if (text) out += bodyLine(id, text);
  return out;
}

/** Response headers as net/http holds them: canonical names, sorted, with the Date and Content-Length it sees. */
function responseHeaders(h: IncomingHttpHeaders): [string, string[]][] {
  return Object.entries(h)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [canonicalHeaderKey(k), ([] as string[]).concat(v as string | string[])] as [string, string[]])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const logLine = (level: string, msg: string) => `${new Date().toISOString().replace(/Z$/, '000Z')}\t${level}\t${msg}\n`;

export const echoClientProgram: Program = async (p) => {
  let r: ClientRequest;
  try {
    r = parseClientArgs(p.argv.slice(1));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    p.stderr.write(`Error: ${e.message}\nUsage:\n  client [flags]\n`);
    return 1;
  }
  // The timeout covers the whole set of requests, as upstream's doForward does.
  const timeout = AbortSignal.timeout(r.timeoutMs);
  const signal = AbortSignal.any([p.signal, timeout]);
  const active = { n: 0 };
  const outputs: string[] = [];
  const errors: string[] = [];
  // grpc:// reuses one connection for the whole run, as upstream's forwarder does by default.
  const grpc = r.url.protocol === 'grpc:' ? grpcTarget(r.url, r.headers, r.message, r.timeoutMs) : undefined;
  const session = grpc ? openGrpcSession(p, grpc) : undefined;
  try {
    for (let i = 0; i < r.count && !signal.aborted; i++) {
      if (r.qps > 0 && i > 0) await new Promise((res) => setTimeout(res, 1000 / r.qps));
      try {
        outputs.push(grpc && session ? await grpcEcho(session, grpc, i, active, signal) : await sendOne(p, r, i, active, signal));
      } catch (e) {
        if (grpc) errors.push((e as Error).message);
        else errors.push(timeout.aborted ? `context deadline exceeded` : `${r.method} ${r.rawUrl}: ${(e as Error).message}`);
      }
    }
  } finally {
    session?.destroy();
  }
  if (p.signal.aborted) return 137;
  if (errors.length || outputs.length < r.count) {
    const failed = r.count - outputs.length;
    const first = errors[0] ?? 'context deadline exceeded';
    const msg = timeout.aborted && !errors.length ? `request set timed out after ${r.timeoutMs / 1000}s and only ${outputs.length}/${r.count} requests completed` : `${failed}/${r.count} requests had errors; first error: ${first}`;
    p.stdout.write(logLine('fatal', `Error ${msg}`));
    return 255;
  }
  for (const o of outputs) p.stdout.write(`${o}\n`);
  p.stdout.write(logLine('info', `All ${outputs.length} requests succeeded`));
  return 0;
};
