// MeshMark of session runs on known inputs: which un-meshed run is a meshed run's baseline, the MUEs from the runs'
// summaries and the namespace's CPU, and the PodMetrics arithmetic behind that CPU figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Schemas } from '../../playground-server/api/types.js';
import { comparisonMeshMark, sameWorkload, withMeshMarks } from '../../playground-server/benchmarks/session-meshmark.js';
import { cpuPer1kSuccesses, namespaceCpuOf, parseGoDurationMs } from '../../playground-server/benchmarks/namespace-usage.js';

type Benchmark = Schemas['Benchmark'];

function run(id: string, url: string, mesh: string, p99: number, ok: number, failed: number, cpu: number | null, startedAt: string): Benchmark {
  const requests = ok + failed;
  return {
    id, url, status: 'completed', connections: 1, durationSeconds: 10, startedAt, rps: 100,
    mesh: { name: mesh, version: mesh === 'none' ? '' : 'v1' },
    resources: { namespaceCpuMsPer1kSuccesses: cpu, ...(cpu === null ? { reason: 'the cluster\'s metrics window (10.0 s) is not inside the run\'s measured window (2.0 s): run longer than the metrics resolution' } : {}) },
    summary: { requests, errors: failed, actualRps: requests / 10, successRate: ok / requests, latencyMs: { p50: 1, p90: 2, p99, p999: p99, max: p99, mean: 1 }, statusCodes: { '200': ok, ...(failed ? { '503': failed } : {}) } },
  };
}

test('the workload a baseline must share: the same URL, or the session\'s un-meshed <service>-direct copy', () => {
  assert.equal(sameWorkload('http://httpbin:8000/get', 'http://httpbin:8000/get'), 'same-url');
  assert.equal(sameWorkload('http://httpbin-direct:8000/get', 'http://httpbin:8000/get'), 'direct-copy');
  assert.equal(sameWorkload('http://httpbin-direct.pg-1.svc:8000/get', 'http://httpbin.pg-1.svc:8000/get'), 'direct-copy');
  assert.equal(sameWorkload('http://httpbin-direct:8000/ip', 'http://httpbin:8000/get'), null, 'another path');
  assert.equal(sameWorkload('http://reviews:9080/', 'http://httpbin:8000/get'), null, 'another app');
  assert.equal(sameWorkload('http://httpbin:8000/get', 'http://httpbin-direct:8000/get'), null, 'the copy is the baseline, not the meshed side');
});

test('a meshed run is scored against the latest un-meshed run of its workload, the un-meshed copy first', () => {
  const runs = [
    run('b-old', 'http://httpbin-direct:8000/get', 'none', 2, 100, 0, 100, '2026-01-01T00:00:00Z'),
    run('b-same', 'http://httpbin:8000/get', 'none', 3, 100, 0, 100, '2026-01-01T00:03:00Z'),
    run('b-new', 'http://httpbin-direct:8000/get', 'none', 2, 100, 0, 100, '2026-01-01T00:02:00Z'),
    run('b-mesh', 'http://httpbin:8000/get', 'sandbox', 4, 90, 10, 250, '2026-01-01T00:04:00Z'),
    run('b-other', 'http://reviews:9080/', 'sandbox', 4, 100, 0, 100, '2026-01-01T00:05:00Z'),
  ];
  const scored = withMeshMarks(runs);
  assert.deepEqual(scored.map((r) => r.id), runs.map((r) => r.id), 'order kept');
  const mm = scored[3].meshmark!;
  assert.equal(mm.baselineId, 'b-new');
  // compute: baseline 100 ms / meshed 250 ms per 1k successes = 0.4; value: success 90/100 = 0.9, latency 2/4 = 0.5 → 0.7.
  const byName = Object.fromEntries(mm.classes.map((c) => [c.name, c.score]));
  assert.equal(byName.compute, 0.4);
  assert.equal(byName.value, 0.7);
  assert.equal(byName.memory, undefined, 'memory is left out');
  assert.equal(mm.score, 55);
  assert.ok(mm.notes.some((n) => n.startsWith('memory: left out')));
  assert.equal(scored[0].meshmark, undefined, 'un-meshed runs are baselines, not scored');
  assert.equal(scored[4].meshmark!.score, null, 'no baseline for reviews');
  assert.match(scored[4].meshmark!.notes[0], /no un-meshed run of this workload/);
});

test('a baseline speaks the same protocol and streams: a meshed HTTP/2 run is not weighed against an HTTP/1.1 one', () => {
  const wire = (b: Benchmark, protocol: 'h2' | 'grpc', streams: number): Benchmark => ({ ...b, protocol, streams });
  const http1Base = run('b-d1', 'http://httpbin-direct:8000/get', 'none', 2, 100, 0, 100, '2026-01-01T00:00:00Z');
  const h2Meshed = wire(run('b-m2', 'http://httpbin:8000/get', 'sandbox', 4, 100, 0, 200, '2026-01-01T00:01:00Z'), 'h2', 4);
  const alone = withMeshMarks([http1Base, h2Meshed])[1].meshmark!;
  assert.equal(alone.score, null);
  assert.equal(alone.baselineId, null);
  assert.match(alone.notes[0], /no un-meshed run of this workload over h2 × 4 streams .*the same protocol and streams/);
  const h2Base = wire(run('b-d2', 'http://httpbin-direct:8000/get', 'none', 2, 100, 0, 100, '2026-01-01T00:00:30Z'), 'h2', 4);
  // The older h2 baseline is chosen over the newer HTTP/1.1 one; with other streams it would not be.
  assert.equal(withMeshMarks([h2Base, http1Base, h2Meshed])[2].meshmark!.baselineId, 'b-d2');
  assert.equal(withMeshMarks([wire(h2Base, 'h2', 1), h2Meshed])[1].meshmark!.baselineId, null);
  const across = comparisonMeshMark(http1Base, h2Meshed)!;
  assert.equal(across.score, null);
  assert.match(across.notes[0], /^the runs spoke different protocols \(http1 without the mesh, h2 × 4 streams with it\)/);
  assert.equal(typeof comparisonMeshMark(h2Base, h2Meshed)!.score, 'number');
});

test('without a CPU figure the compute class is left out and the reason is said', () => {
  const base = run('b-d', 'http://httpbin-direct:8000/get', 'none', 2, 100, 0, null, '2026-01-01T00:00:00Z');
  const meshed = run('b-m', 'http://httpbin:8000/get', 'sandbox', 2, 100, 0, null, '2026-01-01T00:01:00Z');
  const mm = comparisonMeshMark(meshed, base)!;
  assert.equal(mm.baselineId, 'b-d');
  assert.deepEqual(mm.classes.map((c) => c.name), ['value']);
  assert.equal(mm.score, 100);
  assert.ok(mm.notes.some((n) => /^compute: left out — the cluster's metrics window/.test(n)), mm.notes.join(' | '));
  assert.equal(comparisonMeshMark(base, base), undefined, 'two un-meshed runs: no MeshMark');
  const elsewhere = comparisonMeshMark(base, run('b-r', 'http://reviews:9080/', 'sandbox', 2, 1, 0, 1, '2026-01-01T00:02:00Z'))!;
  assert.equal(elsewhere.score, null);
  assert.match(elsewhere.notes[0], /different workloads/);
});

test('PodMetrics: Go durations, the namespace sum and window, and a window that must lie inside the measured one', () => {
  assert.equal(parseGoDurationMs('10.004s'), 10_004);
  assert.equal(parseGoDurationMs('1m0s'), 60_000);
  assert.equal(parseGoDurationMs('500ms'), 500);
  assert.ok(Number.isNaN(parseGoDurationMs('10 seconds')));
  const usage = namespaceCpuOf([
    { timestamp: '2026-01-01T00:00:20Z', window: '10s', containers: [{ name: 'app', usage: { cpu: '250m' } }, { name: 'mesh-proxy', usage: { cpu: '250000000n' } }] },
    { timestamp: '2026-01-01T00:00:21Z', window: '10s', containers: [{ name: 'loadgen', usage: { cpu: '0.5' } }] },
    { timestamp: 'not a time', window: '10s', containers: [{ name: 'x', usage: { cpu: '9' } }] },
  ])!;
  assert.equal(usage.cpuCores, 1, 'summed over the pods that report a window');
  assert.equal(usage.pods, 2);
  assert.equal(usage.windowStartMs, Date.parse('2026-01-01T00:00:10Z'));
  assert.equal(usage.windowEndMs, Date.parse('2026-01-01T00:00:21Z'));
  // 1 core over a window inside the run, 500 successful requests/s → 1000 ms/s ÷ 500 × 1000 = 2000 ms per 1k.
  assert.equal(cpuPer1kSuccesses(usage, Date.parse('2026-01-01T00:00:05Z'), Date.parse('2026-01-01T00:00:22Z'), 500), 2000);
  assert.match(String(cpuPer1kSuccesses(usage, Date.parse('2026-01-01T00:00:15Z'), Date.parse('2026-01-01T00:00:22Z'), 500)), /not inside the run's measured window/);
  assert.match(String(cpuPer1kSuccesses(usage, Date.parse('2026-01-01T00:00:05Z'), Date.parse('2026-01-01T00:00:40Z'), 500)), /covers 11\.0 s of the 35\.0 s measured: too little/);
  assert.equal(namespaceCpuOf([]), null);
});
