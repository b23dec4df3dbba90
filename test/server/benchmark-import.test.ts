// importBenchmark: fortio's own README result (vendored) and an SMP result become marked benchmarks whose summary is
// what the source carries; bad documents are refused naming the field; an import compares beside a run of ours.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSession, rest, startFixture, type ServerFixture } from './fixture.js';

const FORTIO_README = JSON.parse(readFileSync(new URL('../loadgen/fixtures/fortio/readme-http-result.json', import.meta.url), 'utf8'));
/** fortio 0.9.0's `load -grpc -ping -c 2 -s 4` result from its README: RetCodes keyed by ServingStatus ordinal ("1"). */
const FORTIO_README_GRPC = JSON.parse(readFileSync(new URL('../loadgen/fixtures/fortio/readme-grpc-ping-result.json', import.meta.url), 'utf8'));
const histo = (count: number) => ({ Count: count, Min: 0.001, Max: 0.004, Sum: count * 0.002, Avg: 0.002, StdDev: 0.0005, Data: count ? [{ Start: 0.001, End: 0.004, Percent: 100, Count: count }] : null, Percentiles: count ? [50, 75, 90, 99, 99.9].map((p) => ({ Percentile: p, Value: 0.001 + p / 50000 })) : null });
/**
 * A health-check result as today's fortio writes it (fgrpc/grpcrunner.go): RetCodes keyed by ServingStatus name with
 * ERROR for every failed call, ErrorsDurationHistogram the calls that were not SERVING, NumThreads = -c × -s.
 */
const FORTIO_GRPC_HEALTH = {
  RunType: "GRPC Health for 'reviews'", Labels: 'health', StartTime: '2026-01-01T00:00:00Z', RequestedQPS: '100', RequestedDuration: '1s',
  ActualQPS: 99.8, ActualDuration: 1_002_000_000, NumThreads: 6, Version: '1.69.0',
  DurationHistogram: histo(100), ErrorsDurationHistogram: histo(10), Exactly: 0, Jitter: false, Uniform: false, NoCatchUp: false, RunID: 0,
  AccessLoggerInfo: '', ID: '2026-01-01-000000', RetCodes: { SERVING: 90, NOT_SERVING: 4, ERROR: 6 }, Destination: 'reviews:9080', Streams: 3, Ping: false,
};
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

test("fortio gRPC results import as gRPC runs: fortio's README ping, a health check by today's fields, a custom method", async () => {
  const ping = await imp({ format: 'fortio', document: FORTIO_README_GRPC });
  assert.equal(ping.status, 200, ping.text);
  const p = ping.body;
  assert.deepEqual([p.protocol, p.grpcMethod, p.streams, p.connections, p.url], ['grpc', '/fgrpc.PingServer/Ping', 4, 2, 'https://fortio-stage.istio.io']);
  assert.deepEqual([p.summary.requests, p.summary.errors, p.summary.successRate], [40, 0, 1]);
  assert.deepEqual(p.summary.errorsByClass, { OK: 40 }, 'ordinal 1 is SERVING: an OK ping');
  assert.equal(p.summary.latencyMs.p99, Math.round(0.28053863092820513 * 1e6) / 1000);
  assert.deepEqual(p.imported, { format: 'fortio', tool: 'fortio 0.9.0' });

  const health = await imp({ format: 'fortio', document: FORTIO_GRPC_HEALTH });
  assert.equal(health.status, 200, health.text);
  const h = health.body;
  assert.deepEqual([h.protocol, h.grpcMethod, h.streams, h.connections, h.url], ['grpc', '/grpc.health.v1.Health/Check', 3, 2, 'reviews:9080']);
  assert.deepEqual([h.summary.requests, h.summary.errors, h.summary.successRate], [100, 10, 0.9], 'successes are the SERVING calls; NOT_SERVING and ERROR are errors');
  assert.deepEqual(h.summary.errorsByClass, { SERVING: 90, NOT_SERVING: 4, ERROR: 6 });
  assert.deepEqual(h.summary.transportErrors, {});
  assert.ok(h.summary.warnings.some((w: string) => /counts every failed call as ERROR/.test(w)), JSON.stringify(h.summary.warnings));
  assert.ok(!h.summary.warnings.some((w: string) => /inconsistent/.test(w)), JSON.stringify(h.summary.warnings));

  const custom = await imp({ format: 'fortio', document: { ...FORTIO_GRPC_HEALTH, RunType: 'Custom GRPC Method helloworld.Greeter/SayHello and Payload {"name":"x"} PayloadLength=12', RetCodes: { SERVING: 90, ERROR: 10 } } });
  assert.equal(custom.status, 200, custom.text);
  assert.deepEqual([custom.body.grpcMethod, custom.body.summary.errorsByClass], ['/helloworld.Greeter/SayHello', { OK: 90, ERROR: 10 }]);

  const bad = await imp({ format: 'fortio', document: { ...FORTIO_GRPC_HEALTH, RetCodes: { serving: 100 } } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.message, /document\.RetCodes\.serving: keys of a gRPC result are health serving status names/);
});

test('imports record the protocol their document tells (fortio H2, fortio gRPC, an SMP protocol label), and only then', async () => {
  const http1 = await imp({ format: 'fortio', document: FORTIO_README });
  assert.equal(http1.body.protocol, 'http1', "fortio's HTTP runner speaks HTTP/1.1 unless H2");
  const h2 = await imp({ format: 'fortio', document: { ...FORTIO_README, H2: true } });
  assert.equal(h2.body.protocol, 'h2');
  assert.equal(h2.body.streams, undefined);
  const smp = await imp({ format: 'smp', document: SMP });
  assert.equal(smp.body.protocol, undefined, 'SMP has no protocol field: not recorded');
  const labelled = await imp({ format: 'smp', document: { ...SMP, labels: { ...SMP.labels, protocol: 'grpc' } } });
  assert.equal(labelled.body.protocol, 'grpc');
  const bad = await imp({ format: 'smp', document: { ...SMP, labels: { ...SMP.labels, protocol: 'quic' } } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.message, /document\.labels\.protocol: expected http1, h2, grpc/);
  const badH2 = await imp({ format: 'fortio', document: { ...FORTIO_README, H2: 'yes' } });
  assert.equal(badH2.status, 400, badH2.text);
  assert.match(badH2.body.message, /document\.H2/);
  // Our own strict SMP export carries no protocol (it lives in the playground extension): imported alone, not recorded.
  const run = await rest(fx.url, 'POST', '/api/session/benchmarks', { token, body: { url: 'http://httpbin:8000/get', connections: 1, rps: 20, durationSeconds: 1 } });
  const ours = run.text.trim().split('\n').map((l) => JSON.parse(l)).at(-1).result;
  const exported = (await rest(fx.url, 'GET', `/api/session/benchmarks/${ours.id}/export?format=smp`, { token })).body.document;
  assert.equal(exported.labels.protocol, undefined);
  assert.equal((await imp({ format: 'smp', document: exported })).body.protocol, undefined);
});
