// The real `playground` CLI as a child process for tests: started with its flags, awaited until its ready line
// (bounded), and stopped with SIGTERM as an operator would; run to its end (exit code and output); a second cluster
// (`playground sandbox` in its own process, reached through the kubeconfig it writes) and the real kubectl against it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PLAYGROUND_BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  /** The ready line's match (its groups carry the URL the process printed). */
  match: RegExpMatchArray;
  output(): string;
}

export function startCli(args: string[], ready: RegExp, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliProcess> {
  const child = spawn(process.execPath, [PLAYGROUND_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const match = out.match(ready);
      if (match) { clearTimeout(timer); resolve({ child, match, output: () => out }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited (${code}):\n${out}`)); });
  });
}

export function stopCli(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `playground <args>` to its end (bounded), for its exit code and output. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [PLAYGROUND_BIN, ...args], { timeout: opts.timeoutMs ?? 240_000, env: opts.env ?? process.env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** The real kubectl against the cluster a kubeconfig names (bounded). */
export function kubectlAt(kubeconfig: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

export interface SecondSandbox {
  /** A temporary directory for the test's files; removed by stop(). */
  dir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

/** `playground sandbox` in its own process (a cluster reached only through its kubeconfig), ready or rejected within 90 s. */
export async function startSecondSandbox(prefix: string, env: NodeJS.ProcessEnv = process.env): Promise<SecondSandbox> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const kubeconfig = join(dir, 'kubeconfig');
  try {
    const { child } = await startCli(['sandbox', '--port', '0', '--kubeconfig', kubeconfig], /sandbox ready at https:/, { env, timeoutMs: 90_000 });
    return { dir, kubeconfig, stop: async () => (await stopCli(child), rmSync(dir, { recursive: true, force: true })) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
