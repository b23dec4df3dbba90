// Driving PodRuntime.exec directly with in-memory streams (what the API server's exec handler hands it), for
// tests that run programs in pods: the exit code and every byte of stdout and stderr.
import { PassThrough } from 'node:stream';
import type { PodRuntime } from '../../sandbox/runtime/pod-runtime.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export async function execIn(
  runtime: PodRuntime,
  namespace: string,
  pod: string,
  command: string[],
  opts: { container?: string; stdin?: string | Buffer; tty?: boolean; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  let stdin: PassThrough | null = null;
  if (opts.stdin !== undefined) {
    stdin = new PassThrough();
    stdin.end(opts.stdin);
  }
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 20_000);
  const code = await runtime.exec(namespace, pod, { container: opts.container, command }, { stdin, stdout, stderr: opts.tty ? null : stderr, tty: opts.tty ?? false, signal });
  await new Promise((r) => setImmediate(r));
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes };
}
