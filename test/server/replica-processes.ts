// Real processes for the multi-replica test and bench: the embedded cluster as `playground sandbox` (one cluster
// every replica reaches through its kubeconfig) and server replicas as `playground up --kubeconfig … --database …`.
// Bounded waits; kill() is SIGKILL (a crashed replica), stop() a clean SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited } from './postgres-server.js';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));
// Generous: a cold tsx start on a loaded 2-core machine takes tens of seconds.
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ChildProcessHandle {
  process: ChildProcess;
  /** The last lines it wrote (for failure messages). */
  output(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function startChild(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<ChildProcessHandle & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const handle: ChildProcessHandle = {
    process: child,
    output: () => out,
    async kill() {
      process.off('exit', killOnExit);
      child.kill('SIGKILL');
      await exited(child, STOP_TIMEOUT_MS);
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await exited(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await exited(child, STOP_TIMEOUT_MS);
      }
    },
  };
  try {
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`playground ${args[0]} not ready within ${START_TIMEOUT_MS / 1000} s:\n${out}`)), START_TIMEOUT_MS);
      const look = () => {
        const m = out.match(ready);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout!.on('data', look);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`playground ${args[0]} exited (${code ?? signal}):\n${out}`));
      });
    });
    return { ...handle, match };
  } catch (err) {
    await handle.kill();
    throw err;
  }
}

export interface SandboxProcess extends ChildProcessHandle {
  kubeconfig: string;
  dir: string;
}

export async function startSandboxProcess(prefix = 'replicas-'): Promise<SandboxProcess> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const kubeconfig = join(dir, 'admin.kubeconfig');
  try {
    const h = await startChild(['sandbox', '--port', '0', '--kubeconfig', kubeconfig], /sandbox ready at/);
    return {
      ...h,
      kubeconfig,
      dir,
      async stop() {
        await h.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface ReplicaProcess extends ChildProcessHandle {
  url: string;
}

/** A `playground up` replica on the sandbox's kubeconfig and one database; sessions-per-client raised (all clients are 127.0.0.1). */
export async function startReplicaProcess(kubeconfig: string, database: string, dataDir: string, sessionsPerClient = 100): Promise<ReplicaProcess> {
  const h = await startChild(['up', '--port', '0', '--kubeconfig', kubeconfig, '--database', database, '--data-dir', dataDir, '--sessions-per-client', String(sessionsPerClient)], /is up at (http:\/\/\S+)/);
  return { ...h, url: h.match[1] };
}
