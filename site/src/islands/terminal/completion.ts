// Tab completion as bash does it, given the server's answer (completeTerminal: {replaceFrom, candidates}): one
// candidate completes the word and adds a space; several complete their common prefix, and a second Tab in a row
// lists them below the prompt in columns.

export interface CompletionAnswer {
  replaceFrom: number;
  candidates: string[];
}

export type CompletionStep =
  | { kind: 'replace'; from: number; text: string }
  | { kind: 'list'; candidates: string[] }
  /** Nothing to add (bash rings the bell). */
  | { kind: 'none' };

export function commonPrefix(words: string[]): string {
  if (!words.length) return '';
  let prefix = words[0];
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** What a Tab does: `typed` is the word being completed (line[replaceFrom:cursor]); `again` = the previous key was Tab too. */
export function completionStep(answer: CompletionAnswer, typed: string, again: boolean): CompletionStep {
  const candidates = [...new Set(answer.candidates)];
  if (candidates.length === 0) return { kind: 'none' };
  // A word that goes on (`deploy/`, `--output=`) gets no space after it, as bash does for a directory.
  if (candidates.length === 1) return { kind: 'replace', from: answer.replaceFrom, text: /[/=]$/.test(candidates[0]) ? candidates[0] : `${candidates[0]} ` };
  const prefix = commonPrefix(candidates);
  if (prefix.length > typed.length) return { kind: 'replace', from: answer.replaceFrom, text: prefix };
  return again ? { kind: 'list', candidates } : { kind: 'none' };
}

/** Candidates in columns across `width` cells, filled down then across as `ls` and bash do. */
export function formatColumns(words: string[], width: number): string[] {
  if (!words.length) return [];
  const cell = Math.max(...words.map((w) => w.length)) + 2;
  const columns = Math.max(1, Math.floor(width / cell));
  const rows = Math.ceil(words.length / columns);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < columns; c++) {
      const w = words[c * rows + r];
      if (w !== undefined) line += w.padEnd(cell);
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
