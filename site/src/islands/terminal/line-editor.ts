// The terminal's line editor, as bash's readline behaves in emacs mode: a line and a cursor, moved and edited by
// named keys (Left/Right, Home/End, Ctrl-A/E, Ctrl-U/K/W, Alt-B/F/D, Delete, Ctrl-Y), Up/Down through the history,
// and Ctrl-R's reverse incremental search. A pure state machine: no terminal, no DOM — Terminal.tsx draws `view()`.
import type { CommandHistory } from './history.ts';

export type EditKey =
  | 'left' | 'right' | 'home' | 'end' | 'wordLeft' | 'wordRight'
  | 'backspace' | 'delete' | 'killToStart' | 'killToEnd' | 'killWordBack' | 'killWordForward' | 'killBigWordBack' | 'yank'
  | 'historyPrev' | 'historyNext' | 'reverseSearch' | 'cancel';

/** What to draw: the prompt (undefined = the shell's own), the text after it, and the cursor's column in the text. */
export interface LineView {
  prompt?: string;
  text: string;
  cursor: number;
}

interface Search {
  query: string;
  /** History index of the current match, or -1 while nothing matched yet. */
  match: number;
  failed: boolean;
  /** The line as it was when Ctrl-R was pressed, restored by Ctrl-G / Ctrl-C. */
  original: { text: string; cursor: number };
}

/** readline's word characters for Alt-B/F/D: letters and digits. */
const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

export class LineEditor {
  text = '';
  cursor = 0;
  private killed = '';
  /** Index into the history while browsing it; history.entries.length = the line being typed. */
  private historyAt: number;
  private draft = '';
  private search?: Search;

  constructor(private readonly history: CommandHistory) {
    this.historyAt = history.entries.length;
  }

  get searching(): boolean {
    return this.search !== undefined;
  }

  /** A fresh, empty line (after Enter or Ctrl-C). */
  reset(text = ''): void {
    this.text = text;
    this.cursor = text.length;
    this.search = undefined;
    this.historyAt = this.history.entries.length;
    this.draft = '';
  }

  /** Replace the text between `from` and the cursor (Tab completion). */
  replaceBeforeCursor(from: number, replacement: string): void {
    const start = Math.max(0, Math.min(from, this.cursor));
    this.text = this.text.slice(0, start) + replacement + this.text.slice(this.cursor);
    this.cursor = start + replacement.length;
  }

  view(): LineView {
    const s = this.search;
    if (!s) return { text: this.text, cursor: this.cursor };
    const line = s.match >= 0 ? this.history.entries[s.match] : '';
    const at = s.match >= 0 ? line.lastIndexOf(s.query) : 0;
    return { prompt: `(${s.failed ? 'failed ' : ''}reverse-i-search)\`${s.query}': `, text: line, cursor: Math.max(0, at) };
  }

  /** Typed (or pasted, within one line) text: inserted at the cursor, or added to the search query. */
  insert(text: string): void {
    const clean = text.replace(/[\x00-\x1f\x7f]/g, '');
    if (!clean) return;
    if (this.search) {
      this.search.query += clean;
      this.research(this.search.match >= 0 ? this.search.match : this.history.entries.length - 1);
      return;
    }
    this.text = this.text.slice(0, this.cursor) + clean + this.text.slice(this.cursor);
    this.cursor += clean.length;
  }

  /** Leave the search with its match as the line (Enter, or any editing key, as in bash). */
  acceptSearch(): void {
    const s = this.search;
    if (!s) return;
    const v = this.view();
    this.search = undefined;
    if (s.match >= 0) {
      this.text = v.text;
      this.cursor = v.cursor;
      this.historyAt = s.match;
    } else {
      this.text = s.original.text;
      this.cursor = s.original.cursor;
    }
  }

  key(key: EditKey): void {
    if (this.search) {
      if (this.searchKey(key)) return;
      this.acceptSearch();
    }
    const { text, cursor } = this;
    switch (key) {
      case 'left':
        this.cursor = Math.max(0, cursor - 1);
        break;
      case 'right':
        this.cursor = Math.min(text.length, cursor + 1);
        break;
      case 'home':
        this.cursor = 0;
        break;
      case 'end':
        this.cursor = text.length;
        break;
      case 'wordLeft':
        this.cursor = this.wordStartBefore(cursor);
        break;
      case 'wordRight':
        this.cursor = this.wordEndAfter(cursor);
        break;
      case 'backspace':
        if (cursor > 0) this.cut(cursor - 1, cursor, false);
        break;
      case 'delete':
        if (cursor < text.length) this.cut(cursor, cursor + 1, false);
        break;
      case 'killToStart':
        this.cut(0, cursor);
        break;
      case 'killToEnd':
        this.cut(cursor, text.length);
        break;
      case 'killWordBack':
        this.cut(this.wordStartBefore(cursor), cursor);
        break;
      case 'killWordForward':
        this.cut(cursor, this.wordEndAfter(cursor));
        break;
      case 'killBigWordBack': {
        // Ctrl-W: back to the previous whitespace (unix-word-rubout), not to punctuation.
        let start = cursor;
        while (start > 0 && /\s/.test(text[start - 1])) start--;
        while (start > 0 && !/\s/.test(text[start - 1])) start--;
        this.cut(start, cursor);
        break;
      }
      case 'yank':
        this.insert(this.killed);
        break;
      case 'historyPrev':
        this.browseHistory(-1);
        break;
      case 'historyNext':
        this.browseHistory(1);
        break;
      case 'reverseSearch':
        this.search = { query: '', match: -1, failed: false, original: { text, cursor } };
        break;
      case 'cancel':
        break;
    }
  }

  /** Keys with a meaning inside the search; false = leave the search and apply the key to the line. */
  private searchKey(key: EditKey): boolean {
    const s = this.search!;
    if (key === 'reverseSearch') {
      // Again: the next older match (or, with an empty query, the previous search's query, as bash does).
      if (s.query) this.research(s.match >= 0 ? s.match - 1 : this.history.entries.length - 1);
      return true;
    }
    if (key === 'backspace') {
      s.query = s.query.slice(0, -1);
      this.research(this.history.entries.length - 1);
      return true;
    }
    if (key === 'cancel') {
      this.text = s.original.text;
      this.cursor = s.original.cursor;
      this.search = undefined;
      return true;
    }
    return false;
  }

  private research(from: number): void {
    const s = this.search!;
    if (!s.query) {
      s.failed = false;
      return;
    }
    const found = this.history.searchBackward(s.query, from);
    // A failed search keeps showing the last match, as bash does.
    s.failed = found < 0;
    if (found >= 0) s.match = found;
  }

  private browseHistory(step: -1 | 1): void {
    const entries = this.history.entries;
    const next = Math.max(0, Math.min(entries.length, this.historyAt + step));
    if (next === this.historyAt) return;
    if (this.historyAt === entries.length) this.draft = this.text;
    this.historyAt = next;
    this.text = next === entries.length ? this.draft : entries[next];
    this.cursor = this.text.length;
  }

  private cut(from: number, to: number, remember = true): void {
    if (to <= from) return;
    if (remember) this.killed = this.text.slice(from, to);
    this.text = this.text.slice(0, from) + this.text.slice(to);
    this.cursor = from;
  }

  private wordStartBefore(pos: number): number {
    let i = pos;
    while (i > 0 && !isWordChar(this.text[i - 1])) i--;
    while (i > 0 && isWordChar(this.text[i - 1])) i--;
    return i;
  }

  private wordEndAfter(pos: number): number {
    let i = pos;
    while (i < this.text.length && !isWordChar(this.text[i])) i++;
    while (i < this.text.length && isWordChar(this.text[i])) i++;
    return i;
  }
}
