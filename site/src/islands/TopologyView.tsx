// The session's live topology (services → workloads, routes and splits with their weights) and golden
// metrics per deployment, refreshed every few seconds while the page is visible.
import { useEffect, useState } from 'react';
import { playground } from '../client/playground-client.ts';
import type { Schemas } from '../../../openapi/types.ts';

const REFRESH_MS = 3000;

function WeightBar({ backends }: { backends: Schemas['TopologyBackend'][] }) {
  const total = backends.reduce((s, b) => s + b.weight, 0) || 1;
  return (
    <div>
      {backends.map((b) => (
        <div key={b.name} style={{ display: 'flex', gap: '.5rem', alignItems: 'center' }}>
          <span style={{ width: '9rem' }}>{b.name}</span>
          <span style={{ flex: 1, background: 'var(--bg-soft)', border: '1px solid var(--border)', height: '.8rem', borderRadius: 3 }}>
            <span style={{ display: 'block', height: '100%', width: `${(b.weight / total) * 100}%`, background: 'var(--accent)' }} />
          </span>
          <span style={{ width: '3.5rem', textAlign: 'right' }}>{Math.round((b.weight / total) * 100)}%</span>
        </div>
      ))}
    </div>
  );
}

function Graph({ topo }: { topo: Schemas['Topology'] }) {
  const rowH = 26;
  const services = topo.services;
  const workloads = topo.workloads;
  const height = Math.max(services.length, workloads.length) * rowH + 20;
  const wy = new Map(workloads.map((w, i) => [w.name, 20 + i * rowH]));
  return (
    // Drawn at its natural size (600 px): scaled to the column it was unreadable on a phone and oversized on a
    // desktop; a narrow screen scrolls it sideways inside its own box instead.
    <div className="table-wrap" tabIndex={0}>
    <svg className="chart topology-graph" width={600} height={height} viewBox={`0 0 600 ${height}`} role="img" aria-label={`Topology: ${services.length} services, ${workloads.length} workloads`}>
      {services.map((s, i) => s.workloads.map((w) => wy.has(w) && <line key={`${s.name}-${w}`} x1={190} y1={20 + i * rowH - 4} x2={380} y2={wy.get(w)! - 4} stroke="var(--border)" />))}
      {services.map((s, i) => <text key={s.name} x={185} y={20 + i * rowH} textAnchor="end">{s.name} ▸</text>)}
      {workloads.map((w) => (
        <text key={w.name} x={385} y={wy.get(w.name)}>
          {w.meshed ? '◆ ' : '◇ '}{w.name} {w.available}/{w.replicas}
        </text>
      ))}
    </svg>
    </div>
  );
}

export default function TopologyView() {
  const [topo, setTopo] = useState<Schemas['Topology'] | null>(null);
  const [stat, setStat] = useState<Schemas['MeshStat'] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      if (!document.hidden) {
        try {
          const [t, s] = await Promise.all([playground.call('getTopology', {}), playground.call('getMeshStat', { resource: 'deployments' })]);
          if (stopped) return;
          setTopo(t);
          setStat(s);
          setError('');
        } catch (err) {
          if (!stopped) setError((err as Error).message);
        }
      }
      if (!stopped) timer = setTimeout(tick, REFRESH_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  if (!topo) return <p className="muted" role="status">{error ? `Waiting for the sandbox… (${error})` : 'Loading the topology…'}</p>;
  return (
    <div data-testid="topology">
      {error && <p className="fail" role="status">Refresh failed: {error}</p>}
      <Graph topo={topo} />
      <p className="muted">◆ meshed (has a sidecar) · ◇ not meshed</p>
      <h3>Routes and splits</h3>
      {topo.routes.length === 0 && topo.splits.length === 0 && <p className="muted">No HTTPRoute or TrafficSplit yet: each Service balances over all its pods.</p>}
      {topo.routes.map((r) => (
        <div key={`${r.kind}/${r.name}`} className="panel">
          <strong>{r.kind}/{r.name}</strong> <span className="muted">on {r.parents.join(', ')}</span>
          {r.rules.map((rule, i) => <WeightBar key={i} backends={rule.backends} />)}
        </div>
      ))}
      {topo.splits.map((s) => (
        <div key={s.name} className="panel">
          <strong>TrafficSplit/{s.name}</strong> <span className="muted">for {s.service}</span>
          <WeightBar backends={s.backends} />
        </div>
      ))}
      <h3>Golden metrics</h3>
      <div className="table-wrap" tabIndex={0}>
        <table data-testid="golden-metrics">
          <thead><tr><th scope="col">Deployment</th><th scope="col">Requests</th><th scope="col">Success</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
          <tbody>
            {(stat?.rows ?? []).map((r) => (
              <tr key={r.name}>
                <td>{r.name}</td>
                <td>{r.requests}</td>
                <td>{r.successRate === null ? '—' : `${(r.successRate * 100).toFixed(1)}%`}</td>
                <td>{r.latencyMs.p50 ?? '—'}</td>
                <td>{r.latencyMs.p95 ?? '—'}</td>
                <td>{r.latencyMs.p99 ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
