// A run's (or a comparison's) MeshMark as the server computed it: score and classes, the baseline run, and what
// was left out and why. Runs without the mesh have none; a meshed run without an un-meshed baseline says so.
import type { Schemas } from '../../../openapi/types.ts';

type MeshMark = Schemas['BenchmarkMeshMark'];

export default function MeshMarkNote({ who, mm }: { who: string; mm: MeshMark }) {
  return (
    <div data-testid="bench-meshmark">
      <p>
        <strong>MeshMark of {who}</strong>{' '}
        {mm.score === null ? <>: n/a</> : <>: <span data-testid="bench-meshmark-score">{mm.score.toFixed(1)}</span> / 100</>}
        {mm.classes.length > 0 && <> ({mm.classes.map((c) => `${c.name} ${c.score.toFixed(2)}`).join(', ')})</>}
        {mm.baselineId && <span className="muted"> vs un-meshed run {mm.baselineId}</span>}{' '}
        <a href="https://smp-spec.io/meshmark" rel="noopener">what is MeshMark?</a>
      </p>
      <details>
        <summary>Inputs and what was left out</summary>
        <ul>
          {mm.classes.flatMap((c) => c.mues.map((u) => <li key={`${c.name}${u.name}`}>{c.name} · {u.name} MUE {u.value.toFixed(3)}: {u.inputs}</li>))}
          {mm.notes.map((n) => <li key={n} className="muted">{n}</li>)}
        </ul>
      </details>
    </div>
  );
}
