// The proxy's admin listener (podIP:4191, Linkerd's port): /metrics in Prometheus text, /stats (Envoy's), /ready, /live, and
// /tap — this proxy's live requests as newline-delimited JSON (what `linkerd viz tap` streams per proxy).
// The playground server reads /metrics and /tap through the Kubernetes pods proxy, as it would on a real cluster.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { ProxyMetrics } from './proxy-metrics.js';
import { MAX_TAP_BUFFER, type TapFilter, type TapSubscription } from '../tap.js';

/** Subscribes to this proxy's own tap events (the caller's filter narrowed to this pod). */
export type TapSource = (filter: TapFilter, bufferSize: number) => TapSubscription;

/** Query parameters of /tap, each a TapFilter field. */
const TAP_FILTERS = ['direction', 'toNamespace', 'toDeployment', 'toService', 'method', 'pathPrefix', 'authority'] as const;
/** A tap stream ends by itself after this long (clients reconnect), so a forgotten stream cannot live forever. */
export const MAX_TAP_SECONDS = 600;
const TAP_BUFFER = 500;

export function createAdminServer(metrics: ProxyMetrics, ready: () => boolean, tap?: TapSource): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    } else if (path === '/metrics') {
      const body = metrics.exposition();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    } else if (path === '/stats' || path === '/stats/prometheus') {
      // Envoy's admin stats (what `pilot-agent request GET stats` prints): the per-cluster counters of
      // DestinationRule destinations. `filter` narrows lines by substring (Envoy takes an RE2 regex; a substring
      // cannot backtrack). /stats/prometheus is /metrics, with `filter` keeping the samples whose line has it.
      const filter = url.searchParams.get('filter')?.slice(0, 200);
      const body =
        path === '/stats'
          ? metrics.envoy.statsText(filter ? (line) => line.includes(filter) : undefined)
          : filter
            ? filterExposition(metrics.exposition(), filter)
            : metrics.exposition();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    } else if (path === '/ready') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
    } else if (path === '/live') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('live\n');
    } else if (path === '/tap' && tap) {
      serveTap(res, url.searchParams, tap, () => req.destroyed);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /stats, /tap, /ready or /live\n');
    }
  });
  server.keepAliveTimeout = 5000;
  return server;
}

/** The sample lines containing `filter`, each family's `# TYPE` line kept when one of its samples is. */
function filterExposition(text: string, filter: string): string {
  const out: string[] = [];
  let type: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) type = line;
    else if (!line.startsWith('#') && line.includes(filter)) {
      if (type) out.push(type);
      type = undefined;
      out.push(line);
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

function serveTap(res: ServerResponse, query: URLSearchParams, tap: TapSource, gone: () => boolean): void {
  const filter: TapFilter = {};
  for (const key of TAP_FILTERS) {
    const value = query.get(key);
    if (value !== null) (filter as Record<string, string>)[key] = value;
  }
  if (filter.direction && filter.direction !== 'inbound' && filter.direction !== 'outbound') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('direction must be "inbound" or "outbound"\n');
    return;
  }
  const seconds = query.has('seconds') ? Number(query.get('seconds')) : MAX_TAP_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TAP_SECONDS) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`seconds must be a number in (0, ${MAX_TAP_SECONDS}]\n`);
    return;
  }
  const sub = tap(filter, Math.min(TAP_BUFFER, MAX_TAP_BUFFER));
  const timer = setTimeout(() => sub.close(), seconds * 1000);
  res.on('close', () => sub.close());
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  res.flushHeaders();
  void (async () => {
    // A slow reader makes us wait for 'drain' while the subscription's bounded buffer drops the oldest events.
    for await (const event of sub) {
      if (gone()) break;
      if (!res.write(JSON.stringify(event) + '\n')) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  })();
}
