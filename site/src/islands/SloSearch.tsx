// The adaptive search of a run started with a latency objective: the rate found, why it stopped, and every step
// (each a full run of its own), so a learner sees how the highest rate meeting the objective was found.
import type { Schemas } from '../../../openapi/types.ts';

/** The server's grammar (loadgen/slo.ts), checked here only to say early what it will refuse; the server judges. */
const CLAUSE = /^(p50|p90|p99|p999|p99\.9|errors)\s*<=\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|%)?$/;

/** null when the objective looks well-formed, else the same message the server gives. */
export function sloProblem(text: string): string | null {
  const clauses = text.split(/,|\s+and\s+/).map((c) => c.trim()).filter(Boolean);
  if (!clauses.length) return 'slo is empty';
  const bad = clauses.find((c) => !CLAUSE.test(c));
  return bad ? `slo: clause ${JSON.stringify(bad)} is not understood (use p50|p90|p99|p999<=N ms|s and errors<=N%, joined by ",")` : null;
}

export default function SloSearch({ who, search }: { who: string; search: NonNullable<Schemas['Benchmark']['slo']> }) {
  return (
    <div data-testid="bench-slo">
      <h3>Adaptive search of {who}: {search.objective}</h3>
      <p data-testid="bench-slo-found">
        {search.foundRps === null ? 'No rate tried met the objective' : <>Highest rate that met it: <strong>{search.foundRps} rps</strong></>}
        {search.missedRps !== null && <> · lowest that missed: {search.missedRps} rps</>} · stopped: {search.stoppedBecause}
      </p>
      {search.foundRps !== null && (
        <p className="muted">A lower bound of the capacity: each step is one run, and one noisy step ends the ramp early — repeat the search to confirm.</p>
      )}
      <div className="table-wrap" tabIndex={0}><table>
        <caption className="muted">Steps (each a full run with generator Jobs of its own)</caption>
        <thead><tr><th scope="col">Step</th><th scope="col">Phase</th><th scope="col">Asked (rps)</th><th scope="col">Achieved (rps)</th><th scope="col">Observed</th><th scope="col">Failed</th><th scope="col">Met?</th></tr></thead>
        <tbody>
          {search.steps.map((s) => (
            <tr key={s.step}>
              <td>{s.step}</td>
              <td>{s.phase}</td>
              <td>{s.requestedRps}</td>
              <td>{s.actualRps}</td>
              <td>{Object.entries(s.observedMs ?? {}).map(([k, v]) => `${k} ${v === null ? '—' : `${v} ms`}`).join(', ') || '—'}</td>
              <td>{s.failed} ({s.errorPercent}%)</td>
              <td>{s.met ? 'yes' : `no${s.missed.length ? ` (${s.missed.join(', ')})` : ''}`}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
    </div>
  );
}
