// A tiny HTTP target for measuring the load generator itself (like fortio's echo server). Two modes:
// `http` (node:http, a realistic small service) and `raw` (canned keep-alive responses on net sockets,
// fast enough that the generator, not the target, is what a throughput benchmark measures).
// It can stall once: after N requests it holds every response for M ms, the classic coordinated-omission
// experiment. Run it as its own process so generator and target do not share an event loop:
//   node --import tsx playground-server/loadgen/echo-target.ts --mode raw [--stall-after N --stall-ms M]
// It prints one JSON line {"port": P} once listening.
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { isMainModule } from './main-module.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface EchoTargetOptions {
  host?: string;
  port?: number;
  mode?: 'http' | 'raw';
  /** Stall once, after this many requests have been received (0 = never). */
  stallAfter?: number;
  stallMs?: number;
}

export interface EchoTarget {
  port: number;
  host: string;
  url: string;
  close(): Promise<void>;
}

const BODY = 'ok\n';
const RAW_RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`);

export async function startEchoTarget(opts: EchoTargetOptions = {}): Promise<EchoTarget> {
  const host = opts.host ?? '127.0.0.1';
  const stallAfter = opts.stallAfter ?? 0;
  const stallMs = opts.stallMs ?? 0;
  let received = 0;
  let stallUntil = 0;
  // Returns how long to hold this request's response (0 = answer now).
  const holdFor = (): number => {
    received++;
    if (stallAfter > 0 && received === stallAfter) stallUntil = Date.now() + stallMs;
    return stallUntil > 0 ? Math.max(0, stallUntil - Date.now()) : 0;
  };

  let server: net.Server;
  const sockets = new Set<net.Socket>();
  if ((opts.mode ?? 'http') === 'raw') {
    server = net.createServer((socket) => {
      socket.setNoDelay(true);
      let tail = '';
      socket.on('data', (chunk: Buffer) => {
        // Count request heads; requests have no body here (GET/HEAD from the benchmark tools).
        const text = tail + chunk.toString('latin1');
        let n = 0;
        let i = text.indexOf('\r\n\r\n');
        let last = 0;
        while (i >= 0) {
          n++;
          last = i + 4;
          i = text.indexOf('\r\n\r\n', last);
        }
        tail = text.slice(last);
        for (let k = 0; k < n; k++) {
          const hold = holdFor();
          if (hold > 0) setTimeout(() => socket.writable && socket.write(RAW_RESPONSE), hold);
          else socket.write(RAW_RESPONSE);
        }
      });
      socket.on('error', () => socket.destroy());
    });
  } else {
    server = http.createServer((req, res) => {
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
        res.end(BODY);
      };
      req.resume();
      const hold = holdFor();
      if (hold > 0) setTimeout(answer, hold);
      else answer();
    });
    (server as http.Server).keepAliveTimeout = 60_000;
  }
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    host,
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Start the target in its own process (its own event loop and core); resolves once it listens. */
export async function spawnEchoTarget(opts: Omit<EchoTargetOptions, 'port'> = {}): Promise<EchoTarget & { process: ChildProcess }> {
  const args = ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), '--stdin-lifeline', '--mode', opts.mode ?? 'http'];
  if (opts.host) args.push('--host', opts.host);
  if (opts.stallAfter) args.push('--stall-after', String(opts.stallAfter), '--stall-ms', String(opts.stallMs ?? 0));
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`echo-target exited with code ${code} before listening`)));
  });
  lines.close();
  const { port, url } = JSON.parse(first) as { port: number; url: string };
  return {
    port,
    url,
    host: opts.host ?? '127.0.0.1',
    process: child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      mode: { type: 'string' },
      'stall-after': { type: 'string' },
      'stall-ms': { type: 'string' },
      'stdin-lifeline': { type: 'boolean' },
    },
    strict: true,
  });
  const mode = values.mode ?? 'http';
  if (mode !== 'http' && mode !== 'raw') throw new Error('--mode must be http or raw');
  const target = await startEchoTarget({
    host: values.host,
    port: values.port ? Number(values.port) : 0,
    mode,
    stallAfter: values['stall-after'] ? Number(values['stall-after']) : 0,
    stallMs: values['stall-ms'] ? Number(values['stall-ms']) : 0,
  });
  process.stdout.write(JSON.stringify({ port: target.port, url: target.url }) + '\n');
  const stop = (): void => void target.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (values['stdin-lifeline']) {
    process.stdin.on('end', stop); // the parent went away: do not outlive it
    process.stdin.resume();
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((err: Error) => {
    process.stderr.write(`echo-target: ${err.message}\n`);
    process.exit(2);
  });
}
