// Exports validate against JSON Schemas written from SMP's proto and fortio's Go structs (the result document:
// strict SMP with the playground extension beside it); a cancelled
// run still yields a partial result that validates and reads back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { summarize } from '../../playground-server/loadgen/histogram.js';
import { toResultDocument, fromResultDocument } from '../../playground-server/loadgen/reports/smp.js';
import { toFortioJson } from '../../playground-server/loadgen/reports/fortio.js';
import { validateFortioResult, validateResultDocument, validateSmpResult } from '../../playground-server/loadgen/reports/validate.js';

let target: EchoTarget & { close(): Promise<void> };
before(async () => {
  target = await spawnEchoTarget({ mode: 'http' });
});
after(async () => {
  await target.close();
});

test('SMP and fortio exports of an open-model run validate and carry the tail', async () => {
  const r = await runLoadTest({ url: target.url, rps: 500, durationMs: 1500, warmupMs: 200, connections: 4 });
  const doc = JSON.parse(JSON.stringify(toResultDocument(r, { testId: 'run-1' })));
  const dcheck = validateResultDocument(doc);
  assert.ok(dcheck.valid, dcheck.errors.join('; '));
  assert.deepEqual(Object.keys(doc).sort(), ['playground', 'smp'], 'the envelope: strict SMP and the extension beside it');
  const { smp, playground } = doc;
  const check = validateSmpResult(smp);
  assert.ok(check.valid, check.errors.join('; '));
  assert.equal(smp.playground, undefined, 'nothing but proto fields inside the SMP message');
  assert.equal(smp.testId, 'run-1');
  assert.match(smp.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(smp.latenciesMs.p50 > 0 && smp.latenciesMs.p50 <= smp.latenciesMs.p99 && smp.latenciesMs.p99 <= smp.latenciesMs.max);
  assert.equal(playground.requestedRps, 500);
  assert.ok(playground.latenciesMs.p999 >= smp.latenciesMs.p99);
  assert.equal(playground.statusCodes['200'], r.responses);
  assert.equal(validateSmpResult({ ...smp, playground }).valid, false, 'the extension inside the SMP message is refused');

  // Reads back to the same histogram (the results store can merge or re-render it later).
  const back = fromResultDocument(doc);
  const [a, b] = [summarize(back.latency.corrected), summarize(r.latency.corrected)];
  assert.deepEqual([a.count, a.p50, a.p90, a.p99, a.p999, a.p9999], [b.count, b.p50, b.p90, b.p99, b.p999, b.p9999]);
  assert.equal(back.latency.corrected.totalCount, r.responses);
  // A row stored before the envelope (the extension inside the SMP object) still reads back.
  assert.equal(fromResultDocument({ ...smp, playground }).latency.corrected.totalCount, r.responses);
  assert.throws(() => fromResultDocument(smp), /expected \{ smp, playground \}/);

  const fortio = JSON.parse(JSON.stringify(toFortioJson(r)));
  const fcheck = validateFortioResult(fortio);
  assert.ok(fcheck.valid, fcheck.errors.join('; '));
  assert.equal(fortio.RequestedQPS, '500');
  assert.equal(fortio.RequestedDuration, '1.5s');
  assert.equal(fortio.DurationHistogram.Count, r.responses);
  assert.equal(fortio.RetCodes['200'], r.responses);
  const data = fortio.DurationHistogram.Data as { Count: number; Percent: number; Start: number; End: number }[];
  assert.equal(data.reduce((a, b) => a + b.Count, 0), r.responses, 'buckets hold every sample');
  assert.equal(data[data.length - 1].Percent, 100);
  assert.equal(fortio.DurationHistogram.Max, fortio.DurationHistogram.Data.at(-1).End);
  const p99 = fortio.DurationHistogram.Percentiles.find((p: { Percentile: number }) => p.Percentile === 99).Value;
  assert.equal(p99, r.latency.corrected.getValueAtPercentile(99) / 1e6, 'seconds, like fortio');
});

test('the schemas reject documents of the wrong shape', () => {
  assert.equal(validateSmpResult({ smpVersion: 'v0.0.1', id: 'x', startTime: 'yesterday', endTime: '2024-01-01T00:00:00Z', actualQps: 1 }).valid, false);
  assert.equal(validateFortioResult({ RunType: 'HTTP', RetCodes: { OK: 1 } }).valid, false);
});

test('a cancelled run returns a partial result that still validates', async () => {
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(), 1200);
  const r = await runLoadTest({ url: target.url, rps: 400, durationMs: 30_000, warmupMs: 200, connections: 4 }, { signal: abort.signal });
  assert.ok(Date.now() - started < 15_000, 'returned long before the 30 s run would have ended');
  assert.equal(r.cancelled, true);
  assert.ok(r.responses > 0 && r.responses < 400 * 30, `partial: ${r.responses} responses`);
  assert.equal(r.latency.corrected.totalCount, r.responses);
  assert.equal(Object.keys(r.errors).length, 0, 'cancelled in-flight requests are not errors');
  const doc = JSON.parse(JSON.stringify(toResultDocument(r)));
  const check = validateResultDocument(doc);
  assert.ok(check.valid, check.errors.join('; '));
  assert.equal(doc.playground.cancelled, true);
  const fcheck = validateFortioResult(JSON.parse(JSON.stringify(toFortioJson(r))));
  assert.ok(fcheck.valid, fcheck.errors.join('; '));
});
