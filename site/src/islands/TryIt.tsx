// The try-it panel: fill parameters, edit the body (Monaco), send — over the WebSocket (default) or REST for
// playground operations; for the sample app, from the `curl` workload inside the mesh (sendRequest) — and see
// status, headers, body, latency, and for in-mesh requests the serving pod, retries and peer identity.
import { useState } from 'react';
import { playground, PlaygroundError, showConnectionState } from '../client/playground-client.ts';
import type { OperationId, Schemas } from '../../../openapi/types.ts';
import { CodeEditor } from './CodeEditor.tsx';

interface Param { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required: boolean; description?: string; schema: { type?: unknown; enum?: unknown[] } }
export interface TryItModel {
  spec: 'playground' | 'bookinfo';
  id: string;
  method: string;
  path: string;
  parameters: Param[];
  hasBody: boolean;
  example: { path: Record<string, string>; query: Record<string, string>; headers: Record<string, string>; body?: unknown };
  stream: boolean;
  restOnly: boolean;
  serviceUrl?: string;
}

interface Shown {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
  events: string[];
  mesh?: { from: string; servedBy: string | null; retries: number | null; peerIdentity: string | null };
}

const pretty = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};

function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, n: string) => encodeURIComponent(values[n] ?? ''));
}

let chipShown = false;

export function TryIt({ model }: { model: TryItModel }) {
  if (!chipShown) {
    chipShown = true;
    showConnectionState();
    // The page's session panel asks describeSession again once the connection (maybe a new session) is ready.
    playground.onChange((c) => c.state === 'ready' && document.dispatchEvent(new CustomEvent('pg-session')));
  }
  const initial: Record<string, string> = {};
  for (const p of model.parameters) initial[`${p.in}:${p.name}`] = (p.in === 'path' ? model.example.path[p.name] : p.in === 'query' ? model.example.query[p.name] : model.example.headers[p.name]) ?? '';
  const [values, setValues] = useState(initial);
  const [body, setBody] = useState(model.example.body === undefined ? '' : JSON.stringify(model.example.body, null, 2));
  const [transport, setTransport] = useState<'ws' | 'rest'>(model.restOnly ? 'rest' : 'ws');
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState('');

  const of = (where: string) => Object.fromEntries(model.parameters.filter((p) => p.in === where && values[`${where}:${p.name}`] !== '').map((p) => [p.name, values[`${where}:${p.name}`]]));

  async function send(): Promise<void> {
    setBusy(true);
    setError('');
    setShown(null);
    const started = performance.now();
    try {
      let parsedBody: unknown;
      if (model.hasBody && body.trim()) {
        try {
          parsedBody = JSON.parse(body);
        } catch (err) {
          throw new Error(`the body is not valid JSON: ${(err as Error).message}`);
        }
      }
      const query = new URLSearchParams(of('query')).toString();
      const path = fillPath(model.path, of('path')) + (query ? `?${query}` : '');
      if (model.spec === 'bookinfo') {
        const headers: Record<string, string> = { ...of('header'), ...(parsedBody !== undefined ? { 'content-type': 'application/json' } : {}) };
        const r = await playground.call('sendRequest', { url: `${model.serviceUrl}${path}`, method: model.method as Schemas['HttpMethod'], headers, ...(parsedBody !== undefined ? { body: JSON.stringify(parsedBody) } : {}) });
        setShown({ status: r.status, statusText: '', headers: r.headers, body: pretty(r.body) + (r.bodyTruncated ? '\n… (truncated)' : ''), latencyMs: r.latencyMs, events: [], mesh: { from: `${r.from.workload} (${r.from.pod})`, servedBy: r.servedBy, retries: r.retries, peerIdentity: r.peerIdentity } });
      } else if (transport === 'rest') {
        await playground.start();
        const res = await fetch(path, { method: model.method, headers: parsedBody !== undefined ? { 'content-type': 'application/json' } : {}, body: parsedBody !== undefined ? JSON.stringify(parsedBody) : undefined });
        const text = await res.text();
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k] = v));
        const lines = model.stream ? text.split('\n').filter(Boolean) : [];
        setShown({ status: res.status, statusText: res.statusText, headers, body: model.stream ? lines.map(pretty).join('\n') : pretty(text), latencyMs: performance.now() - started, events: [] });
      } else {
        const events: string[] = [];
        const params = { ...of('path'), ...of('query'), ...(parsedBody && typeof parsedBody === 'object' ? parsedBody : {}) };
        try {
          const result = await playground.call(model.id as OperationId, params as never, { onEvent: (e) => events.push(JSON.stringify(e)) });
          setShown({ status: 200, statusText: 'result', headers: {}, body: typeof result === 'string' ? result : JSON.stringify(result, null, 2), latencyMs: performance.now() - started, events });
        } catch (err) {
          if (!(err instanceof PlaygroundError) || err.code === 0) throw err;
          setShown({ status: err.code, statusText: err.reason, headers: {}, body: JSON.stringify({ code: err.code, reason: err.reason, message: err.message, details: err.details }, null, 2), latencyMs: performance.now() - started, events });
        }
      }
    } catch (err) {
      setError(err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="try-it" data-testid="try-it">
      <form onSubmit={(e) => { e.preventDefault(); void send(); }}>
        {model.parameters.length > 0 && (
          <div className="form-grid">
            {model.parameters.map((p) => {
              const key = `${p.in}:${p.name}`;
              const id = `tryit-${p.in}-${p.name}`;
              return (
                <div key={key}>
                  <label htmlFor={id}>{p.name} ({p.in}{p.required ? ', required' : ''})</label>
                  {Array.isArray(p.schema.enum) ? (
                    <select id={id} value={values[key]} onChange={(e) => setValues({ ...values, [key]: e.target.value })}>
                      {!p.required && <option value="">(none)</option>}
                      {p.schema.enum.map((v) => <option key={String(v)} value={String(v)}>{String(v)}</option>)}
                    </select>
                  ) : (
                    <input id={id} value={values[key]} required={p.required} onChange={(e) => setValues({ ...values, [key]: e.target.value })} />
                  )}
                </div>
              );
            })}
          </div>
        )}
        {model.hasBody && (
          <div style={{ marginTop: '.6rem' }}>
            <div className="runnable-label">Body (JSON)</div>
            <CodeEditor value={body} language="json" label="Request body" height="12rem" onChange={setBody} />
          </div>
        )}
        <div className="runnable-bar" style={{ marginTop: '.6rem' }}>
          {model.spec === 'playground' && !model.restOnly && (
            <div className="field">
              <label htmlFor="tryit-transport">Send over</label>
              <select id="tryit-transport" value={transport} onChange={(e) => setTransport(e.target.value as 'ws' | 'rest')}>
                <option value="ws">WebSocket</option>
                <option value="rest">REST</option>
              </select>
            </div>
          )}
          <button type="submit" className="btn" disabled={busy}>{busy ? 'Sending…' : 'Send'}</button>
        </div>
      </form>
      {error && <p className="fail" role="alert">{error}</p>}
      {shown && (
        <div className="panel" data-testid="try-it-response" aria-live="polite">
          <p>
            <strong className={shown.status < 400 ? 'pass' : 'fail'} data-testid="try-it-status">{shown.status}</strong> {shown.statusText}{' '}
            <span className="muted">· {shown.latencyMs.toFixed(1)} ms</span>
          </p>
          {shown.mesh && (
            <dl className="kv" data-testid="try-it-mesh">
              <dt>sent from</dt><dd>{shown.mesh.from}</dd>
              <dt>served by</dt><dd>{shown.mesh.servedBy ?? 'not reported'}</dd>
              <dt>retries</dt><dd>{shown.mesh.retries ?? 'not reported'}</dd>
              <dt>peer identity</dt><dd><code>{shown.mesh.peerIdentity ?? 'not reported'}</code></dd>
            </dl>
          )}
          {Object.keys(shown.headers).length > 0 && (
            <details>
              <summary>Headers ({Object.keys(shown.headers).length})</summary>
              <pre>{Object.entries(shown.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
            </details>
          )}
          {shown.events.length > 0 && (
            <details open>
              <summary>Events ({shown.events.length})</summary>
              <pre>{shown.events.join('\n')}</pre>
            </details>
          )}
          <pre data-testid="try-it-body" tabIndex={0} aria-label="Response body" style={{ maxHeight: '24rem' }}>{shown.body}</pre>
        </div>
      )}
    </div>
  );
}
