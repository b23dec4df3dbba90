// The shared shape of the sample apps: an HTTP server on the container's listen address that writes one
// access-log line per request, stops promptly (open connections are closed), and has a tiny router.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Workload, WorkloadContext } from '../runtime/workload.js';

export interface AppRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  remoteAddress: string;
}

export interface AppResponse {
  status: number;
  headers?: Record<string, string>;
  /** Text, JSON (an object), or raw bytes (a Buffer, sent as application/octet-stream). */
  body?: string | Buffer | object;
}

export type Handler = (req: AppRequest) => AppResponse | Promise<AppResponse>;

/** Request bodies larger than this are refused (the apps take small JSON bodies only). */
export const APP_BODY_LIMIT = 64 * 1024;

/** The container port the app listens on: the first declared one, else the app's own default. */
export function appPort(ctx: WorkloadContext, fallback: number): number {
  const fromEnv = Number(ctx.env.PORT);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return ctx.ports[0]?.containerPort ?? fallback;
}

export function httpWorkload(ctx: WorkloadContext, port: number, handler: Handler, opts: { ready?: () => boolean } = {}): Workload {
  const server = createServer((req, res) => void serve(ctx, handler, req, res));
  return { ...listeningWorkload(ctx, server, port), ready: opts.ready };
}

/**
 * Start and stop for a server (HTTP/1.1 or HTTP/2) on the container's listen address: start resolves once it listens
 * and logs `announce` — a prefix for `listening on host:port`, or the app's own line made from host and port (null:
 * none) — and
 * stop closes open connections (and with them HTTP/2 sessions) at once so it is prompt.
 * Every accepted connection passes the pod's network check first (NetworkPolicy, runtime/network).
 */
export function listeningWorkload(ctx: WorkloadContext, server: NetServer, port: number, announce: string | ((host: string, port: number) => string | null) = ''): Pick<Workload, 'start' | 'stop'> {
  ctx.network.guard(server);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    start: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: ctx.listenHost, port }, () => {
          server.off('error', reject);
          const line = typeof announce === 'string' ? `${announce}listening on ${ctx.listenHost}:${port}` : announce(ctx.listenHost, port);
          if (line !== null) ctx.log(line);
          resolve();
        });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

async function serve(ctx: WorkloadContext, handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const url = new URL(req.url ?? '/', 'http://app');
  let status = 500;
  let bytes = 0;
  try {
    const body = await readBody(req);
    const out = await handler({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    });
    status = out.status;
    const isBytes = Buffer.isBuffer(out.body);
    const isText = typeof out.body === 'string' || out.body === undefined;
    const payload = out.body === undefined ? '' : isBytes || isText ? (out.body as string | Buffer) : JSON.stringify(out.body);
    bytes = Buffer.byteLength(payload);
    const type = isBytes ? 'application/octet-stream' : isText ? 'text/plain; charset=utf-8' : 'application/json';
    res.writeHead(status, { 'content-type': type, ...out.headers, 'content-length': String(bytes) });
    res.end(payload);
  } catch (err) {
    status = (err as { status?: number }).status ?? 500;
    const payload = JSON.stringify({ error: (err as Error).message });
    bytes = Buffer.byteLength(payload);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes) });
    res.end(payload);
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const ua = req.headers['user-agent'] ?? '-';
    ctx.log(`${(req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '')} - - [${new Date().toISOString()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes} "${ua}" ${ms.toFixed(1)}ms`);
  }
}

/** The request body as text; rejects (with status 413) once it passes `limit` bytes, or when the request fails. */
export function readBody(req: IncomingMessage, limit = APP_BODY_LIMIT): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error(`request body over the ${limit}-byte limit`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export const json = (status: number, body: object, headers?: Record<string, string>): AppResponse => ({ status, body, headers });
export const notFoundResponse = (path: string): AppResponse => json(404, { error: `no route for ${path}` });
