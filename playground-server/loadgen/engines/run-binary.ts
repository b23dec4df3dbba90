// Run an external load generator to completion, collecting its stdout; SIGINT on abort (wrk and hey
// both stop early on SIGINT and still print what they measured).
import { spawn } from 'node:child_process';

export interface BinaryRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function runBinary(file: string, args: string[], signal?: AbortSignal): Promise<BinaryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code });
    });
  });
}
