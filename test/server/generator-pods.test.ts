// Benchmarks run the real load generator as generator pods (playground/loadgen:v1): W pods share one
// schedule, the real kubectl sees and follows them, the server's merged histogram is exactly the sum of
// what the pods reported, corrected latencies are never below uncorrected ones, `sidecar: false` runs
// un-meshed pods against the un-meshed httpbin copy, cancelling keeps the partial result, and the pods
// are gone afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { decodeHistogram, mergeEncodedHistograms, recordedBuckets } from '../../playground-server/loadgen/histogram.js';
import type { GeneratorReport, GeneratorSpec } from '../../playground-server/loadgen/protocol.js';
import { createSession, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

const RUN_LABEL = 'bench.mesh.playground.dev/run';
let fx: ServerFixture;
let s: { token: string; namespace: string };
let ws: WsClient;

interface PodJson {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { restartPolicy?: string; containers: { name: string; env?: { name: string; value: string }[] }[] };
}

function kubectl(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/kubectl', ['--kubeconfig', fx.kubeconfig, '--cache-dir', `${fx.dir}/kubectl-cache`, '-n', s.namespace, ...args], { timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: fx.dir } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function benchPods(): Promise<PodJson[]> {
  const r = await kubectl(['get', 'pods', '-l', 'app=bench', '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as { items: PodJson[] }).items : [];
}

/** Bounded polling. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `kubectl logs -f` of a generator pod, retried while its container is still being created. */
async function followGenerator(pod: string): Promise<string[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const r = await kubectl(['logs', '-f', pod, '-c', 'loadgen'], 60_000);
    if (r.code === 0) return r.stdout.split('\n').filter((l) => l.startsWith('{'));
    if (!/waiting to start|ContainerCreating|PodInitializing/.test(r.stderr)) throw new Error(`kubectl logs ${pod}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`kubectl logs ${pod}: the container never started`);
}

const specOf = (p: PodJson): GeneratorSpec => JSON.parse(p.spec.containers.find((c) => c.name === 'loadgen')!.env!.find((e) => e.name === 'LOADGEN_SPEC')!.value) as GeneratorSpec;

before(async () => {
  fx = await startFixture();
  s = await createSession(fx.url, ['httpbin']);
  ws = await WsClient.connect(fx.url, { token: s.token });
});

after(async () => {
  await ws?.close();
  await fx?.close();
});

test('two generator pods share one schedule; the merged histogram is exactly the sum of theirs', { timeout: 120_000 }, async () => {
  const running = ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 2, rps: 60, durationSeconds: 3, generators: 2 }, { timeoutMs: 90_000 });
  const pods = await waitFor('two generator pods', async () => {
    const items = await benchPods();
    return items.length === 2 ? items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) : undefined;
  });
  const logs = pods.map((p) => followGenerator(p.metadata.name));
  const answer = await running;
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  const bench = answer.result;
  assert.equal(bench.status, 'completed', bench.error);
  assert.equal(bench.generators, 2);
  assert.ok(answer.events.length >= 1, 'progress streamed');

  // The pods, as kubectl saw them: labelled by run, meshed, Job-style, phases k of stride 2 from one start.
  const runId = bench.id.replace(/^b-/, '');
  const specs = pods.map(specOf);
  for (const [k, p] of pods.entries()) {
    assert.equal(p.metadata.name, `bench-${runId}-${k}`);
    assert.equal(p.metadata.labels?.[RUN_LABEL], runId);
    assert.equal(p.spec.restartPolicy, 'Never');
    assert.ok(p.spec.containers.some((c) => c.name === 'mesh-proxy'), 'the generator pod is meshed');
    assert.equal(specs[k].phase, k);
    assert.equal(specs[k].stride, 2);
    assert.equal(specs[k].totalRps, 60);
  }
  assert.equal(specs[0].startAtEpochMs, specs[1].startAtEpochMs, 'a common start');

  // What each pod reported in its own log, against what the server stored.
  const reports = (await Promise.all(logs)).map((lines) => lines.map((l) => JSON.parse(l) as { type: string }).find((m) => m.type === 'result') as GeneratorReport);
  assert.ok(reports.every((r) => r && r.responses > 0), 'every generator reported a result with responses');
  const exported = await ws.call('exportBenchmark', { id: bench.id, format: 'playground' });
  const doc = exported.result.document;
  const stored = decodeHistogram(doc.playground.histogram.corrected);
  const sum = reports.reduce((n, r) => n + decodeHistogram(r.histograms.corrected).totalCount, 0);
  assert.equal(stored.totalCount, sum, 'merged count = sum of the generators\' counts');
  assert.equal(bench.summary.requests, reports[0].responses + reports[1].responses);
  assert.deepEqual(recordedBuckets(stored), recordedBuckets(mergeEncodedHistograms(reports.map((r) => r.histograms.corrected))), 'bucket for bucket');

  // Coordinated omission: latency from the intended start is never below latency from the actual send.
  assert.equal(doc.playground.correctedForCoordinatedOmission, true);
  for (const k of ['p50', 'p90', 'p99', 'max'] as const) {
    assert.ok(doc.playground.latenciesMs[k] >= doc.playground.uncorrectedLatenciesMs[k], `corrected ${k} ≥ uncorrected ${k}`);
    assert.ok(bench.summary.latencyMs[k] >= bench.summary.uncorrectedLatencyMs[k], `summary: corrected ${k} ≥ uncorrected ${k}`);
  }
  await waitFor('the generator pods deleted', async () => ((await benchPods()).length === 0 ? true : undefined));
});

test('sidecar: false runs un-meshed generator pods against the un-meshed httpbin copy', { timeout: 90_000 }, async () => {
  const running = ws.call('startBenchmark', { url: 'http://httpbin-direct:8000/get', connections: 1, rps: 30, durationSeconds: 2, sidecar: false }, { timeoutMs: 60_000 });
  const [pod] = await waitFor('the generator pod', async () => {
    const items = await benchPods();
    return items.length === 1 ? items : undefined;
  });
  assert.equal(pod.metadata.annotations?.['linkerd.io/inject'], 'disabled');
  assert.deepEqual(pod.spec.containers.map((c) => c.name), ['loadgen'], 'no sidecar injected');
  const answer = await running;
  assert.equal(answer.result.status, 'completed', answer.result.error);
  assert.equal(answer.result.sidecar, false);
  assert.ok(answer.result.summary.requests > 0);
  assert.equal(answer.result.summary.statusCodes['200'], answer.result.summary.requests);
});

test('cancelling deletes the pods and keeps the partial result they wrote', { timeout: 90_000 }, async () => {
  let progressed!: () => void;
  const firstProgress = new Promise<void>((r) => (progressed = r));
  const running = ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 2, rps: 40, durationSeconds: 30, generators: 2 }, { timeoutMs: 60_000, onEvent: () => progressed() });
  await Promise.race([firstProgress, new Promise((r) => setTimeout(r, 30_000))]);
  const id = (await rest(fx.url, 'GET', '/api/session/benchmarks', { token: s.token })).body.items.find((b: { status: string }) => b.status === 'running')?.id;
  assert.ok(id, 'the run is listed as running');
  const cancelled = await rest(fx.url, 'POST', `/api/session/benchmarks/${id}/cancel`, { token: s.token });
  assert.equal(cancelled.body.status, 'cancelled');
  const answer = await running;
  assert.equal(answer.result.status, 'cancelled');
  assert.ok(answer.result.summary && answer.result.summary.requests > 0, 'the partial result kept the requests made');
  const exported = await rest(fx.url, 'GET', `/api/session/benchmarks/${id}/export?format=playground`, { token: s.token });
  assert.equal(exported.body.document.playground.cancelled, true);
  assert.equal(exported.body.document.playground.generators, 2, 'both generators wrote a partial result');
  await waitFor('the generator pods deleted', async () => ((await benchPods()).length === 0 ? true : undefined));
});

test('generator limits are explicit errors naming the field', async () => {
  const tooMany = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', connections: 8, generators: 5 } });
  assert.equal(tooMany.status, 422);
  assert.equal(tooMany.body.details.limit, 'generators');
  const moreThanConnections = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', connections: 2, generators: 3 } });
  assert.equal(moreThanConnections.status, 400);
  assert.equal(moreThanConnections.body.reason, 'ValidationFailed');
  assert.equal(moreThanConnections.body.details.fields[0].field, 'generators');
  assert.equal((await benchPods()).length, 0, 'nothing was created');
});
