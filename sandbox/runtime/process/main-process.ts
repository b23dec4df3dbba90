// A container whose main process is a program (busybox `sh -c …`, `sleep 3600`, `curl …`): a Workload whose
// stdout/stderr lines go to the container log, whose exit code ends the container, which stop() kills, and
// which `kubectl attach` can follow (its output from now on; its stdin when the pod asked for one).
import { PassThrough, Writable } from 'node:stream';
import type { Workload, WorkloadContext } from '../workload.js';
import type { ContainerFilesystem, ProgramSet } from './program.js';
import { runProgram } from './run-program.js';

/** Longest log line kept whole; a longer one is split (the kubelet's CRI logger splits at 16 KiB too). */
const MAX_LOG_LINE = 16 * 1024;

export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** A writable that turns bytes into log lines and hands the raw bytes to attached clients. */
class LogLines extends Writable {
  private partial = '';

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly log: (line: string) => void,
    private readonly subscribers: Set<OutputListener>,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const l of this.subscribers) l(this.stream, chunk);
    this.partial += chunk.toString();
    let i: number;
    while ((i = this.partial.indexOf('\n')) >= 0) {
      this.log(this.partial.slice(0, i).replace(/\r$/, ''));
      this.partial = this.partial.slice(i + 1);
    }
    while (this.partial.length > MAX_LOG_LINE) {
      this.log(this.partial.slice(0, MAX_LOG_LINE));
      this.partial = this.partial.slice(MAX_LOG_LINE);
    }
    cb();
  }

  flushPartial(): void {
    if (this.partial) this.log(this.partial);
    this.partial = '';
  }
}

export interface MainProcessOptions {
  argv: string[];
  programs: ProgramSet;
  fs: ContainerFilesystem;
  ctx: WorkloadContext;
  cwd: string;
  /** The container's `stdin: true`: attach can write to the process's stdin. */
  stdin: boolean;
  /** The container's `stdinOnce`: the process's stdin closes when the first attached client's input ends. */
  stdinOnce: boolean;
  tty: boolean;
}

export class MainProcess implements Workload {
  private readonly abort = new AbortController();
  private readonly listeners = new Set<OutputListener>();
  private readonly exitListeners = new Set<(code: number) => void>();
  /** Where an attached client's input goes (null when the container has no stdin). */
  readonly stdin: PassThrough | null;
  exitCode?: number;
  private finished?: Promise<void>;

  constructor(private readonly o: MainProcessOptions) {
    this.stdin = o.stdin ? new PassThrough() : null;
  }

  get tty(): boolean {
    return this.o.tty;
  }

  get stdinOnce(): boolean {
    return this.o.stdinOnce;
  }

  async start(): Promise<void> {
    const { ctx } = this.o;
    const stdout = new LogLines('stdout', ctx.log, this.listeners);
    const stderr = new LogLines('stderr', ctx.log, this.listeners);
    this.finished = runProgram(
      { programs: this.o.programs, fs: this.o.fs, container: ctx },
      this.o.argv,
      { stdin: this.stdin, stdout, stderr, env: ctx.env, cwd: this.o.cwd, tty: this.o.tty, signal: this.abort.signal },
    ).then((code) => {
      stdout.flushPartial();
      stderr.flushPartial();
      this.exitCode = code;
      for (const l of this.exitListeners) l(code);
      // A stop() is not an exit of the program's own: the runtime already recorded it.
      if (!this.abort.signal.aborted) ctx.exit(code);
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.stdin?.end();
    await this.finished;
  }

  /** Output from now on; returns the unsubscribe. */
  onOutput(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The exit code, as soon as the process ends (at once if it has). */
  onExit(listener: (code: number) => void): () => void {
    if (this.exitCode !== undefined) {
      listener(this.exitCode);
      return () => undefined;
    }
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }
}
