// A real PostgreSQL server for the tests and benches: Debian's initdb/postgres (/usr/lib/postgresql/<ver>/bin,
// not on PATH) in a temporary data directory, on a port the test picks, listening on loopback only with its Unix
// socket inside that directory; run as the `postgres` OS user when the tests run as root (postgres refuses
// root). Trust authentication is fine here: nothing but this machine's loopback can reach it, and it lives
// only for the test. Every wait is bounded; stop() ends the server and removes the directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const INITDB_TIMEOUT_MS = 60_000;

export interface PostgresServer {
  port: number;
  /** A URL for a fresh database of that name (created on first call). */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL's bin directory, or undefined when the package is not installed. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] && join(root, versions[0], 'bin');
}

/** uid/gid of the `postgres` user when we are root (Debian's package creates it), else undefined (run as ourselves). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no "postgres" user to run PostgreSQL as (install Debian\'s postgresql package)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql (scripts/test.sh does it)');
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = join(dir, 'data');
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const init = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...asUser, env, encoding: 'utf8', timeout: INITDB_TIMEOUT_MS, cwd: dir });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.error?.message}`);
  }

  let child: ChildProcess | undefined;
  let port = 0;
  let output = '';
  // A picked port can be taken between picking and binding: try a few.
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    const c = spawn(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'], { ...asUser, env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    output = '';
    c.stderr!.on('data', (d: Buffer) => (output = (output + d).slice(-8000)));
    if (await ready(port, c)) child = c;
    else {
      c.kill('SIGKILL');
      await exited(c, STOP_TIMEOUT_MS);
    }
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postgres did not start within ${START_TIMEOUT_MS / 1000} s: ${output}`);
  }
  const server = child;
  // If the test process dies without stop(), the server must not outlive it.
  const killOnExit = () => server.kill('SIGKILL');
  process.once('exit', killOnExit);
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  const made = new Set<string>();
  return {
    port,
    async database(name: string) {
      if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) throw new Error(`database name ${name}: lower-case letters, digits and _ only`);
      // An identifier cannot be a query parameter; the name was checked against a strict pattern above.
      if (!made.has(name)) await admin.query(`CREATE DATABASE ${name}`);
      made.add(name);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.off('exit', killOnExit);
      await admin.end().catch(() => undefined);
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT'); // "fast shutdown": ends sessions, no waiting for clients
        if (!(await exited(server, STOP_TIMEOUT_MS))) {
          server.kill('SIGKILL');
          await exited(server, STOP_TIMEOUT_MS);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ready(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      await c.end().catch(() => undefined);
      await sleep(100);
    }
  }
  return false;
}

/** Resolves true once `child` has exited, false if it is still running after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
