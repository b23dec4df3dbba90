// Try it on a kind: a reference page's worked example, editable in place (Monaco with the kind's schema), dry-run
// and applied against the learner's sandbox (server-side errors at their line), the object's status conditions as
// the controllers report them, the effect — requests sent through the mesh from the session's curl workload, counted
// by the Deployment that served them — and Undo, which puts back each object as it was before the apply (or deletes
// it when it did not exist). The client keeps the previous objects; the server needs no extra operation.
import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import { parseAllDocuments } from 'yaml';
import { playground, PlaygroundError, showConnectionState } from '../client/playground-client.ts';
import { CodeEditor } from './CodeEditor.tsx';
import { locateServerErrors, type LocatedError } from './kind-try-it-lines.ts';
import { conditionsOf, intendedSplits, requestTargetOf, resourceName, restorable, tally, targetUrl, workloadOfPod, type KindExample, type KubeObjectLike, type ShownCondition } from './kind-try-it-model.ts';

/** How long the panel waits for the controllers to report status after an apply. */
const STATUS_WAIT_MS = 10_000;
const STATUS_POLL_MS = 400;
/** A kind whose controllers write no conditions (SMI, most Istio kinds) is given up on sooner. */
const NO_STATUS_WAIT_MS = 3_000;
/** Most requests one click sends (each is a real request through the mesh). */
export const MAX_REQUESTS = 20;
const DEFAULT_REQUESTS = 6;

interface Outcome {
  ok: boolean;
  text: string;
  errors: LocatedError[];
}
/** One object as it was before an apply: `previous` null when it did not exist. */
interface Snapshot {
  resource: string;
  kind: string;
  name: string;
  previous: KubeObjectLike | null;
}
interface Sent {
  status: number | 'error';
  pod: string | null;
  backend: string | null;
  error?: string;
}

let chipShown = false;
let yamlSchemas: Promise<{ update(kind: string, apiVersion: string): Promise<void> }> | undefined;

type JsonSchema = Record<string, unknown>;
const fetchJson = (url: string) => fetch(url).then((r) => (r.ok ? (r.json() as Promise<JsonSchema>) : undefined), () => undefined);

/** The kind's branch of the manifest editor's schema (built-in kinds and the few CRDs it covers). */
async function manifestBranch(kind: string, apiVersion: string): Promise<JsonSchema | undefined> {
  const manifest = (await fetchJson('/schemas/manifest.schema.json')) as { allOf?: { if?: { properties?: { kind?: { const?: string } } }; then?: JsonSchema }[] } | undefined;
  return manifest?.allOf?.find((b) => b.if?.properties?.kind?.const === kind && (b.then?.properties as { apiVersion?: { const?: string } } | undefined)?.apiVersion?.const === apiVersion)?.then;
}

/**
 * monaco-yaml is configured once per page; each kind adds its schema: the reference data's own
 * (/schemas/kinds/<group>/<kind>.json), else its branch of the manifest schema. A kind with neither is still checked
 * by the server on Dry run.
 */
function kindSchemas(m: typeof Monaco) {
  return (yamlSchemas ??= (async () => {
    const { configureMonacoYaml } = await import('monaco-yaml');
    const yaml = configureMonacoYaml(m as never, { enableSchemaRequest: false, validate: true, completion: true, hover: true, schemas: [] });
    const schemas: { fileMatch: string[]; uri: string; schema: JsonSchema }[] = [];
    return {
      async update(kind: string, apiVersion: string) {
        const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
        const uri = `${location.origin}/schemas/kinds/${group || 'core'}/${kind.toLowerCase()}.json`;
        if (schemas.some((s) => s.uri === uri)) return;
        const schema = (group ? await fetchJson(uri) : undefined) ?? (await manifestBranch(kind, apiVersion));
        if (!schema) return;
        schemas.push({ fileMatch: [`**/${group || 'core'}/${kind}.try-it.yaml`], uri, schema });
        await yaml.update({ enableSchemaRequest: false, validate: true, completion: true, hover: true, schemas });
      },
    };
  })());
}

/** The objects a manifest names (for the snapshot Undo needs); undefined when it does not parse. */
function objectsOf(text: string): KubeObjectLike[] | undefined {
  try {
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [];
    if (list.some((d) => d.errors.length)) return undefined;
    return list.map((d) => d.toJS() as KubeObjectLike).filter((o) => o && typeof o === 'object' && o.kind && o.metadata?.name && o.apiVersion);
  } catch {
    return undefined;
  }
}

const describeError = (err: unknown) => (err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : (err as Error).message);
const isNotFound = (err: unknown) => err instanceof PlaygroundError && err.code === 404;

export function KindTryIt({ example }: { example: KindExample }) {
  const [text, setText] = useState(example.yaml);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [conflict, setConflict] = useState(false);
  const [undo, setUndo] = useState<Snapshot[][]>([]);
  const [conditions, setConditions] = useState<{ object: string; list: ShownCondition[]; waiting: boolean }[] | null>(null);
  const [url, setUrl] = useState(() => {
    const first = objectsOf(example.yaml)?.[0];
    const t = first && requestTargetOf(first);
    return t ? targetUrl(t) : '';
  });
  const [urlEdited, setUrlEdited] = useState(false);
  const [count, setCount] = useState(DEFAULT_REQUESTS);
  const [sent, setSent] = useState<Sent[] | null>(null);
  const [intended, setIntended] = useState<ReturnType<typeof intendedSplits>>([]);
  const editor = useRef<{ e: Monaco.editor.IStandaloneCodeEditor; m: typeof Monaco } | null>(null);
  const pollRun = useRef(0);
  const podOwners = useRef(new Map<string, string>());
  const ids = `kti-${example.id}`;

  useEffect(() => {
    if (!chipShown) {
      chipShown = true;
      showConnectionState();
    }
    // The session (created on first use, with the sample apps) starts while Monaco loads.
    void playground.start();
    return () => void (pollRun.current = -1);
  }, []);

  function onReady(e: Monaco.editor.IStandaloneCodeEditor, m: typeof Monaco): void {
    editor.current = { e, m };
    void kindSchemas(m).then((s) => s.update(example.kind, example.apiVersion));
  }

  function mark(errors: LocatedError[]): void {
    const ed = editor.current;
    const model = ed?.e.getModel();
    if (!ed || !model) return;
    const last = model.getLineCount();
    ed.m.editor.setModelMarkers(
      model,
      'sandbox',
      errors.map((x) => {
        const line = Math.min(Math.max(1, x.line), last);
        return { severity: ed.m.MarkerSeverity.Error, source: 'sandbox', message: x.message, startLineNumber: line, endLineNumber: line, startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1, endColumn: model.getLineMaxColumn(line) };
      }),
    );
    if (errors[0]) ed.e.revealLineInCenterIfOutsideViewport(errors[0].line);
  }

  function reveal(line: number): void {
    const ed = editor.current;
    if (!ed) return;
    ed.e.revealLineInCenter(line);
    ed.e.setPosition({ lineNumber: line, column: 1 });
    ed.e.focus();
  }

  function failed(err: unknown, what: string): void {
    if (err instanceof PlaygroundError && err.code !== 0) {
      const located = locateServerErrors(text, err);
      mark(located);
      setConflict(err.code === 409);
      setOutcome({ ok: false, text: `${what} refused — ${err.reason}: ${err.message}`, errors: located });
    } else setOutcome({ ok: false, text: `${what} failed — ${describeError(err)}`, errors: [] });
  }

  async function dryRun(): Promise<void> {
    setBusy('dry');
    mark([]);
    try {
      const r = await playground.call('applyResources', { manifest: text, dryRun: true });
      setConflict(false);
      setOutcome({ ok: true, text: `Dry run: the sandbox accepts ${r.applied.map((o) => `${o.kind.toLowerCase()}/${o.name}`).join(', ')} (nothing was changed).`, errors: [] });
    } catch (err) {
      failed(err, 'Dry run');
    } finally {
      setBusy(null);
    }
  }

  const resourceOf = (o: KubeObjectLike) => resourceName(o.apiVersion ?? '', o.kind === example.kind ? example.plural : (o.kind ?? ''));

  /** Each object's current state, so Undo can put it back. */
  async function snapshot(objects: KubeObjectLike[]): Promise<Snapshot[]> {
    return Promise.all(
      objects.map(async (o) => {
        const resource = resourceOf(o);
        const name = o.metadata!.name!;
        try {
          const current = (await playground.call('getResource', { resource, name })) as KubeObjectLike;
          return { resource, kind: o.kind!, name, previous: restorable(current) };
        } catch (err) {
          if (isNotFound(err)) return { resource, kind: o.kind!, name, previous: null };
          throw err;
        }
      }),
    );
  }

  async function apply(force = false): Promise<void> {
    setBusy('apply');
    mark([]);
    const objects = objectsOf(text);
    let before: Snapshot[] = [];
    try {
      before = objects ? await snapshot(objects) : [];
      const r = await playground.call('applyResources', { manifest: text, dryRun: false, force });
      setConflict(false);
      setUndo((u) => [...u, before]);
      setOutcome({ ok: true, text: `Applied ${r.applied.map((o) => `${o.kind.toLowerCase()}/${o.name}`).join(', ')}${force ? ' (taking over fields other managers owned)' : ''}.`, errors: [] });
      const first = objects?.[0];
      const target = first && requestTargetOf(first);
      if (target && !urlEdited) setUrl(targetUrl(target.port ? target : { ...target, port: await servicePort(target.host) }));
      setIntended((objects ?? []).filter((o) => o.kind === example.kind).flatMap(intendedSplits));
      void watchStatus(objects ?? []);
    } catch (err) {
      // Objects written before one failed (the server names them) can still be undone.
      const written = err instanceof PlaygroundError ? (err.details?.appliedBeforeFailure as { kind: string; name: string }[] | undefined) : undefined;
      const undoable = before.filter((b) => written?.some((w) => w.kind === b.kind && w.name === b.name));
      if (undoable.length) setUndo((u) => [...u, undoable]);
      failed(err, 'Apply');
    } finally {
      setBusy(null);
    }
  }

  async function servicePort(host: string): Promise<number | undefined> {
    try {
      const svc = (await playground.call('getResource', { resource: 'services', name: host })) as { spec?: { ports?: { port?: number }[] } };
      return svc.spec?.ports?.[0]?.port;
    } catch {
      return undefined;
    }
  }

  /** Poll the applied objects of this page's kind until the controllers report on their current generation. */
  async function watchStatus(objects: KubeObjectLike[]): Promise<void> {
    const run = ++pollRun.current;
    const watched = objects.filter((o) => o.kind === example.kind);
    if (!watched.length) return setConditions(null);
    const started = Date.now();
    const deadline = started + STATUS_WAIT_MS;
    for (;;) {
      const found = await Promise.all(
        watched.map(async (o) => {
          const object = `${o.kind} ${o.metadata!.name}`;
          try {
            const list = conditionsOf((await playground.call('getResource', { resource: resourceOf(o), name: o.metadata!.name! })) as KubeObjectLike);
            return { object, list, waiting: list.length ? list.some((c) => !c.current) : Date.now() - started < NO_STATUS_WAIT_MS };
          } catch (err) {
            return { object, list: [{ parent: '', type: 'Error', status: 'Unknown', reason: '', message: describeError(err), current: true }], waiting: false };
          }
        }),
      );
      if (run !== pollRun.current) return;
      const waiting = found.some((f) => f.waiting);
      const timedOut = Date.now() >= deadline;
      setConditions(found.map((f) => ({ ...f, waiting: f.waiting && !timedOut })));
      if (!waiting || timedOut) return;
      await new Promise((r) => setTimeout(r, STATUS_POLL_MS));
    }
  }

  async function undoLast(): Promise<void> {
    const last = undo[undo.length - 1];
    if (!last) return;
    setBusy('undo');
    mark([]);
    try {
      const restore = last.filter((s) => s.previous);
      if (restore.length) await playground.call('applyResources', { manifest: restore.map((s) => JSON.stringify(s.previous)).join('\n---\n'), force: true });
      for (const s of last.filter((x) => !x.previous)) {
        try {
          await playground.call('deleteResource', { resource: s.resource, name: s.name });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      setUndo((u) => u.slice(0, -1));
      setOutcome({ ok: true, text: `Undone: ${last.map((s) => `${s.kind.toLowerCase()}/${s.name} ${s.previous ? 'restored as it was' : 'deleted (it did not exist before)'}`).join(', ')}.`, errors: [] });
      const restored = last.filter((s) => s.previous).map((s) => s.previous!);
      setIntended(restored.filter((o) => o.kind === example.kind).flatMap(intendedSplits));
      if (restored.length) void watchStatus(restored);
      else {
        pollRun.current++;
        setConditions(null);
      }
    } catch (err) {
      setOutcome({ ok: false, text: `Undo failed — ${describeError(err)}`, errors: [] });
    } finally {
      setBusy(null);
    }
  }

  async function backendOf(pod: string | null): Promise<string | null> {
    if (!pod) return null;
    const known = podOwners.current.get(pod);
    if (known) return known;
    try {
      const owner = workloadOfPod((await playground.call('getResource', { resource: 'pods', name: pod })) as KubeObjectLike);
      podOwners.current.set(pod, owner);
      return owner;
    } catch {
      return pod;
    }
  }

  async function send(): Promise<void> {
    setBusy('send');
    setSent([]);
    const n = Math.min(Math.max(1, Math.floor(count) || 1), MAX_REQUESTS);
    const results: Sent[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const r = await playground.call('sendRequest', { url, method: 'GET' });
        results.push({ status: r.status, pod: r.servedBy, backend: await backendOf(r.servedBy) });
      } catch (err) {
        results.push({ status: 'error', pod: null, backend: null, error: describeError(err) });
        // A refused URL (wrong host, bad address) fails the same way every time.
        if (err instanceof PlaygroundError && err.code >= 400 && err.code < 500) break;
      }
      setSent([...results]);
    }
    setBusy(null);
  }

  const objects = objectsOf(text);
  const undoTarget = undo[undo.length - 1];
  return (
    <div className="kind-try-it panel" data-testid="kind-try-it" aria-labelledby={`${ids}-h`}>
      <h4 id={`${ids}-h`} style={{ marginTop: 0 }}>Try it in your sandbox</h4>
      <CodeEditor value={example.yaml} language="yaml" uri={`file:///try-it/${example.id}/${example.apiVersion.includes('/') ? example.apiVersion.slice(0, example.apiVersion.lastIndexOf('/')) : 'core'}/${example.kind}.try-it.yaml`} label={`${example.title} (editable YAML)`} height={`${Math.min(30, Math.max(8, example.yaml.split('\n').length * 1.25 + 1))}rem`} onChange={setText} onReady={onReady} />
      <div className="runnable-bar">
        <button type="button" className="btn btn-secondary" disabled={busy !== null} onClick={() => void dryRun()}>{busy === 'dry' ? 'Checking…' : 'Dry run'}</button>
        <button type="button" className="btn" disabled={busy !== null} onClick={() => void apply()}>{busy === 'apply' ? 'Applying…' : 'Apply'}</button>
        <button type="button" className="btn btn-secondary" disabled={busy !== null || text === example.yaml} onClick={() => { editor.current?.e.setValue(example.yaml); mark([]); }}>Reset the example</button>
        {conflict && <button type="button" className="btn btn-secondary" disabled={busy !== null} onClick={() => void apply(true)}>Apply and take over the fields</button>}
        <button type="button" className="btn btn-secondary" disabled={busy !== null || !undoTarget} onClick={() => void undoLast()} title={undoTarget ? `Put back ${undoTarget.map((s) => `${s.kind}/${s.name}`).join(', ')} as before the last apply` : 'Nothing applied from this panel yet'}>
          {busy === 'undo' ? 'Undoing…' : `Undo${undo.length > 1 ? ` (${undo.length})` : ''}`}
        </button>
      </div>

      <div role="status" aria-live="polite" data-testid="kind-try-it-outcome" data-outcome={outcome ? (outcome.ok ? 'ok' : 'error') : undefined}>
        {outcome && <p className={outcome.ok ? 'pass' : 'fail'} style={{ overflowWrap: 'anywhere' }}>{outcome.text}</p>}
        {outcome && outcome.errors.length > 0 && (
          <ul data-testid="kind-try-it-errors">
            {outcome.errors.map((e, i) => (
              <li key={i} data-line={e.line} data-field={e.field} style={{ overflowWrap: 'anywhere' }}>
                <button type="button" className="icon-btn" onClick={() => reveal(e.line)}>line {e.line}</button> {e.message}
              </li>
            ))}
          </ul>
        )}
      </div>

      {conditions && (
        <section aria-label="Status conditions" data-testid="kind-try-it-conditions">
          <h5 style={{ margin: '.8rem 0 .3rem' }}>Status</h5>
          {conditions.map((c) => (
            <div key={c.object}>
              <p style={{ margin: '.2rem 0' }}><code>{c.object}</code>{c.waiting && <span className="muted"> — waiting for the controllers…</span>}</p>
              {c.list.length === 0 && !c.waiting && <p className="muted">No status conditions reported for this object.</p>}
              <ul>
                {c.list.map((x, i) => (
                  <li key={i} data-condition={x.type} data-status={x.status} data-parent={x.parent} style={{ overflowWrap: 'anywhere' }}>
                    {x.parent && <span className="muted">{x.parent}: </span>}
                    <strong className={x.status === 'True' ? 'pass' : x.status === 'False' ? 'fail' : ''}>{x.type}={x.status}</strong>
                    {x.reason && ` (${x.reason})`}{x.message && ` — ${x.message}`}{!x.current && <span className="muted"> (an older generation)</span>}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      )}

      <section aria-label="Effect through the mesh" data-testid="kind-try-it-effect">
        <h5 style={{ margin: '.8rem 0 .3rem' }}>Effect</h5>
        <form className="runnable-bar" onSubmit={(e) => { e.preventDefault(); void send(); }}>
          <label htmlFor={`${ids}-url`}>GET from the <code>curl</code> workload to</label>
          <input id={`${ids}-url`} value={url} placeholder="http://reviews:9080/" size={28} maxLength={2048} required onChange={(e) => { setUrl(e.target.value); setUrlEdited(true); }} style={{ minWidth: 0, maxWidth: '100%' }} />
          <label htmlFor={`${ids}-n`}>requests</label>
          <input id={`${ids}-n`} type="number" min={1} max={MAX_REQUESTS} value={count} onChange={(e) => setCount(Number(e.target.value))} style={{ width: '4.5rem' }} />
          <button type="submit" className="btn" disabled={busy !== null || !url}>{busy === 'send' ? 'Sending…' : 'Send'}</button>
        </form>
        {intended.length > 0 && (
          <p className="muted" data-testid="kind-try-it-intended" style={{ overflowWrap: 'anywhere' }}>
            The applied {example.kind} asks for: {intended.map((r) => `${intended.length > 1 ? `${r.rule}: ` : ''}${r.shares.map(([n, p]) => `${n} ${p}%`).join(' · ')}`).join('; ')}
          </p>
        )}
        {sent && (
          <div data-testid="kind-try-it-served" aria-live="polite">
            <p>{sent.length} sent; served by:</p>
            <ul>
              {tally(sent.filter((s) => s.status !== 'error').map((s) => s.backend)).map(([backend, n]) => (
                <li key={backend} data-backend={backend} data-count={n}>
                  <strong>{backend}</strong> — {n} of {sent.length} ({Math.round((n / sent.length) * 100)}%){backend !== 'not reported' && <span className="muted"> (Deployment)</span>}
                </li>
              ))}
            </ul>
            <p className="muted" style={{ overflowWrap: 'anywhere' }}>
              Statuses: {tally(sent.map((s) => String(s.status))).map(([s, n]) => `${s} ×${n}`).join(', ')}
              {sent.find((s) => s.pod) && <> · last pod <code>{[...sent].reverse().find((s) => s.pod)?.pod}</code></>}
            </p>
            {sent.filter((s) => s.error).slice(0, 1).map((s, i) => <p key={i} className="fail" style={{ overflowWrap: 'anywhere' }}>{s.error}</p>)}
          </div>
        )}
      </section>
      {!objects && <p className="muted">The YAML does not parse yet; Dry run shows where.</p>}
    </div>
  );
}
