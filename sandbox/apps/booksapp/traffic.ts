// The books app's traffic generator (image buoyantio/booksapp-traffic, BuoyantIO/booksapp traffic/main.go): after
// -initial-delay (default 1m; the manifests pass 30s) it resets the app (GET /reset until 204), then loops forever
// through the webapp as a user would — home page, create "Ernest Cline", two books, edit one, delete them — pausing
// -sleep (default 100ms) after every request and retrying form POSTs until they answer 303, so the failures the
// tutorials look at show up as retried requests. Each request is logged `<latency>\t<status>\t<METHOD>\t<url>`.
import { setTimeout as sleep } from 'node:timers/promises';
import { cappedExchange, type CappedResponse } from '../../runtime/capped-exchange.js';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { parseGoDuration } from '../../apiserver/validation/go-duration.js';

/** The shortest pause between requests the sandbox allows, whatever -sleep says (the sandbox is shared). */
export const TRAFFIC_MIN_SLEEP_MS = 50;
const REQUEST_TIMEOUT_MS = 10_000;
/** A POST retried this many times without a 303 ends the process (upstream retries forever; the restart backs off). */
const MAX_POST_ATTEMPTS = 1000;

class TrafficExit extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface TrafficConfig {
  target: string;
  sleepMs: number;
  initialDelayMs: number;
}

/** Parses the Go flag set: `-sleep`, `-initial-delay` (`-x=v`, `--x=v` or `-x v`) and one target `host:port`. */
export function parseTrafficArgs(args: string[]): TrafficConfig | string {
  const cfg = { sleepMs: 100, initialDelayMs: 60_000 };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const flag = a.match(/^--?([\w-]+)(?:=(.*))?$/);
    if (!flag) {
      rest.push(...args.slice(i));
      break;
    }
    const [, name, inline] = flag;
    if (name !== 'sleep' && name !== 'initial-delay') return `flag provided but not defined: -${name}`;
    const value = inline ?? args[++i];
    const ms = value === undefined ? undefined : parseGoDuration(value);
    if (ms === undefined) return `invalid value "${value ?? ''}" for flag -${name}: parse error`;
    if (name === 'sleep') cfg.sleepMs = ms;
    else cfg.initialDelayMs = ms;
  }
  if (rest.length !== 1) return 'Usage: simulate-traffic [options] <target>';
  return { target: rest[0], sleepMs: Math.max(TRAFFIC_MIN_SLEEP_MS, cfg.sleepMs), initialDelayMs: cfg.initialDelayMs };
}

export function trafficWorkload(ctx: WorkloadContext): Workload {
  const abort = new AbortController();
  const signal = abort.signal;
  return {
    start: async () => {
      const cfg = parseTrafficArgs(ctx.args);
      if (typeof cfg === 'string') {
        ctx.log(cfg);
        setImmediate(() => ctx.exit(1));
        return;
      }
      void runTraffic(ctx, cfg, signal).then(
        () => undefined,
        (err: Error) => {
          if (signal.aborted) return;
          ctx.log(err.message);
          ctx.exit(err instanceof TrafficExit ? err.code : 1);
        },
      );
    },
    stop: async () => abort.abort(),
  };
}

async function runTraffic(ctx: WorkloadContext, cfg: TrafficConfig, signal: AbortSignal): Promise<void> {
  const base = `http://${cfg.target}`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TrafficExit(1, `Invalid target: ${cfg.target}`);
  }
  const send = async (method: string, path: string, form?: Record<string, string>): Promise<CappedResponse | undefined> => {
    const started = process.hrtime.bigint();
    const body = form ? new URLSearchParams(form).toString() : undefined;
    let res: CappedResponse | undefined;
    try {
      res = await cappedExchange(ctx.agent, {
        method,
        url: new URL(path, url),
        headers: { host: cfg.target, 'user-agent': 'Go-http-client/1.1', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
        timeoutMs: REQUEST_TIMEOUT_MS,
        bodyLimit: 0,
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.log(`${ms.toFixed(3)}ms\t${res.status}\t${method}\t${base}${path}`);
    } catch (err) {
      ctx.log(`ERR\t${method}\t${base}${path}\t${(err as Error).message}`);
    }
    await sleep(cfg.sleepMs, undefined, { signal });
    return res;
  };
  const post = async (path: string, form?: Record<string, string>): Promise<CappedResponse> => {
    for (let i = 0; i < MAX_POST_ATTEMPTS; i++) {
      const res = await send('POST', path, form ?? {});
      if (res?.status === 303) return res;
    }
    throw new TrafficExit(1, `Failed to POST ${path}: no 303 after ${MAX_POST_ATTEMPTS} attempts`);
  };
  const locationPath = (res: CappedResponse): string => {
    const loc = res.headers.location;
    const path = loc ? new URL(String(loc), base).pathname : '';
    if (path === '/' || !path) throw new TrafficExit(1, 'Delete author "Ernest Cline" before running this script');
    return path;
  };

  await sleep(cfg.initialDelayMs, undefined, { signal });
  for (;;) {
    const res = await send('GET', '/reset');
    if (res?.status === 204) break;
  }
  for (;;) {
    await send('GET', '/');
    const authorPath = locationPath(await post('/authors', { first_name: 'Ernest', last_name: 'Cline' }));
    const authorId = authorPath.split('/').pop()!;
    await send('GET', authorPath);
    let bookPath = locationPath(await post('/books', { title: 'Ready Player One', author_id: authorId, pages: '345' }));
    await send('GET', bookPath);
    bookPath = locationPath(await post('/books', { title: 'Ready Player Two', author_id: authorId, pages: '456' }));
    await send('GET', bookPath);
    await post(`${bookPath}/edit`, { title: 'Ready Player Three', author_id: authorId, pages: '567' });
    await post(`${bookPath}/delete`);
    await post(`${authorPath}/delete`);
  }
}
