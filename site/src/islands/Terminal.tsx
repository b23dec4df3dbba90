// The playground terminal: xterm.js with a small line editor (history, Ctrl-C, paste, copy, resize); each line
// runs on the server (runTerminal) and its output streams back. No shell: the server splits the words.
import { useEffect, useRef } from 'react';
import { Terminal as XTerm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { playground, PlaygroundError } from '../client/playground-client.ts';

const PROMPT = '\x1b[1;32m$\x1b[0m ';
const MAX_HISTORY = 200;

const terminalTheme = () =>
  document.documentElement.dataset.theme === 'dark' ? { background: '#0d1117', foreground: '#e6edf3', cursor: '#e6edf3', selectionBackground: '#264f78' } : { background: '#ffffff', foreground: '#1b1f24', cursor: '#1b1f24', selectionBackground: '#b6d4fe' };

export default function Terminal() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const term = new XTerm({ convertEol: true, cursorBlink: true, fontSize: 13, scrollback: 5000, fontFamily: 'ui-monospace, monospace', theme: terminalTheme() });
    // Follow the site's theme toggle, as the editors do.
    const onTheme = () => (term.options.theme = terminalTheme());
    document.addEventListener('pg-theme', onTheme);
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(host.current!);

    const history: string[] = [];
    let historyAt = 0;
    let line = '';
    let running: AbortController | undefined;
    const prompt = () => term.write(`\r\n${PROMPT}`);
    const redraw = () => term.write(`\r\x1b[2K${PROMPT}${line}`);

    async function run(cmd: string): Promise<void> {
      term.write('\r\n');
      if (!cmd.trim()) return prompt();
      history.push(cmd);
      if (history.length > MAX_HISTORY) history.shift();
      historyAt = history.length;
      if (cmd.trim() === 'clear') {
        term.clear();
        return prompt();
      }
      running = new AbortController();
      try {
        const exit = await playground.call('runTerminal', { line: cmd }, { signal: running.signal, onEvent: (e) => term.write(e.stream === 'stderr' ? `\x1b[31m${e.data}\x1b[0m` : e.data) });
        if (exit.cancelled) term.write('^C');
        else if (exit.timedOut) term.write('\x1b[33m(timed out)\x1b[0m');
        else if (exit.truncated) term.write('\x1b[33m(output truncated)\x1b[0m');
      } catch (err) {
        term.write(`\x1b[31m${err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : (err as Error).message}\x1b[0m`);
      }
      running = undefined;
      prompt();
    }

    term.attachCustomKeyEventHandler((ev) => {
      // Ctrl-Shift-C / Ctrl-Shift-V: copy and paste, as terminals do (plain Ctrl-C interrupts).
      if (ev.type === 'keydown' && ev.ctrlKey && ev.shiftKey && ev.code === 'KeyC') {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      if (ev.type === 'keydown' && ev.ctrlKey && ev.shiftKey && ev.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => term.paste(t));
        return false;
      }
      return true;
    });

    term.onData((data) => {
      if (data === '\x03') {
        if (running) running.abort();
        else {
          term.write('^C');
          line = '';
          prompt();
        }
        return;
      }
      if (running) return;
      if (data === '\x1b[A' || data === '\x1b[B') {
        if (!history.length) return;
        historyAt = Math.max(0, Math.min(history.length, historyAt + (data === '\x1b[A' ? -1 : 1)));
        line = history[historyAt] ?? '';
        return redraw();
      }
      if (data === '\x0c') {
        term.clear();
        return redraw();
      }
      // Typed keys and pasted text alike: Enter runs the line; the rest of a paste waits on the next line.
      for (let i = 0; i < data.length; i++) {
        const ch = data[i];
        if (ch === '\r' || ch === '\n') {
          const cmd = line;
          line = data.slice(i + 1).replace(/[\r\n].*$/s, '');
          void run(cmd).then(() => line && term.write(line));
          return;
        }
        if (ch === '\x7f' || ch === '\b') {
          if (line) {
            line = line.slice(0, -1);
            term.write('\b \b');
          }
        } else if (ch === '\x1b') return;
        else if (ch >= ' ') {
          line += ch;
          term.write(ch);
        }
      }
    });

    term.writeln('Mesh Playground terminal — kubectl, curl, stat, tap, topology, bench. Type "help".');
    term.write(PROMPT);
    term.focus();
    return () => {
      document.removeEventListener('pg-theme', onTheme);
      running?.abort();
      resize.disconnect();
      term.dispose();
    };
  }, []);
  return <div ref={host} className="terminal-host" data-testid="terminal" role="application" aria-label="Terminal" style={{ height: '22rem', padding: 4, background: 'var(--bg)' }} />;
}
