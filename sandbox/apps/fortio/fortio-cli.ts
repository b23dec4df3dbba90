// The `fortio` program of the fortio/fortio image (`kubectl exec <pod> -c fortio -- /usr/bin/fortio load …`):
// `load` (with `-curl`: fetch once), `curl`, `version`. Flags as Go's flag package reads them (`-c 2`, `-c=2`,
// `--c 2`; flags stop at the URL); the ones Istio's tasks use: -c, -qps, -n, -t, -timeout, -loglevel,
// -allow-initial-errors, -curl, -H, -p. Others are refused by name (exit 1), never silently ignored — among them
// fortio's gRPC client flags (-grpc, -ping, -s, -healthservice, -grpc-ping-delay) and `fortio grpcping`: the image
// serves gRPC (grpc-ping-server.ts) but its CLI does not load it; gRPC load runs through startBenchmark `protocol: grpc`.
import type { Program, ProcessContext } from '../../runtime/process/program.js';
import { parseGoDuration } from '../../apiserver/validation/go-duration.js';
import { resolveInPod } from '../../runtime/process/bin/http-exchange.js';
import { FortioHttpClient } from './http-client.js';
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_PERCENTILES, MAX_CALLS, MAX_DURATION_MS, MAX_QPS, MAX_THREADS, runLoad, type LoadOptions } from './load.js';
import { FORTIO_VERSION, FortioLog, LOG_LEVELS } from './fortio-log.js';

const VALUE_FLAGS = new Set(['c', 'qps', 'n', 't', 'timeout', 'loglevel', 'H', 'p']);
const BOOL_FLAGS = new Set(['curl', 'allow-initial-errors']);
const MAX_HEADERS = 32;

class UsageError extends Error {}

interface Parsed {
  values: Map<string, string[]>;
  bools: Set<string>;
  args: string[];
}

function parseFlags(argv: string[]): Parsed {
  const values = new Map<string, string[]>();
  const bools = new Set<string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    const m = a.match(/^--?([A-Za-z][\w-]*)(?:=(.*))?$/s);
    if (!m) break; // Go's flag package: the first non-flag ends the flags
    const [, name, inline] = m;
    if (BOOL_FLAGS.has(name)) {
      if (inline !== undefined && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(inline)) throw new UsageError(`invalid boolean value ${JSON.stringify(inline)} for -${name}`);
      if (inline === undefined || /^(true|1|t|TRUE|True)$/.test(inline)) bools.add(name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`flag provided but not defined: -${name}${name === 'json' ? ' (writing result files is not supported by the sandbox fortio)' : ''}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: -${name}`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { values, bools, args: argv.slice(i) };
}

function intFlag(p: Parsed, name: string, fallback: number, min: number, max: number): number {
  const v = p.values.get(name)?.at(-1);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`invalid value ${JSON.stringify(v)} for flag -${name}: parse error`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`-${name} ${n} is outside what the sandbox allows (${min}..${max})`);
  return n;
}

function durationFlag(p: Parsed, name: string, fallbackMs: number): number {
  const v = p.values.get(name)?.at(-1);
  if (v === undefined) return fallbackMs;
  const ms = parseGoDuration(v);
  if (ms === undefined) throw new UsageError(`invalid value ${JSON.stringify(v)} for flag -${name}: parse error`);
  return ms;
}

function options(p: Parsed, log: FortioLog): LoadOptions {
  if (p.args.length !== 1) throw new UsageError('Error: fortio load/curl needs a URL or destination');
  const rawUrl = p.args[0];
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl : `http://${rawUrl}`);
  } catch {
    throw new UsageError(`Error: invalid URL ${JSON.stringify(rawUrl)}`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`Error: ${url.protocol}// URLs are not supported by the sandbox fortio (http:// only)`);
  const qpsText = p.values.get('qps')?.at(-1) ?? '8';
  const qps = Number(qpsText);
  if (!Number.isFinite(qps)) throw new UsageError(`invalid value ${JSON.stringify(qpsText)} for flag -qps: parse error`);
  if (qps > MAX_QPS) throw new UsageError(`-qps ${qps} is more than the sandbox allows (${MAX_QPS})`);
  const durationMs = durationFlag(p, 't', 5000);
  const exactly = intFlag(p, 'n', 0, 0, MAX_CALLS);
  // -t 0 means "until interrupted": the sandbox stops it at MAX_DURATION_MS.
  const boundedDuration = durationMs <= 0 ? MAX_DURATION_MS : durationMs;
  if (exactly === 0 && boundedDuration > MAX_DURATION_MS) throw new UsageError(`-t ${p.values.get('t')!.at(-1)} is longer than the sandbox allows (${MAX_DURATION_MS / 1000}s)`);
  const headers = (p.values.get('H') ?? []).map((h) => {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`invalid value ${JSON.stringify(h)} for flag -H: header must be "key: value"`);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()] as [string, string];
  });
  if (headers.length > MAX_HEADERS) throw new UsageError(`at most ${MAX_HEADERS} -H headers`);
  const pText = p.values.get('p')?.at(-1);
  const percentiles = pText === undefined ? DEFAULT_PERCENTILES : pText.split(',').map((s) => Number(s.trim()));
  if (percentiles.some((x) => !Number.isFinite(x) || x < 0 || x > 100) || percentiles.length > 20) throw new UsageError(`invalid value ${JSON.stringify(pText)} for flag -p`);
  return {
    url,
    rawUrl,
    threads: intFlag(p, 'c', 4, 1, MAX_THREADS),
    qps,
    exactly,
    durationMs: boundedDuration,
    timeoutMs: Math.min(durationFlag(p, 'timeout', DEFAULT_CALL_TIMEOUT_MS), MAX_DURATION_MS),
    allowInitialErrors: p.bools.has('allow-initial-errors'),
    percentiles,
    headers,
    log,
  };
}

/** `fortio curl`: the response head on stderr, the body on stdout; a status other than 200 exits 1. */
async function curl(p: ProcessContext, o: LoadOptions, address: string): Promise<number> {
  const client = new FortioHttpClient(p.container, o.url, address, `fortio.org/fortio-${FORTIO_VERSION}`, o.timeoutMs, o.headers);
  try {
    const r = await client.call(p.signal, true);
    if (!r.response) {
      o.log.error('Unable to connect', { err: r.error ?? '' });
      o.log.error(`Error status ${r.status}`);
      return 1;
    }
    const res = r.response;
    let head = `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}\r\n`;
    for (let i = 0; i < res.rawHeaders.length; i += 2) head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
    p.stderr.write(head + '\r\n');
    for await (const chunk of res) p.stdout.write(chunk as Buffer);
    if (res.statusCode !== 200) {
      o.log.error(`Error status ${res.statusCode}`);
      return 1;
    }
    return 0;
  } finally {
    client.close();
  }
}

export const fortioProgram: Program = async (p) => {
  const [command, ...rest] = p.argv.slice(1);
  if (command === 'version') {
    p.stdout.write(`${FORTIO_VERSION}\n`);
    return 0;
  }
  if (command !== 'load' && command !== 'curl') {
    p.stderr.write(
      `Φορτίο ${FORTIO_VERSION} usage:\n  fortio command [flags] target\nwhere command is one of: load (load testing), curl (single URL debug), version.\n` +
        `(the sandbox's fortio runs load, curl and version; its server is the image's main process)\n`,
    );
    return 1;
  }
  let parsed: Parsed;
  let log: FortioLog;
  let o: LoadOptions;
  try {
    parsed = parseFlags(rest);
    const levelName = parsed.values.get('loglevel')?.at(-1);
    const level = levelName === undefined ? 2 : FortioLog.levelOf(levelName);
    if (level === undefined) throw new UsageError(`invalid value ${JSON.stringify(levelName)} for flag -loglevel: should be one of ${LOG_LEVELS.join(', ')}`);
    log = new FortioLog(p.stderr, level);
    if (levelName !== undefined) p.stderr.write(`{"ts":${(Date.now() / 1000).toFixed(6)},"level":"info","r":1,"file":"logger.go","line":254,"msg":"Log level is now ${level} ${LOG_LEVELS[level]} (was 2 Info)"}\n`);
    o = options(parsed, log);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    p.stderr.write(`${e.message}\n`);
    return 1;
  }
  const address = resolveInPod(p.container, o.url.hostname);
  if (!address) {
    log.error('Unable to lookup', { host: o.url.hostname, err: `lookup ${o.url.hostname}: no such host` });
    return 1;
  }
  if (command === 'curl' || parsed.bools.has('curl')) return curl(p, o, address);
  return runLoad(p, o, address);
};
