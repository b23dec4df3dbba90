// Monaco, loaded only by islands that edit text (try-it bodies, the manifest editor): the editor core and its
// everyday contributions, the JSON and YAML languages, their workers (bundled by Vite as ES-module workers) and monaco-yaml for
// schema-driven YAML validation and completion.
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
// editor.api.js is the bare core: the features a learner expects from an editor are contributions, picked
// here rather than all of editor.all.js — hover (marker and schema messages), F8 problem navigation,
// completion, find, comments, folding, bracket matching, clipboard, context menu and line/word editing.
import 'monaco-editor/esm/vs/editor/contrib/hover/browser/hoverContribution.js';
import 'monaco-editor/esm/vs/editor/contrib/gotoError/browser/gotoError.js';
import 'monaco-editor/esm/vs/editor/contrib/suggest/browser/suggestController.js';
import 'monaco-editor/esm/vs/editor/contrib/find/browser/findController.js';
import 'monaco-editor/esm/vs/editor/contrib/comment/browser/comment.js';
import 'monaco-editor/esm/vs/editor/contrib/folding/browser/folding.js';
import 'monaco-editor/esm/vs/editor/contrib/bracketMatching/browser/bracketMatching.js';
import 'monaco-editor/esm/vs/editor/contrib/clipboard/browser/clipboard.js';
import 'monaco-editor/esm/vs/editor/contrib/contextmenu/browser/contextmenu.js';
import 'monaco-editor/esm/vs/editor/contrib/linesOperations/browser/linesOperations.js';
import 'monaco-editor/esm/vs/editor/contrib/wordOperations/browser/wordOperations.js';
import 'monaco-editor/esm/vs/editor/contrib/multicursor/browser/multicursor.js';
import 'monaco-editor/esm/vs/editor/contrib/indentation/browser/indentation.js';
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
