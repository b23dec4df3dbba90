// MeshMark, the Service Mesh Performance project's value/overhead index (smp-spec.io/meshmark), computed from
// measured runs. The definition and how each input is read here: meshmark.md beside this file. In short:
//
//   MUE (MeshMark Utilization Efficiency) = a resource's share that is left for the work you want, 0…1:
//     SMP's example is MUE_cpu = 1 − CPU utilization / 100. Here "utilization" is the data plane's share of what
//     the meshed workload spends per successful request: MUE = baseline cost / meshed cost (= 1 − mesh/total).
//   class score = Σ (MUE_i × weight_i) / #MUEs in the class          (weights in −50 % … +50 %, read as ×(1 + w))
//   MeshMark    = 100 × Σ class scores / #classes                     (0 … 100, clamped)

/** Where the definition comes from (the SMP site's MeshMark page and its formula figures). */
export const MESHMARK_DEFINITION_URL = 'https://smp-spec.io/meshmark';

/** SMP: "weight in range −50% : +50%". */
export const MESHMARK_WEIGHT_LIMIT = 0.5;

export const MUE_NAMES = ['cpu', 'memory', 'success', 'latency'] as const;
export type MueName = (typeof MUE_NAMES)[number];
export type UtilizationClass = 'compute' | 'memory' | 'value';

const CLASS_OF: Record<MueName, UtilizationClass> = { cpu: 'compute', memory: 'memory', success: 'value', latency: 'value' };

/** What one configuration cost and delivered over its measured window(s). */
export interface ConfigurationCost {
  name: string;
  /** CPU time spent per 1,000 successful (2xx) responses, ms; null when not measured. */
  cpuMsPer1000Successes: number | null;
  /** Memory the configuration's pods (and sidecars) occupy, bytes; null when not measured. */
  memoryBytes: number | null;
  /** Requests sent and 2xx responses received. */
  sent: number;
  successes: number;
  /** Successful responses per second (the value delivered per second). */
  successRps: number;
  /** Latency the client saw at p99, ms. */
  p99Ms: number;
}

export interface MeshMarkInputs {
  /** The same workload without the mesh. */
  baseline: ConfigurationCost;
  /** The workload with the mesh (the configuration being scored). */
  meshed: ConfigurationCost;
  /** Per-MUE weights in −0.5 … +0.5 (0 when absent: every MUE counts as measured). */
  weights?: Partial<Record<MueName, number>>;
}

export interface MueResult {
  name: MueName;
  /** 0 … 1, 1 best. */
  value: number;
  weight: number;
  /** The measured inputs, as a person would check them. */
  inputs: string;
}

export interface MeshMarkClass {
  name: UtilizationClass;
  /** Σ (MUE × (1 + weight)) / #MUEs, before the ×100. */
  score: number;
  mues: MueResult[];
}

/** The `meshmark` property of a result: the index, its classes and MUEs, and what could not be measured. */
export interface MeshMark {
  /** 0 … 100 (100: the mesh costs nothing over the baseline and delivers every request as fast); null when nothing was measurable. */
  score: number | null;
  definition: string;
  baseline: string;
  meshed: string;
  classes: MeshMarkClass[];
  notes: string[];
}

export class MeshMarkInputError extends Error {}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

function checkWeights(weights: Partial<Record<string, number>>): void {
  for (const [name, w] of Object.entries(weights)) {
    if (!(MUE_NAMES as readonly string[]).includes(name)) throw new MeshMarkInputError(`meshmark.weights.${name}: not a MUE (one of ${MUE_NAMES.join(', ')})`);
    if (typeof w !== 'number' || !Number.isFinite(w) || Math.abs(w) > MESHMARK_WEIGHT_LIMIT) {
      throw new MeshMarkInputError(`meshmark.weights.${name} must be a number from -${MESHMARK_WEIGHT_LIMIT} to +${MESHMARK_WEIGHT_LIMIT} (SMP: −50 % … +50 %), got ${String(w)}`);
    }
  }
}

function checkCost(c: ConfigurationCost, field: string): void {
  const nonNegative = (v: number | null, name: string): void => {
    if (v !== null && !(Number.isFinite(v) && v >= 0)) throw new MeshMarkInputError(`${field}.${name} must be a finite number ≥ 0, got ${String(v)}`);
  };
  nonNegative(c.cpuMsPer1000Successes, 'cpuMsPer1000Successes');
  nonNegative(c.memoryBytes, 'memoryBytes');
  nonNegative(c.sent, 'sent');
  nonNegative(c.successes, 'successes');
  nonNegative(c.successRps, 'successRps');
  nonNegative(c.p99Ms, 'p99Ms');
  if (c.successes > c.sent) throw new MeshMarkInputError(`${field}.successes (${c.successes}) cannot exceed ${field}.sent (${c.sent})`);
}

/** baseline cost / meshed cost, or null (with a note) when either is unmeasured or not positive. */
function costRatio(name: MueName, base: number | null, meshed: number | null, notes: string[]): number | null {
  if (base === null || meshed === null) {
    notes.push(`${name}: not measured, left out`);
    return null;
  }
  if (!(base > 0) || !(meshed > 0)) {
    notes.push(`${name}: a cost of ${base > 0 ? meshed : base} cannot be a share of anything (noise larger than the figure), left out`);
    return null;
  }
  if (meshed < base) notes.push(`${name}: the meshed workload measured cheaper than the baseline (noise); counted as 1`);
  return clamp01(base / meshed);
}

const fmt = (n: number, d = 3): string => (Number.isInteger(n) ? String(n) : n.toFixed(d));

export function computeMeshMark(input: MeshMarkInputs): MeshMark {
  const { baseline: b, meshed: m } = input;
  checkCost(b, 'baseline');
  checkCost(m, 'meshed');
  const weights = input.weights ?? {};
  checkWeights(weights);
  const notes: string[] = [];
  const perSuccessRps = (c: ConfigurationCost): number | null => (c.memoryBytes === null ? null : c.successRps > 0 ? c.memoryBytes / c.successRps : null);

  const values: Record<MueName, { value: number | null; inputs: string }> = {
    cpu: {
      value: costRatio('cpu', b.cpuMsPer1000Successes, m.cpuMsPer1000Successes, notes),
      inputs: `CPU ms per 1,000 successful requests: ${b.name} ${b.cpuMsPer1000Successes === null ? '-' : fmt(b.cpuMsPer1000Successes)}, ${m.name} ${m.cpuMsPer1000Successes === null ? '-' : fmt(m.cpuMsPer1000Successes)}`,
    },
    memory: {
      value: costRatio('memory', perSuccessRps(b), perSuccessRps(m), notes),
      inputs: `memory per successful request/s: ${b.name} ${b.memoryBytes === null ? '-' : fmt(b.memoryBytes / 2 ** 20, 1)} MiB / ${fmt(b.successRps, 1)}, ${m.name} ${m.memoryBytes === null ? '-' : fmt(m.memoryBytes / 2 ** 20, 1)} MiB / ${fmt(m.successRps, 1)}`,
    },
    success: {
      value: m.sent > 0 ? m.successes / m.sent : null,
      inputs: `${m.name}: ${m.successes} of ${m.sent} requests answered 2xx`,
    },
    latency: {
      value: null,
      inputs: `p99: ${b.name} ${fmt(b.p99Ms)} ms, ${m.name} ${fmt(m.p99Ms)} ms`,
    },
  };
  if (m.sent === 0) notes.push('success: nothing was sent, left out');
  values.latency.value = costRatio('latency', b.p99Ms, m.p99Ms, notes);

  const classes: MeshMarkClass[] = [];
  for (const cls of ['compute', 'memory', 'value'] as const) {
    const mues: MueResult[] = MUE_NAMES.filter((n) => CLASS_OF[n] === cls && values[n].value !== null).map((n) => ({
      name: n,
      value: values[n].value!,
      weight: weights[n] ?? 0,
      inputs: values[n].inputs,
    }));
    if (mues.length === 0) continue;
    classes.push({ name: cls, score: mues.reduce((s, u) => s + u.value * (1 + u.weight), 0) / mues.length, mues });
  }
  const score = classes.length === 0 ? null : Math.min(100, Math.max(0, (100 * classes.reduce((s, c) => s + c.score, 0)) / classes.length));
  return { score, definition: MESHMARK_DEFINITION_URL, baseline: b.name, meshed: m.name, classes, notes };
}

/** "MeshMark 71.3 (compute 0.52, memory 0.80, value 0.82)". */
export function describeMeshMark(mm: MeshMark): string {
  if (mm.score === null) return `MeshMark of ${mm.meshed}: not measurable (${mm.notes.join('; ')})`;
  return `MeshMark of ${mm.meshed} vs ${mm.baseline}: ${mm.score.toFixed(1)} / 100 (${mm.classes.map((c) => `${c.name} ${c.score.toFixed(2)}`).join(', ')})`;
}

/** Puts a MeshMark on a stored result document's extension (`{…, playground: {…}}`): its one `meshmark` property. */
export function attachMeshMark<T extends { playground: object }>(doc: T, mm: MeshMark): T & { playground: { meshmark: MeshMark } } {
  return { ...doc, playground: { ...doc.playground, meshmark: mm } };
}
