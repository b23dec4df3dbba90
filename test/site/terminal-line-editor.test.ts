// The browser terminal's line editor and shell loop without a browser: cursor movement and kills as readline does
// them, history (bounded, kept in sessionStorage) and Ctrl-R's reverse search, the escape sequences xterm sends,
// Tab completion's steps, wrapped-line redraws, and a paste of several lines (and a heredoc) running each command
// in order with the heredoc body as stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandLine } from '../../site/src/lib/lessons/command-lines.ts';
import { CommandHistory, HISTORY_STORAGE_KEY, type HistoryStorage } from '../../site/src/islands/terminal/history.ts';
import { LineEditor, type EditKey } from '../../site/src/islands/terminal/line-editor.ts';
import { decodeInput } from '../../site/src/islands/terminal/keys.ts';
import { CommandInput, MAX_LINE_LENGTH, splitPaste } from '../../site/src/islands/terminal/command-input.ts';
import { completionStep, formatColumns } from '../../site/src/islands/terminal/completion.ts';
import { PromptLine } from '../../site/src/islands/terminal/prompt-line.ts';
import { EscapeThenTab } from '../../site/src/islands/terminal/focus-escape.ts';
import { TerminalShell, type Backend } from '../../site/src/islands/terminal/shell.ts';

class MemoryStorage implements HistoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

function editorWith(text: string, history: string[] = []): LineEditor {
  const h = new CommandHistory();
  for (const e of history) h.add(e);
  const ed = new LineEditor(h);
  ed.insert(text);
  return ed;
}

const keys = (ed: LineEditor, ...ks: EditKey[]) => ks.forEach((k) => ed.key(k));

test('cursor movement and insertion in the middle of a line', () => {
  const ed = editorWith('kubectl get pods');
  keys(ed, 'left', 'left', 'left', 'left');
  assert.equal(ed.cursor, 12);
  ed.insert('-A ');
  assert.equal(ed.text, 'kubectl get -A pods');
  keys(ed, 'home');
  assert.equal(ed.cursor, 0);
  keys(ed, 'left');
  assert.equal(ed.cursor, 0, 'left stops at the start');
  keys(ed, 'end', 'right');
  assert.equal(ed.cursor, ed.text.length, 'right stops at the end');
  keys(ed, 'wordLeft');
  assert.equal(ed.cursor, 15, 'Alt-B: start of "pods"');
  keys(ed, 'wordLeft', 'wordLeft');
  assert.equal(ed.cursor, 8, 'Alt-B skips "-" and lands on "get"');
  keys(ed, 'wordRight');
  assert.equal(ed.cursor, 11, 'Alt-F: end of "get"');
  keys(ed, 'delete');
  assert.equal(ed.text, 'kubectl get-A pods');
  keys(ed, 'backspace');
  assert.equal(ed.text, 'kubectl ge-A pods');
  assert.equal(ed.cursor, 10);
});

test('kills and yank: Ctrl-U, Ctrl-K, Ctrl-W, Alt-D, Alt-Backspace, Ctrl-Y', () => {
  const ed = editorWith('kubectl get deploy/reviews-v1');
  keys(ed, 'killBigWordBack');
  assert.equal(ed.text, 'kubectl get ', 'Ctrl-W kills back to whitespace');
  keys(ed, 'yank');
  assert.equal(ed.text, 'kubectl get deploy/reviews-v1');
  keys(ed, 'killWordBack');
  assert.equal(ed.text, 'kubectl get deploy/reviews-', 'Alt-Backspace kills a word of letters and digits');
  keys(ed, 'home', 'killWordForward');
  assert.equal(ed.text, ' get deploy/reviews-');
  keys(ed, 'wordRight', 'killToEnd');
  assert.equal(ed.text, ' get');
  keys(ed, 'killToStart');
  assert.equal(ed.text, '');
  assert.equal(ed.cursor, 0);
  keys(ed, 'yank');
  assert.equal(ed.text, ' get');
});

test('Up and Down walk the history and come back to the line being typed', () => {
  const ed = editorWith('half-typed', ['kubectl get pods', 'curl http://reviews:9080/']);
  keys(ed, 'historyPrev');
  assert.equal(ed.text, 'curl http://reviews:9080/');
  keys(ed, 'historyPrev', 'historyPrev');
  assert.equal(ed.text, 'kubectl get pods', 'stops at the oldest');
  keys(ed, 'historyNext', 'historyNext');
  assert.equal(ed.text, 'half-typed');
  assert.equal(ed.cursor, 10);
});

test('Ctrl-R searches the history backwards, again for older matches; Ctrl-G restores the line', () => {
  const ed = editorWith('draft', ['kubectl get pods', 'curl http://ratings:9080/', 'kubectl get svc', 'stat']);
  keys(ed, 'reverseSearch');
  ed.insert('kub');
  let v = ed.view();
  assert.equal(v.prompt, "(reverse-i-search)`kub': ");
  assert.equal(v.text, 'kubectl get svc');
  keys(ed, 'reverseSearch');
  assert.equal(ed.view().text, 'kubectl get pods', 'Ctrl-R again: the next older match');
  keys(ed, 'reverseSearch');
  v = ed.view();
  assert.equal(v.prompt, "(failed reverse-i-search)`kub': ", 'no older match: failed, still showing the last one');
  assert.equal(v.text, 'kubectl get pods');
  keys(ed, 'cancel');
  assert.equal(ed.text, 'draft');
  assert.equal(ed.searching, false);
  // Accepting: an editing key leaves the search with the match as the line and applies the key.
  keys(ed, 'reverseSearch');
  ed.insert('ratings');
  assert.equal(ed.view().cursor, 12, 'the cursor sits on the match');
  keys(ed, 'end');
  assert.equal(ed.searching, false);
  assert.equal(ed.text, 'curl http://ratings:9080/');
  assert.equal(ed.cursor, 'curl http://ratings:9080/'.length);
  // Backspace shortens the query and searches again from the newest entry.
  keys(ed, 'reverseSearch');
  ed.insert('statx');
  assert.match(ed.view().prompt ?? '', /failed/);
  keys(ed, 'backspace');
  assert.equal(ed.view().text, 'stat');
  ed.acceptSearch();
  assert.equal(ed.text, 'stat');
});

test('the history is bounded, skips repeats and lives in sessionStorage; junk in storage is ignored', () => {
  const storage = new MemoryStorage();
  const h = new CommandHistory(storage, 3);
  for (const line of ['a', 'b', 'b', 'c', 'd', '  ']) h.add(line);
  assert.deepEqual(h.entries, ['b', 'c', 'd']);
  assert.deepEqual(new CommandHistory(storage, 3).entries, ['b', 'c', 'd'], 'a reload reads it back');
  storage.setItem(HISTORY_STORAGE_KEY, JSON.stringify(['ok', 42, 'x'.repeat(5000), { a: 1 }, 'two\nlines']));
  assert.deepEqual(new CommandHistory(storage).entries, ['ok']);
  storage.setItem(HISTORY_STORAGE_KEY, '{not json');
  assert.deepEqual(new CommandHistory(storage).entries, []);
});

test('xterm input: arrows, Home/End in both cursor modes, Alt and Ctrl keys, bracketed paste, unknown sequences', () => {
  assert.deepEqual(decodeInput('\x1b[D'), [{ kind: 'key', key: 'left' }]);
  assert.deepEqual(decodeInput('\x1bOH'), [{ kind: 'key', key: 'home' }]);
  assert.deepEqual(decodeInput('\x1b[F'), [{ kind: 'key', key: 'end' }]);
  assert.deepEqual(decodeInput('\x1b[3~'), [{ kind: 'key', key: 'delete' }]);
  assert.deepEqual(decodeInput('\x1bb'), [{ kind: 'key', key: 'wordLeft' }]);
  assert.deepEqual(decodeInput('\x1bf'), [{ kind: 'key', key: 'wordRight' }]);
  assert.deepEqual(decodeInput('\x12'), [{ kind: 'key', key: 'reverseSearch' }]);
  assert.deepEqual(decodeInput('\x01\x05\x15\x0b\x17'), ['home', 'end', 'killToStart', 'killToEnd', 'killBigWordBack'].map((key) => ({ kind: 'key', key })));
  assert.deepEqual(decodeInput('ab\x7fc'), [{ kind: 'text', text: 'ab' }, { kind: 'key', key: 'backspace' }, { kind: 'text', text: 'c' }]);
  assert.deepEqual(decodeInput('\x1b[15~x'), [{ kind: 'text', text: 'x' }], 'F5 is skipped, never typed');
  assert.deepEqual(decodeInput('\x1b'), [{ kind: 'key', key: 'escape' }]);
  assert.deepEqual(decodeInput('\x1b[200~a\rb\r\x1b[201~'), [{ kind: 'paste', text: 'a\rb\r' }]);
  assert.deepEqual(decodeInput('one\rtwo\r'), [{ kind: 'paste', text: 'one\rtwo\r' }], 'several lines in one chunk are a paste');
  assert.deepEqual(decodeInput('\r'), [{ kind: 'key', key: 'enter' }]);
});

test('heredocs: lines are read at the continuation prompt until the delimiter; the body is stdin', () => {
  const input = new CommandInput();
  assert.deepEqual(input.submit('kubectl get pods'), { kind: 'run', commands: [{ line: 'kubectl get pods' }] });
  assert.deepEqual(input.submit('kubectl apply -f - <<EOF'), { kind: 'more', delimiter: 'EOF' });
  assert.equal(input.continuing, true);
  assert.deepEqual(input.submit('kind: ConfigMap'), { kind: 'more', delimiter: 'EOF' });
  assert.deepEqual(input.submit(''), { kind: 'more', delimiter: 'EOF' });
  assert.deepEqual(input.submit('EOF'), { kind: 'run', commands: [{ line: 'kubectl apply -f -', stdin: 'kind: ConfigMap\n\n' }] });
  assert.equal(input.continuing, false);
  input.submit("kubectl apply -f - <<'END'");
  input.reset();
  assert.equal(input.continuing, false, 'Ctrl-C forgets an open heredoc');
  const long = input.submit('x'.repeat(MAX_LINE_LENGTH + 1));
  assert.equal(long.kind, 'error');
  assert.match(long.kind === 'error' ? long.message : '', /at most 4096/);
  assert.deepEqual(splitPaste('a\r\nb\nc'), { lines: ['a', 'b'], rest: 'c' });
  assert.deepEqual(splitPaste('a\x07\tb\n'), { lines: ['a\tb'], rest: '' });
});

test('Tab completion: one candidate completes with a space, several their common prefix, a second Tab lists them', () => {
  assert.deepEqual(completionStep({ replaceFrom: 12, candidates: ['deployments'] }, 'depl', false), { kind: 'replace', from: 12, text: 'deployments ' });
  assert.deepEqual(completionStep({ replaceFrom: 12, candidates: ['deploy/'] }, 'dep', false), { kind: 'replace', from: 12, text: 'deploy/' });
  assert.deepEqual(completionStep({ replaceFrom: 8, candidates: ['api-resources', 'api-versions', 'apply'] }, 'a', false), { kind: 'replace', from: 8, text: 'ap' });
  assert.deepEqual(completionStep({ replaceFrom: 8, candidates: ['api-resources', 'api-versions', 'apply'] }, 'ap', false), { kind: 'none' });
  assert.deepEqual(completionStep({ replaceFrom: 8, candidates: ['api-resources', 'api-versions', 'apply'] }, 'ap', true), { kind: 'list', candidates: ['api-resources', 'api-versions', 'apply'] });
  assert.deepEqual(completionStep({ replaceFrom: 0, candidates: [] }, 'zz', true), { kind: 'none' });
  assert.deepEqual(formatColumns(['a', 'bb', 'ccc', 'd', 'e'], 12), ['a    d', 'bb   e', 'ccc']);
});

/** A minimal terminal screen: enough of VT100 (CR, LF, CUU/CUD/CUF, ED, wrap) to check what the learner sees. */
class FakeScreen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;
  private pendingWrap = false;
  constructor(readonly cols: number) {}
  write(data: string): void {
    for (let i = 0; i < data.length; i++) {
      const ch = data[i];
      if (ch === '\x1b') {
        const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(data.slice(i))!;
        i += m[0].length - 1;
        const n = Number(m[1] || 1);
        if (m[2] === 'A') this.row = Math.max(0, this.row - n);
        else if (m[2] === 'B') this.row += n;
        else if (m[2] === 'C') this.col = Math.min(this.cols - 1, this.col + n);
        else if (m[2] === 'J') {
          this.line().length = this.col;
          this.rows.length = this.row + 1;
        } else if (m[2] === 'H') [this.row, this.col] = [0, 0];
        this.pendingWrap = false;
        continue;
      }
      if (ch === '\r') [this.col, this.pendingWrap] = [0, false];
      else if (ch === '\n') [this.row, this.pendingWrap] = [this.row + 1, false];
      else {
        if (this.pendingWrap) [this.row, this.col, this.pendingWrap] = [this.row + 1, 0, false];
        const line = this.line();
        while (line.length < this.col) line.push(' ');
        line[this.col] = ch;
        if (this.col === this.cols - 1) this.pendingWrap = true;
        else this.col++;
      }
    }
  }
  private line(): string[] {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row];
  }
  text(): string {
    return this.rows.map((r) => r.join('')).join('\n');
  }
}

test('a wrapped line redraws in place after an edit in its middle, cursor where the arithmetic says', () => {
  const screen = new FakeScreen(10);
  const line = new PromptLine();
  const prompt = { text: '$ ', width: 2 };
  screen.write(line.draw(10, prompt, 'abcdefghijklmnop', 16));
  assert.deepEqual([screen.row, screen.col], [1, 8]);
  screen.write(line.draw(10, prompt, 'abcXdefghijklmnop', 4));
  assert.equal(screen.text(), '$ abcXdefg\nhijklmnop');
  assert.deepEqual([screen.row, screen.col], [0, 6]);
  // Exactly filling the row: the cursor goes to the next row, not past the edge.
  screen.write(line.draw(10, prompt, 'abcdefgh', 8));
  assert.deepEqual([screen.row, screen.col], [1, 0]);
  screen.write(line.draw(10, prompt, 'abc', 3));
  assert.equal(screen.text(), '$ abc');
  screen.write(line.leave(10));
  assert.deepEqual([screen.row, screen.col], [1, 0]);
});

test('Esc then Tab leaves; Tab alone, or after another key, stays', () => {
  const e = new EscapeThenTab();
  const k = (key: string) => ({ key, ctrlKey: false, altKey: false, metaKey: false });
  assert.equal(e.leaves(k('Tab')), false);
  assert.equal(e.leaves(k('Escape')), false);
  assert.equal(e.leaves(k('Shift')), false);
  assert.equal(e.leaves(k('Tab')), true, 'Esc, Shift, Tab: Shift-Tab leaves backwards');
  assert.equal(e.leaves(k('Tab')), false, 'only once');
  e.leaves(k('Escape'));
  e.leaves(k('a'));
  assert.equal(e.leaves(k('Tab')), false);
});

/** A backend that records what ran and answers each command after a tick (so queued input really waits). */
function fakeBackend(completions: Record<string, string[]> = {}) {
  const ran: CommandLine[] = [];
  const backend: Backend = {
    async run(command, signal, onOutput) {
      ran.push(command);
      await new Promise((r) => setTimeout(r, 5));
      if (command.line === 'sleep') await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      onOutput('stdout', `out:${command.line}${command.stdin ? `[${command.stdin.trim().split('\n').length} lines]` : ''}\n`);
      return { cancelled: signal.aborted, timedOut: false, truncated: false };
    },
    async complete(line, cursor) {
      const before = line.slice(0, cursor);
      const from = before.search(/\S*$/);
      return { replaceFrom: from, candidates: (completions[before.slice(0, from).trim()] ?? []).filter((c) => c.startsWith(before.slice(from))) };
    },
    describeError: (err) => String(err),
  };
  return { ran, backend };
}

function shellOn(cols = 80, completions?: Record<string, string[]>) {
  const screen = new FakeScreen(cols);
  const { ran, backend } = fakeBackend(completions);
  const shell = new TerminalShell(screen, backend, new CommandHistory());
  shell.start('banner');
  return { screen, ran, shell };
}

test('a paste of three lines runs three commands in order, each echoed at its prompt with its output after it', async () => {
  const { screen, ran, shell } = shellOn();
  shell.receive('\x1b[200~kubectl get pods\nkubectl get svc\ncurl http://reviews:9080/\n\x1b[201~');
  await shell.settled();
  assert.deepEqual(ran.map((c) => c.line), ['kubectl get pods', 'kubectl get svc', 'curl http://reviews:9080/']);
  const text = screen.text();
  const order = ['$ kubectl get pods', 'out:kubectl get pods', '$ kubectl get svc', 'out:kubectl get svc', '$ curl http://reviews:9080/', 'out:curl http://reviews:9080/'].map((s) => text.indexOf(s));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])), text);
  assert.match(text, /\n\$ $/, 'a fresh prompt at the end');
});

test('a pasted heredoc becomes the stdin of its command; a typed one prompts with "> "', async () => {
  const { screen, ran, shell } = shellOn();
  shell.receive('\x1b[200~kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nEOF\nkubectl get cm\n\x1b[201~');
  await shell.settled();
  assert.deepEqual(ran, [{ line: 'kubectl apply -f -', stdin: 'apiVersion: v1\nkind: ConfigMap\n' }, { line: 'kubectl get cm' }]);
  assert.match(screen.text(), /> apiVersion: v1\n> kind: ConfigMap\n> EOF\nout:kubectl apply -f -\[2 lines\]/);
  shell.receive('kubectl apply -f - <<EOF');
  shell.receive('\r');
  await shell.settled();
  assert.match(screen.text(), /\n> $/, 'continuation prompt');
  shell.receive('kind: Namespace');
  shell.receive('\r');
  await shell.settled();
  shell.receive('EOF');
  shell.receive('\r');
  await shell.settled();
  assert.deepEqual(ran.at(-1), { line: 'kubectl apply -f -', stdin: 'kind: Namespace\n' });
});

test('a paste with no final line break leaves its last line at the prompt; Ctrl-C drops what waits', async () => {
  const { screen, ran, shell } = shellOn();
  shell.receive('\x1b[200~kubectl get pods\nkubectl get s\x1b[201~');
  await shell.settled();
  assert.deepEqual(ran.map((c) => c.line), ['kubectl get pods']);
  assert.equal(shell.editor.text, 'kubectl get s');
  assert.match(screen.text(), /\$ kubectl get s$/);
  shell.receive('\x15');
  shell.receive('\x1b[200~sleep\nkubectl get never\n\x1b[201~');
  await new Promise((r) => setTimeout(r, 20));
  shell.receive('\x03');
  await shell.settled();
  assert.deepEqual(ran.map((c) => c.line), ['kubectl get pods', 'sleep']);
  assert.match(screen.text(), /\^C/);
});

test('the shell: insert mid-line runs the edited command; history Up; Tab completes and lists', async () => {
  const { screen, ran, shell } = shellOn(80, { kubectl: ['get', 'api-resources', 'api-versions', 'apply'], 'kubectl get': ['deployments'] });
  shell.receive('kubectl get pod');
  shell.receive('\x1b[D\x1b[D\x1b[D');
  shell.receive('s');
  assert.equal(shell.editor.text, 'kubectl get spod');
  shell.receive('\x1b[C\x1b[C\x1b[C\x7f');
  shell.receive('\r');
  await shell.settled();
  assert.deepEqual(ran.map((c) => c.line), ['kubectl get spo']);
  shell.receive('\x1b[A');
  assert.equal(shell.editor.text, 'kubectl get spo');
  shell.receive('\x15kubectl get depl');
  shell.receive('\t');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(shell.editor.text, 'kubectl get deployments ');
  shell.receive('\x15kubectl a');
  shell.receive('\t');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(shell.editor.text, 'kubectl ap', 'the common prefix');
  shell.receive('\t');
  await new Promise((r) => setTimeout(r, 10));
  assert.match(screen.text(), /api-resources\s+api-versions\s+apply\n\$ kubectl ap$/, 'the second Tab lists them, then the prompt again');
});
