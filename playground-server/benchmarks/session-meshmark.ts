// MeshMark of session runs (loadgen/meshmark.ts; the method in loadgen/meshmark.md). A MeshMark weighs a meshed
// run against the same workload without the mesh, so a session's meshed run is scored against an un-meshed run
// (generators without sidecars: `sidecar: false`, detected mesh "none") of the same workload: the same URL, or the
// session's un-meshed copy of the target (`<service>-direct`, e.g. httpbin-direct beside httpbin: the same app,
// same path, no sidecar on either end). Against the same URL the target's own sidecar is on both paths, so that
// score covers the client side of the mesh only (a lower bound of its cost), said in the notes. Inputs are the runs' own summaries (success, corrected p99)
// and the namespace's CPU per successful request (`resources`, metrics.k8s.io); memory is left out (PodMetrics of
// a namespace whose pods stay deployed cannot separate the mesh's memory between two runs).
import type { Schemas } from '../api/types.js';
import { computeMeshMark, type ConfigurationCost } from '../loadgen/meshmark.js';

type Benchmark = Schemas['Benchmark'];
type BenchmarkMeshMark = Schemas['BenchmarkMeshMark'];

const meshed = (b: Benchmark): boolean => !!b.mesh && b.mesh.name !== 'none';
const unmeshed = (b: Benchmark): boolean => b.mesh?.name === 'none';
const scorable = (b: Benchmark): boolean => b.status === 'completed' && !!b.summary && !b.imported;
/** What the generators spoke ('http1', 'h2 × 4 streams', 'grpc × 1 stream'): a workload is the same only over the same wire. */
const wireOf = (b: Benchmark): string => {
  const p = b.protocol ?? 'http1';
  return p === 'http1' ? p : `${p} × ${b.streams ?? 1} stream${(b.streams ?? 1) === 1 ? '' : 's'}`;
};

function costOf(b: Benchmark): ConfigurationCost {
  const s = b.summary!;
  const sent = (s.requests ?? 0) + Object.values(s.transportErrors ?? {}).reduce((a, n) => a + n, 0);
  const successes = Object.entries(s.statusCodes).filter(([code]) => code.startsWith('2')).reduce((a, [, n]) => a + n, 0);
  return {
    name: `${b.id}${b.mesh ? ` (${b.mesh.name})` : ''}`,
    cpuMsPer1000Successes: b.resources?.namespaceCpuMsPer1kSuccesses ?? null,
    memoryBytes: null,
    sent,
    successes,
    successRps: s.actualRps * (s.successRate ?? 0),
    p99Ms: s.latencyMs.p99,
  };
}

/** The un-meshed copies the session provisions are named after the app they copy (sessions/manifests/httpbin-direct.yaml). */
const DIRECT_COPY_SUFFIX = '-direct';

/** 'same-url' | 'direct-copy' (the baseline ran against `<host>-direct`, the same path) | null (not the same workload). */
export function sameWorkload(baselineUrl: string, meshedUrl: string): 'same-url' | 'direct-copy' | null {
  if (baselineUrl === meshedUrl) return 'same-url';
  let b: URL, m: URL;
  try {
    [b, m] = [new URL(baselineUrl), new URL(meshedUrl)];
  } catch {
    return null;
  }
  const [bHost, ...bRest] = b.hostname.split('.');
  const [mHost, ...mRest] = m.hostname.split('.');
  const sameElse = b.protocol === m.protocol && b.port === m.port && b.pathname === m.pathname && b.search === m.search && bRest.join('.') === mRest.join('.');
  return sameElse && bHost === `${mHost}${DIRECT_COPY_SUFFIX}` ? 'direct-copy' : null;
}

/** MeshMark of `meshedRun` against `baseline` (an un-meshed run of the same workload, see sameWorkload). */
export function sessionMeshMark(baseline: Benchmark, meshedRun: Benchmark): BenchmarkMeshMark {
  const mm = computeMeshMark({ baseline: costOf(baseline), meshed: costOf(meshedRun) });
  const notes = mm.notes.filter((n) => !n.startsWith('memory:'));
  notes.push(
    sameWorkload(baseline.url, meshedRun.url) === 'direct-copy'
      ? `baseline ${baseline.id}: generators without sidecars against the un-meshed copy ${new URL(baseline.url).hostname}: no proxy on either end`
      : `baseline ${baseline.id}: the same URL from generators without sidecars; the target's own sidecar (if it has one) is on both paths, so this scores the client side of the mesh (a lower bound of its cost)`,
    'memory: left out (PodMetrics of a namespace whose pods stay deployed cannot separate the mesh\'s memory between two runs; `playground bench --mesh-overhead` measures it)',
  );
  if (baseline.resources?.namespaceCpuMsPer1kSuccesses == null || meshedRun.resources?.namespaceCpuMsPer1kSuccesses == null) {
    const why = [baseline, meshedRun].map((b) => b.resources?.reason).find(Boolean);
    notes.push(`compute: left out — ${why ?? 'a run has no CPU figure'}`);
  }
  return {
    score: mm.score === null ? null : Math.round(mm.score * 10) / 10,
    baselineId: baseline.id,
    classes: mm.classes.map((c) => ({ name: c.name, score: Math.round(c.score * 1000) / 1000, mues: c.mues.map((u) => ({ name: u.name, value: Math.round(u.value * 1000) / 1000, weight: u.weight, inputs: u.inputs })) })),
    notes: [...new Set(notes.filter((n) => !/^cpu: not measured/.test(n)))],
  };
}

/** The comparison's MeshMark when one side ran without the mesh and the other with it (same URL); else undefined. */
export function comparisonMeshMark(a: Benchmark, b: Benchmark): BenchmarkMeshMark | undefined {
  const pair = unmeshed(a) && meshed(b) ? [a, b] : unmeshed(b) && meshed(a) ? [b, a] : null;
  if (!pair) return undefined;
  const [base, mesh] = pair;
  if (!scorable(base) || !scorable(mesh)) return { score: null, baselineId: base.id, classes: [], notes: ['both runs must have completed to be scored'] };
  if (!sameWorkload(base.url, mesh.url)) return { score: null, baselineId: base.id, classes: [], notes: [`the runs measured different workloads (${base.url}, ${mesh.url}): a MeshMark weighs the same workload with and without the mesh (the same URL, or the session's un-meshed copy <service>${DIRECT_COPY_SUFFIX})`] };
  if (wireOf(base) !== wireOf(mesh)) return { score: null, baselineId: base.id, classes: [], notes: [`the runs spoke different protocols (${wireOf(base)} without the mesh, ${wireOf(mesh)} with it): a MeshMark weighs the same workload, protocol and streams included`] };
  return sessionMeshMark(base, mesh);
}

/**
 * Each completed meshed run with its MeshMark against the latest completed un-meshed run of the same workload over
 * the same protocol and streams (the un-meshed copy preferred: it has no proxy on either end), list order kept.
 */
export function withMeshMarks(runs: readonly Benchmark[]): Benchmark[] {
  const baselines = runs.filter((r) => unmeshed(r) && scorable(r)).sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  return runs.map((r) => {
    if (!meshed(r) || !scorable(r)) return r;
    const sameWire = baselines.filter((b) => wireOf(b) === wireOf(r));
    const base = sameWire.find((b) => sameWorkload(b.url, r.url) === 'direct-copy') ?? sameWire.find((b) => sameWorkload(b.url, r.url) === 'same-url');
    const wire = wireOf(r) === 'http1' ? '' : ` over ${wireOf(r)}`;
    const meshmark: BenchmarkMeshMark = base
      ? sessionMeshMark(base, r)
      : { score: null, baselineId: null, classes: [], notes: [`no un-meshed run of this workload${wire} in this session to weigh it against: run it with sidecar off${wire ? ', the same protocol and streams,' : ''} against its un-meshed copy (e.g. http://httpbin-direct:8000/get for httpbin) or the same URL`] };
    return { ...r, meshmark };
  });
}
