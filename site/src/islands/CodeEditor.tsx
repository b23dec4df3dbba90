// A Monaco editor as a React component; Monaco itself is imported when the component first mounts.
import { useEffect, useRef } from 'react';
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';

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
  changed.current = onChange;
  useEffect(() => {
    let editor: Monaco.editor.IStandaloneCodeEditor | undefined;
    let disposed = false;
    void import('./monaco-setup.ts').then(({ monaco, editorTheme }) => {
      if (disposed || !host.current) return;
      const model = monaco.editor.createModel(value, language, uri ? monaco.Uri.parse(uri) : undefined);
      editor = monaco.editor.create(host.current, { model, theme: editorTheme(), minimap: { enabled: false }, automaticLayout: true, scrollBeyondLastLine: false, fontSize: 13, ariaLabel: label, tabSize: 2 });
      editor.onDidChangeModelContent(() => changed.current(editor!.getValue()));
      onReady?.(editor, monaco);
    });
    return () => {
      disposed = true;
      editor?.getModel()?.dispose();
      editor?.dispose();
    };
    // The editor owns its text after mount; `value` seeds it once.
  }, []);
  return <div ref={host} role="group" aria-label={label} style={{ height, border: '1px solid var(--border)', borderRadius: 6 }} />;
}
