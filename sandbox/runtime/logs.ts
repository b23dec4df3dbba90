// Container logs: each container instance keeps its stdout lines in a bounded ring with timestamps, the
// previous instance is kept for `--previous`, and followers get new lines as they are written.
import { EventEmitter } from 'node:events';
import type { LogOptions as LogReadOptions } from '../apiserver/logs.js';

/** Lines kept per container instance; older lines are dropped, as a rotated container log would be. */
export const LOG_RING_LINES = 1000;
/**
 * A longer line is cut here so one chatty request cannot hold megabytes. Above containerd's 16 KiB split
 * (which `kubectl logs` joins again) so a load generator's result line, histograms included, stays whole.
 */
export const LOG_LINE_MAX_CHARS = 64 * 1024;

/** The API server's contract for pods/log (sandbox/apiserver/logs.ts); the runtime implements it. */
export type { LogOptions as LogReadOptions, LogSource } from '../apiserver/logs.js';

interface LogEntry {
  at: number; // epoch ms
  ns: string; // nanosecond-style sub-ms digits so timestamps sort
  line: string;
}

/** The log of one container instance (one run of the container; a restart starts a new one). */
export class ContainerLog {
  private entries: LogEntry[] = [];
  private start = 0; // ring start index once full
  private events = new EventEmitter();
  private seq = 0;
  closed = false;

  constructor() {
    this.events.setMaxListeners(0);
  }

  write(text: string): void {
    if (this.closed) return;
    for (const raw of text.split('\n')) {
      if (raw === '' && text.endsWith('\n')) continue;
      const line = raw.length > LOG_LINE_MAX_CHARS ? raw.slice(0, LOG_LINE_MAX_CHARS) : raw;
      const entry: LogEntry = { at: Date.now(), ns: String(this.seq++ % 1_000_000).padStart(6, '0'), line };
      if (this.entries.length < LOG_RING_LINES) this.entries.push(entry);
      else {
        this.entries[this.start] = entry;
        this.start = (this.start + 1) % LOG_RING_LINES;
      }
      this.events.emit('line', entry);
    }
  }

  /** No more lines will come: followers finish. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.emit('close');
  }

  private snapshot(): LogEntry[] {
    return [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
  }

  get lineCount(): number {
    return this.entries.length;
  }

  async *read(opts: LogReadOptions, signal: AbortSignal): AsyncGenerator<string> {
    const format = (e: LogEntry) =>
      (opts.timestamps ? `${new Date(e.at).toISOString().replace(/Z$/, '')}${e.ns}Z ` : '') + e.line;
    const since = opts.sinceSeconds !== undefined ? Date.now() - opts.sinceSeconds * 1000 : undefined;
    let lines = this.snapshot();
    if (since !== undefined) lines = lines.filter((e) => e.at >= since);
    if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
    if (!opts.follow || this.closed) {
      for (const e of lines) {
        if (signal.aborted) return;
        yield format(e);
      }
      return;
    }
    // Subscribe before yielding the backlog so no line written meanwhile is lost.
    const queue: LogEntry[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const onLine = (e: LogEntry) => { queue.push(e); wake?.(); };
    const onClose = () => { done = true; wake?.(); };
    const onAbort = () => { done = true; wake?.(); };
    this.events.on('line', onLine);
    this.events.on('close', onClose);
    signal.addEventListener('abort', onAbort);
    try {
      for (const e of lines) {
        if (signal.aborted) return;
        yield format(e);
      }
      while (!signal.aborted) {
        while (queue.length) {
          if (signal.aborted) return;
          yield format(queue.shift()!);
        }
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.events.off('line', onLine);
      this.events.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
