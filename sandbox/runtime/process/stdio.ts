// Small helpers every program uses: print to stdout/stderr, read stdin whole or line by line (bounded, and
// giving up when the process is killed), read a file argument the way busybox words its errors.
import type { Readable } from 'node:stream';
import { FsError } from './filesystem.js';
import type { ProcessContext } from './program.js';
import { writeTo } from './run-program.js';

/** Most bytes a program reads from stdin into memory (cat, grep, tar x…). */
export const STDIN_LIMIT_BYTES = 16 * 1024 * 1024;

export const out = (p: ProcessContext, text: string | Buffer) => writeTo(p.stdout, text);
export const err = (p: ProcessContext, text: string | Buffer) => writeTo(p.stderr, text);

/** All of stdin (empty without one); stops at the limit or when the process is killed. */
export function readAll(stdin: Readable | null, signal: AbortSignal, limit = STDIN_LIMIT_BYTES): Promise<Buffer> {
  if (!stdin) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('close', finish);
      stdin.off('error', finish);
      signal.removeEventListener('abort', finish);
      resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer | string) => {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
      if (size + b.length > limit) {
        chunks.push(b.subarray(0, limit - size));
        size = limit;
        return finish();
      }
      chunks.push(b);
      size += b.length;
    };
    if (signal.aborted || stdin.readableEnded) return finish();
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('close', finish);
    stdin.once('error', finish);
    signal.addEventListener('abort', finish, { once: true });
    stdin.resume();
  });
}

/** Lines of stdin as they arrive (without their newline); ends with stdin or when the process is killed. */
export async function* readLines(stdin: Readable, signal: AbortSignal): AsyncGenerator<string> {
  let buffered = '';
  const queue: (string | null)[] = [];
  let wake: (() => void) | undefined;
  const push = (v: string | null) => {
    queue.push(v);
    wake?.();
  };
  const onData = (c: Buffer | string) => push(c.toString());
  const onEnd = () => push(null);
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  stdin.once('error', onEnd);
  signal.addEventListener('abort', onEnd, { once: true });
  stdin.resume();
  try {
    for (;;) {
      if (!queue.length) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const next = queue.shift();
      if (next === null || next === undefined) break;
      buffered += next.replace(/\r\n?/g, '\n');
      if (buffered.length > STDIN_LIMIT_BYTES) buffered = buffered.slice(-STDIN_LIMIT_BYTES);
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        yield buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
      }
    }
    if (buffered && !signal.aborted) yield buffered;
  } finally {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.off('close', onEnd);
    stdin.off('error', onEnd);
    signal.removeEventListener('abort', onEnd);
  }
}

/** `name` relative to the process's cwd, or stdin for `-`; undefined (with busybox's message) when it cannot. */
export async function readInput(p: ProcessContext, prog: string, name: string): Promise<Buffer | undefined> {
  if (name === '-') return readAll(p.stdin, p.signal);
  const st = p.fs.stat(resolvePath(p, name));
  if (st?.type === 'directory') {
    err(p, `${prog}: read error: Is a directory\n`);
    return undefined;
  }
  const data = p.fs.read(resolvePath(p, name));
  if (!data) err(p, `${prog}: can't open '${name}': No such file or directory\n`);
  return data;
}

export function resolvePath(p: ProcessContext, path: string): string {
  return path.startsWith('/') ? path : `${p.cwd}/${path}`;
}

/** A filesystem error worded as busybox prints it; other errors pass through. */
export function fsMessage(prog: string, e: unknown): string {
  if (e instanceof FsError) return `${prog}: ${e.message}\n`;
  throw e;
}

/** Resolves after `ms` or as soon as the process is killed (true when it slept the whole time). */
export function sleepFor(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.min(ms, 2 ** 31 - 1));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
