// Monaco, loaded only by islands that edit text (try-it bodies, the manifest editor): the editor core, the
// JSON and YAML languages, their workers (bundled by Vite as ES-module workers) and monaco-yaml for
// schema-driven YAML validation and completion.
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import 'monaco-editor/esm/vs/language/json/monaco.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/yaml/yaml.contribution.js';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker';
import YamlWorker from 'monaco-yaml/yaml.worker.js?worker';

(self as unknown as { MonacoEnvironment: { getWorker(id: string, label: string): Worker } }).MonacoEnvironment = {
  getWorker(_id, label) {
    if (label === 'json') return new JsonWorker();
    if (label === 'yaml') return new YamlWorker();
    return new EditorWorker();
  },
};

export const editorTheme = () => (document.documentElement.dataset.theme === 'dark' ? 'vs-dark' : 'vs');
document.addEventListener('pg-theme', () => monaco.editor.setTheme(editorTheme()));

export { monaco };
