// curl (`playground/curl`): an in-mesh client that sends requests on your behalf. `POST /fetch` with
// {method, url, headers, body, timeoutMs} (or `GET /fetch?url=…` for a plain GET) sends one through the
// pod's own agent — cluster DNS and, in a meshed pod, the sidecar — and answers {status, headers, body
// (capped), bodyTruncated, latencyMs}. The playground server reaches it through the pods proxy, so try-it
// panels exercise the real data path (benchmarks run the real load generator as their own pods instead:
// playground/loadgen). `POST /tcp` (or `GET /tcp?host=…&port=…`) opens one TCP connection the same way (curl-tcp.ts).
import { createServer, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Workload, WorkloadContext } from '../runtime/workload.js';
import { cappedExchange } from '../runtime/capped-exchange.js';
import { parseTcpExchange, tcpExchange } from './curl-tcp.js';
import { appPort, json, listeningWorkload, readBody, type AppResponse } from './http-workload.js';

export const CURL_PORT = 8080;
/** Response bodies longer than this are cut (and flagged). */
export const FETCH_BODY_LIMIT = 64 * 1024;
export const FETCH_TIMEOUT_MAX_MS = 60_000;

interface FetchRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

class FetchInputError extends Error {}

function parseFetch(text: string): FetchRequest {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new FetchInputError('body: send JSON {"method", "url", "headers", "body", "timeoutMs"}');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new FetchInputError('body: must be a JSON object');
  if (typeof raw.url !== 'string') throw new FetchInputError('url: required, e.g. http://reviews:9080/reviews/0');
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    throw new FetchInputError(`url: "${raw.url}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:') throw new FetchInputError(`url: only http:// is supported (the sidecar adds mTLS), got ${url.protocol}`);
  if (url.username || url.password) throw new FetchInputError('url: credentials in the URL are not supported; send an Authorization header');
  const method = raw.method === undefined ? 'GET' : raw.method;
  if (typeof method !== 'string' || !/^[A-Z]{1,16}$/.test(method)) throw new FetchInputError('method: must be an upper-case HTTP method');
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    if (!raw.headers || typeof raw.headers !== 'object' || Array.isArray(raw.headers)) throw new FetchInputError('headers: must be an object of strings');
    for (const [k, v] of Object.entries(raw.headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || typeof v !== 'string' || /[\r\n]/.test(v)) throw new FetchInputError(`headers: "${k}" is not a valid header`);
      headers[k.toLowerCase()] = v;
    }
  }
  if (raw.body !== undefined && typeof raw.body !== 'string') throw new FetchInputError('body: must be a string');
  const timeoutMs = raw.timeoutMs === undefined ? 10_000 : raw.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > FETCH_TIMEOUT_MAX_MS) throw new FetchInputError(`timeoutMs: an integer from 1 to ${FETCH_TIMEOUT_MAX_MS}`);
  return { method, url, headers, body: raw.body as string | undefined, timeoutMs };
}

async function send(ctx: WorkloadContext, f: FetchRequest): Promise<AppResponse> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 100) / 100;
  try {
    const res = await cappedExchange(ctx.agent, {
      ...f,
      headers: { 'user-agent': 'playground-curl/1', accept: '*/*', ...f.headers },
      bodyLimit: FETCH_BODY_LIMIT,
    });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
    return json(200, { status: res.status, headers: out, body: res.body, bodyTruncated: res.truncated, latencyMs: elapsed() });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return json(err.code === 'ETIMEDOUT' ? 504 : 502, { error: err.message, code: err.code ?? 'ERROR', latencyMs: elapsed() });
  }
}

/** Request bodies accepted by /fetch. */
const BODY_LIMIT = 128 * 1024;

function checkTarget(ctx: WorkloadContext, url: URL): string | undefined {
  // Like a pod's curl, but only to cluster names: never an IP literal, never a name cluster DNS does not know.
  if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) return `url: ${url.hostname} is an IP address; use a Service name`;
  if (!ctx.resolve(url.hostname)) return `url: cluster DNS does not know "${url.hostname}"`;
  return undefined;
}

function reply(res: ServerResponse, out: AppResponse): void {
  const payload = JSON.stringify(out.body ?? {});
  res.writeHead(out.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...out.headers });
  res.end(payload);
}

export function curlApp(ctx: WorkloadContext): Workload {
  const port = appPort(ctx, CURL_PORT);
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return reply(res, json(200, { status: 'ok' }));
    if (path === '/tcp') {
      let text: string;
      if (req.method === 'GET') {
        // `GET /tcp?host=…&port=…[&send=…]` (what `kubectl get --raw …/proxy/tcp?…` can send): sends `send` and a newline.
        const q = new URL(req.url ?? '/', 'http://curl').searchParams;
        text = JSON.stringify({ host: q.get('host') ?? undefined, port: Number(q.get('port')), send: `${q.get('send') ?? 'hello'}\n` });
      } else if (req.method === 'POST') {
        try {
          text = await readBody(req, BODY_LIMIT);
        } catch {
          return reply(res, json(413, { error: `body over the ${BODY_LIMIT}-byte limit` }));
        }
      } else return reply(res, json(405, { error: 'use POST /tcp with a JSON body {"host", "port", "send", "timeoutMs"}, or GET /tcp?host=…&port=…' }, { allow: 'GET, POST' }));
      const x = parseTcpExchange(text);
      if (typeof x === 'string') return reply(res, json(400, { error: x }));
      const out = await tcpExchange(ctx, x);
      ctx.log(`tcp ${x.host}:${x.port} -> ${(out.body as { answer?: string; error?: string }).answer ?? (out.body as { error?: string }).error}`);
      return reply(res, out);
    }
    if (path !== '/fetch') return reply(res, json(404, { error: `no route for ${path}` }));
    let text: string;
    if (req.method === 'GET') {
      // `GET /fetch?url=…` (what `kubectl get --raw …/proxy/fetch?url=…` can send): a GET of that URL.
      const url = new URL(req.url ?? '/', 'http://curl').searchParams.get('url');
      if (url === null) return reply(res, json(400, { error: 'url: required, e.g. /fetch?url=http://reviews:9080/reviews/0' }));
      text = JSON.stringify({ url });
    } else if (req.method === 'POST') {
      try {
        text = await readBody(req, BODY_LIMIT);
      } catch {
        return reply(res, json(413, { error: `body over the ${BODY_LIMIT}-byte limit` }));
      }
    } else {
      return reply(res, json(405, { error: `use POST ${path} with a JSON body, or GET ${path}?url=…` }, { allow: 'GET, POST' }));
    }
    let f: FetchRequest;
    try {
      f = parseFetch(text);
    } catch (err) {
      if (err instanceof FetchInputError) return reply(res, json(400, { error: err.message }));
      throw err;
    }
    const refused = checkTarget(ctx, f.url);
    if (refused) return reply(res, json(400, { error: refused }));
    const out = await send(ctx, f);
    ctx.log(`${f.method} ${f.url} -> ${(out.body as { status?: number }).status ?? out.status}`);
    reply(res, out);
  });
  return listeningWorkload(ctx, server, port, 'curl: ');
}
