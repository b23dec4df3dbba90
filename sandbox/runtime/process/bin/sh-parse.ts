// The small POSIX-ish shell's grammar: words with '…', "…", \ escapes, $VAR / ${VAR} / $(…) / `…` left for
// expansion at run time; pipelines joined by |, lists by ; && || and newlines; redirections > >> < 2> 2>&1;
// `for NAME in WORDS; do LIST; done`. What it does not know is a syntax error, as sh reports it.

export type WordPart =
  | { kind: 'text'; text: string; quoted: 0 | 1 | 2 }
  | { kind: 'command'; script: string; quoted: 0 | 2 }
  | { kind: 'arithmetic'; expression: string; quoted: 0 | 2 };
export type Word = WordPart[];

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}

export interface SimpleCommand {
  type: 'simple';
  words: Word[];
  redirects: Redirect[];
}

export interface ForLoop {
  type: 'for';
  name: string;
  items: Word[];
  body: List;
}

export interface WhileLoop {
  type: 'while';
  /** `until` runs the body while the condition fails. */
  until: boolean;
  condition: List;
  body: List;
}

export interface IfClause {
  type: 'if';
  branches: { condition: List; body: List }[];
  otherwise?: List;
}

export type Command = SimpleCommand | ForLoop | WhileLoop | IfClause;
export type Pipeline = Command[];
/** Pipelines with the operator that joins each to the one before it (the first has ';'). */
export type List = { op: ';' | '&&' | '||'; pipeline: Pipeline }[];

export class ShellSyntaxError extends Error {}

/** Longest script the shell parses (a line, a -c argument). */
export const MAX_SCRIPT_CHARS = 64 * 1024;

type Token = { t: 'word'; word: Word; raw: string } | { t: 'op'; op: string } | { t: 'redir'; fd: number; op: Redirect['op'] };

function lex(src: string): Token[] {
  if (src.length > MAX_SCRIPT_CHARS) throw new ShellSyntaxError(`script longer than ${MAX_SCRIPT_CHARS} characters`);
  const tokens: Token[] = [];
  let i = 0;
  let parts: WordPart[] | undefined;
  let raw = '';
  const text = (s: string, quoted: 0 | 1 | 2) => {
    parts ??= [];
    raw += s;
    const last = parts[parts.length - 1];
    if (last?.kind === 'text' && last.quoted === quoted) last.text += s;
    else parts.push({ kind: 'text', text: s, quoted });
  };
  const endWord = () => {
    if (parts) tokens.push({ t: 'word', word: parts, raw });
    parts = undefined;
    raw = '';
  };
  /** `$(…)` from just after `$(`, honouring nesting and quotes; returns the inner script. */
  const subshell = (close: string): string => {
    let depth = 1;
    const start = i;
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') i += 2;
      else if (c === "'" && close === ')') {
        const end = src.indexOf("'", i + 1);
        if (end < 0) break;
        i = end + 1;
      } else if (c === close && close === '`') return src.slice(start, i++);
      else if (c === '(' && close === ')') {
        depth++;
        i++;
      } else if (c === ')' && close === ')') {
        if (--depth === 0) return src.slice(start, i++);
        i++;
      } else i++;
    }
    throw new ShellSyntaxError(close === ')' ? "unterminated $(" : 'unterminated `');
  };
  const dollar = (quoted: 0 | 2): boolean => {
    if (src.startsWith('$((', i)) {
      const end = src.indexOf('))', i + 3);
      if (end < 0) throw new ShellSyntaxError('unterminated $((');
      parts ??= [];
      raw += src.slice(i, end + 2);
      parts.push({ kind: 'arithmetic', expression: src.slice(i + 3, end), quoted });
      i = end + 2;
      return true;
    }
    if (src[i] === '$' && src[i + 1] === '(' && src[i + 2] !== '(') {
      i += 2;
      parts ??= [];
      raw += '$(…)';
      parts.push({ kind: 'command', script: subshell(')'), quoted });
      return true;
    }
    if (src[i] === '`') {
      i++;
      parts ??= [];
      raw += '`…`';
      parts.push({ kind: 'command', script: subshell('`'), quoted });
      return true;
    }
    return false;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === '\n' || c === ';' || c === '&' || c === '|') {
      endWord();
      const two = src.slice(i, i + 2);
      if (two === '&&' || two === '||' || two === ';;') {
        tokens.push({ t: 'op', op: two });
        i += 2;
      } else {
        tokens.push({ t: 'op', op: c });
        i++;
      }
    } else if (c === '>' || c === '<') {
      let fd = c === '>' ? 1 : 0;
      if (parts && parts.length === 1 && parts[0].kind === 'text' && parts[0].quoted === 0 && /^\d$/.test(parts[0].text)) {
        fd = Number(parts[0].text);
        parts = undefined;
        raw = '';
      }
      endWord();
      if (src.startsWith('>>', i)) {
        tokens.push({ t: 'redir', fd, op: '>>' });
        i += 2;
      } else if (src.startsWith('>&', i)) {
        tokens.push({ t: 'redir', fd, op: '>&' });
        i += 2;
      } else {
        tokens.push({ t: 'redir', fd, op: c === '>' ? '>' : '<' });
        i++;
      }
    } else if (c === '#' && !parts) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError("unterminated quoted string");
      text(src.slice(i + 1, end), 1);
      i = end + 1;
    } else if (c === '"') {
      i++;
      parts ??= [];
      let closed = false;
      while (i < src.length) {
        const d = src[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < src.length && '$`"\\\n'.includes(src[i + 1])) {
          text(src[i + 1] === '$' ? '\\$' : src[i + 1] === '\n' ? '' : src[i + 1], 2);
          i += 2;
        } else if (!dollar(2)) {
          text(d, 2);
          i++;
        }
      }
      if (!closed) throw new ShellSyntaxError('unterminated quoted string');
      if (!parts.length) text('', 2);
    } else if (c === '\\') {
      if (src[i + 1] === '\n') i += 2;
      else {
        // An escaped character is literal: kept as single-quoted text so it is not expanded.
        text(src[i + 1] ?? '', 1);
        i += 2;
      }
    } else if (!dollar(0)) {
      text(c, 0);
      i++;
    }
  }
  endWord();
  return tokens;
}

const RESERVED = new Set(['do', 'done', 'then', 'fi', 'elif', 'else', 'esac']);

export function parseScript(src: string): List {
  const tokens = lex(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (tok: Token | undefined, w: string) => tok?.t === 'word' && tok.raw === w && tok.word.every((p) => p.kind === 'text' && p.quoted === 0);
  const unexpected = (tok: Token | undefined) =>
    new ShellSyntaxError(`syntax error: unexpected ${tok === undefined ? 'end of file' : `"${tok.t === 'word' ? tok.raw : tok.t === 'op' ? (tok.op === '\n' ? 'newline' : tok.op) : tok.op}"`}`);
  const skipNewlines = () => {
    while (peek()?.t === 'op' && (peek() as { op: string }).op === '\n') pos++;
  };

  function list(until: string[]): List {
    const out: List = [];
    let op: ';' | '&&' | '||' = ';';
    for (;;) {
      skipNewlines();
      const tok = peek();
      if (tok === undefined || until.some((u) => isWord(tok, u))) {
        if (op !== ';') throw unexpected(tok);
        return out;
      }
      out.push({ op, pipeline: pipeline() });
      const next = peek();
      if (next === undefined) return out;
      if (next.t === 'op' && (next.op === ';' || next.op === '\n' || next.op === '&')) {
        // `&` (background) runs in the foreground here: there is no job control.
        pos++;
        op = ';';
      } else if (next.t === 'op' && (next.op === '&&' || next.op === '||')) {
        pos++;
        op = next.op;
      } else if (next.t === 'word' && until.some((u) => isWord(next, u))) {
        return out;
      } else throw unexpected(next);
    }
  }

  function pipeline(): Pipeline {
    const cmds: Command[] = [command()];
    while (peek()?.t === 'op' && (peek() as { op: string }).op === '|') {
      pos++;
      skipNewlines();
      cmds.push(command());
    }
    return cmds;
  }

  function command(): Command {
    const first = peek();
    if (isWord(first, 'for')) return forLoop();
    if (isWord(first, 'while') || isWord(first, 'until')) return whileLoop();
    if (isWord(first, 'if')) return ifClause();
    if (first?.t === 'word' && RESERVED.has(first.raw)) throw unexpected(first);
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const tok = peek();
      if (tok?.t === 'word') {
        words.push(tok.word);
        pos++;
      } else if (tok?.t === 'redir') {
        pos++;
        const target = peek();
        if (target?.t !== 'word') throw unexpected(target);
        pos++;
        redirects.push({ fd: tok.fd, op: tok.op, target: target.word });
      } else break;
    }
    if (!words.length && !redirects.length) throw unexpected(peek());
    return { type: 'simple', words, redirects };
  }

  function forLoop(): ForLoop {
    pos++;
    const name = peek();
    if (name?.t !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.raw)) throw unexpected(name);
    pos++;
    const items: Word[] = [];
    if (isWord(peek(), 'in')) {
      pos++;
      while (peek()?.t === 'word') items.push((tokens[pos++] as { word: Word }).word);
    }
    const sep = peek();
    if (sep?.t === 'op' && (sep.op === ';' || sep.op === '\n')) pos++;
    skipNewlines();
    if (!isWord(peek(), 'do')) throw unexpected(peek());
    pos++;
    const body = list(['done']);
    if (!isWord(peek(), 'done')) throw unexpected(peek());
    pos++;
    return { type: 'for', name: name.raw, items, body };
  }

  function expect(word: string): void {
    skipNewlines();
    if (!isWord(peek(), word)) throw unexpected(peek());
    pos++;
  }

  function whileLoop(): WhileLoop {
    const until = isWord(peek(), 'until');
    pos++;
    const condition = list(['do']);
    expect('do');
    const body = list(['done']);
    expect('done');
    return { type: 'while', until, condition, body };
  }

  function ifClause(): IfClause {
    pos++;
    const branches: IfClause['branches'] = [];
    let otherwise: List | undefined;
    for (;;) {
      const condition = list(['then']);
      expect('then');
      const body = list(['elif', 'else', 'fi']);
      branches.push({ condition, body });
      if (isWord(peek(), 'elif')) {
        pos++;
        continue;
      }
      if (isWord(peek(), 'else')) {
        pos++;
        otherwise = list(['fi']);
      }
      expect('fi');
      return { type: 'if', branches, otherwise };
    }
  }

  const result = list([]);
  if (pos < tokens.length) throw unexpected(peek());
  return result;
}
