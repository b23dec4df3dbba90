// One HTTP exchange through a pod's agent with a whole-exchange deadline and a response-body cap: what the
// runtime's requestFrom and the curl sample app both need (a pod's curl, bounded).
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

export interface CappedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Response bytes kept; the rest is read and dropped. */
  bodyLimit: number;
}

export interface CappedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
}

/** Rejects with the socket error (code ETIMEDOUT when the deadline passed). */
export function cappedExchange(agent: Agent, r: CappedRequest): Promise<CappedResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
    const timedOut = () => Object.assign(new Error(`no complete response within ${r.timeoutMs} ms`), { code: 'ETIMEDOUT' });
    const req = request(
      { agent, method: r.method, host: r.url.hostname, port: r.url.port || 80, path: r.url.pathname + r.url.search, headers, timeout: r.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          if (size < r.bodyLimit) chunks.push(c.subarray(0, r.bodyLimit - size));
          if (size + c.length > r.bodyLimit) truncated = true;
          size += c.length;
        });
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncated });
        });
        res.on('error', fail);
      },
    );
    // The whole exchange is bounded, not only idle time (the socket timeout).
    const deadline = setTimeout(() => req.destroy(timedOut()), r.timeoutMs);
    function fail(err: Error) {
      clearTimeout(deadline);
      reject(err);
    }
    req.on('timeout', () => req.destroy(timedOut()));
    req.on('error', fail);
    req.end(r.body);
  });
}
