// The Gateway API conformance echo-basic server (kubernetes-sigs/gateway-api conformance/echo-basic/echo-basic.go,
// now in gateway-api-conformance-images): on HTTP_PORT (default 3000) every request is answered with the JSON the
// conformance suite parses (roundtripper.CapturedRequest): path, host, method, proto, headers, httpPort and the
// context from env — namespace (NAMESPACE), ingress (INGRESS_NAME), service (SERVICE_NAME), pod (POD_NAME).
// Also /health, /status/<code> and /retry/?uuid=&succeedAfter=. Not done: the h2c (H2C_PORT), TLS (HTTPS_PORT) and
// gRPC/TCP/UDP modes — the sandbox mesh relays HTTP/1.1.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { httpWorkload, type AppRequest, type AppResponse } from '../http-workload.js';
import { canonicalHeaderKey } from './headers.js';

/** The retry simulation's memory of attempts per uuid is bounded (a client could send endless uuids). */
const MAX_RETRY_IDS = 10_000;

export function echoBasicApp(ctx: WorkloadContext): Workload {
  const httpPort = ctx.env.HTTP_PORT || '3000';
  const port = Number(httpPort);
  const context = { namespace: ctx.env.NAMESPACE ?? '', ingress: ctx.env.INGRESS_NAME ?? '', service: ctx.env.SERVICE_NAME ?? '', pod: ctx.env.POD_NAME ?? '' };
  const attempts = new Map<string, number>();

  const echo = (req: AppRequest, rawUrl: string, httpVersion: string): AppResponse => {
    ctx.log(`Echoing back request made to ${rawUrl} to client (${req.remoteAddress})`);
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'host' || v === undefined) continue; // Go moves Host out of r.Header.
      headers[canonicalHeaderKey(k)] = Array.isArray(v) ? v : [v];
    }
    // X-Echo-Set-Header: `name:value[,name:value]` becomes response headers (repeated names are joined by commas).
    const set: Record<string, string> = {};
    for (const list of ([] as string[]).concat(req.headers['x-echo-set-header'] ?? [])) {
      for (const kv of list.split(',')) {
        const at = kv.indexOf(':');
        const name = (at < 0 ? kv : kv.slice(0, at)).trim().toLowerCase();
        const value = at < 0 ? '' : kv.slice(at + 1).trim();
        if (/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) && !/[\r\n]/.test(value)) set[name] = name in set ? `${set[name]},${value}` : value;
      }
    }
    const out = { ...set, 'content-type': 'application/json', 'x-content-type-options': 'nosniff' };
    // encoding/json's MarshalIndent(v, "", " ") layout.
    const body = JSON.stringify({ path: rawUrl, host: req.headers.host ?? '', method: req.method, proto: `HTTP/${httpVersion}`, headers, httpPort, ...context }, null, 1);
    return { status: 200, headers: out, body };
  };

  const server = httpWorkload(ctx, Number.isInteger(port) && port > 0 ? port : 3000, (req) => {
    const rawUrl = req.path + (req.query.size ? `?${req.query}` : '');
    if (req.path === '/health') return { status: 200, body: 'OK' };
    if (req.path.startsWith('/status/')) {
      const m = rawUrl.match(/^\/status\/(\d\d\d)$/);
      return { status: m ? Number(m[1]) : 400, body: '' };
    }
    if (req.path.startsWith('/retry/')) {
      const uuid = req.query.get('uuid');
      if (!uuid) return { status: 400, body: 'uuid is required' };
      const succeedAfter = Number.parseInt(req.query.get('succeedAfter') ?? '', 10);
      if (!Number.isInteger(succeedAfter)) return { status: 400, body: 'succeedAfter is required' };
      const seen = attempts.get(uuid) ?? 0;
      if (seen < succeedAfter) {
        if (!attempts.has(uuid) && attempts.size >= MAX_RETRY_IDS) attempts.delete(attempts.keys().next().value!);
        attempts.set(uuid, seen + 1);
        const code = Number.parseInt(req.query.get('responseCode') ?? '', 10);
        // Upstream resets the connection when no responseCode is given; a 503 is the closest HTTP/1.1 answer here.
        return { status: Number.isInteger(code) ? code : 503, body: '' };
      }
    }
    return echo(req, rawUrl, '1.1');
  });
  return {
    start: async () => {
      ctx.log(`Starting server, listening on port ${httpPort} (http)`);
      await server.start();
    },
    stop: () => server.stop(),
  };
}
