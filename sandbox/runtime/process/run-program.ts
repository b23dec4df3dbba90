// Starting a program of a container's image: look argv[0]'s basename up in the image's $PATH, give it its
// ProcessContext (with spawn for sh and friends), and turn the outcome into an exit code as a runtime does —
// 127 with the OCI runtime's words for a missing program, 1 for a thrown error, 137 when killed.
import type { Readable, Writable } from 'node:stream';
import type { WorkloadContext } from '../workload.js';
import type { ContainerFilesystem, ProcessContext, ProgramSet } from './program.js';

/** How deep programs may start programs (sh -c "sh -c …"): a fork bomb stops here. */
export const MAX_SPAWN_DEPTH = 16;
/** Longest argv accepted, in total bytes (Linux ARG_MAX is 2 MiB; learners need far less). */
export const MAX_ARGV_BYTES = 128 * 1024;
/** Most programs running at once in one container (`sh x | sh x` recursing would otherwise grow 2^depth). */
export const MAX_PROCESSES_PER_CONTAINER = 64;

/** Running programs per container, keyed by its filesystem (one per container instance). */
const runningIn = new WeakMap<ContainerFilesystem, number>();

export interface ProcessHost {
  programs: ProgramSet;
  fs: ContainerFilesystem;
  container: WorkloadContext;
}

export interface ProcessIO {
  stdin: Readable | null;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string>;
  cwd: string;
  tty: boolean;
  signal: AbortSignal;
}

/** runc's words: a bare name is searched in $PATH; a path is stat'ed. */
export const notFoundMessage = (name: string) =>
  name.includes('/')
    ? `OCI runtime exec failed: exec failed: unable to start container process: exec: "${name}": stat ${name}: no such file or directory: unknown\n`
    : `OCI runtime exec failed: exec failed: unable to start container process: exec: "${name}": executable file not found in $PATH: unknown\n`;

export function programName(argv0: string): string {
  return argv0.slice(argv0.lastIndexOf('/') + 1);
}

export function hasProgram(programs: ProgramSet, argv0: string | undefined): boolean {
  return argv0 !== undefined && Object.hasOwn(programs, programName(argv0));
}

/** Writes that never throw: a client gone away (or a closed pipe) just drops the output. */
export function writeTo(stream: Writable, data: string | Buffer): void {
  if (stream.destroyed || stream.writableEnded) return;
  try {
    stream.write(data);
  } catch {
    // The reader went away.
  }
}

export async function runProgram(host: ProcessHost, argv: string[], io: ProcessIO, depth = 0): Promise<number> {
  if (io.signal.aborted) return 137;
  const name = argv.length ? programName(argv[0]) : '';
  if (!name || !Object.hasOwn(host.programs, name)) {
    writeTo(io.stderr, notFoundMessage(argv[0] ?? ''));
    return 127;
  }
  if (argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0) > MAX_ARGV_BYTES) {
    writeTo(io.stderr, `${name}: Argument list too long\n`);
    return 126;
  }
  const running = runningIn.get(host.fs) ?? 0;
  if (depth >= MAX_SPAWN_DEPTH || running >= MAX_PROCESSES_PER_CONTAINER) {
    writeTo(io.stderr, `${name}: can't fork: Resource temporarily unavailable\n`);
    return 126;
  }
  runningIn.set(host.fs, running + 1);
  const program = host.programs[name];
  const ctx: ProcessContext = {
    argv: [...argv],
    env: { ...io.env },
    cwd: io.cwd,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    tty: io.tty,
    signal: io.signal,
    fs: host.fs,
    container: host.container,
    spawn: (childArgv, childIO = {}) =>
      runProgram(host, childArgv, { ...io, env: ctx.env, cwd: ctx.cwd, ...childIO, signal: io.signal, tty: io.tty }, depth + 1),
  };
  try {
    await new Promise<void>((r) => setImmediate(r)); // a new process: let the rest of the sandbox run first
    if (io.signal.aborted) return 137;
    const code = await program(ctx);
    if (io.signal.aborted) return 137;
    return Number.isInteger(code) ? code & 0xff : 1;
  } catch (err) {
    if (io.signal.aborted) return 137;
    writeTo(io.stderr, `${name}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    runningIn.set(host.fs, (runningIn.get(host.fs) ?? 1) - 1);
  }
}
