// MeshMark on known inputs: the SMP formula (class score = Σ MUE×(1+w) / #MUEs, MeshMark = 100 × mean of
// classes), MUE = baseline cost / meshed cost, and the edges: weights out of SMP's ±50 %, unmeasured inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachMeshMark, computeMeshMark, describeMeshMark, MeshMarkInputError, type ConfigurationCost } from '../../playground-server/loadgen/meshmark.js';
import type { PlaygroundExtension } from '../../playground-server/loadgen/reports/smp.js';

const MiB = 2 ** 20;
const baseline: ConfigurationCost = { name: 'direct', cpuMsPer1000Successes: 100, memoryBytes: 20 * MiB, sent: 1000, successes: 1000, successRps: 1000, p99Ms: 2 };
// "Why am I not getting the SLO met with 4 resources when I only needed 1 without the service mesh?"
const meshed: ConfigurationCost = { name: 'sidecars+mTLS', cpuMsPer1000Successes: 400, memoryBytes: 40 * MiB, sent: 1000, successes: 990, successRps: 990, p99Ms: 4 };

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

test('four times the CPU, twice the memory, 99 % delivered, twice the p99: classes and score by the formula', () => {
  const mm = computeMeshMark({ baseline, meshed });
  const byName = Object.fromEntries(mm.classes.flatMap((c) => c.mues.map((u) => [u.name, u.value])));
  close(byName.cpu, 0.25, 'MUE cpu = 100/400');
  // memory per successful request/s: 20 MiB/1000 against 40 MiB/990
  close(byName.memory, (20 / 1000) / (40 / 990), 'MUE memory');
  close(byName.success, 0.99, 'MUE success');
  close(byName.latency, 0.5, 'MUE latency = 2/4');
  assert.deepEqual(mm.classes.map((c) => c.name), ['compute', 'memory', 'value']);
  const expected = (100 * (0.25 + (20 / 1000) / (40 / 990) + (0.99 + 0.5) / 2)) / 3;
  close(mm.score!, expected, 'score');
  assert.equal(mm.baseline, 'direct');
  assert.equal(mm.definition, 'https://smp-spec.io/meshmark');
  assert.match(describeMeshMark(mm), /^MeshMark of sidecars\+mTLS vs direct: 49\.7 \/ 100 \(compute 0\.25, memory 0\.49, value 0\.74\)$/);
});

test('weights move a MUE by up to ±50 %; the score stays within 0…100', () => {
  const plain = computeMeshMark({ baseline, meshed }).score!;
  const weighted = computeMeshMark({ baseline, meshed, weights: { cpu: 0.5 } }).score!;
  close(weighted - plain, (100 * 0.25 * 0.5) / 3, 'cpu weight +0.5 adds half the cpu MUE to its class');
  const same = { ...baseline, name: 'mesh' };
  assert.equal(computeMeshMark({ baseline, meshed: same }).score, 100, 'a mesh that costs nothing scores 100');
  assert.equal(computeMeshMark({ baseline, meshed: same, weights: { cpu: 0.5, memory: 0.5, success: 0.5, latency: 0.5 } }).score, 100, 'clamped at 100');
  assert.equal(computeMeshMark({ baseline, meshed: same, weights: { cpu: -0.5, memory: -0.5, success: -0.5, latency: -0.5 } }).score, 50);
});

test('unmeasured inputs leave their MUE (and an empty class) out, and say so', () => {
  const mm = computeMeshMark({ baseline: { ...baseline, memoryBytes: null }, meshed: { ...meshed, cpuMsPer1000Successes: null } });
  assert.deepEqual(mm.classes.map((c) => c.name), ['value']);
  assert.ok(mm.notes.some((n) => /^cpu: not measured/.test(n)) && mm.notes.some((n) => /^memory: not measured/.test(n)), mm.notes.join('\n'));
  const cheaper = computeMeshMark({ baseline, meshed: { ...meshed, cpuMsPer1000Successes: 90 } });
  assert.equal(cheaper.classes[0].mues[0].value, 1, 'noise making the mesh cheaper counts as 1, not more');
  assert.ok(cheaper.notes.some((n) => /cheaper than the baseline/.test(n)));
  const nothing = computeMeshMark({ baseline: { ...baseline, cpuMsPer1000Successes: null, memoryBytes: null, p99Ms: 0 }, meshed: { ...meshed, cpuMsPer1000Successes: null, memoryBytes: null, sent: 0, successes: 0 } });
  assert.equal(nothing.score, null);
  assert.match(describeMeshMark(nothing), /not measurable/);
});

test('bad inputs are refused with the field and the limit', () => {
  const cases: [Parameters<typeof computeMeshMark>[0], RegExp][] = [
    [{ baseline, meshed, weights: { cpu: 0.6 } }, /meshmark\.weights\.cpu must be a number from -0\.5 to \+0\.5/],
    [{ baseline, meshed, weights: { disk: 0.1 } as never }, /meshmark\.weights\.disk: not a MUE/],
    [{ baseline, meshed: { ...meshed, successes: 1001 } }, /meshed\.successes \(1001\) cannot exceed meshed\.sent/],
    [{ baseline: { ...baseline, cpuMsPer1000Successes: -1 }, meshed }, /baseline\.cpuMsPer1000Successes must be a finite number ≥ 0/],
    [{ baseline, meshed: { ...meshed, p99Ms: Number.NaN } }, /meshed\.p99Ms must be a finite number/],
  ];
  for (const [input, message] of cases) assert.throws(() => computeMeshMark(input), (e: Error) => e instanceof MeshMarkInputError && message.test(e.message));
});

test('a result document carries MeshMark as the one `meshmark` property of its extension, beside the SMP fields', () => {
  const mm = computeMeshMark({ baseline, meshed });
  const doc = { smp: { actualQps: 990 }, playground: { engine: 'builtin' } };
  const out = attachMeshMark(doc, mm);
  assert.deepEqual(Object.keys(out), ['smp', 'playground']);
  assert.equal(out.playground.meshmark.score, mm.score);
  assert.equal('meshmark' in doc.playground, false, 'the input is not changed');
  const typed: Pick<PlaygroundExtension, 'meshmark'> = { meshmark: JSON.parse(JSON.stringify(mm)) };
  assert.equal(typed.meshmark?.classes.length, 3, 'survives JSON as the extension type');
});
