// The terminal's shell loop, without xterm: input events in (keys, typed text, pastes), escape sequences out
// (a Screen), commands to the server (a Backend). It owns the order of things — one command at a time; pasted and
// typed-ahead lines wait in a queue and are echoed at the prompt when their turn comes; a heredoc reads lines at
// `> ` until its delimiter; Ctrl-C stops the running command and drops what was waiting — so a paste of three lines
// runs three commands, in order, each after the one before has finished.
import type { CommandLine } from '../../lib/lessons/command-lines.ts';
import { CommandInput, MAX_QUEUED_LINES, splitPaste } from './command-input.ts';
import { completionStep, formatColumns, type CompletionAnswer } from './completion.ts';
import type { CommandHistory } from './history.ts';
import { decodeInput, type InputEvent } from './keys.ts';
import { LineEditor } from './line-editor.ts';
import { PromptLine, continuationPrompt, plainPrompt, shellPrompt } from './prompt-line.ts';

export interface Screen {
  write(data: string): void;
  readonly cols: number;
}

export interface CommandExit {
  cancelled: boolean;
  timedOut: boolean;
  truncated: boolean;
}

export interface Backend {
  run(command: CommandLine, signal: AbortSignal, onOutput: (stream: 'stdout' | 'stderr', data: string) => void): Promise<CommandExit>;
  complete(line: string, cursor: number): Promise<CompletionAnswer>;
  /** Turns an error from run/complete into a line for the learner. */
  describeError(err: unknown): string;
}

const red = (s: string) => `\x1b[31m${s}\x1b[0m`;
const yellow = (s: string) => `\x1b[33m${s}\x1b[0m`;

export class TerminalShell {
  readonly editor: LineEditor;
  private readonly input = new CommandInput();
  private readonly promptLine = new PromptLine();
  /** Lines pasted or typed ahead while a command runs, not yet echoed. */
  private queue: string[] = [];
  /** Text typed or pasted after the last line break while busy: the next prompt's line. */
  private typeAhead = '';
  private busy?: Promise<void>;
  private running?: AbortController;
  private interrupted = false;
  private tabStreak = 0;
  private completionGeneration = 0;
  /** Whether the last output ended a line (the prompt must start on a fresh one). */
  private atLineStart = true;

  constructor(
    private readonly screen: Screen,
    private readonly backend: Backend,
    private readonly history: CommandHistory,
  ) {
    this.editor = new LineEditor(history);
  }

  start(banner: string): void {
    this.out(`${banner}\r\n`);
    this.redraw();
  }

  /** Resolves once nothing runs and nothing waits (tests; the bench). */
  async settled(): Promise<void> {
    while (this.busy) await this.busy;
  }

  /** An xterm onData string. */
  receive(data: string): void {
    for (const ev of decodeInput(data)) this.handle(ev);
  }

  handle(ev: InputEvent): void {
    this.tabStreak = ev.kind === 'key' && ev.key === 'tab' ? this.tabStreak + 1 : 0;
    if (this.busy) return this.handleWhileBusy(ev);
    if (ev.kind === 'text') {
      this.editor.insert(ev.text);
      return this.redraw();
    }
    if (ev.kind === 'paste') return this.paste(ev.text);
    switch (ev.key) {
      case 'enter':
        this.editor.acceptSearch();
        return this.enter();
      case 'tab':
        this.editor.acceptSearch();
        this.redraw();
        return void this.complete();
      case 'interrupt':
        return this.interruptLine();
      case 'clearScreen':
        // Ctrl-L: the prompt moves to the top; what scrolled off stays in the scrollback, as in bash.
        this.out('\x1b[H\x1b[2J');
        this.promptLine.fresh();
        return this.redraw();
      case 'eof':
        if (this.editor.text) this.editor.key('delete');
        return this.redraw();
      case 'escape':
        // A lone Escape edits nothing (followed by Tab it leaves the terminal: the xterm key handler lets it go).
        return;
      default:
        this.editor.key(ev.key);
        return this.redraw();
    }
  }

  private handleWhileBusy(ev: InputEvent): void {
    if (ev.kind === 'key' && ev.key === 'interrupt') return this.interruptRun();
    if (ev.kind === 'text') this.typeAhead += ev.text;
    else if (ev.kind === 'paste') this.enqueue(ev.text);
    else if (ev.kind === 'key' && ev.key === 'enter') {
      this.queue.push(this.typeAhead);
      this.typeAhead = '';
    } else if (ev.kind === 'key' && ev.key === 'backspace') this.typeAhead = this.typeAhead.slice(0, -1);
  }

  private enqueue(text: string): void {
    const { lines, rest } = splitPaste(text);
    if (this.queue.length + lines.length > MAX_QUEUED_LINES) {
      this.out(`${this.atLineStart ? '' : '\r\n'}${red(`a paste of more than ${MAX_QUEUED_LINES} lines is not run; paste fewer lines at a time`)}\r\n`);
      return;
    }
    if (lines.length) {
      lines[0] = this.typeAhead + lines[0];
      this.typeAhead = '';
    }
    this.queue.push(...lines);
    this.typeAhead += rest;
  }

  /** A paste at the prompt: inserted at the cursor like typing; its line breaks are Enters. */
  private paste(text: string): void {
    this.editor.acceptSearch();
    const { lines, rest } = splitPaste(text);
    if (!lines.length) {
      this.editor.insert(rest);
      return this.redraw();
    }
    const { text: current, cursor } = this.editor;
    const after = current.slice(cursor);
    this.editor.reset(current.slice(0, cursor) + lines[0].replace(/\t/g, ' '));
    this.redraw();
    this.enqueue([...lines.slice(1), rest + after].join('\n'));
    this.enter();
  }

  private enter(): void {
    const line = this.editor.text;
    this.out(this.promptLine.leave(this.screen.cols));
    this.atLineStart = true;
    this.editor.reset();
    this.busy = this.drain(line).finally(() => {
      this.busy = undefined;
      this.editor.reset(this.typeAhead);
      this.typeAhead = '';
      this.redraw();
    });
  }

  /** Submit `first`, then each queued line in turn (echoed at its prompt), until the queue is empty or Ctrl-C. */
  private async drain(first: string): Promise<void> {
    this.interrupted = false;
    let line: string | undefined = first;
    while (line !== undefined && !this.interrupted) {
      await this.submit(line);
      line = this.queue.shift();
      if (line !== undefined && !this.interrupted) this.out(`${this.currentPrompt().text}${line}\r\n`);
    }
  }

  private async submit(line: string): Promise<void> {
    const result = this.input.submit(line);
    if (result.kind === 'error') return this.out(`${red(result.message)}\r\n`);
    if (result.kind === 'more') return;
    for (const command of result.commands) {
      if (this.interrupted) return;
      this.history.add(command.line);
      await this.runCommand(command);
    }
  }

  private async runCommand(command: CommandLine): Promise<void> {
    const word = command.line.trim();
    if (word === 'clear') {
      this.out('\x1b[H\x1b[2J\x1b[3J');
      return;
    }
    if (word === 'history') {
      // bash's builtin, from the browser's own history.
      this.history.entries.forEach((e, i) => this.out(`${String(i + 1).padStart(5)}  ${e}\r\n`));
      return;
    }
    const running = new AbortController();
    this.running = running;
    try {
      const exit = await this.backend.run(command, running.signal, (stream, data) => this.out(stream === 'stderr' ? red(data) : data));
      if (exit.cancelled) this.out('^C');
      else if (exit.timedOut) this.out(yellow('(timed out)'));
      else if (exit.truncated) this.out(yellow('(output truncated)'));
    } catch (err) {
      this.out(red(this.backend.describeError(err)));
    } finally {
      this.running = undefined;
    }
    if (!this.atLineStart) this.out('\r\n');
  }

  private interruptRun(): void {
    this.interrupted = true;
    this.queue = [];
    this.typeAhead = '';
    this.input.reset();
    if (this.running) this.running.abort();
    else this.out('^C\r\n');
  }

  private interruptLine(): void {
    // ^C goes after the line's end, as in bash, never over the text after the cursor.
    if (this.editor.searching) this.editor.key('cancel');
    this.editor.key('end');
    this.redraw();
    this.out(`^C${this.promptLine.leave(this.screen.cols)}`);
    this.atLineStart = true;
    this.input.reset();
    this.editor.reset();
    this.redraw();
  }

  private async complete(): Promise<void> {
    const generation = ++this.completionGeneration;
    const { text, cursor } = this.editor;
    const again = this.tabStreak >= 2;
    let answer: CompletionAnswer;
    try {
      answer = await this.backend.complete(text, cursor);
    } catch {
      return;
    }
    // Typing went on while the server answered, or another Tab asked again: this answer is stale.
    if (generation !== this.completionGeneration || this.busy || this.editor.text !== text || this.editor.cursor !== cursor) return;
    if (!Number.isInteger(answer.replaceFrom) || answer.replaceFrom < 0 || answer.replaceFrom > cursor) return;
    const step = completionStep(answer, text.slice(answer.replaceFrom, cursor), again);
    if (step.kind === 'replace') {
      this.editor.replaceBeforeCursor(step.from, step.text);
      this.redraw();
    } else if (step.kind === 'list') {
      this.out(this.promptLine.leave(this.screen.cols));
      this.out(formatColumns(step.candidates, this.screen.cols).map((l) => `${l}\r\n`).join(''));
      this.atLineStart = true;
      this.redraw();
    }
  }

  private currentPrompt() {
    return this.input.continuing ? continuationPrompt : shellPrompt;
  }

  private redraw(): void {
    const view = this.editor.view();
    if (!this.atLineStart) {
      this.out('\r\n');
      this.promptLine.fresh();
    }
    this.screen.write(this.promptLine.draw(this.screen.cols, view.prompt ? plainPrompt(view.prompt) : this.currentPrompt(), view.text, view.cursor));
  }

  /** Output (not the prompt line): remembers whether it ended a line. */
  private out(data: string): void {
    if (!data) return;
    this.screen.write(data);
    const last = data.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').at(-1);
    if (last !== undefined) this.atLineStart = last === '\n';
    else if (/\x1b\[2J/.test(data)) this.atLineStart = true;
  }
}
