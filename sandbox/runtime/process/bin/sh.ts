// sh: a small POSIX-ish shell that runs the image's programs, never a host shell. `sh -c "…"`, a script on
// stdin, or interactive with a prompt (`/ # `) when stdin is a terminal. Expands $VAR ${VAR} ${VAR:-x} $? $$
// $(…); runs pipelines through in-memory pipes and redirects to the container's filesystem; builtins: cd,
// exit, export, unset, set (accepted), `:`; `for … in …; do …; done`.
import { PassThrough, Readable, Writable } from 'node:stream';
import { CONTAINER_FS_MAX_BYTES, FsError, normalizePath } from '../filesystem.js';
import type { Program, ProcessContext } from '../program.js';
import { err, out, readLines } from '../stdio.js';
import { writeTo } from '../run-program.js';
import { arithmetic } from './sh-arithmetic.js';
import { parseScript, ShellSyntaxError, type Command, type List, type Redirect, type SimpleCommand, type Word } from './sh-parse.js';

/** Longest a `$(…)` substitution's output may be. */
const SUBSTITUTION_LIMIT = 1024 * 1024;
/** Most iterations of one for loop (its word list is bounded by the script anyway). */
const MAX_FOR_ITEMS = 10_000;
/** Longest word after expansion (X=$X$X doubling must stop long before memory does). */
const MAX_WORD_CHARS = 256 * 1024;
/**
 * Commands the shells of one container may run per second, together. A real node throttles a busy loop with the
 * container's CPU limit; here every container shares one process, so `while true; do :; done` is paced instead
 * (a loop of curls, paced by the network, never reaches it).
 */
export const SHELL_COMMANDS_PER_SECOND = 2000;

/** One pacing window per container (keyed by its context, so all its shells and exec sessions share it). */
const pacing = new WeakMap<object, { windowStart: number; commands: number }>();

async function pace(container: object, signal: AbortSignal): Promise<void> {
  const now = Date.now();
  let w = pacing.get(container);
  if (!w || now - w.windowStart >= 1000) pacing.set(container, (w = { windowStart: now, commands: 0 }));
  if (++w.commands <= SHELL_COMMANDS_PER_SECOND) return;
  const wait = w.windowStart + 1000 - now;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

class ShellExit {
  constructor(readonly code: number) {}
}

interface Io {
  stdin: Readable | null;
  stdout: Writable;
  stderr: Writable;
}

class Shell {
  status = 0;
  readonly vars: Record<string, string>;
  cwd: string;

  constructor(
    private readonly p: ProcessContext,
    private readonly name: string,
  ) {
    this.vars = { ...p.env };
    this.cwd = p.cwd;
  }

  /** Runs a script; syntax errors are reported as sh does (exit 2). */
  async script(src: string, io: Io): Promise<number> {
    let list: List;
    try {
      list = parseScript(src);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      writeTo(io.stderr, `${this.name}: ${e.message}\n`);
      return (this.status = 2);
    }
    return this.list(list, io);
  }

  async list(list: List, io: Io): Promise<number> {
    for (const { op, pipeline } of list) {
      if (this.p.signal.aborted) return 137;
      await this.breathe(io);
      if (op === '&&' && this.status !== 0) continue;
      if (op === '||' && this.status === 0) continue;
      this.status = await this.pipeline(pipeline, io);
    }
    return this.status;
  }

  /**
   * Between commands: let the rest of the sandbox run (a `while true; do :; done` must not hold the event loop)
   * and wait while the reader of stdout is behind (a loop of echo must not buffer without bound).
   */
  private async breathe(io: Io): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    await pace(this.p.container, this.p.signal);
    if (!io.stdout.writableNeedDrain || io.stdout.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        io.stdout.off('drain', done);
        io.stdout.off('close', done);
        this.p.signal.removeEventListener('abort', done);
        resolve();
      };
      io.stdout.once('drain', done);
      io.stdout.once('close', done);
      this.p.signal.addEventListener('abort', done, { once: true });
    });
  }

  private async pipeline(cmds: Command[], io: Io): Promise<number> {
    if (cmds.length === 1) return this.command(cmds[0], io);
    const runs: Promise<number>[] = [];
    let stdin = io.stdin;
    for (const [i, cmd] of cmds.entries()) {
      const last = i === cmds.length - 1;
      const pipe = last ? undefined : new PassThrough({ highWaterMark: 64 * 1024 });
      const stdout = pipe ?? io.stdout;
      runs.push(
        this.command(cmd, { stdin, stdout, stderr: io.stderr }).finally(() => {
          pipe?.end();
        }),
      );
      stdin = pipe ?? null;
    }
    const codes = await Promise.all(runs);
    return codes[codes.length - 1];
  }

  private async command(cmd: Command, io: Io): Promise<number> {
    if (cmd.type === 'for') return this.forLoop(cmd, io);
    if (cmd.type === 'while') return this.whileLoop(cmd, io);
    if (cmd.type === 'if') return this.ifClause(cmd, io);
    return this.simple(cmd, io);
  }

  /** Runs until the condition says stop, `exit`, or the process is killed (sleep in the body honours the kill). */
  private async whileLoop(cmd: Extract<Command, { type: 'while' }>, io: Io): Promise<number> {
    let status = 0;
    for (;;) {
      if (this.p.signal.aborted) return 137;
      const ok = (await this.list(cmd.condition, io)) === 0;
      if (ok === cmd.until) break;
      status = await this.list(cmd.body, io);
    }
    return (this.status = status);
  }

  private async ifClause(cmd: Extract<Command, { type: 'if' }>, io: Io): Promise<number> {
    for (const branch of cmd.branches) {
      if ((await this.list(branch.condition, io)) === 0) return this.list(branch.body, io);
    }
    return cmd.otherwise ? this.list(cmd.otherwise, io) : (this.status = 0);
  }

  private async forLoop(cmd: Extract<Command, { type: 'for' }>, io: Io): Promise<number> {
    const items: string[] = [];
    for (const w of cmd.items) items.push(...(await this.expand(w, io)));
    if (items.length > MAX_FOR_ITEMS) {
      writeTo(io.stderr, `${this.name}: for: more than ${MAX_FOR_ITEMS} items\n`);
      return 1;
    }
    this.status = 0;
    for (const item of items) {
      if (this.p.signal.aborted) return 137;
      this.vars[cmd.name] = item;
      await this.list(cmd.body, io);
    }
    return this.status;
  }

  private async simple(cmd: SimpleCommand, io: Io): Promise<number> {
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await this.expand(w, io)));
    // Leading NAME=value words: shell variables alone, or the environment of the command they precede.
    const assignments: Record<string, string> = {};
    while (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0])) {
      const a = argv.shift()!;
      assignments[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
    }
    const redirected = await this.redirect(cmd.redirects, io);
    if (typeof redirected === 'number') return redirected;
    const { io: rio, finish } = redirected;
    let code: number;
    try {
      if (!argv.length) {
        Object.assign(this.vars, assignments);
        code = 0;
      } else {
        const builtin = await this.builtin(argv, rio);
        code = builtin ?? (await this.p.spawn(argv, { ...rio, env: { ...this.vars, ...assignments }, cwd: this.cwd }));
      }
    } finally {
      const failed = finish();
      if (failed !== undefined) code = failed;
    }
    return code!;
  }

  /** cd, exit, export, unset, set, `:`, and `exec` (runs the command in place). */
  private async builtin(argv: string[], io: Io): Promise<number | undefined> {
    const [name, ...rest] = argv;
    switch (name) {
      case ':':
        return 0;
      case 'exit': {
        const code = rest.length ? Number(rest[0]) : this.status;
        if (!Number.isInteger(code)) {
          writeTo(io.stderr, `${this.name}: exit: Illegal number: ${rest[0]}\n`);
          throw new ShellExit(2);
        }
        throw new ShellExit(code & 0xff);
      }
      case 'cd': {
        const target = normalizePath(rest[0] ?? this.vars.HOME ?? '/', this.cwd);
        if (this.p.fs.stat(target)?.type !== 'directory') {
          writeTo(io.stderr, `${this.name}: cd: can't cd to ${rest[0]}: No such file or directory\n`);
          return 2;
        }
        this.cwd = target;
        this.vars.PWD = target;
        return 0;
      }
      case 'export':
        for (const a of rest) {
          const eq = a.indexOf('=');
          if (eq > 0) this.vars[a.slice(0, eq)] = a.slice(eq + 1);
        }
        return 0;
      case 'unset':
        for (const a of rest) delete this.vars[a];
        return 0;
      case 'set':
        return 0;
      case 'exec':
        if (!rest.length) return 0;
        throw new ShellExit(await this.p.spawn(rest, { ...io, env: { ...this.vars }, cwd: this.cwd }));
      default:
        return undefined;
    }
  }

  /**
   * Opens the command's redirections: `< file` as stdin, `> file` / `>> file` collected and written to the
   * container filesystem when the command ends (finish() returns an exit code if that write failed).
   */
  private async redirect(redirects: Redirect[], io: Io): Promise<{ io: Io; finish: () => number | undefined } | number> {
    const next: Io = { ...io };
    const files: { path: string; append: boolean; chunks: Buffer[]; size: number }[] = [];
    for (const r of redirects) {
      const targets = await this.expand(r.target, io);
      if (targets.length !== 1) {
        writeTo(io.stderr, `${this.name}: ambiguous redirect\n`);
        return 1;
      }
      const target = targets[0];
      if (r.op === '>&') {
        const stream = target === '1' ? next.stdout : target === '2' ? next.stderr : undefined;
        if (!stream) {
          writeTo(io.stderr, `${this.name}: ${target}: bad file descriptor\n`);
          return 1;
        }
        if (r.fd === 2) next.stderr = stream;
        else next.stdout = stream;
        continue;
      }
      const path = normalizePath(target, this.cwd);
      if (r.op === '<') {
        const data = this.p.fs.read(path);
        if (!data) {
          writeTo(io.stderr, `${this.name}: can't open '${target}': No such file or directory\n`);
          return 1;
        }
        next.stdin = Readable.from([data]);
        continue;
      }
      if (this.p.fs.stat(path)?.type === 'directory') {
        writeTo(io.stderr, `${this.name}: can't create ${target}: Is a directory\n`);
        return 1;
      }
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      if (path !== '/dev/null' && this.p.fs.stat(parent)?.type !== 'directory') {
        writeTo(io.stderr, `${this.name}: can't create ${target}: nonexistent directory\n`);
        return 1;
      }
      const file = { path, append: r.op === '>>', chunks: [] as Buffer[], size: 0 };
      if (!file.append && path !== '/dev/null') this.p.fs.write(path, Buffer.alloc(0));
      files.push(file);
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          // Past the filesystem's own limit the write will fail anyway: stop holding bytes.
          if (path !== '/dev/null' && file.size <= CONTAINER_FS_MAX_BYTES) {
            file.chunks.push(chunk);
            file.size += chunk.length;
          }
          cb();
        },
      });
      if (r.fd === 2) next.stderr = sink;
      else next.stdout = sink;
    }
    const finish = (): number | undefined => {
      for (const f of files) {
        if (f.path === '/dev/null') continue;
        try {
          const before = f.append ? (this.p.fs.read(f.path) ?? Buffer.alloc(0)) : Buffer.alloc(0);
          this.p.fs.write(f.path, Buffer.concat([before, ...f.chunks]));
        } catch (e) {
          if (!(e instanceof FsError)) throw e;
          writeTo(io.stderr, `${this.name}: ${e.message}\n`);
          return 1;
        }
      }
      return undefined;
    };
    return { io: next, finish };
  }

  /** One word → its fields: parameter and command substitution, then field splitting of unquoted results. */
  async expand(word: Word, io: Io): Promise<string[]> {
    const fields: string[] = [];
    let current = '';
    let started = false;
    const addSplit = (value: string) => {
      const pieces = value.split(/[ \t\n]+/);
      pieces.forEach((piece, i) => {
        if (i > 0) {
          if (started || current) fields.push(current);
          current = '';
          started = false;
        }
        if (piece) {
          current += piece;
          started = true;
        }
      });
    };
    for (const part of word) {
      if (part.kind === 'arithmetic') {
        const value = arithmetic(this.parameters(part.expression), this.vars);
        if (value === undefined) {
          writeTo(io.stderr, `${this.name}: arithmetic syntax error\n`);
          throw new ShellExit(2);
        }
        current += String(value);
        started = true;
        continue;
      }
      if (part.kind === 'command') {
        const value = (await this.substitute(part.script, io)).replace(/\n+$/, '');
        if (part.quoted) {
          current += value;
          started = true;
        } else addSplit(value);
        continue;
      }
      if (part.quoted === 1) {
        current += part.text;
        started = true;
        continue;
      }
      if (part.quoted === 2) {
        current += this.parameters(part.text);
        started = true;
        continue;
      }
      // Unquoted: literal text stays whole; only what a parameter expands to is split.
      const re = /\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[?$#0-9@*!-])/g;
      let last = 0;
      for (const m of part.text.matchAll(re)) {
        current += part.text.slice(last, m.index);
        if (m.index! > last) started = true;
        addSplit(this.parameter(m[1]));
        last = m.index! + m[0].length;
      }
      if (last < part.text.length) {
        current += part.text.slice(last);
        started = true;
      }
    }
    if (started || current) fields.push(current);
    if (fields.some((f) => f.length > MAX_WORD_CHARS)) {
      writeTo(io.stderr, `${this.name}: out of memory (a word longer than ${MAX_WORD_CHARS} characters)\n`);
      throw new ShellExit(2);
    }
    return fields;
  }

  private parameters(text: string): string {
    return text.replace(/\\\$|\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[?$#0-9@*!-])/g, (all, name: string | undefined) =>
      all === '\\$' ? '$' : name === undefined ? all : this.parameter(name),
    );
  }

  private parameter(name: string): string {
    let n = name;
    let fallback: string | undefined;
    if (n.startsWith('{')) {
      n = n.slice(1, -1);
      const m = n.match(/^([A-Za-z_][A-Za-z0-9_]*):?-(.*)$/);
      if (m) [, n, fallback] = m;
    }
    switch (n) {
      case '?':
        return String(this.status);
      case '$':
        return '1';
      case '#':
      case '!':
        return '0';
      case '0':
        return this.name;
      case '@':
      case '*':
      case '-':
        return '';
    }
    const value = this.vars[n];
    return value === undefined || (value === '' && fallback !== undefined) ? (fallback ?? '') : value;
  }

  private async substitute(script: string, io: Io): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    const capture = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (size < SUBSTITUTION_LIMIT) chunks.push(chunk.subarray(0, SUBSTITUTION_LIMIT - size));
        size += chunk.length;
        cb();
      },
    });
    try {
      await this.script(script, { stdin: null, stdout: capture, stderr: io.stderr });
    } catch (e) {
      if (!(e instanceof ShellExit)) throw e;
    }
    return Buffer.concat(chunks).toString();
  }
}

/** True when `src` only lacks its end (an open quote, a `for` without `done`): more lines may complete it. */
function incomplete(src: string): boolean {
  try {
    parseScript(src);
    return false;
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    return /end of file|unterminated/.test(e.message);
  }
}

/** `sh -c SCRIPT [NAME [ARGS…]]`, `sh` reading commands from stdin (a prompt when stdin is a terminal). */
export const sh: Program = async (p) => {
  const name = p.argv[0]?.slice(p.argv[0].lastIndexOf('/') + 1) || 'sh';
  const args = p.argv.slice(1);
  // Options a tutorial passes (-e, -x, -i, -l, -s) are accepted; -c takes the script.
  let script: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c') {
      script = args[i + 1];
      if (script === undefined) {
        err(p, `${name}: -c requires an argument\n`);
        return 2;
      }
      break;
    }
    if (!/^-[eixlsu]+$/.test(args[i])) {
      const file = p.fs.read(normalizePath(args[i], p.cwd));
      if (!file) {
        err(p, `${name}: can't open '${args[i]}': No such file or directory\n`);
        return 2;
      }
      script = file.toString();
      break;
    }
  }
  const shell = new Shell(p, name);
  const io: Io = { stdin: p.stdin, stdout: p.stdout, stderr: p.stderr };
  try {
    if (script !== undefined) return await shell.script(script, io);
    if (!p.stdin) return 0;
    // Commands from stdin run as their lines arrive (a prompt first when stdin is a terminal); a construct
    // left open (a quote, a for loop) waits for its next lines.
    const prompt = () => p.tty && out(p, shell.cwd === (shell.vars.HOME ?? '/root') ? '~ # ' : `${shell.cwd} # `);
    prompt();
    let pending = '';
    for await (const line of readLines(p.stdin, p.signal)) {
      pending = pending ? `${pending}\n${line}` : line;
      if (pending.trim() && !incomplete(pending)) {
        const src = pending;
        pending = '';
        await shell.script(src, io);
      } else if (!pending.trim()) pending = '';
      if (!pending) prompt();
      else if (p.tty) out(p, '> ');
    }
    if (pending.trim()) await shell.script(pending, io);
    return shell.status;
  } catch (e) {
    if (e instanceof ShellExit) return e.code;
    throw e;
  }
};
