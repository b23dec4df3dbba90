// The real `playground` CLI as a child process for tests: started with its flags, awaited until its ready line
// (bounded), and stopped with SIGTERM as an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
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
