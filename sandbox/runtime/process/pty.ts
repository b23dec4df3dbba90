// A pseudo-terminal's line discipline for `kubectl exec -it`: the client's terminal is raw, so the "pty" echoes
// what is typed, edits the line (backspace, ^U), hands whole lines to the program on Enter, ends input on ^D at
// the start of a line, drops the line on ^C (a command already running is not interrupted: programs share
// their process's one abort signal), and turns the program's "\n" into "\r\n" (onlcr).
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';

/** Longest line the terminal buffers before Enter. */
const MAX_LINE = 4096;

export interface Terminal {
  /** What the program reads: cooked lines. */
  input: PassThrough;
  /** What the program writes to; goes to the client with onlcr. */
  output: Writable;
}

export function openTerminal(clientIn: Readable | null, clientOut: Writable | null): Terminal {
  const input = new PassThrough();
  const write = (s: string) => {
    if (clientOut && !clientOut.destroyed && !clientOut.writableEnded) clientOut.write(s);
  };
  const output = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, Buffer.from(chunk.toString('utf8').replace(/\r?\n/g, '\r\n')));
    },
  });
  output.on('data', (c: Buffer) => write(c.toString()));
  let line = '';
  clientIn?.on('data', (chunk: Buffer | string) => {
    for (const ch of chunk.toString()) {
      if (ch === '\r' || ch === '\n') {
        write('\r\n');
        input.write(`${line}\n`);
        line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (line) {
          line = [...line].slice(0, -1).join('');
          write('\b \b');
        }
      } else if (ch === '\x15') {
        write('\b \b'.repeat([...line].length));
        line = '';
      } else if (ch === '\x03') {
        write('^C\r\n');
        line = '';
        input.write('\n');
      } else if (ch === '\x04') {
        if (!line) input.end();
      } else if (ch >= ' ' || ch === '\t') {
        if (line.length < MAX_LINE) {
          line += ch;
          write(ch);
        }
      }
    }
  });
  clientIn?.on('end', () => input.end());
  return { input, output };
}
