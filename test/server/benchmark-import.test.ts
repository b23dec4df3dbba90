// importBenchmark: fortio's own README result (vendored) and an SMP result become marked benchmarks whose summary is
// what the source carries; bad documents are refused naming the field; an import compares beside a run of ours.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSession, rest, startFixture, type ServerFixture } from './fixture.js';

const FORTIO_README = JSON.parse(readFileSync(new URL('../loadgen/fixtures/fortio/readme-http-result.json', import.meta.url), 'utf8'));
const SMP = {
  smpVersion: 'v0.0.1',
  id: '3f1c2a9e-0000-4000-8000-000000000001',
  labels: { engine: 'nighthawk', name: 'istio 1.24 from CI' },
  startTime: '2026-01-01T00:00:00Z',
  endTime: '2026-01-01T00:00:10Z',
  latenciesMs: { min: 0.4, average: 1.5, p50: 1.2, p90: 2.5, p99: 4.75, max: 9 },
  actualQps: 99.5,
};

let fx: ServerFixture;
let token: string;
const imp = (body: unknown) => rest(fx.url, 'POST', '/api/session/benchmarks/import', { token, body });

before(async () => {
  fx = await startFixture();
  token = (await createSession(fx.url)).token;
});
after(async () => fx?.close());

test("fortio's README result imports with fortio's numbers and says what it lacks", async () => {
  const res = await imp({ format: 'fortio', document: FORTIO_README });
  assert.equal(res.status, 200, res.text);
  const b = res.body;
  assert.match(b.id, /^b-/);
  assert.deepEqual(b.imported, { format: 'fortio', tool: 'fortio X.Y.Z' });
  assert.equal(b.summary.requests, 4);
  assert.equal(b.summary.errors, 0);
  assert.deepEqual(b.summary.statusCodes, { '200': 4 });
  assert.equal(b.summary.actualRps, 38.45);
  assert.equal(b.summary.latencyMs.p50, Math.round(0.0004920823333333334 * 1e6) / 1000);
  assert.equal(b.summary.latencyMs.p999, Math.round(0.0009295303506666667 * 1e6) / 1000);
  assert.equal(b.summary.correctedForCoordinatedOmission, false);
  assert.ok(b.summary.warnings.some((w: string) => /coordinated omission/.test(w)));
  assert.ok(b.summary.warnings.some((w: string) => /no HDR histograms/.test(w)));
  const listed = (await rest(fx.url, 'GET', '/api/session/benchmarks', { token })).body.items;
  assert.ok(listed.some((x: { id: string; imported?: unknown }) => x.id === b.id && x.imported));
  // No histograms came with it: fortio export is refused with a reason, not rendered from invented data.
  const exp = await rest(fx.url, 'GET', `/api/session/benchmarks/${b.id}/export?format=fortio`, { token });
  assert.equal(exp.status, 404);
  assert.equal(exp.body.reason, 'NoResult');
});

test('an SMP result imports; p99.9 and counts are not invented', async () => {
  const res = await imp({ format: 'smp', document: SMP, label: 'nighthawk' });
  assert.equal(res.status, 200, res.text);
  const s = res.body.summary;
  assert.deepEqual(res.body.imported, { format: 'smp', tool: 'nighthawk' });
  assert.equal(res.body.label, 'nighthawk');
  assert.deepEqual([s.latencyMs.p50, s.latencyMs.p90, s.latencyMs.p99, s.latencyMs.max, s.latencyMs.mean, s.latencyMs.p999], [1.2, 2.5, 4.75, 9, 1.5, null]);
  assert.equal(s.successRate, null);
  assert.deepEqual([s.requests, s.errors], [null, null], 'SMP carries no counts: unknown, not 0');
  assert.equal(res.body.durationSeconds, 10);
  assert.ok(s.warnings.some((w: string) => /no p99\.9/.test(w)));
});

test('bad documents are refused naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ format: 'smp', document: { ...SMP, latenciesMs: { ...SMP.latenciesMs, p99: 'fast' } } }, /latenciesMs\.p99/],
    [{ format: 'smp', document: { ...SMP, bogus: 1 } }, /bogus/],
    [{ format: 'smp', document: { ...SMP, latenciesMs: undefined } }, /document\.latenciesMs/],
    [{ format: 'fortio', document: { ...FORTIO_README, RunType: 'GRPC' } }, /document\.RunType/],
    [{ format: 'fortio', document: { ...FORTIO_README, DurationHistogram: { ...FORTIO_README.DurationHistogram, Count: -1 } } }, /document\.DurationHistogram\.Count/],
    [{ format: 'playground', document: { smp: SMP } }, /document\.playground/],
    [{ format: 'smp', document: { ...SMP, labels: { pad: 'x'.repeat(600 * 1024) } } }, /document: .*byte limit/],
    [{ format: 'csv', document: SMP }, /format/],
  ];
  for (const [body, field] of cases) {
    const res = await imp(body);
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${res.status}`);
    assert.match(res.body.message, field);
  }
  // Nothing half-stored: only the two good imports are listed.
  assert.equal((await rest(fx.url, 'GET', '/api/session/benchmarks', { token })).body.items.length, 2);
});

test('an import compares beside a run of ours, on the percentiles both carry', async () => {
  const run = await rest(fx.url, 'POST', '/api/session/benchmarks', { token, body: { url: 'http://httpbin:8000/get', connections: 1, rps: 20, durationSeconds: 1 } });
  assert.equal(run.status, 200, run.text);
  const ours = run.text.trim().split('\n').map((l) => JSON.parse(l)).at(-1).result;
  assert.equal(ours.status, 'completed');
  const smp = (await imp({ format: 'smp', document: SMP })).body;
  const cmp = await rest(fx.url, 'GET', `/api/session/benchmarks/compare?a=${ours.id}&b=${smp.id}`, { token });
  assert.equal(cmp.status, 200, cmp.text);
  assert.equal(cmp.body.b.imported.format, 'smp');
  assert.equal(cmp.body.deltas['latency.p99'].b, 4.75);
  assert.equal(cmp.body.deltas['latency.p99'].delta, Math.round((4.75 - ours.summary.latencyMs.p99) * 1000) / 1000);
  assert.equal(cmp.body.deltas['latency.p999'].delta, null);
  assert.deepEqual(cmp.body.deltas.errors, { a: ours.summary.errors, b: null, delta: null, ratio: null }, 'no error difference against a count the SMP side lacks');
  // Our own document round-trips through the playground format, histograms kept (it exports again).
  const doc = (await rest(fx.url, 'GET', `/api/session/benchmarks/${ours.id}/export?format=playground`, { token })).body.document;
  const again = await imp({ format: 'playground', document: doc });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.summary.requests, ours.summary.requests);
  assert.equal(again.body.protocol, 'http1', 'the protocol the load spoke comes along (from the playground extension)');
  const h2 = await imp({ format: 'playground', document: { ...doc, playground: { ...doc.playground, protocol: 'h2', wire: { protocol: 'h2', streamsPerConnection: 3 } } } });
  assert.equal(h2.status, 200, h2.text);
  assert.deepEqual([h2.body.protocol, h2.body.streams], ['h2', 3]);
  assert.equal((await rest(fx.url, 'GET', `/api/session/benchmarks/${again.body.id}/export?format=fortio`, { token })).status, 200);
});
