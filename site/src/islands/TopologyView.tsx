// The session's live topology (services → workloads, calls seen in live traffic, routes and splits with their
// weights) and golden metrics per deployment, refreshed every few seconds while the page is visible. Lists and
// tables that scroll in their own box, so it reads at 375 px; every metric column names its unit.
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
          <span style={{ flex: '0 1 9rem', minWidth: 0, overflowWrap: 'anywhere' }}>{b.name}</span>
          <span style={{ flex: 1, background: 'var(--bg-soft)', border: '1px solid var(--border)', height: '.8rem', borderRadius: 3 }}>
            <span style={{ display: 'block', height: '100%', width: `${(b.weight / total) * 100}%`, background: 'var(--accent)' }} />
          </span>
          <span style={{ width: '3.5rem', textAlign: 'right' }}>{Math.round((b.weight / total) * 100)}%</span>
        </div>
      ))}
    </div>
  );
}

/** Services and the workloads they select, as lists that reflow on a phone (a drawn graph clipped at 375 px). */
function ServiceMap({ topo }: { topo: Schemas['Topology'] }) {
  const byName = new Map(topo.workloads.map((w) => [w.name, w]));
  const selected = new Set(topo.services.flatMap((s) => s.workloads));
  const workload = (name: string) => {
    const w = byName.get(name);
    return (
      <li key={name} className="topology-workload">
        <span aria-hidden="true">{w?.meshed ? '◆' : '◇'}</span> {name}{' '}
        <span className="muted">{w ? `${w.available}/${w.replicas} ready${w.meshed ? '' : ', not meshed'}` : ''}</span>
      </li>
    );
  };
  const alone = topo.workloads.filter((w) => !selected.has(w.name));
  return (
    <ul className="topology-services" aria-label={`${topo.services.length} services, ${topo.workloads.length} workloads`}>
      {topo.services.map((s) => (
        <li key={s.name} className="topology-service">
          <strong>{s.name}</strong> <span className="muted">Service ▸</span>
          <ul>{s.workloads.length ? s.workloads.map(workload) : <li className="muted">selects no Deployment</li>}</ul>
        </li>
      ))}
      {alone.length > 0 && (
        <li className="topology-service">
          <span className="muted">No Service</span>
          <ul>{alone.map((w) => workload(w.name))}</ul>
        </li>
      )}
    </ul>
  );
}

/** Who called whom, with request counts, from the meshed callers' proxies. */
function CallEdges({ edges }: { edges: Schemas['TopologyEdge'][] }) {
  if (!edges.length) return <p className="muted">No calls seen yet: send some traffic (<code>curl http://productpage:9080/productpage</code> in the terminal) and the calls between workloads appear here.</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Call edges">
      <table data-testid="call-edges" className="metric-table reflow">
        <thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Requests (count)</th><th scope="col">Failed (%)</th></tr></thead>
        <tbody>
          {edges.map((e) => (
            <tr key={`${e.from}>${e.to}>${e.service ?? ''}`}>
              <td>{e.from}</td>
              <td className="span">→ {e.to}{e.service && e.service !== e.to ? <span className="muted"> via {e.service}</span> : null}</td>
              <td className="num" data-label="Requests (count)">{e.requests}</td>
              <td className="num" data-label="Failed (%)">{e.requests ? ((e.failures / e.requests) * 100).toFixed(1) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
      <ServiceMap topo={topo} />
      <p className="muted">◆ meshed (has a sidecar) · ◇ not meshed</p>
      <h3>Calls</h3>
      <CallEdges edges={topo.edges ?? []} />
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
        <table data-testid="golden-metrics" className="metric-table reflow">
          <thead><tr><th scope="col">Deployment</th><th scope="col">Requests (count)</th><th scope="col">Success (%)</th><th scope="col">p50 (ms)</th><th scope="col">p95 (ms)</th><th scope="col">p99 (ms)</th></tr></thead>
          <tbody>
            {(stat?.rows ?? []).map((r) => (
              <tr key={r.name}>
                <td>{r.name}</td>
                <td className="num" data-label="Requests (count)">{r.requests}</td>
                <td className="num" data-label="Success (%)">{r.successRate === null ? '—' : (r.successRate * 100).toFixed(1)}</td>
                <td className="num" data-label="p50 (ms)">{r.latencyMs.p50 ?? '—'}</td>
                <td className="num" data-label="p95 (ms)">{r.latencyMs.p95 ?? '—'}</td>
                <td className="num" data-label="p99 (ms)">{r.latencyMs.p99 ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
