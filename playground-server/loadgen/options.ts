// Load-test parameters as every caller (CLI, playground API, mesh-overhead runs) passes them, validated
// at the edge with errors that name the field and the limit.
import type { LoadResult } from './result.js';

export const LIMITS = Object.freeze({
  maxRps: 1_000_000,
  maxConnections: 10_000,
  maxWorkers: 64,
  maxDurationMs: 24 * 3600_000,
  maxWarmupMs: 3600_000,
  maxTimeoutMs: 600_000,
  maxStreams: 1_000,
});

export const DEFAULTS = Object.freeze({
  method: 'GET',
  durationMs: 10_000,
  warmupMs: 1_000,
  timeoutMs: 5_000,
  connections: 10,
  workers: 1,
});

export type GeneratorTransport = 'inline' | 'worker' | 'process';

export interface LoadTestOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Open model's arrival rate; null/undefined → closed model (as fast as the connections allow). */
  rps?: number | null;
  durationMs?: number;
  warmupMs?: number;
  timeoutMs?: number;
  connections?: number;
  /** Number of generators the load is split across. */
  workers?: number;
  /** How generators run: in this thread (1 generator), worker threads, or child processes. */
  transport?: GeneratorTransport;
  insecure?: boolean;
  /** Wire protocol: HTTP/1.1 (default), HTTP/2 (`--h2`) or unary gRPC over HTTP/2 (`--grpc`). */
  protocol?: WireProtocol;
  /** h2/grpc: concurrent streams per HTTP/2 session (default 1). */
  streams?: number;
  /** grpc: the method called, `/package.Service/Method` (default grpc.health.v1.Health/Check). */
  grpcMethod?: string;
}

export type WireProtocol = 'http1' | 'h2' | 'grpc';

export type ResolvedOptions = Required<Omit<LoadTestOptions, 'body' | 'rps'>> & { body?: string; rps: number | null };

export class LoadOptionsError extends Error {}

function bad(field: string, why: string): never {
  throw new LoadOptionsError(`${field} ${why}`);
}

function integerIn(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return v;
}

function msIn(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(field, `must be from ${min} ms to ${max} ms (got ${JSON.stringify(v)})`);
  return v;
}

export function resolveOptions(o: LoadTestOptions): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    bad('url', `is not a valid URL: ${JSON.stringify(o.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad('url', `must be http:// or https:// (got ${url.protocol}//)`);
  const method = (o.method ?? DEFAULTS.method).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) bad('method', `must be an HTTP method name (got ${JSON.stringify(o.method)})`);
  const rps = o.rps ?? null;
  if (rps !== null && (typeof rps !== 'number' || !Number.isFinite(rps) || rps <= 0 || rps > LIMITS.maxRps)) {
    bad('rps', `must be a number > 0 and ≤ ${LIMITS.maxRps} (got ${JSON.stringify(rps)}); omit it for the closed model`);
  }
  const connections = integerIn(o.connections ?? DEFAULTS.connections, 'connections', 1, LIMITS.maxConnections);
  const workers = integerIn(o.workers ?? DEFAULTS.workers, 'workers', 1, LIMITS.maxWorkers);
  if (workers > connections) bad('workers', `(${workers}) must not exceed connections (${connections}): each generator needs a connection`);
  const transport = o.transport ?? (workers === 1 ? 'inline' : 'worker');
  if (transport !== 'inline' && transport !== 'worker' && transport !== 'process') bad('transport', 'must be inline, worker or process');
  if (transport === 'inline' && workers !== 1) bad('transport', 'inline runs exactly one generator; use worker or process for several');
  const headers = o.headers ?? {};
  for (const [k, v] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) bad('headers', `has an invalid header name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || /[\r\n]/.test(v)) bad('headers', `value of ${k} must be a single-line string`);
  }
  if (o.body !== undefined && typeof o.body !== 'string') bad('body', 'must be a string');
  const protocol = o.protocol ?? 'http1';
  if (protocol !== 'http1' && protocol !== 'h2' && protocol !== 'grpc') bad('protocol', `must be http1, h2 or grpc (got ${JSON.stringify(o.protocol)})`);
  if (o.streams !== undefined && protocol === 'http1') bad('streams', 'applies only to h2 and grpc (HTTP/1.1 carries one request per connection)');
  const streams = integerIn(o.streams ?? 1, 'streams', 1, LIMITS.maxStreams);
  if (o.grpcMethod !== undefined && protocol !== 'grpc') bad('grpcMethod', 'applies only to grpc');
  const grpcMethod = o.grpcMethod ?? '/grpc.health.v1.Health/Check';
  if (typeof grpcMethod !== 'string' || !/^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/.test(grpcMethod) || grpcMethod.length > 256) {
    bad('grpcMethod', `must be /package.Service/Method, at most 256 characters (got ${JSON.stringify(o.grpcMethod)})`);
  }
  if (protocol === 'grpc' && o.body !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(o.body)) bad('body', 'for grpc is the request message as base64 (protobuf bytes)');
  return {
    url: url.href,
    method,
    headers,
    body: o.body,
    rps,
    durationMs: msIn(o.durationMs ?? DEFAULTS.durationMs, 'duration', 1, LIMITS.maxDurationMs),
    warmupMs: msIn(o.warmupMs ?? DEFAULTS.warmupMs, 'warmup', 0, LIMITS.maxWarmupMs),
    timeoutMs: msIn(o.timeoutMs ?? DEFAULTS.timeoutMs, 'timeout', 1, LIMITS.maxTimeoutMs),
    connections,
    workers,
    transport,
    insecure: o.insecure ?? false,
    protocol,
    streams,
    grpcMethod,
  };
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3600_000 };

/** Parse a Go-style duration ("10s", "1m30s", "500ms", "1.5s") into milliseconds; throws on anything else. */
export function parseDuration(text: string, field: string): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) bad(field, `is not a duration: ${JSON.stringify(text)} (use e.g. 10s, 500ms, 1m30s)`);
  return total;
}

/** Format milliseconds the way Go prints a time.Duration ("10s", "1m30s", "500ms"). */
/** What a run's result records of its wire (LoadResult.wire): absent for HTTP/1.1; a gRPC run's method and request. */
export function loadWire(o: Pick<ResolvedOptions, 'protocol' | 'streams' | 'grpcMethod' | 'body'>): LoadResult['wire'] {
  if (o.protocol === 'http1') return undefined;
  if (o.protocol === 'h2') return { protocol: 'h2', streamsPerConnection: o.streams };
  return { protocol: 'grpc', streamsPerConnection: o.streams, grpcMethod: o.grpcMethod, ...(o.body ? { grpcMessage: o.body } : {}) };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  let rest = ms / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${+rest.toFixed(3)}s`;
}
