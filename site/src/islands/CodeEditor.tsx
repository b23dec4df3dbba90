// A Monaco editor as a React component; Monaco itself is imported when the component first mounts. Tab indents, so
// Esc then Tab (or Monaco's own Ctrl+M toggle) leaves it, as the hint under it says (WCAG 2.1.2 No Keyboard Trap).
import { useEffect, useId, useRef } from 'react';
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import { EscapeThenTab, focusEscapeHint } from './terminal/focus-escape.ts';

/** The longest Monaco waits for an idle moment before loading anyway. */
const MONACO_IDLE_WAIT_MS = 1500;

export interface CodeEditorProps {
  value: string;
  language: 'json' | 'yaml';
  label: string;
  /** Model URI (monaco-yaml matches schemas on it). */
  uri?: string;
  height?: string;
  onChange(value: string): void;
  onReady?(editor: Monaco.editor.IStandaloneCodeEditor, monaco: typeof Monaco): void;
}

export function CodeEditor({ value, language, label, uri, height = '14rem', onChange, onReady }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  const hintId = useId();
  changed.current = onChange;
  useEffect(() => {
    let editor: Monaco.editor.IStandaloneCodeEditor | undefined;
    let disposed = false;
    // Seen before Monaco (capture phase): the Tab after an Escape goes to the browser, which moves focus on.
    const escape = new EscapeThenTab();
    const onKeyDown = (ev: KeyboardEvent) => {
      if (escape.leaves(ev)) ev.stopPropagation();
    };
    const el = host.current;
    el?.addEventListener('keydown', onKeyDown, true);
    // Monaco (megabytes of script) starts once the page is idle, so it does not hold up a terminal beside it.
    const idle = new Promise<void>((resolve) => ('requestIdleCallback' in window ? requestIdleCallback(() => resolve(), { timeout: MONACO_IDLE_WAIT_MS }) : setTimeout(resolve, 0)));
    void idle.then(() => import('./monaco-setup.ts')).then(({ monaco, editorTheme }) => {
      if (disposed || !host.current) return;
      const model = monaco.editor.createModel(value, language, uri ? monaco.Uri.parse(uri) : undefined);
      editor = monaco.editor.create(host.current, { model, theme: editorTheme(), minimap: { enabled: false }, automaticLayout: true, scrollBeyondLastLine: false, fontSize: 13, ariaLabel: label, tabSize: 2 });
      editor.onDidChangeModelContent(() => changed.current(editor!.getValue()));
      host.current.querySelector('textarea')?.setAttribute('aria-describedby', hintId);
      onReady?.(editor, monaco);
    });
    return () => {
      disposed = true;
      el?.removeEventListener('keydown', onKeyDown, true);
      editor?.getModel()?.dispose();
      editor?.dispose();
    };
    // The editor owns its text after mount; `value` seeds it once.
  }, []);
  return (
    <>
      <div ref={host} role="group" aria-label={label} style={{ height, border: '1px solid var(--border)', borderRadius: 6 }} />
      <p id={hintId} className="muted keys-hint" data-testid="editor-keys-hint">
        {focusEscapeHint('editor')} (Ctrl+M switches Tab between indenting and moving focus.)
      </p>
    </>
  );
}
