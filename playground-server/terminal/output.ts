// Terminal output with a cap: chunks go to the caller in order; past the cap the program is stopped and
// the result says it was truncated.
import type { Schemas } from '../api/types.js';

export const MAX_TERMINAL_OUTPUT_BYTES = 256 * 1024;

export interface ProgramResult {
  exitCode: number;
}

export class OutputSink {
  private bytes = 0;
  truncated = false;
  private overflowHandlers: (() => void)[] = [];
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly emit: (e: Schemas['TerminalOutput']) => Promise<void>,
    private readonly limit = MAX_TERMINAL_OUTPUT_BYTES,
  ) {}

  onOverflow(fn: () => void): void {
    this.overflowHandlers.push(fn);
  }

  write(stream: 'stdout' | 'stderr', data: string): Promise<void> {
    if (this.truncated || !data) return this.pending;
    let text = data;
    const size = Buffer.byteLength(text);
    if (this.bytes + size > this.limit) {
      text = Buffer.from(text).subarray(0, Math.max(0, this.limit - this.bytes)).toString('utf8');
      this.truncated = true;
    }
    this.bytes += Buffer.byteLength(text);
    const chunk = text;
    this.pending = this.pending.then(() => (chunk ? this.emit({ stream, data: chunk }) : undefined));
    if (this.truncated) {
      const note = `\n[output truncated at ${this.limit} bytes]\n`;
      this.pending = this.pending.then(() => this.emit({ stream: 'stderr', data: note }));
      for (const fn of this.overflowHandlers) fn();
    }
    return this.pending;
  }

  line(stream: 'stdout' | 'stderr', text: string): Promise<void> {
    return this.write(stream, text.endsWith('\n') ? text : `${text}\n`);
  }

  flushed(): Promise<void> {
    return this.pending;
  }
}
