// A real sandbox (sandbox/cluster.ts) and the real playground server over real sockets, plus small REST
// and WebSocket clients that speak the API exactly as the browser does. Everything is bounded in time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startSandbox, type Sandbox } from '../../sandbox/cluster.js';
import { LOADGEN_IMAGES } from '../../playground-server/loadgen/pod-image.js';
import { startPlaygroundServer, type PlaygroundServer, type PlaygroundServerOptions } from '../../playground-server/server.js';

export const SITE_DIR = new URL('../../dist/site', import.meta.url).pathname;

export interface ServerFixture {
  sandbox: Sandbox;
  server: PlaygroundServer;
  dir: string;
  kubeconfig: string;
  url: string;
  /** Start another server on the same cluster (and, unless told otherwise, the same data directory). */
  startServer(opts?: Partial<PlaygroundServerOptions>): Promise<PlaygroundServer>;
  close(): Promise<void>;
}

export async function startFixture(serverOpts: Partial<PlaygroundServerOptions> = {}): Promise<ServerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'server-test-'));
  const kubeconfig = join(dir, 'admin.kubeconfig');
  const sandbox = await startSandbox({ kubeconfigPath: kubeconfig, readinessIntervalMs: 200, restartBackoffBaseMs: 300, imagePullBackoffBaseMs: 300, images: LOADGEN_IMAGES });
  const servers: PlaygroundServer[] = [];
  const startServer = async (opts: Partial<PlaygroundServerOptions> = {}) => {
    // Every answer is checked against openapi/playground.yaml; close() fails the test file on any mismatch.
    const s = await startPlaygroundServer({ host: '127.0.0.1', port: 0, kubeconfigPath: kubeconfig, siteDir: SITE_DIR, dataDir: join(dir, 'data'), logLevel: 'error', validateResponses: true, ...serverOpts, ...opts });
    servers.push(s);
    return s;
  };
  let server: PlaygroundServer;
  try {
    server = await startServer();
  } catch (err) {
    // A server that does not start (e.g. no built site) must not leave the sandbox running: the test file would hang.
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    sandbox,
    server,
    dir,
    kubeconfig,
    url: server.url,
    startServer,
    async close() {
      for (const s of servers) await s.close();
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
      const violations = servers.flatMap((s) => s.contractViolations);
      if (violations.length) throw new Error(`the server sent ${violations.length} answer(s) that do not match openapi/playground.yaml:\n${violations.slice(0, 10).map((v) => JSON.stringify(v)).join('\n')}`);
    },
  };
}

export interface RestAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function rest<T = any>(base: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string; timeoutMs?: number } = {}): Promise<RestAnswer<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** NDJSON frames of a streaming REST operation. */
export function ndjson(text: string): { event?: any; result?: any; error?: any }[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

export interface WsAnswer {
  events: any[];
  result?: any;
  error?: any;
}

/** A WebSocket client: request/answer by id, events collected, frames without an id kept for inspection. */
export class WsClient {
  private waiting = new Map<string | number, { events: any[]; resolve: (a: WsAnswer) => void; onEvent?: (e: any) => void }>();
  readonly orphans: any[] = [];
  closed?: { code: number; reason: string };
  private seq = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id?: string | number | null; event?: unknown; result?: unknown; error?: unknown };
      const w = msg.id === undefined || msg.id === null ? undefined : this.waiting.get(msg.id);
      if (!w) {
        this.orphans.push(msg);
        return;
      }
      if ('event' in msg) {
        w.events.push(msg.event);
        w.onEvent?.(msg.event);
        return;
      }
      this.waiting.delete(msg.id!);
      w.resolve({ events: w.events, result: msg.result, error: msg.error });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w.resolve({ events: w.events, error: { code: 0, reason: 'SocketClosed', message: `closed ${code}` } });
      }
    });
  }

  static connect(base: string, opts: { token?: string; origin?: string } = {}): Promise<WsClient> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.cookie = `pg_session=${opts.token}`;
    if (opts.origin) headers.origin = opts.origin;
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws', { headers, handshakeTimeout: 10_000 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    });
  }

  call(op: string, params?: unknown, opts: { id?: string | number; onEvent?: (e: any) => void; timeoutMs?: number } = {}): Promise<WsAnswer> {
    const id = opts.id ?? `m${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no answer to ${op} within ${opts.timeoutMs ?? 60_000} ms`));
      }, opts.timeoutMs ?? 60_000);
      this.waiting.set(id, { events: [], onEvent: opts.onEvent, resolve: (a) => { clearTimeout(timer); resolve(a); } });
      this.ws.send(JSON.stringify(params === undefined ? { id, op } : { id, op, params }));
    });
  }

  cancel(id: string | number): void {
    this.ws.send(JSON.stringify({ id, cancel: true }));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Wait until `n` final frames (result or error) without a pending call arrived. */
  async answerCount(n: number, timeoutMs = 30_000): Promise<number> {
    const count = () => this.orphans.filter((f) => !('event' in f)).length;
    const deadline = Date.now() + timeoutMs;
    while (count() < n && Date.now() < deadline && !this.closed) await new Promise((r) => setTimeout(r, 20));
    return count();
  }

  /** Wait until `n` orphan frames (answers without a pending call) arrived. */
  async orphanCount(n: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.orphans.length < n && Date.now() < deadline && !this.closed) await new Promise((r) => setTimeout(r, 20));
    return this.orphans.length;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}

export async function createSession(base: string, apps: string[] = ['httpbin']): Promise<{ token: string; namespace: string; id: string }> {
  const r = await rest(base, 'POST', '/api/sessions', { body: { apps } });
  if (r.status !== 201) throw new Error(`createSession: ${r.status} ${r.text}`);
  return { token: r.body.token, namespace: r.body.session.namespace, id: r.body.session.id };
}
