// hey adapter. `hey -o csv` prints every successful request (response time and offset from the start,
// in seconds with 0.1 ms resolution), so the histogram is exact at that resolution and the warm-up is
// cut by offset. hey's -q limits each worker's rate: a throttled CLOSED loop (each worker waits for its response
// before the next send), not an open model, so it cannot correct for coordinated omission, nor know which sends
// were late or dropped. Non-2xx responses are in its CSV (counted as errors); requests that failed without a
// response are not, so transport errors are not measured.
import type { RunHooks } from '../coordinator.js';
import type { LoadEngine } from '../engine.js';
import { createLatencyHistogram, recordMicros } from '../histogram.js';
import { resolveOptions, type LoadTestOptions, type ResolvedOptions } from '../options.js';
import type { LoadResult } from '../result.js';
import { findBinary } from './find-binary.js';
import { runBinary } from './run-binary.js';
import { toolRunResult } from './tool-result.js';

export interface HeyRow {
  responseTimeS: number;
  status: number;
  offsetS: number;
}

export function parseHeyCsv(csv: string): HeyRow[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || !lines[0].startsWith('response-time,')) throw new Error(`hey printed no CSV result: ${csv.slice(0, 200)}`);
  const cols = lines[0].split(',');
  const iTime = cols.indexOf('response-time');
  const iStatus = cols.indexOf('status-code');
  const iOffset = cols.indexOf('offset');
  if (iTime < 0 || iStatus < 0 || iOffset < 0) throw new Error(`hey CSV lacks response-time/status-code/offset columns: ${lines[0]}`);
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { responseTimeS: Number(f[iTime]), status: Number(f[iStatus]), offsetS: Number(f[iOffset]) };
  });
}

function heyArgs(o: ResolvedOptions): string[] {
  const total = (o.warmupMs + o.durationMs) / 1000;
  const args = ['-z', `${total}s`, '-c', String(o.connections), '-t', String(Math.max(1, Math.ceil(o.timeoutMs / 1000))), '-m', o.method, '-o', 'csv'];
  if (o.rps !== null) args.push('-q', String(o.rps / o.connections));
  for (const [k, v] of Object.entries(o.headers)) args.push('-H', `${k}: ${v}`);
  if (o.body !== undefined) args.push('-d', o.body);
  args.push(o.url);
  return args;
}

export function heyRowsToLoadResult(rows: HeyRow[], o: ResolvedOptions, runStart: Date, cancelled: boolean): LoadResult {
  const warmupS = o.warmupMs / 1000;
  const h = createLatencyHistogram();
  const statusErrors = createLatencyHistogram();
  const statusCodes: Record<string, number> = {};
  let last = warmupS;
  let measured = 0;
  for (const r of rows) {
    if (r.offsetS < warmupS) continue;
    measured++;
    recordMicros(h, Math.round(r.responseTimeS * 1e6));
    if (r.status < 200 || r.status > 299) recordMicros(statusErrors, Math.round(r.responseTimeS * 1e6));
    statusCodes[String(r.status)] = (statusCodes[String(r.status)] ?? 0) + 1;
    last = Math.max(last, r.offsetS + r.responseTimeS);
  }
  const durationMs = cancelled ? Math.max(1, (last - warmupS) * 1000) : Math.max(o.durationMs, (last - warmupS) * 1000);
  const start = new Date(runStart.getTime() + o.warmupMs);
  return toolRunResult(o, {
    engine: 'hey',
    requestedRps: o.rps,
    start,
    durationMs,
    requests: measured,
    statusCodes,
    errors: {},
    bytesRead: 0,
    cancelled,
    latency: h,
    statusErrors,
    model: 'closed',
    notMeasured: ['sendSchedule', 'transportErrors'],
    notes: [
      'hey: closed model (each connection waits for its response); --rps is a per-connection throttle, not an open-model arrival rate, so latency is from the actual send (no coordinated-omission correction)',
      'hey: late and dropped sends are not measured (hey has no schedule of intended sends)',
      'hey: 0.1 ms resolution; non-2xx responses are counted as errors, but requests that failed without a response are not in its CSV (transport errors not measured)',
    ],
  });
}

async function runHey(options: LoadTestOptions, hooks: RunHooks = {}): Promise<LoadResult> {
  const o = resolveOptions(options);
  const bin = await findBinary('hey');
  if (!bin) throw new Error('hey is not installed (apt-get install hey)');
  const start = new Date();
  const run = await runBinary(bin, heyArgs(o), hooks.signal);
  return heyRowsToLoadResult(parseHeyCsv(run.stdout), o, start, hooks.signal?.aborted === true);
}

export const heyEngine: LoadEngine = {
  name: 'hey',
  availability: async () => ((await findBinary('hey')) ? { available: true } : { available: false, reason: 'hey is not installed (apt-get install hey)' }),
  unsupported: () => null,
  run: runHey,
};
