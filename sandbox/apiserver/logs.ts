// The pods/log subresource: text/plain, one line per chunk when following. Lines come from a LogSource
// (the runtime implements it); the API server only parses options and streams.
import type { ServerResponse } from 'node:http';
import { badRequest, StatusError } from './errors.js';

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
}

export interface LogSource {
  /**
   * Lines of a container's log, each without its trailing newline. Throws a StatusError for a missing
   * pod or an ambiguous container ("a container name must be specified for pod X, choose one of: [a b]").
   */
  read(namespace: string, pod: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<string>;
}

const bool = (v: string | null) => v === 'true' || v === '1';

function nonNegativeInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`${name}: Invalid value: ${JSON.stringify(raw)}: must be a non-negative integer`);
  return n;
}

export function parseLogOptions(query: URLSearchParams): LogOptions {
  const opts: LogOptions = {
    follow: bool(query.get('follow')),
    timestamps: bool(query.get('timestamps')),
    previous: bool(query.get('previous')),
    tailLines: nonNegativeInt(query, 'tailLines'),
    sinceSeconds: nonNegativeInt(query, 'sinceSeconds'),
  };
  const container = query.get('container');
  if (container) opts.container = container;
  if (opts.sinceSeconds === 0) throw badRequest('sinceSeconds: Invalid value: 0: must be greater than 0');
  return opts;
}

/** Streams a container's log; errors before the first line are Status responses, later ones end the stream. */
export async function serveLogs(res: ServerResponse, source: LogSource, namespace: string, pod: string, opts: LogOptions): Promise<void> {
  const abort = new AbortController();
  const onClose = () => abort.abort();
  res.on('close', onClose);
  const iterator = source.read(namespace, pod, opts, abort.signal)[Symbol.asyncIterator]();
  try {
    let first = await iterator.next(); // errors such as "container name must be specified" surface here
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    while (!first.done && !abort.signal.aborted) {
      const ok = res.write(first.value + '\n');
      if (!ok && !abort.signal.aborted) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
      first = await iterator.next();
    }
    if (!res.writableEnded) res.end();
  } catch (err) {
    if (!res.headersSent) throw err instanceof StatusError ? err : new StatusError(500, 'InternalError', `reading logs: ${(err as Error).message}`);
    res.end();
  } finally {
    res.off('close', onClose);
    abort.abort();
    await iterator.return?.();
  }
}
