// What xterm.js sends for a key press or a paste (its onData string) → the terminal's input events: a named key,
// typed text, or a paste (bracketed, `ESC[200~ … ESC[201~`, once the terminal asked for bracketed paste mode).
// The sequences are xterm's own (VT220/xterm, normal and application cursor modes).
import type { EditKey } from './line-editor.ts';

export type ShellKey = 'enter' | 'tab' | 'interrupt' | 'clearScreen' | 'eof' | 'escape';

export type InputEvent = { kind: 'key'; key: EditKey | ShellKey } | { kind: 'text'; text: string } | { kind: 'paste'; text: string };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

const CONTROL: Record<string, EditKey | ShellKey> = {
  '\r': 'enter',
  '\n': 'enter',
  '\t': 'tab',
  '\x01': 'home', // Ctrl-A
  '\x02': 'left', // Ctrl-B
  '\x03': 'interrupt', // Ctrl-C
  '\x04': 'eof', // Ctrl-D
  '\x05': 'end', // Ctrl-E
  '\x06': 'right', // Ctrl-F
  '\x07': 'cancel', // Ctrl-G
  '\x08': 'backspace', // Ctrl-H
  '\x0b': 'killToEnd', // Ctrl-K
  '\x0c': 'clearScreen', // Ctrl-L
  '\x0e': 'historyNext', // Ctrl-N
  '\x10': 'historyPrev', // Ctrl-P
  '\x12': 'reverseSearch', // Ctrl-R
  '\x15': 'killToStart', // Ctrl-U
  '\x17': 'killBigWordBack', // Ctrl-W
  '\x19': 'yank', // Ctrl-Y
  '\x7f': 'backspace',
};

/** Escape sequences, longest first so a prefix never wins. */
const SEQUENCES: [string, EditKey | ShellKey][] = (
  [
    ['\x1b[1;5D', 'wordLeft'], // Ctrl-Left
    ['\x1b[1;5C', 'wordRight'], // Ctrl-Right
    ['\x1b[1;3D', 'wordLeft'], // Alt-Left
    ['\x1b[1;3C', 'wordRight'], // Alt-Right
    ['\x1b[3~', 'delete'],
    ['\x1b[1~', 'home'],
    ['\x1b[4~', 'end'],
    ['\x1b[7~', 'home'],
    ['\x1b[8~', 'end'],
    ['\x1b[A', 'historyPrev'],
    ['\x1bOA', 'historyPrev'],
    ['\x1b[B', 'historyNext'],
    ['\x1bOB', 'historyNext'],
    ['\x1b[C', 'right'],
    ['\x1bOC', 'right'],
    ['\x1b[D', 'left'],
    ['\x1bOD', 'left'],
    ['\x1b[H', 'home'],
    ['\x1bOH', 'home'],
    ['\x1b[F', 'end'],
    ['\x1bOF', 'end'],
    ['\x1bb', 'wordLeft'], // Alt-B
    ['\x1bf', 'wordRight'], // Alt-F
    ['\x1bd', 'killWordForward'], // Alt-D
    ['\x1b\x7f', 'killWordBack'], // Alt-Backspace
    ['\x1b\x08', 'killWordBack'],
  ] as [string, EditKey | ShellKey][]
).sort((a, b) => b[0].length - a[0].length);

export function decodeInput(data: string): InputEvent[] {
  const events: InputEvent[] = [];
  let text = '';
  const flush = () => {
    if (text) events.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < data.length; ) {
    if (data.startsWith(PASTE_START, i)) {
      flush();
      const end = data.indexOf(PASTE_END, i + PASTE_START.length);
      const stop = end < 0 ? data.length : end;
      events.push({ kind: 'paste', text: data.slice(i + PASTE_START.length, stop) });
      i = end < 0 ? data.length : end + PASTE_END.length;
      continue;
    }
    const ch = data[i];
    if (ch === '\x1b') {
      flush();
      const seq = SEQUENCES.find(([s]) => data.startsWith(s, i));
      if (seq) {
        events.push({ kind: 'key', key: seq[1] });
        i += seq[0].length;
        continue;
      }
      // An unknown CSI/SS3 sequence (F-keys, Insert, …) is skipped whole, never typed as text.
      const csi = /^\x1b(?:\[[0-9;?]*[\x40-\x7e]|O.)/.exec(data.slice(i));
      if (csi) i += csi[0].length;
      else {
        events.push({ kind: 'key', key: 'escape' });
        i++;
      }
      continue;
    }
    const control = CONTROL[ch];
    if (control) {
      flush();
      events.push({ kind: 'key', key: control });
      i++;
      continue;
    }
    if (ch >= ' ') text += ch;
    i++;
  }
  flush();
  // Several characters with a line break in one chunk were not typed: a paste without bracketed mode (drag and
  // drop, an old browser), treated as the paste it is.
  if (data.length > 1 && /[\r\n]/.test(data) && !data.includes(PASTE_START)) return [{ kind: 'paste', text: data }];
  return events;
}
