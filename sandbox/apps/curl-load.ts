// curl's load loop (`POST /load`): fortio-in-a-pod. Sends requests for a fixed time through the pod's own
// agent (so through its sidecar), closed loop (N connections back to back) or open loop (a fixed rate
// spread over at most N outstanding requests), and streams NDJSON: one `progress` line per second, then a
// `result` line with counts and the latency histogram as HdrHistogram compressed base64 (1 µs..1 h, 3 digits).
import { request } from 'node:http';
import * as hdr from 'hdr-histogram-js';
import type { WorkloadContext } from '../runtime/workload.js';

export const LOAD_LIMITS = Object.freeze({ maxConnections: 128, maxRps: 5000, maxDurationMs: 120_000, maxTimeoutMs: 30_000 });
const HISTOGRAM = { lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 as const, bitBucketSize: 64 as const, autoResize: false, useWebAssembly: false };

export interface LoadSpec {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  rps: number | null;
  durationMs: number;
  timeoutMs: number;
}

export type LoadLine =
  | { type: 'progress'; second: number; responses: number; errors: number; p50Micros: number; p99Micros: number }
  | {
      type: 'result';
      startTime: string;
      endTime: string;
      sent: number;
      responses: number;
      statusCodes: Record<string, number>;
      errors: Record<string, number>;
      histogram: string;
      intervals: { second: number; responses: number; errors: number; p50Micros: number; p99Micros: number }[];
      cancelled: boolean;
    };

export function parseLoadSpec(raw: Record<string, unknown>): LoadSpec {
  const int = (v: unknown, field: string, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${field}: an integer from ${min} to ${max}`);
    return v;
  };
  if (typeof raw.url !== 'string') throw new Error('url: required');
  const url = new URL(raw.url);
  if (url.protocol !== 'http:') throw new Error('url: http:// only');
  const method = typeof raw.method === 'string' && /^[A-Z]{1,16}$/.test(raw.method) ? raw.method : 'GET';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((raw.headers as Record<string, unknown>) ?? {})) if (typeof v === 'string' && !/[\r\n]/.test(v) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) headers[k.toLowerCase()] = v;
  return {
    url,
    method,
    headers,
    body: typeof raw.body === 'string' ? raw.body : undefined,
    connections: int(raw.connections ?? 4, 'connections', 1, LOAD_LIMITS.maxConnections),
    rps: raw.rps === null || raw.rps === undefined ? null : int(raw.rps, 'rps', 1, LOAD_LIMITS.maxRps),
    durationMs: int(raw.durationMs ?? 5000, 'durationMs', 100, LOAD_LIMITS.maxDurationMs),
    timeoutMs: int(raw.timeoutMs ?? 5000, 'timeoutMs', 1, LOAD_LIMITS.maxTimeoutMs),
  };
}

/** Runs the load; `write` returns false while the reader is slow (progress lines are then skipped). */
export async function runLoad(ctx: WorkloadContext, spec: LoadSpec, write: (line: LoadLine) => void, signal: AbortSignal): Promise<void> {
  const all = hdr.build(HISTOGRAM);
  let second = hdr.build(HISTOGRAM);
  const statusCodes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const intervals: Extract<LoadLine, { type: 'progress' }>[] = [];
  let sent = 0;
  let responses = 0;
  let secondResponses = 0;
  let secondErrors = 0;
  const start = Date.now();
  const end = start + spec.durationMs;
  const running = () => !signal.aborted && Date.now() < end;

  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      sent++;
      const headers: Record<string, string> = { 'user-agent': 'playground-curl-load/1', ...spec.headers };
      if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
      const r = request({ agent: ctx.agent, method: spec.method, host: spec.url.hostname, port: spec.url.port || 80, path: spec.url.pathname + spec.url.search, headers, timeout: spec.timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          const us = Number(process.hrtime.bigint() - t0) / 1000;
          all.recordValue(Math.max(0, Math.round(us)));
          second.recordValue(Math.max(0, Math.round(us)));
          responses++;
          secondResponses++;
          const code = String(res.statusCode ?? 0);
          statusCodes[code] = (statusCodes[code] ?? 0) + 1;
          resolve();
        });
        res.on('error', () => resolve());
      });
      r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      r.on('error', (err: NodeJS.ErrnoException) => {
        const kind = err.code === 'ETIMEDOUT' ? 'timeout' : err.code === 'ECONNREFUSED' ? 'connect' : err.code === 'ECONNRESET' ? 'reset' : 'protocol';
        errors[kind] = (errors[kind] ?? 0) + 1;
        secondErrors++;
        resolve();
      });
      r.end(spec.body);
    });

  const ticker = setInterval(() => {
    const line = { type: 'progress' as const, second: intervals.length + 1, responses: secondResponses, errors: secondErrors, p50Micros: second.getValueAtPercentile(50), p99Micros: second.getValueAtPercentile(99) };
    intervals.push(line);
    secondResponses = 0;
    secondErrors = 0;
    second.destroy();
    second = hdr.build(HISTOGRAM);
    write(line);
  }, 1000);

  try {
    if (spec.rps === null) {
      await Promise.all(Array.from({ length: spec.connections }, async () => {
        while (running()) await once();
      }));
    } else {
      // Open loop: requests are due at a fixed rate; at most `connections` are outstanding.
      const interval = 1000 / spec.rps;
      let due = 0;
      let outstanding = 0;
      const inflight = new Set<Promise<void>>();
      while (running()) {
        const now = Date.now() - start;
        while (due <= now && outstanding < spec.connections && running()) {
          due += interval;
          outstanding++;
          const p = once().finally(() => {
            outstanding--;
            inflight.delete(p);
          });
          inflight.add(p);
        }
        await new Promise((r) => setTimeout(r, Math.max(1, Math.min(10, due - (Date.now() - start)))));
      }
      await Promise.all(inflight);
    }
  } finally {
    clearInterval(ticker);
  }
  write({
    type: 'result',
    startTime: new Date(start).toISOString(),
    endTime: new Date().toISOString(),
    sent,
    responses,
    statusCodes,
    errors,
    histogram: hdr.encodeIntoCompressedBase64(all),
    intervals,
    cancelled: signal.aborted,
  });
  all.destroy();
  second.destroy();
}
