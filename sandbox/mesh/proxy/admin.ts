// The proxy's admin listener (podIP:4191, Linkerd's port): /metrics in Prometheus text, /ready, /live.
import { createServer, type Server } from 'node:http';
import type { ProxyMetrics } from './proxy-metrics.js';

export function createAdminServer(metrics: ProxyMetrics, ready: () => boolean): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    } else if (path === '/metrics') {
      const body = metrics.exposition();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    } else if (path === '/ready') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
    } else if (path === '/live') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('live\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /ready or /live\n');
    }
  });
  server.keepAliveTimeout = 5000;
  return server;
}
