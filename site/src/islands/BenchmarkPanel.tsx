// The benchmarks page: a form, live progress (rps, p99), then the percentile spectrum, the histogram, the
// SMP summary with success rate and errors by status class, an overlay of two runs with their differences, and
// strict SMP / fortio / playground-document JSON export — all through the playground's ops. The form chooses the
// protocol too (HTTP/1.1, HTTP/2, gRPC) and every run shows the one it spoke, so runs that differ in it are not read
// as runs that differ only in the mesh. The overlay's curves come from each run's fortio export (its histogram
// buckets): compareBenchmarks answers summaries and deltas only, so it supplies the comparison row, not the curves.
import { useEffect, useState } from 'react';
import { playground, PlaygroundError } from '../client/playground-client.ts';
import type { Schemas } from '../../../openapi/types.ts';
import { LatencyHistogram, PercentileSpectrum, type Bucket, type Series } from './charts.tsx';
import MeshMarkNote from './MeshMarkNote.tsx';
import { errorsByClassText } from '../lib/benchmarks/errors-by-class.ts';
import SloSearch, { sloProblem } from './SloSearch.tsx';

interface FortioDoc { DurationHistogram?: { Data: Bucket[] | null } }
const COLORS = ['var(--chart-a)', 'var(--chart-b)'];
const PRESETS = [
  { label: 'meshed: httpbin, sidecar on', url: 'http://httpbin:8000/get', sidecar: true },
  { label: 'direct: httpbin-direct, sidecar off', url: 'http://httpbin-direct:8000/get', sidecar: false },
];
const MAX_GENERATORS = 4;
/** startBenchmark's per-session limit on `streams` (its description in openapi/playground.yaml; the server enforces it). */
const MAX_STREAMS = 16;
/** The method a gRPC run calls when none is named: the standard health check, as fortio's `-grpc` calls (startBenchmark's grpcMethod). */
const GRPC_HEALTH_CHECK = '/grpc.health.v1.Health/Check';

type Protocol = NonNullable<Schemas['StartBenchmarkRequest']['protocol']>;
/** Every protocol startBenchmark takes (the generated enum: a protocol added there fails the type check until it is here). */
const PROTOCOLS = {
  http1: { name: 'HTTP/1.1', hint: 'One request at a time on each connection: what most web traffic and httpbin speak.' },
  h2: { name: 'HTTP/2 (h2c)', hint: 'Several requests at once on each connection, each on its own stream; cleartext, without TLS (h2c).' },
  grpc: { name: 'gRPC', hint: 'Unary gRPC calls over HTTP/2, fortio-style health/ping load: the target must be a gRPC server.' },
} satisfies Record<Protocol, { name: string; hint: string }>;
const PROTOCOL_ORDER = Object.keys(PROTOCOLS) as Protocol[];

interface FormState { url: string; from: string; rps: string; durationSeconds: string; warmupSeconds: string; connections: string; generators: string; sidecar: boolean; label: string; slo: string; protocol: Protocol; streams: string; grpcMethod: string }
type TextField = Exclude<keyof FormState, 'sidecar' | 'protocol'>;

/** The same run as a terminal line (the `bench` built-in), so the page teaches the command too. */
function benchLine(f: FormState): string {
  const parts = ['bench', '-c', f.connections || '4'];
  if (f.rps.trim()) parts.push('--rps', f.rps.trim());
  parts.push('-t', f.durationSeconds || '5');
  if (Number(f.warmupSeconds) > 0) parts.push('--warmup', f.warmupSeconds);
  if (Number(f.generators) > 1) parts.push('-g', f.generators);
  if (!f.sidecar) parts.push('--no-sidecar');
  if (f.protocol !== 'http1') parts.push(f.protocol === 'h2' ? '--h2' : '--grpc');
  if (f.protocol !== 'http1' && Number(f.streams) > 1) parts.push('--streams', f.streams);
  if (f.protocol === 'grpc' && f.grpcMethod.trim() && f.grpcMethod.trim() !== GRPC_HEALTH_CHECK) parts.push('--grpc-method', f.grpcMethod.trim());
  if (f.slo.trim()) parts.push('--slo', `'${f.slo.trim()}'`);
  parts.push(f.url);
  return parts.join(' ');
}

const runName = (r: Schemas['Benchmark']) => r.label || `${r.sidecar === false ? 'direct' : 'meshed'} ${r.from ?? 'curl'}`;
/** The protocol a run spoke: absent on runs recorded before it was chosen (HTTP/1.1), unknown on an imported one. */
const protocolOf = (r: Schemas['Benchmark']): Protocol | undefined => r.protocol ?? (r.imported ? undefined : 'http1');

/** 'HTTP/1.1', 'HTTP/2 · 4 streams/conn', 'gRPC · 1 stream/conn' ('protocol not recorded' for an import without it). */
function protocolLabel(r: Schemas['Benchmark']): string {
  const p = protocolOf(r);
  if (!p) return 'protocol not recorded';
  const name = p === 'h2' ? 'HTTP/2' : PROTOCOLS[p].name;
  return p === 'http1' ? name : `${name} · ${r.streams ?? 1} stream${(r.streams ?? 1) === 1 ? '' : 's'}/conn`;
}

/**
 * Why two runs' numbers differ by more than the mesh: a different protocol or streams per connection (null: neither,
 * or an import that did not record its protocol: its row says so).
 */
function wireDifference(a: Schemas['Benchmark'], b: Schemas['Benchmark']): string | null {
  const [pa, pb] = [protocolOf(a), protocolOf(b)];
  if (!pa || !pb) return null;
  if (pa !== pb) return `different protocols (${protocolLabel(b)} against ${protocolLabel(a)})`;
  if (pa !== 'http1' && (a.streams ?? 1) !== (b.streams ?? 1)) return `different streams per connection (${b.streams ?? 1} against ${a.streams ?? 1})`;
  return null;
}

/** The form field a server error names (details.fields[].field of ValidationFailed, details.limit of LimitExceeded). */
function erroredField(err: PlaygroundError): string | null {
  const fields = err.details?.fields as { field?: string }[] | undefined;
  const name = fields?.[0]?.field ?? (typeof err.details?.limit === 'string' ? err.details.limit : null);
  return name ? name.replace(/^\//, '').split(/[/.[]/)[0] : null;
}

const signed = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v > 0 ? '+' : ''}${+v.toFixed(3)}`);

/** '80%' of requests answered 2xx (gRPC: OK, SERVING for the health check; '—' before a result). */
function successRate(s: Schemas['BenchmarkSummary'] | null | undefined): string {
  if (!s || s.successRate === undefined) return '—';
  return s.successRate === null ? 'n/a' : `${Math.round(s.successRate * 10000) / 100}%`;
}

/** Runs grouped by the mesh they went through ('sandbox v1', 'istio 1.24.2', 'none (no sidecar)', 'not recorded'). */
function byMesh(runs: Schemas['Benchmark'][]): [string, Schemas['Benchmark'][]][] {
  const groups = new Map<string, Schemas['Benchmark'][]>();
  for (const r of runs) {
    const key = !r.mesh ? 'not recorded' : r.mesh.name === 'none' ? 'none (no sidecar)' : `${r.mesh.name} ${r.mesh.version}`.trim();
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups];
}

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
  const [form, setForm] = useState<FormState>({ url: q.get('url') ?? PRESETS[0].url, from: q.get('from') ?? 'curl', rps: '100', durationSeconds: '5', warmupSeconds: '0', connections: '4', generators: '1', sidecar: q.get('sidecar') !== 'false', label: q.get('label') ?? '', slo: q.get('slo') ?? '', protocol: (PROTOCOL_ORDER as string[]).includes(q.get('protocol') ?? '') ? (q.get('protocol') as Protocol) : 'http1', streams: '1', grpcMethod: GRPC_HEALTH_CHECK });
  const [comparison, setComparison] = useState<Schemas['BenchmarkComparison'] | null>(null);
  const [progress, setProgress] = useState<Schemas['BenchmarkProgress'] | null>(null);
  const [running, setRunning] = useState<AbortController | null>(null);
  const [error, setError] = useState('');
  /** The form field the last server error named, marked invalid and described by the error. */
  const [badField, setBadField] = useState<string | null>(null);
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
      // An imported fortio/SMP run has no histogram to draw; it shows in the summary and the comparison only.
      const noHistogram = run?.imported && run.imported.format !== 'playground';
      return { label: `${run ? runName(run) : ''} ${id}`.trim(), color: COLORS[i], buckets: noHistogram ? [] : await bucketsOf(id) };
    })).then((s) => live && setSeries(s.filter((x) => x.buckets.length))).catch((err) => live && setError((err as Error).message));
    // Two runs: b relative to a, with the direct (or older) run as the baseline a.
    const pair = ids.map((id) => runs.find((r) => r.id === id)).filter((r): r is Schemas['Benchmark'] => !!r);
    if (pair.length === 2) {
      const [a, b] = pair[0].sidecar === false || (pair[1].sidecar !== false && pair[0].startedAt < pair[1].startedAt) ? pair : [pair[1], pair[0]];
      void playground.call('compareBenchmarks', { a: a.id, b: b.id }).then((c) => live && setComparison(c), () => live && setComparison(null));
    } else setComparison(null);
    return () => { live = false; };
  }, [selected.join(','), runs.length]);

  async function importRun(form: HTMLFormElement): Promise<void> {
    setError('');
    const data = new FormData(form);
    const file = data.get('file');
    const text = file instanceof File && file.size ? await file.text() : String(data.get('text') ?? '');
    try {
      const document = JSON.parse(text) as Record<string, unknown>;
      const label = String(data.get('label') ?? '').trim();
      const b = await playground.call('importBenchmark', { format: data.get('format') as Schemas['ImportBenchmarkRequest']['format'], document, ...(label ? { label } : {}) });
      await refresh();
      setSelected((s) => [b.id, ...s.filter((x) => x !== b.id)].slice(0, 2));
    } catch (err) {
      setError(err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : `import: ${(err as Error).message}`);
    }
  }

  async function start(): Promise<void> {
    setError('');
    setBadField(null);
    setProgress(null);
    const slo = form.slo.trim();
    const problem = slo ? sloProblem(slo) : null;
    if (problem) return setError(problem);
    const ctl = new AbortController();
    setRunning(ctl);
    try {
      const params: Record<string, unknown> = { url: form.url, from: form.from, connections: Number(form.connections), durationSeconds: Number(form.durationSeconds), generators: Number(form.generators), sidecar: form.sidecar };
      if (form.rps.trim()) params.rps = Number(form.rps);
      if (Number(form.warmupSeconds) > 0) params.warmupSeconds = Number(form.warmupSeconds);
      if (form.label.trim()) params.label = form.label.trim();
      if (slo) params.slo = slo;
      if (form.protocol !== 'http1') {
        params.protocol = form.protocol;
        params.streams = Number(form.streams);
      }
      if (form.protocol === 'grpc' && form.grpcMethod.trim()) params.grpcMethod = form.grpcMethod.trim();
      const b = await playground.call('startBenchmark', params as Schemas['StartBenchmarkRequest'], { signal: ctl.signal, onEvent: setProgress });
      if (b.status !== 'completed') setError(`run ${b.id} ${b.status}${b.error ? `: ${b.error}` : ''}`);
      await refresh();
      setSelected((s) => [b.id, ...s.filter((x) => x !== b.id)].slice(0, 2));
    } catch (err) {
      setError(err instanceof PlaygroundError ? `${err.reason}: ${err.message}` : (err as Error).message);
      if (err instanceof PlaygroundError) setBadField(erroredField(err));
    } finally {
      setRunning(null);
    }
  }

  const field = (name: TextField, label: string, type = 'text', limits: { min?: number; max?: number } = {}, help?: string) => (
    <div className={name === 'url' || name === 'streams' || name === 'grpcMethod' ? 'wide' : undefined}>
      <label htmlFor={`bench-${name}`}>{label}</label>
      <input id={`bench-${name}`} type={type} {...limits} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })}
        aria-invalid={badField === name || undefined}
        aria-describedby={[help ? `bench-${name}-help` : '', badField === name ? 'bench-error' : ''].filter(Boolean).join(' ') || undefined} />
      {help && <p id={`bench-${name}-help`} className="field-help">{help}</p>}
    </div>
  );
  const inFlight = (Number(form.connections) || 0) * (Number(form.streams) || 0);
  const duration = Number(form.durationSeconds) || 1;
  const shownRuns = selected.map((id) => runs.find((r) => r.id === id)).filter((r): r is Schemas['Benchmark'] => !!r);

  return (
    <div data-testid="benchmarks">
      <form className="panel" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <p>
          Presets:{' '}
          {PRESETS.map((p) => <button key={p.label} type="button" className="btn btn-secondary" style={{ marginRight: '.4rem' }} onClick={() => setForm({ ...form, url: p.url, sidecar: p.sidecar, label: p.label.split(':')[0] })}>{p.label}</button>)}
        </p>
        <div className="form-grid">
          {field('url', 'Target URL (a Service of your session)')}
          {field('from', 'Identity (ServiceAccount of this Deployment)')}
          <fieldset className="protocol-field" data-testid="bench-protocol-choice">
            <legend>Protocol the generators speak</legend>
            <div className="choices">
              {PROTOCOL_ORDER.map((p) => (
                <div key={p} className="choice">
                  <input id={`bench-protocol-${p}`} type="radio" name="bench-protocol" value={p} checked={form.protocol === p} aria-describedby={`bench-protocol-${p}-hint`} onChange={() => setForm({ ...form, protocol: p })} />
                  <label htmlFor={`bench-protocol-${p}`}>{PROTOCOLS[p].name}</label>
                  <p id={`bench-protocol-${p}-hint`} className="field-help">{PROTOCOLS[p].hint}</p>
                </div>
              ))}
            </div>
            {form.protocol !== 'http1' && (
              <div className="form-grid wire-fields">
                {field('streams', `Streams per connection (HTTP/2, 1–${MAX_STREAMS})`, 'number', { min: 1, max: MAX_STREAMS },
                  `HTTP/2 carries several requests on one connection at the same time, each on its own stream. At most connections × streams requests are in flight${inFlight ? ` (here ${inFlight})` : ''}.`)}
                {form.protocol === 'grpc' && field('grpcMethod', 'gRPC method (/package.Service/Method)', 'text', {},
                  `Default: the standard health check, as fortio's -grpc load calls it (a healthy server answers SERVING). The target must serve gRPC on a Service port named grpc (or http2); httpbin speaks HTTP only, so every call to it fails.`)}
              </div>
            )}
          </fieldset>
          {field('rps', 'Rate (requests/s; empty = max)', 'number', { min: 1, max: 2000 })}
          {field('durationSeconds', 'Duration (s, ≤ 60)', 'number', { min: 1, max: 60 })}
          {field('warmupSeconds', 'Warm-up (s, not recorded, ≤ 10)', 'number', { min: 0, max: 10 })}
          {field('connections', 'Connections (≤ 64)', 'number', { min: 1, max: 64 })}
          {field('generators', `Generator pods (1–${MAX_GENERATORS})`, 'number', { min: 1, max: MAX_GENERATORS })}
          {field('label', 'Label')}
          {field('slo', 'Latency objective (optional: find the highest rate meeting it), e.g. p99<=10ms,errors<=1%')}
          <div className="checkbox-field">
            <input id="bench-sidecar" type="checkbox" checked={form.sidecar} onChange={(e) => setForm({ ...form, sidecar: e.target.checked })} />
            <label htmlFor="bench-sidecar">Sidecar on the generator pods (untick for a direct, unmeshed client)</label>
          </div>
        </div>
        <p className="muted">
          The load comes from {Number(form.generators) > 1 ? `${form.generators} generator pods` : 'a generator pod'} started in your namespace for
          this run, {form.sidecar ? 'meshed like any other pod' : 'without a sidecar (requests go straight to the Service)'}, speaking {PROTOCOLS[form.protocol].name}. In the
          terminal: <code data-testid="bench-command">{benchLine(form)}</code>
        </p>
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
        {error && <p id="bench-error" className="fail" role="alert">{error}</p>}
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
            <thead><tr><th scope="col">Run</th><th scope="col">Requests (count)</th><th scope="col">Rate (req/s)</th><th scope="col">p50 (ms)</th><th scope="col">p90 (ms)</th><th scope="col">p99 (ms)</th><th scope="col">p99.9 (ms)</th><th scope="col">max (ms)</th><th scope="col">Success (2xx; gRPC OK)</th><th scope="col">Errors (by class)</th><th scope="col">Export</th></tr></thead>
            <tbody>
              {shownRuns.map((r) => (
                <tr key={r.id}>
                  <td>{runName(r)} <span className="badge tag nowrap" data-testid="bench-protocol">{protocolLabel(r)}</span> {r.imported && <span className="badge" data-testid="bench-imported">imported ({r.imported.format})</span>} <span className="muted">{r.id}</span></td>
                  <td>{r.summary?.requests ?? '—'}</td>
                  <td>{r.summary?.actualRps ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p50 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p90 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p99 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.p999 ?? '—'}</td>
                  <td>{r.summary?.latencyMs.max ?? '—'}</td>
                  <td data-testid="bench-success">{successRate(r.summary)}</td>
                  <td data-testid="bench-errors">{errorsByClassText(r.summary)}</td>
                  <td className="nowrap">
                    {(['smp', 'fortio', 'playground'] as const).map((f) => (
                      <button key={f} type="button" className="icon-btn" onClick={() => void playground.call('exportBenchmark', { id: r.id, format: f }).then((d) => download(`${r.id}.${f}.json`, d.document), (err) => setError((err as Error).message))}>{f.toUpperCase()}</button>
                    ))}
                  </td>
                </tr>
              ))}
              {comparison && comparison.deltas['latency.p50'] && (
                <tr data-testid="bench-delta">
                  <th scope="row">{runName(comparison.b)} − {runName(comparison.a)}{wireDifference(comparison.a, comparison.b) && <span className="badge tag">not like for like</span>}</th>
                  <td>—</td>
                  <td>{signed(comparison.deltas.actualRps?.delta as number | null)}</td>
                  {(['p50', 'p90', 'p99', 'p999', 'max'] as const).map((k) => {
                    const d = comparison.deltas[`latency.${k}`] as { delta: number | null; ratio: number | null };
                    return <td key={k}>{signed(d.delta)}{d.ratio !== null && <span className="muted"> ×{d.ratio}</span>}</td>;
                  })}
                  <td />
                  <td>{signed(comparison.deltas.errors?.delta as number | null)}</td>
                  <td />
                </tr>
              )}
            </tbody>
          </table></div>
          {comparison && wireDifference(comparison.a, comparison.b) && (
            <p className="warn-note" data-testid="bench-wire-mismatch">⚠ These two runs used {wireDifference(comparison.a, comparison.b)}: their difference includes the protocol, not only the mesh. Compare runs of one protocol to see what the mesh costs.</p>
          )}
          {shownRuns.flatMap((r) => (r.summary?.warnings ?? []).map((w) => <p key={`${r.id}${w}`} className="muted" data-testid="bench-warning">⚠ {runName(r)}: {w}</p>))}
          {shownRuns.map((r) => r.slo && <SloSearch key={`slo${r.id}`} who={runName(r)} search={r.slo} />)}
          {shownRuns.map((r) => r.meshmark && <MeshMarkNote key={`mm${r.id}`} who={runName(r)} mm={r.meshmark} />)}
          {comparison?.meshmark && <MeshMarkNote who={`the comparison (${comparison.meshmark.baselineId ?? 'no baseline'} as baseline)`} mm={comparison.meshmark} />}
        </section>
      )}
      <section className="panel" aria-labelledby="import-h">
        <h2 id="import-h">Import a result</h2>
        <p className="muted">fortio JSON, an SMP PerformanceTestResult, or a playground result document; it is marked imported and what it lacks is listed with it.</p>
        <form data-testid="bench-import" onSubmit={(e) => { e.preventDefault(); void importRun(e.currentTarget); }}>
          <label htmlFor="import-format">Format</label>{' '}
          <select id="import-format" name="format" defaultValue="fortio"><option value="fortio">fortio</option><option value="smp">smp</option><option value="playground">playground</option></select>{' '}
          <label htmlFor="import-label">Label</label> <input id="import-label" name="label" maxLength={200} />
          <div><label htmlFor="import-file">File</label> <input id="import-file" name="file" type="file" accept="application/json,.json" /></div>
          <div><label htmlFor="import-text">or paste the JSON</label><br /><textarea id="import-text" name="text" rows={4} style={{ width: '100%' }} /></div>
          <button type="submit" className="btn btn-secondary">Import</button>
        </form>
      </section>
      <section className="panel" aria-labelledby="runs-h">
        <h2 id="runs-h">Runs — pick two to compare</h2>
        {runs.length === 0 ? <p className="muted">No runs yet.</p> : byMesh(runs).map(([mesh, group]) => (
          <div key={mesh} data-testid="bench-mesh-group">
            <h3>Mesh: {mesh}</h3>
            <ul style={{ listStyle: 'none', padding: 0 }}>
              {group.map((r) => (
                <li key={r.id}>
                  <label>
                    <input type="checkbox" checked={selected.includes(r.id)} onChange={(e) => setSelected(e.target.checked ? [r.id, ...selected].slice(0, 2) : selected.filter((x) => x !== r.id))} />{' '}
                    {runName(r)}{r.imported ? ` · imported (${r.imported.tool ?? r.imported.format})` : ''} · {r.url} · sidecar {r.sidecar === false ? 'off' : 'on'} · {protocolLabel(r)}{r.generators && r.generators > 1 ? ` · ${r.generators} generators` : ''} · {r.status} {r.summary && `· p50 ${r.summary.latencyMs.p50} ms · p99 ${r.summary.latencyMs.p99} ms · ${successRate(r.summary)} ok`} <span className="muted">{r.id}</span>
                  </label>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
    </div>
  );
}
