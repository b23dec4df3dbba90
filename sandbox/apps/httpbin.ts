// httpbin: an HTTP echo and failure toy for retries, timeouts and faults (`/status/<code>`, `/delay/<s>`, `/bytes/<n>`,
// `/unstable`, `/exit` to crash the container), plus FAILURE_RATE to make every request fail at random.
import type { Workload, WorkloadContext } from '../runtime/workload.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { appPort, httpWorkload, json, notFoundResponse, type AppRequest, type AppResponse } from './http-workload.js';

export const HTTPBIN_PORT = 8080;
/** `/bytes/<n>` sends at most this many random bytes (go-httpbin's default body limit). */
export const MAX_BYTES = 1024 * 1024;
/** `/delay/<s>` waits at most this long, as httpbin caps it. */
export const MAX_DELAY_SECONDS = 10;

export interface HttpbinOptions {
  /**
   * Answer as mccutchen/go-httpbin does (Istio's httpbin sample today): header and query values are lists
   * (`"Accept": ["*\/*"]`) and /get names the method. The default is the original httpbin's single strings.
   */
  goHttpbin?: boolean;
}

export function httpbinApp(ctx: WorkloadContext, version: string, opts: HttpbinOptions = {}): Workload {
  const failureRate = rate(ctx.env.FAILURE_RATE);
  const timers = new Set<NodeJS.Timeout>();
  const headersOf = (req: AppRequest) => (opts.goHttpbin ? listValues(titleCase(req.headers), req.headers) : titleCase(req.headers));
  const echo = (req: AppRequest) => ({
    args: opts.goHttpbin ? queryLists(req.query) : Object.fromEntries(req.query),
    headers: headersOf(req),
    ...(opts.goHttpbin ? { method: req.method } : {}),
    origin: req.remoteAddress,
    url: `http://${req.headers.host ?? 'httpbin'}${req.path}${req.query.size ? `?${req.query}` : ''}`,
  });
  const base = httpWorkload(ctx, appPort(ctx, HTTPBIN_PORT), async (req): Promise<AppResponse> => {
    const p = req.path;
    const headers = { 'x-httpbin-version': version, 'x-httpbin-pod': ctx.podName };
    if (p === '/health' || p === '/healthz') return json(200, { status: 'ok' }, headers);
    if (failureRate > 0 && Math.random() < failureRate) return json(503, { error: `injected failure (FAILURE_RATE=${failureRate})` }, headers);
    if (p === '/get') return json(200, echo(req), headers);
    if (p === '/headers') return json(200, { headers: headersOf(req) }, headers);
    if (p === '/user-agent') return json(200, { 'user-agent': String(req.headers['user-agent'] ?? '') }, headers);
    if (p === '/post' || p === '/put' || p === '/patch' || p === '/delete') {
      if (req.method !== p.slice(1).toUpperCase()) return { status: 405, headers: { ...headers, allow: p.slice(1).toUpperCase() }, body: '' };
      let parsed: unknown = null;
      try {
        parsed = req.body ? JSON.parse(req.body) : null;
      } catch {
        parsed = null;
      }
      return json(200, { ...echo(req), data: req.body, json: parsed }, headers);
    }
    if (p === '/ip') return json(200, { origin: req.remoteAddress }, headers);
    if (p === '/uuid') return json(200, { uuid: randomUUID() }, headers);
    if (p === '/hostname') return json(200, { hostname: ctx.podName }, headers);
    if (p === '/anything' || p.startsWith('/anything/')) {
      let parsed: unknown = null;
      try {
        parsed = req.body ? JSON.parse(req.body) : null;
      } catch {
        parsed = null;
      }
      return json(200, { ...echo(req), method: req.method, data: req.body, json: parsed }, headers);
    }
    const status = p.match(/^\/status\/([\d,]+)$/);
    if (status) {
      const codes = status[1].split(',').map(Number).filter((c) => c >= 100 && c <= 599);
      if (codes.length === 0) return json(400, { error: 'status: give codes between 100 and 599, e.g. /status/503' }, headers);
      return { status: codes[Math.floor(Math.random() * codes.length)], headers, body: '' };
    }
    const bytes = p.match(/^\/bytes\/(\d{1,8})$/);
    if (bytes) {
      const n = Number(bytes[1]);
      if (n > MAX_BYTES) return json(400, { error: `bytes: at most ${MAX_BYTES}, e.g. /bytes/1024` }, headers);
      return { status: 200, headers, body: randomBytes(n) };
    }
    const delay = p.match(/^\/delay\/(\d+(?:\.\d+)?)$/);
    if (delay) {
      const seconds = Math.min(Number(delay[1]), MAX_DELAY_SECONDS);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { timers.delete(t); resolve(); }, seconds * 1000);
        timers.add(t);
      });
      return json(200, echo(req), headers);
    }
    if (p === '/unstable') {
      const r = req.query.has('failure_rate') ? rate(req.query.get('failure_rate') ?? undefined) : 0.5;
      return Math.random() < r ? json(503, { error: `unstable: failed with failure_rate=${r}` }, headers) : json(200, echo(req), headers);
    }
    if (p === '/exit') {
      const code = Number(req.query.get('code') ?? 1) || 1;
      ctx.log(`exiting with code ${code} as asked by ${req.remoteAddress}`);
      setImmediate(() => ctx.exit(code));
      return json(200, { exiting: code }, headers);
    }
    return notFoundResponse(p);
  });
  return {
    start: () => base.start(),
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await base.stop();
    },
  };
}

function rate(text: string | undefined): number {
  const r = Number(text ?? 0);
  return Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0;
}

/** go-httpbin's header lists: each header's values as sent (node joins repeated ones; set-cookie stays a list). */
function listValues(titled: Record<string, string>, raw: AppRequest['headers']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(titled)) {
    const original = raw[k.toLowerCase()];
    out[k] = Array.isArray(original) ? original : [v];
  }
  return out;
}

function queryLists(q: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of q) (out[k] ??= []).push(v);
  return out;
}

function titleCase(h: AppRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}
