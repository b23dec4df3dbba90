// A real proxy as the anchor of the overhead measurement: two HAProxy processes in a row in front of the
// target (client → haproxy → haproxy → target), the same shape as client sidecar → server sidecar. Each
// runs in HTTP mode (it parses and re-writes every request, as the sidecars do) with one thread, keep-alive
// on both sides. With `mtls`, the hop between the two is mutual TLS as the sidecars' is: TLS 1.3, ECDSA P-256
// certificates with SPIFFE identities from the sandbox's own CA, each side verifying the other — so the
// sidecars+mTLS configuration has a like-for-like anchor. The configuration is written to a temporary directory,
// both listen on loopback ports picked here, and stop() ends them and removes the directory. Their CPU time is
// read from /proc (Linux), so the pair's cost per request can be set beside the sidecars'.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { SandboxCA, generateWorkloadKey } from '../../sandbox/index.js';

/** Where Debian's package puts it, in case /usr/sbin is not on PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5000;
/** Kernel clock ticks per second for /proc/<pid>/stat utime/stime (USER_HZ, 100 on every Linux we run on). */
const USER_HZ = 100;

/** The haproxy executable, or null when it is not installed. */
export function findHaproxy(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'haproxy');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface HaproxyPair {
  /** Where load enters: the first proxy. */
  host: string;
  port: number;
  /** The hop between the two proxies (the second proxy's listener): mutual TLS when started with `mtls`. */
  hop: { host: string; port: number; mtls: boolean };
  /** CPU time both processes have used so far, ms (null where /proc cannot be read). */
  cpuMs(): number | null;
  /** Resident memory of both processes, bytes (null where /proc cannot be read). */
  rssBytes(): number | null;
  version: string;
  stop(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Global maxconn for a pair carrying `maxconn` connections each side: used FDs (2 × maxconn) stay under 25 %. */
export function processMaxconn(maxconn: number): number {
  return Math.max(4096, maxconn * 16);
}

/** The TLS settings of one side of the pair's mTLS hop (files in the pair's directory). */
interface HopTls {
  /** Certificate chain and private key in one PEM, as HAProxy's `crt` takes it. */
  crt: string;
  /** The CA that signs both sides. */
  ca: string;
}

/** Workload certificates for the two proxies from a fresh sandbox CA (the mesh's own issuer), written to `dir`. */
async function writePairCertificates(dir: string): Promise<{ server: HopTls; client: HopTls }> {
  const ca = await SandboxCA.create();
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, `${ca.rootPem.trim()}\n`);
  const issue = async (name: string): Promise<HopTls> => {
    const key = await generateWorkloadKey();
    const cert = await ca.issue(`spiffe://cluster.local/ns/haproxy-anchor/sa/${name}`, key.publicKey, 86_400_000);
    const crt = join(dir, `${name}.pem`);
    writeFileSync(crt, `${cert.certificatePem.trim()}\n${key.privateKeyPem.trim()}\n`, { mode: 0o600 });
    return { crt, ca: caFile };
  };
  return { server: await issue('server-proxy'), client: await issue('client-proxy') };
}

function config(name: string, listen: { host: string; port: number }, upstream: { host: string; port: number }, maxconn: number, tls: { bind?: HopTls; server?: HopTls }): string {
  // TLS 1.3 only, as the sidecars' mTLS; `verify required` on both ends: the client proxy checks the server proxy's
  // certificate against the CA, the server proxy demands and checks the client's.
  const bindTls = tls.bind ? ` ssl crt ${tls.bind.crt} ca-file ${tls.bind.ca} verify required ssl-min-ver TLSv1.3` : '';
  const serverTls = tls.server ? ` ssl crt ${tls.server.crt} ca-file ${tls.server.ca} verify required ssl-min-ver TLSv1.3` : '';
  return [
    'global',
    '  nbthread 1',
    // The process limit is sized far above the load's connections on purpose: HAProxy stops keeping idle server
    // connections once its used file descriptors pass tune.pool-high-fd-ratio (25 %) of what maxconn allows, and then
    // opens a new upstream connection per request — behind a port-forward tunnel that starved the pair (~100 rps).
    `  maxconn ${processMaxconn(maxconn)}`,
    '',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  http-reuse always',
    '  option http-no-delay',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '',
    `frontend ${name}_in`,
    `  bind ${listen.host}:${listen.port}${bindTls}`,
    `  default_backend ${name}_out`,
    '',
    `backend ${name}_out`,
    `  server upstream ${upstream.host}:${upstream.port} maxconn ${maxconn}${serverTls}`,
    '',
  ].join('\n');
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function procStat(pid: number | undefined): { cpuMs: number; rssBytes: number } | null {
  if (!pid) return null;
  try {
    // Fields after the ")" closing comm: state is field 3; utime 14, stime 15, rss 24 (pages).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuMs: ((utime + stime) * 1000) / USER_HZ, rssBytes: rssPages * 4096 };
  } catch {
    return null;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts the pair in front of `upstream` (host:port the second proxy dials). `maxconn` bounds each proxy's
 * connections (≥ the load's connections); `mtls` makes the hop between the two mutual TLS. Throws with HAProxy's
 * own message if either does not start.
 */
export async function startHaproxyPair(binary: string, upstream: { host: string; port: number }, maxconn = 1024, opts: { mtls?: boolean } = {}): Promise<HaproxyPair> {
  const host = '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'playground-haproxy-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const version = await new Promise<string>((resolve) => {
      const v = spawn(binary, ['-v'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      v.stdout.on('data', (b: Buffer) => (out += b));
      v.once('error', () => resolve('unknown'));
      v.once('exit', () => resolve(/version (\S+)/.exec(out)?.[1] ?? 'unknown'));
    });
    const serverSide = { host, port: await freePort(host) };
    const clientSide = { host, port: await freePort(host) };
    const certs = opts.mtls ? await writePairCertificates(dir) : undefined;
    const specs = [
      { name: 'server_proxy', listen: serverSide, to: upstream, tls: { bind: certs?.server } },
      { name: 'client_proxy', listen: clientSide, to: serverSide, tls: { server: certs?.client } },
    ];
    for (const s of specs) {
      const file = join(dir, `${s.name}.cfg`);
      writeFileSync(file, config(s.name, s.listen, s.to, maxconn, s.tls));
      // -db: stay in the foreground, so the child is the proxy and SIGTERM stops it.
      const child = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b).slice(-4000)));
      children.push(child);
      const deadline = Date.now() + START_DEADLINE_MS;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`haproxy (${s.name}) exited at start: ${stderr.trim() || `code ${child.exitCode}`}`);
        if (await listening(s.listen.host, s.listen.port)) break;
        if (Date.now() > deadline) throw new Error(`haproxy (${s.name}) did not listen on ${s.listen.host}:${s.listen.port} within ${START_DEADLINE_MS / 1000} s: ${stderr.trim()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const sum = (pick: (s: { cpuMs: number; rssBytes: number }) => number): number | null => {
      const stats = children.map((c) => procStat(c.pid));
      return stats.every((s) => s !== null) ? stats.reduce((a, s) => a + pick(s!), 0) : null;
    };
    return { host: clientSide.host, port: clientSide.port, hop: { ...serverSide, mtls: certs !== undefined }, version, cpuMs: () => sum((s) => s.cpuMs), rssBytes: () => sum((s) => s.rssBytes), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
