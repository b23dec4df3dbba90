// Lines entered at the terminal's prompt → commands to run, as a shell reads them: each line is a command, except
// that a heredoc (`kubectl apply -f - <<EOF`) keeps reading lines (the `> ` prompt) until its delimiter and sends
// the body as that command's stdin. A paste is split into lines that wait their turn: each is echoed at the prompt
// and run after the one before it finishes (what a shell does with typed-ahead input).
import { parseCommandText, type CommandLine } from '../../lib/lessons/command-lines.ts';

/** The server's limits (openapi TerminalRequest): checked here too so the learner gets a clear message at once. */
export const MAX_LINE_LENGTH = 4096;
export const MAX_STDIN_LENGTH = 262_144;
/** More pasted lines than this are refused whole rather than queued (a paste of a log file, not of commands). */
export const MAX_QUEUED_LINES = 2000;

export type Submission =
  | { kind: 'run'; commands: CommandLine[] }
  /** A heredoc is open: show the continuation prompt and read the next line. */
  | { kind: 'more'; delimiter: string }
  | { kind: 'error'; message: string };

export class CommandInput {
  private pending: string[] = [];
  private pendingLength = 0;

  /** True while a heredoc's body is being read. */
  get continuing(): boolean {
    return this.pending.length > 0;
  }

  /** One line, as Enter submits it. */
  submit(line: string): Submission {
    if (!this.continuing && line.length > MAX_LINE_LENGTH) return { kind: 'error', message: `the line is ${line.length} characters long; the terminal takes at most ${MAX_LINE_LENGTH}` };
    this.pending.push(line);
    this.pendingLength += line.length + 1;
    if (this.pendingLength > MAX_STDIN_LENGTH + MAX_LINE_LENGTH) {
      this.reset();
      return { kind: 'error', message: `the here-document is longer than ${MAX_STDIN_LENGTH} characters, the most a command can read; apply a large manifest in pieces` };
    }
    const parsed = parseCommandText(this.pending.join('\n'));
    if (parsed.awaiting) return { kind: 'more', delimiter: parsed.awaiting };
    this.reset();
    return { kind: 'run', commands: parsed.commands };
  }

  /** Ctrl-C: forget an unfinished heredoc. */
  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
  }
}

/** A paste → its complete lines (each ended by a line break), and the text after the last break (left on the prompt). */
export function splitPaste(text: string): { lines: string[]; rest: string } {
  const rows = text.replace(/\r\n?/g, '\n').split('\n');
  const rest = rows.pop() ?? '';
  // Tabs in a pasted manifest are kept (a `<<-EOF` heredoc strips them); other control characters are not text.
  const clean = (s: string) => s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  return { lines: rows.map(clean), rest: clean(rest).replace(/\t/g, ' ') };
}
