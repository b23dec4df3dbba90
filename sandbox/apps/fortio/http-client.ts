// One fortio thread's HTTP/1.1 client: a keep-alive connection dialled from the pod (cluster DNS, the egress
// allow-list and, in a meshed pod, the sidecar — WorkloadContext.dial), reopened when the server closes it. It
// counts what fortio reports per thread: sockets used, their connect times, the address each resolved to.
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { WorkloadContext } from '../../runtime/workload.js';
import { Counter } from './histogram.js';

/** Response bodies are read and counted, never kept; one response may be at most this large. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface CallResult {
  /** HTTP status, or -1 for a connection error (fortio's code for it). */
  status: number;
  statusLine: string;
  headerBytes: number;
  totalBytes: number;
  error?: string;
  response?: IncomingMessage;
}

/** fhttp's codeIsOK: what counts as success (and keeps the connection). */
export const codeIsOK = (code: number) => (code >= 200 && code <= 299) || code === 418;

class PodAgent extends Agent {
  sockets_used = 0;
  readonly connectTimes = new Counter();
  readonly addresses = new Map<string, number>();

  constructor(
    private readonly container: WorkloadContext,
    private readonly address: string,
  ) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  }

  override createConnection(options: Parameters<Agent['createConnection']>[0]): Duplex {
    const { host, port } = options as { host: string; port: number };
    const started = performance.now();
    this.sockets_used++;
    const key = `${this.address}:${port}`;
    this.addresses.set(key, (this.addresses.get(key) ?? 0) + 1);
    const socket: Socket = this.container.dial(host, port);
    socket.setNoDelay(true);
    socket.once('connect', () => this.connectTimes.record(Math.round((performance.now() - started) * 1e6) / 1e9));
    return socket;
  }
}

export class FortioHttpClient {
  readonly agent: PodAgent;

  constructor(
    container: WorkloadContext,
    private readonly url: URL,
    address: string,
    private readonly userAgent: string,
    private readonly timeoutMs: number,
    private readonly extraHeaders: [string, string][] = [],
  ) {
    this.agent = new PodAgent(container, address);
  }

  /** One call; `keep` keeps the response stream for the caller (curl mode) instead of draining it. */
  call(signal: AbortSignal, keep = false): Promise<CallResult> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'user-agent': this.userAgent };
      for (const [k, v] of this.extraHeaders) headers[k.toLowerCase()] = v;
      const port = Number(this.url.port || 80);
      const req = request({ host: this.url.hostname, port, path: `${this.url.pathname}${this.url.search}`, method: 'GET', headers: { host: this.url.host, ...headers }, agent: this.agent, signal });
      const timer = setTimeout(() => req.destroy(new Error(`timeout after ${this.timeoutMs}ms`)), this.timeoutMs);
      req.once('response', (res) => {
        // fortio keeps a connection only after an OK answer (fhttp codeIsOK: 2xx or 418); after any other it reconnects.
        if (!codeIsOK(res.statusCode ?? 0)) (req as typeof req & { shouldKeepAlive: boolean }).shouldKeepAlive = false;
        const statusLine = `HTTP/${res.httpVersion} ${res.statusCode}`;
        let headerBytes = `${statusLine} ${res.statusMessage}\r\n`.length + 2;
        for (let i = 0; i < res.rawHeaders.length; i += 2) headerBytes += res.rawHeaders[i].length + res.rawHeaders[i + 1].length + 4;
        if (keep) {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, statusLine, headerBytes, totalBytes: headerBytes, response: res });
          return;
        }
        let body = 0;
        res.on('data', (c: Buffer) => {
          body += c.length;
          if (body > MAX_RESPONSE_BYTES) res.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
        });
        res.once('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, statusLine, headerBytes, totalBytes: headerBytes + body });
        });
        res.once('error', (e) => {
          clearTimeout(timer);
          resolve({ status: -1, statusLine: '', headerBytes: 0, totalBytes: 0, error: e.message });
        });
      });
      req.once('error', (e) => {
        clearTimeout(timer);
        resolve({ status: -1, statusLine: '', headerBytes: 0, totalBytes: 0, error: e.message });
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
