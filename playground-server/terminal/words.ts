// A command line → words, with no shell: quotes group words ('…' literally, "…" with \" and \\ escapes),
// and every shell feature (pipes, redirects, chaining, substitution, globbing by a shell) is refused with
// a message saying so, rather than silently passed to a program.
import { validationFailed } from '../api/errors.js';

export const MAX_WORDS = 64;
const SHELL_ONLY = new Set(['|', '&', ';', '<', '>', '`', '(', ')']);

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  const fail = (message: string) => validationFailed([{ field: 'line', message }]);
  while (i < line.length) {
    const c = line[i];
    if (c === '\n' || c === '\r') throw fail('one command per line; there is no shell to run several');
    if (c === ' ' || c === '\t') {
      if (inWord) {
        words.push(current);
        current = '';
        inWord = false;
      }
      i++;
      continue;
    }
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw fail(`unterminated single quote at column ${i + 1}`);
      current += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < line.length) {
        const d = line[j];
        if (d === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) {
          current += line[j + 1];
          j += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          break;
        }
        current += d;
        j++;
      }
      if (!closed) throw fail(`unterminated double quote at column ${i + 1}`);
      inWord = true;
      i = j + 1;
      continue;
    }
    if (SHELL_ONLY.has(c)) throw fail(`"${c}" at column ${i + 1} is shell syntax; this terminal runs one program without a shell (quote it to pass it literally)`);
    if (c === '$') throw fail(`"$" at column ${i + 1}: there are no variables or command substitution here (quote it to pass it literally)`);
    if (c === '\\') {
      if (i + 1 >= line.length) throw fail('a trailing backslash escapes nothing');
      current += line[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    current += c;
    inWord = true;
    i++;
  }
  if (inWord) words.push(current);
  if (words.length > MAX_WORDS) throw fail(`too many words (${words.length}); the limit is ${MAX_WORDS}`);
  return words;
}
