// Calls from one sample app to another, through the pod's agent (cluster DNS, service proxy, sidecar),
// forwarding the headers Istio's bookinfo forwards so mesh routing by header and tracing work end to end.
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { WorkloadContext } from '../runtime/workload.js';

/** The headers bookinfo's productpage propagates (tracing, user identity for routing). */
export const PROPAGATED_HEADERS = [
  'x-request-id', 'traceparent', 'tracestate', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled',
  'x-b3-flags', 'b3', 'x-ot-span-context', 'end-user', 'user-agent', 'cookie', 'authorization',
];

export function propagate(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of PROPAGATED_HEADERS) {
    const v = headers[h];
    if (typeof v === 'string') out[h] = v;
  }
  return out;
}

export interface UpstreamResult {
  status: number;
  body: unknown;
  headers: IncomingHttpHeaders;
}

/** GET a JSON document from another service; rejects on network errors and timeouts. */
export function getJson(ctx: WorkloadContext, url: string, headers: Record<string, string>, timeoutMs: number): Promise<UpstreamResult> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { agent: ctx.agent, host: u.hostname, port: u.port || 80, path: u.pathname + u.search, method: 'GET', headers: { accept: 'application/json', ...headers }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON (e.g. a proxy's plain-text error): keep the text.
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
