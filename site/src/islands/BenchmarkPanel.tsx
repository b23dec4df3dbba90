// The benchmarks page: a form, live progress (rps, p99), then the percentile spectrum, the histogram, the
// SMP summary, an overlay of two runs, and SMP / fortio JSON export — all through the playground's ops.
import { useEffect, useState } from 'react';
import { playground, PlaygroundError } from '../client/playground-client.ts';
import type { Schemas } from '../client/api-types.ts';
import { LatencyHistogram, PercentileSpectrum, type Bucket, type Series } from './charts.tsx';

interface FortioDoc { DurationHistogram?: { Data: Bucket[] | null } }
const COLORS = ['var(--chart-a)', 'var(--chart-b)'];
const PRESETS = [
  { label: 'meshed: curl → httpbin', url: 'http://httpbin:8000/get', from: 'curl' },
  { label: 'direct: curl-direct → httpbin-direct', url: 'http://httpbin-direct:8000/get', from: 'curl-direct' },
];

async function bucketsOf(id: string): Promise<Bucket[]> {
  const exp = await playground.call('exportBenchmark', { id, format: 'fortio' });
  return ((exp.document as FortioDoc).DurationHistogram?.Data ?? []) as Bucket[];
}

function download(name: string, doc: unknown): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export default function BenchmarkPanel() {
  const q = new URLSearchParams(typeof location === 'undefined' ? '' : location.search);
  const [form, setForm] = useState({ url: q.get('url') ?? PRESETS[0].url, from: q.get('from') ?? 'curl', rps: '100', durationSeconds: '5', connections: '4', label: q.get('label') ?? '' });
  const [progress, setProgress] = useState<Schemas['BenchmarkProgress'] | null>(null);
  const [running, setRunning] = useState<AbortController | null>(null);
  const [error, setError] = useState('');
  const [runs, setRuns] = useState<Schemas['Benchmark'][]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [series, setSeries] = useState<Series[]>([]);

  const refresh = async () => setRuns((await playground.call('listBenchmarks', {})).items);
  useEffect(() => void refresh().catch(() => undefined), []);
  useEffect(() => {
    let live = true;
    const ids = selected.slice(0, 2);
    void Promise.all(ids.map(async (id, i) => {
      const run = runs.find((r) => r.id === id);
      return { label: `${run?.label || run?.from || ''} ${id}`.trim(), color: COLORS[i], buckets: await bucketsOf(id) };
    })).then((s) => live && setSeries(s.filter((x) => x.buckets.length))).catch((err) => live && setError((err as Error).message));
    return () => { live = false; };
  }, [selected.join(','), runs.length]);

  async function start(): Promise<void> {
    setError('');
    setProgress(null);
    const ctl = new AbortController();
    setRunning(ctl);
    try {
      const params: Record<string, unknown> = { url: form.url, from: form.from, connections: Number(form.connections), durationSeconds: Number(form.durationSeconds) };
      if (form.rps.trim()) params.rps = Number(form.rps);
      if (form.label.trim()) params.label = form.label.trim();
      const b = await playground.call('startBenchmark', params as Schemas['StartBenchmarkRequest'], { signal: ctl.signal, onEvent: setProgress });
      if (b.status !== 'completed') setError(`run ${b.id} ${b.status}${b.error ? `: ${b.error}` : ''}`);
      await refresh();
      setSelected((s) => [b.id, ...s.filter((x) => x !== b.id)].slice(0, 2));
    } catch (err) {
      setError(err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : (err as Error).message);
    } finally {
      setRunning(null);
    }
  }

  const field = (name: keyof typeof form, label: string, type = 'text') => (
    <div>
      <label htmlFor={`bench-${name}`}>{label}</label>
      <input id={`bench-${name}`} type={type} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </div>
  );
  const duration = Number(form.durationSeconds) || 1;
  const shownRuns = selected.map((id) => runs.find((r) => r.id === id)).filter((r): r is Schemas['Benchmark'] => !!r);

  return (
    <div data-testid="benchmarks">
      <form className="panel" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <p>
          Presets:{' '}
          {PRESETS.map((p) => <button key={p.label} type="button" className="btn btn-secondary" style={{ marginRight: '.4rem' }} onClick={() => setForm({ ...form, url: p.url, from: p.from, label: p.label.split(':')[0] })}>{p.label}</button>)}
        </p>
        <div className="form-grid">
          {field('url', 'Target URL (a Service of your session)')}
          {field('from', 'From workload (playground/curl)')}
          {field('rps', 'Rate (requests/s; empty = max)', 'number')}
          {field('durationSeconds', 'Duration (s, ≤ 60)', 'number')}
          {field('connections', 'Connections (≤ 64)', 'number')}
          {field('label', 'Label')}
        </div>
        <p className="muted">Generators: one per run (the session's client pod); the server runs the load loop inside your namespace.</p>
        <div className="runnable-bar">
          <button type="submit" className="btn" disabled={!!running}>{running ? 'Running…' : 'Run benchmark'}</button>
          {running && <button type="button" className="btn btn-secondary" onClick={() => running.abort()}>Cancel</button>}
        </div>
        {running && (
          <div role="status" aria-live="polite" data-testid="bench-progress">
            <progress max={duration} value={Math.min(duration, progress?.elapsedSeconds ?? 0)} aria-label="Benchmark progress" />
            <span>{progress ? `${progress.elapsedSeconds}s · ${progress.requests} requests · ${progress.rps ?? '—'} rps · p99 ${progress.p99Ms ?? '—'} ms · ${progress.errors} errors` : 'starting…'}</span>
          </div>
        )}
        {error && <p className="fail" role="alert">{error}</p>}
      </form>

      {series.length > 0 && (
        <div className="grid-2">
          <section className="panel" aria-labelledby="spectrum-h"><h2 id="spectrum-h">Percentile spectrum</h2><PercentileSpectrum series={series} /></section>
          <section className="panel" aria-labelledby="hist-h"><h2 id="hist-h">Latency histogram</h2><LatencyHistogram series={series} /></section>
        </div>
      )}
      {shownRuns.length > 0 && (
        <section className="panel" aria-labelledby="summary-h">
          <h2 id="summary-h">Summary (SMP latencies_ms)</h2>
          <div className="table-wrap" tabIndex={0}><table data-testid="bench-summary">
            <thead><tr><th scope="col">Run</th><th scope="col">Requests</th><th scope="col">rps</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">p99</th><th scope="col">p99.9</th><th scope="col">max</th><th scope="col">errors</th><th scope="col">Export</th></tr></thead>
            <tbody>
              {shownRuns.map((r) => (
                <tr key={r.id}>
                  <td>{r.label || r.from} <span className="muted">{r.id}</span></td>
                  <td>{r.summary?.requests ?? '—'}</td>
                  <td>{r.summary?.actualRps ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p50 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p90 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p99 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p999 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.max ?? '—'}</td>
                  <td>{r.summary?.errors ?? '—'}</td>
                  <td>
                    {(['smp', 'fortio'] as const).map((f) => (
                      <button key={f} type="button" className="icon-btn" onClick={() => void playground.call('exportBenchmark', { id: r.id, format: f }).then((d) => download(`${r.id}.${f}.json`, d.document), (err) => setError((err as Error).message))}>{f.toUpperCase()}</button>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table></div>
        </section>
      )}
      <section className="panel" aria-labelledby="runs-h">
        <h2 id="runs-h">Runs — pick two to compare</h2>
        {runs.length === 0 ? <p className="muted">No runs yet.</p> : (
          <ul style={{ listStyle: 'none', padding: 0 }}>
            {runs.map((r) => (
              <li key={r.id}>
                <label>
                  <input type="checkbox" checked={selected.includes(r.id)} onChange={(e) => setSelected(e.target.checked ? [r.id, ...selected].slice(0, 2) : selected.filter((x) => x !== r.id))} />{' '}
                  {r.label || r.from} · {r.url} · {r.status} {r.summary && `· p50 ${r.summary.latencyMs.p50} ms · p99 ${r.summary.latencyMs.p99} ms`} <span className="muted">{r.id}</span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
