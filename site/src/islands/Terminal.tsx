// The playground terminal: xterm.js (part of this island, so it only loads on pages with a terminal, and it
// downloads alongside the island rather than after it mounts) around the shell loop in ./terminal/ — a
// readline-style line editor, history kept for the tab, Tab completion from the server (completeTerminal), pastes
// run line by line with heredocs as stdin, and Esc then Tab to leave. Each command runs on the server
// (runTerminal) and its output streams back. No shell: the server splits the words.
import { useEffect, useRef } from 'react';
import { Terminal as XTerm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { playground, PlaygroundError } from '../client/playground-client.ts';
import { CommandHistory } from './terminal/history.ts';
import { EscapeThenTab, focusEscapeHint } from './terminal/focus-escape.ts';
import { TerminalShell, type Backend } from './terminal/shell.ts';

const BANNER = 'Mesh Playground terminal — kubectl, curl, stat, tap, topology, bench. Type "help"; Tab completes.';
const HINT_ID = 'terminal-keys-hint';

const terminalTheme = () =>
  document.documentElement.dataset.theme === 'dark' ? { background: '#0d1117', foreground: '#e6edf3', cursor: '#e6edf3', selectionBackground: '#264f78' } : { background: '#ffffff', foreground: '#1b1f24', cursor: '#1b1f24', selectionBackground: '#b6d4fe' };

const backend: Backend = {
  run: (command, signal, onOutput) =>
    playground.call('runTerminal', command.stdin === undefined ? { line: command.line } : { line: command.line, stdin: command.stdin }, { signal, onEvent: (e) => onOutput(e.stream, e.data) }),
  complete: (line, cursor) => playground.call('completeTerminal', { line, cursor }),
  describeError: (err) => (err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : err instanceof Error ? err.message : String(err)),
};

function sessionHistoryStorage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export default function Terminal() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    performance.mark('pg-terminal-open');
    const el = host.current;
    if (!el) return;
    const term = new XTerm({ convertEol: true, cursorBlink: true, fontSize: 13, scrollback: 5000, fontFamily: 'ui-monospace, monospace', theme: terminalTheme() });
    // Follow the site's theme toggle, as the editors do.
    const onTheme = () => (term.options.theme = terminalTheme());
    document.addEventListener('pg-theme', onTheme);
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(el);
    term.textarea?.setAttribute('aria-describedby', HINT_ID);

    const shell = new TerminalShell({ write: (d) => term.write(d), get cols() { return term.cols; } }, backend, new CommandHistory(sessionHistoryStorage()));
    const escape = new EscapeThenTab();
    term.attachCustomKeyEventHandler((ev) => {
      if (ev.type !== 'keydown') return true;
      // Esc then Tab: xterm leaves the Tab alone and the browser moves focus on (WCAG 2.1.2).
      if (escape.leaves(ev)) return false;
      // Ctrl-Shift-C / Ctrl-Shift-V: copy and paste, as terminals do (plain Ctrl-C interrupts).
      if (ev.ctrlKey && ev.shiftKey && ev.code === 'KeyC') {
        void navigator.clipboard?.writeText(term.getSelection());
        ev.preventDefault();
        return false;
      }
      if (ev.ctrlKey && ev.shiftKey && ev.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => term.paste(t));
        ev.preventDefault();
        return false;
      }
      return true;
    });
    term.onData((data) => shell.receive(data));
    // Bracketed paste: a paste reaches the shell marked as one, so its lines queue instead of racing the prompt.
    term.write('\x1b[?2004h');
    shell.start(BANNER);
    term.write('', () => {
      performance.mark('pg-terminal-ready');
      el.dataset.ready = 'true';
    });
    term.focus();
    return () => {
      document.removeEventListener('pg-theme', onTheme);
      resize.disconnect();
      shell.handle({ kind: 'key', key: 'interrupt' });
      term.dispose();
    };
  }, []);
  return (
    <div>
      <div ref={host} className="terminal-host" data-testid="terminal" role="application" aria-label="Terminal" aria-describedby={HINT_ID} style={{ height: '22rem', padding: 4, background: 'var(--bg)' }} />
      <p id={HINT_ID} className="muted keys-hint" data-testid="terminal-keys-hint">
        {focusEscapeHint('terminal')} Tab completes; ↑/↓ and Ctrl-R search the history; Ctrl-C interrupts; Ctrl-Shift-C / Ctrl-Shift-V copy and paste.
      </p>
    </div>
  );
}
