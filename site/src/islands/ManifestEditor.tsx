// The manifest editor: Monaco with monaco-yaml, validating and completing against the JSON Schema generated
// at build time from the sandbox's own schemas; Apply sends it (applyResources) and puts any error at its line.
import { useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import { parseAllDocuments, isMap, isSeq, type Document, type Node } from 'yaml';
import { playground, PlaygroundError } from '../client/playground-client.ts';
import { CodeEditor } from './CodeEditor.tsx';

const STARTER = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: reviews
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: reviews
    port: 9080
  rules:
  - backendRefs:
    - name: reviews-v1
      port: 9080
      weight: 90
    - name: reviews-v2
      port: 9080
      weight: 10
`;
const MODEL_URI = 'file:///session/manifest.yaml';

interface Located { line: number; message: string }

/** `spec.rules[0].backendRefs[1].weight` → ['spec','rules',0,'backendRefs',1,'weight']. */
function pathOf(field: string): (string | number)[] {
  return field.split('.').flatMap((part) => {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    return [...(m[1] ? [m[1]] : []), ...[...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
  });
}

function nodeLine(text: string, doc: Document, path: (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let last = node as Node | null;
  for (const key of path) {
    if (isMap(node)) node = node.get(key, true);
    else if (isSeq(node) && typeof key === 'number') node = node.get(key, true);
    else break;
    if (node) last = node as Node;
  }
  const offset = last?.range?.[0];
  return offset === undefined ? undefined : text.slice(0, offset).split('\n').length;
}

/** Put the server's complaint at the line it is about: manifest[i].field paths and Kubernetes causes. */
export function locateErrors(text: string, err: PlaygroundError): Located[] {
  const docs = parseAllDocuments(text);
  const arr = Array.isArray(docs) ? docs : [];
  const fields = (err.details?.fields as { field: string; message: string }[] | undefined) ?? [];
  // A Kubernetes Status's causes arrive under details.kubernetes (the cluster's own details, passed through).
  const kube = err.details?.kubernetes as { causes?: { field?: string; message?: string }[] } | undefined;
  const causes = (err.details?.causes as { field?: string; message?: string }[] | undefined) ?? kube?.causes ?? [];
  const object = typeof err.details?.object === 'string' ? err.details.object : '';
  const objectDoc = arr.findIndex((d) => {
    const js = d.toJS() as { kind?: string; metadata?: { name?: string } } | null;
    return js && object.includes(`${js.kind}`) && object.includes(`${js.metadata?.name}`);
  });
  const out: Located[] = [];
  for (const f of fields) {
    const m = /^manifest\[(\d+)\]\.?(.*)$/.exec(f.field);
    const doc = m ? arr[Number(m[1])] : arr[0];
    out.push({ line: (doc && nodeLine(text, doc, m?.[2] ? pathOf(m[2]) : [])) ?? 1, message: `${f.field}: ${f.message}` });
  }
  for (const c of causes) {
    const doc = arr[objectDoc >= 0 ? objectDoc : 0];
    out.push({ line: (doc && c.field ? nodeLine(text, doc, pathOf(c.field)) : undefined) ?? 1, message: `${c.field ?? ''} ${c.message ?? ''}`.trim() });
  }
  if (!out.length) {
    // No structured causes: the first field path the message names (`spec.rules[0].backendRefs[0].weight: …`).
    const doc = arr[objectDoc >= 0 ? objectDoc : 0];
    const named = /\b((?:spec|metadata|data)(?:\.[A-Za-z0-9_-]+(?:\[\d+\])*)+)/.exec(err.message)?.[1];
    out.push({ line: (doc && nodeLine(text, doc, named ? pathOf(named) : [])) ?? 1, message: err.message });
  }
  return out;
}

export default function ManifestEditor() {
  const [text, setText] = useState(STARTER);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; lines: string[] } | null>(null);
  const editor = useRef<{ e: Monaco.editor.IStandaloneCodeEditor; m: typeof Monaco } | null>(null);

  async function onReady(e: Monaco.editor.IStandaloneCodeEditor, m: typeof Monaco): Promise<void> {
    editor.current = { e, m };
    const [{ configureMonacoYaml }, schema] = await Promise.all([import('monaco-yaml'), fetch('/schemas/manifest.schema.json').then((r) => r.json())]);
    configureMonacoYaml(m as never, { enableSchemaRequest: false, validate: true, completion: true, hover: true, schemas: [{ fileMatch: ['**/manifest.yaml'], uri: `${location.origin}/schemas/manifest.schema.json`, schema }] });
  }

  function mark(errors: Located[]): void {
    const ed = editor.current;
    if (!ed) return;
    const model = ed.e.getModel();
    if (!model) return;
    ed.m.editor.setModelMarkers(model, 'apply', errors.map((x) => ({ severity: ed.m.MarkerSeverity.Error, message: x.message, startLineNumber: x.line, endLineNumber: x.line, startColumn: 1, endColumn: model.getLineMaxColumn(x.line) })));
    if (errors[0]) ed.e.revealLineInCenter(errors[0].line);
  }

  async function apply(dryRun: boolean): Promise<void> {
    setBusy(true);
    mark([]);
    try {
      const r = await playground.call('applyResources', { manifest: text, dryRun });
      setStatus({ ok: true, lines: r.applied.map((o) => `${o.kind.toLowerCase()}/${o.name} ${dryRun ? 'valid (dry run)' : 'applied'}`) });
    } catch (err) {
      if (err instanceof PlaygroundError && err.code !== 0) {
        const located = locateErrors(text, err);
        mark(located);
        setStatus({ ok: false, lines: [`${err.reason}: ${err.message}`, ...located.map((l) => `line ${l.line}: ${l.message}`)] });
      } else setStatus({ ok: false, lines: [(err as Error).message] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div data-testid="manifest-editor">
      <CodeEditor value={STARTER} language="yaml" uri={MODEL_URI} label="Manifest editor (YAML)" height="22rem" onChange={setText} onReady={(e, m) => void onReady(e, m)} />
      <div className="runnable-bar" style={{ marginTop: '.5rem' }}>
        <button type="button" className="btn" disabled={busy} onClick={() => void apply(false)}>Apply</button>
        <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void apply(true)}>Validate (dry run)</button>
      </div>
      {status && <pre role="status" data-testid="apply-status" className={status.ok ? 'pass' : 'fail'}>{status.lines.join('\n')}</pre>}
    </div>
  );
}
