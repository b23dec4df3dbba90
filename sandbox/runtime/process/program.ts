// What a container can run: the programs of its image. `kubectl exec`, a container's `command`/`args`, and an
// exec probe all start a Program from the image's $PATH — built-in TypeScript, never a host process. A name an
// image lacks fails as a real runtime does (`exec: "x": executable file not found in $PATH`, exit 127).
import type { Readable, Writable } from 'node:stream';
import type { WorkloadContext } from '../workload.js';

/** The files a container sees: its image's files, the pod's (resolv.conf, hosts, token, mounted volumes), its own writes. */
export interface ContainerFilesystem {
  /** File contents, or undefined when there is no such file (a directory is not a file). */
  read(path: string): Buffer | undefined;
  write(path: string, data: Buffer, mode?: number): void;
  /** Names directly under a directory (sorted), or undefined when it is not a directory. */
  list(dir: string): string[] | undefined;
  stat(path: string): { type: 'file' | 'directory'; size: number; mode: number; mtimeMs: number } | undefined;
  remove(path: string): boolean;
  mkdir(path: string): void;
}

export interface ProcessContext {
  /** argv[0] as given (may be a path such as /bin/sh); the program's own arguments follow. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  stdin: Readable | null;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
  /** Aborted when the process is killed (client gone, container stopping): the program must return promptly. */
  signal: AbortSignal;
  fs: ContainerFilesystem;
  /** The container the process runs in: its network (agent, connectAddress, resolve), identity and log. */
  container: WorkloadContext;
  /** Starts another program of the same image (sh runs its commands, xargs, env CMD…); resolves its exit code. */
  spawn(argv: string[], io?: Partial<Pick<ProcessContext, 'stdin' | 'stdout' | 'stderr' | 'env' | 'cwd'>>): Promise<number>;
}

/** A program; resolves the exit code. Thrown errors are exit 1 with the message on stderr. */
export type Program = (p: ProcessContext) => Promise<number>;

/** An image's $PATH: program name (basename) → program. */
export type ProgramSet = Readonly<Record<string, Program>>;
