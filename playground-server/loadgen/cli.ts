// `playground bench <url> [flags]`: run a load test, show live progress on stderr, print the result on
// stdout as text (with the percentile spectrum), SMP JSON or fortio JSON. Exit codes: 0 done, 1 the run
// failed, 2 usage error (bad flag, bad value, unreachable URL), 130 cancelled by Ctrl-C (partial result
// still printed).
import net from 'node:net';
import { getEngine, ENGINES } from './engine.js';
import { ADAPTIVE_USAGE, parseAdaptiveFlags, runAdaptiveBench, type AdaptiveFlags } from './adaptive-command.js';
import { LOAD_FLAGS, parseCount, parseFlags, parseFormat, parseLoadFlags, reportUsageError, UsageError, withinLoadLimits } from './bench-flags.js';
import { resolveOptions, type GeneratorTransport, type LoadTestOptions } from './options.js';
import { toFortioJson } from './reports/fortio.js';
import { toResultDocument, toSmpResult } from './reports/smp.js';
import { progressLine, toText } from './reports/text.js';
import type { LoadResult } from './result.js';

export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const BENCH_USAGE = `Usage: playground bench <url> [flags]
       playground bench --mesh-overhead [flags]   direct vs sidecars vs sidecars+mTLS in an embedded sandbox
                                                  (flags: playground bench --mesh-overhead --help)

  --rps N|max          open model at N requests/s (constant arrival rate); omit or "max" for the closed model
  --duration D         measured duration, e.g. 10s, 1m (default 10s)
  --connections C, -c  keep-alive connections (default 10)
  --workers W          generators (worker threads) sharing the load (default 1)
  --timeout D          per-request timeout (default 5s)
  --warmup D           warm-up before measuring, excluded from results (default 1s; 0 for none)
  --engine E           builtin (default), wrk or hey
  --format F           text (default), smp (strict SMP PerformanceTestResult JSON), playground (the result
                       document: strict SMP + the playground extension beside it) or fortio (fortio JSON)
  --method M           HTTP method (default GET)
  --header 'K: V', -H  extra request header (repeatable)
  --body S             request body
  --insecure, -k       do not verify TLS certificates
  --transport T        inline, worker or process (how generators run; default inline for 1, worker for more)
  --h2                 HTTP/2: h2c with prior knowledge for http://, ALPN h2 for https://; each connection
                       is one HTTP/2 session (builtin engine)
  --grpc               unary gRPC calls over HTTP/2 (default grpc.health.v1.Health/Check, like fortio
                       -grpc -healthservice); a non-OK grpc-status or non-SERVING health is an error
  --streams N          h2/grpc: concurrent streams per session in the closed model (default 1)
  --grpc-method M      grpc: /package.Service/Method to call; --body is its request message, base64
${ADAPTIVE_USAGE}`;

const FORMATS: ['text', 'smp', 'playground', 'fortio'] = ['text', 'smp', 'playground', 'fortio'];
type Format = (typeof FORMATS)[number];

const PREFLIGHT_TIMEOUT_MS = 3000;

interface ParsedBench {
  options: LoadTestOptions;
  engine: string;
  format: Format;
  /** --slo: the adaptive search instead of one run. */
  adaptive?: AdaptiveFlags;
}

function parseBenchArgs(argv: string[]): ParsedBench | 'help' {
  const { values, positionals } = parseFlags(argv, {
    ...LOAD_FLAGS,
    workers: { type: 'string' },
    engine: { type: 'string' },
    method: { type: 'string' },
    header: { type: 'string', short: 'H', multiple: true },
    body: { type: 'string' },
    insecure: { type: 'boolean', short: 'k' },
    transport: { type: 'string' },
    h2: { type: 'boolean' },
    grpc: { type: 'boolean' },
    streams: { type: 'string' },
    'grpc-method': { type: 'string' },
    slo: { type: 'string' },
    'max-rps': { type: 'string' },
    'max-steps': { type: 'string' },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing <url>' : `expected one <url>, got ${positionals.length}: ${positionals.join(' ')}`);

  const load = parseLoadFlags(values, null, '; omit it or use "max" for the closed model');
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header must look like "Name: value" (got "${h}")`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const engine = values.engine ?? 'builtin';
  if (!ENGINES[engine]) throw new UsageError(`--engine must be one of ${Object.keys(ENGINES).join(', ')} (got "${engine}")`);
  const format = parseFormat(values.format, FORMATS);
  const adaptive = parseAdaptiveFlags(values, values.rps === undefined ? undefined : load.rps, engine);
  const options: LoadTestOptions = {
    url: positionals[0],
    method: values.method,
    headers,
    body: values.body,
    ...load,
    workers: parseCount(values.workers, '--workers'),
    insecure: values.insecure,
    transport: values.transport as GeneratorTransport | undefined,
  };
  if (values.h2 && values.grpc) throw new UsageError('--h2 and --grpc are exclusive (gRPC already runs over HTTP/2)');
  if (values.h2 || values.grpc) {
    if (engine !== 'builtin') throw new UsageError(`--${values.h2 ? 'h2' : 'grpc'} needs the builtin engine (got --engine ${engine})`);
    options.protocol = values.grpc ? 'grpc' : 'h2';
  }
  if (values.streams !== undefined) {
    if (!options.protocol) throw new UsageError('--streams applies only with --h2 or --grpc');
    options.streams = parseCount(values.streams, '--streams');
  }
  if (values['grpc-method'] !== undefined) {
    if (options.protocol !== 'grpc') throw new UsageError('--grpc-method applies only with --grpc');
    options.grpcMethod = values['grpc-method'];
  }
  withinLoadLimits(() => {
    const why = getEngine(engine).unsupported(resolveOptions(options));
    if (why) throw new UsageError(why);
  });
  return { options, engine, format, adaptive };
}

/** A TCP connect to the URL's host and port: "not reachable" is a usage error, told before any load. */
function checkReachable(url: string): Promise<void> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UsageError(`URL not reachable: no TCP connection to ${host}:${port} within ${PREFLIGHT_TIMEOUT_MS} ms`));
    }, PREFLIGHT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new UsageError(`URL not reachable: ${err.message}`));
    });
  });
}

function render(result: LoadResult, format: Format): string {
  if (format === 'smp') return JSON.stringify(toSmpResult(result), null, 2) + '\n';
  if (format === 'playground') return JSON.stringify(toResultDocument(result), null, 2) + '\n';
  if (format === 'fortio') return JSON.stringify(toFortioJson(result), null, 2) + '\n';
  return toText(result);
}

export async function runBenchCommand(argv: string[], io: BenchIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (argv.includes('--mesh-overhead')) return (await import('./overhead-command.js')).runMeshOverheadCommand(argv, io);
  let parsed: ParsedBench | 'help';
  try {
    parsed = parseBenchArgs(argv);
    if (parsed === 'help') {
      io.stdout.write(BENCH_USAGE);
      return 0;
    }
    await checkReachable(parsed.options.url);
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(io.stderr, err, 'playground bench --help');
    throw err;
  }
  const { options, engine, format, adaptive } = parsed;
  const eng = getEngine(engine);
  const availability = await eng.availability();
  if (!availability.available) {
    io.stderr.write(`playground bench: ${availability.reason}\n`);
    return 2;
  }

  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const live = io.stderr.isTTY === true;
  let lastLineLength = 0;
  try {
    if (adaptive) return await runAdaptiveBench(options, adaptive, format, (r) => render(r, format), io, abort.signal);
    if (engine !== 'builtin') io.stderr.write(`running ${engine} (no live progress from this engine)...\n`);
    const result = await eng.run(options, {
      signal: abort.signal,
      onProgress: (i) => {
        const line = progressLine(i);
        if (live) io.stderr.write(`\r${line.padEnd(lastLineLength)}`);
        else io.stderr.write(line + '\n');
        lastLineLength = line.length;
      },
    });
    if (live && lastLineLength) io.stderr.write('\n');
    io.stdout.write(render(result, format));
    return result.cancelled ? 130 : 0;
  } catch (err) {
    if (live && lastLineLength) io.stderr.write('\n');
    io.stderr.write(`playground bench: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
