// Benchmarks run the real load generator as batch/v1 Jobs (one per generator, image playground/loadgen:v1)
// through the Kubernetes API: W Jobs share one schedule, the real kubectl sees them and follows their pods'
// logs, the server's merged result is exactly the sum of what the pods reported (counts add, histograms
// bucket for bucket), corrected latencies are never below uncorrected ones, `sidecar: false` runs un-meshed
// pods against the un-meshed httpbin copy, cancelling deletes the Jobs and keeps the partial results, and
// Jobs and pods are gone afterwards.
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

interface JobJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { completions?: number; backoffLimit?: number; activeDeadlineSeconds?: number; template: { spec: { restartPolicy?: string } } };
}

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

async function listBench<T>(resource: 'pods' | 'jobs'): Promise<T[]> {
  const r = await kubectl(['get', resource, '-l', 'app=bench', '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as { items: T[] }).items : [];
}
const benchPods = () => listBench<PodJson>('pods');
const benchJobs = () => listBench<JobJson>('jobs');
const byName = <T extends { metadata: { name: string } }>(items: T[]) => items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
const allGone = async () => ((await benchPods()).length === 0 && (await benchJobs()).length === 0 ? true : undefined);

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

test('two generator Jobs share one schedule; counts add and the merged histograms are exactly the sum of theirs', { timeout: 120_000 }, async () => {
  const running = ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 2, rps: 60, durationSeconds: 3, generators: 2 }, { timeoutMs: 90_000 });
  const jobs = await waitFor('two generator Jobs', async () => {
    const items = await benchJobs();
    return items.length === 2 ? byName(items) : undefined;
  });
  // Each Job's pod, found as kubectl finds it: by the Job controller's label.
  const pods = await waitFor('a pod of each Job', async () => {
    const items = await benchPods();
    const of = jobs.map((j) => items.find((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === j.metadata.name));
    return of.every(Boolean) ? (of as PodJson[]) : undefined;
  });
  const logs = pods.map((p) => followGenerator(p.metadata.name));
  const answer = await running;
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  const bench = answer.result;
  assert.equal(bench.status, 'completed', bench.error);
  assert.equal(bench.generators, 2);
  assert.ok(answer.events.length >= 1, 'progress streamed');

  // The Jobs and their pods, as kubectl saw them: labelled by run, one pod each never retried, meshed,
  // phases k of stride 2 from one start.
  const runId = bench.id.replace(/^b-/, '');
  const specs = pods.map(specOf);
  for (const [k, j] of jobs.entries()) {
    assert.equal(j.metadata.name, `bench-${runId}-${k}`);
    assert.equal(j.metadata.labels?.[RUN_LABEL], runId);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.backoffLimit, 0, 'a retried generator would send its share twice');
    assert.ok((j.spec.activeDeadlineSeconds ?? 0) > 0, 'a deadline bounds the Job');
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
    const p = pods[k];
    assert.equal(p.metadata.labels?.[RUN_LABEL], runId);
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
  const storedUncorrected = decodeHistogram(doc.playground.histogram.uncorrected);
  assert.deepEqual(recordedBuckets(storedUncorrected), recordedBuckets(mergeEncodedHistograms(reports.map((r) => r.histograms.uncorrected))), 'uncorrected, bucket for bucket');
  const codes: Record<string, number> = {};
  for (const r of reports) for (const [c, n] of Object.entries(r.statusCodes)) codes[c] = (codes[c] ?? 0) + n;
  assert.deepEqual(bench.summary.statusCodes, codes, 'status codes add');

  // Coordinated omission: latency from the intended start is never below latency from the actual send.
  assert.equal(doc.playground.correctedForCoordinatedOmission, true);
  for (const k of ['p50', 'p90', 'p99', 'max'] as const) {
    assert.ok(doc.playground.latenciesMs[k] >= doc.playground.uncorrectedLatenciesMs[k], `corrected ${k} ≥ uncorrected ${k}`);
    assert.ok(bench.summary.latencyMs[k] >= bench.summary.uncorrectedLatencyMs[k], `summary: corrected ${k} ≥ uncorrected ${k}`);
  }
  await waitFor('the generator Jobs and pods deleted', allGone);
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

test('a meshed run carries a MeshMark against the un-meshed run of the same workload, and so does their comparison', { timeout: 90_000 }, async () => {
  // Runs after the sidecar: false run against httpbin-direct above (the un-meshed copy of httpbin): it is the baseline.
  const listed = (await rest(fx.url, 'GET', '/api/session/benchmarks', { token: s.token })).body.items as { id: string; url: string; mesh?: { name: string }; status: string }[];
  const direct = listed.find((b) => b.url === 'http://httpbin-direct:8000/get' && b.mesh?.name === 'none' && b.status === 'completed');
  assert.ok(direct, `the un-meshed run is listed with mesh "none": ${JSON.stringify(listed.map((b) => [b.url, b.mesh, b.status]))}`);
  const answer = await ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 1, rps: 30, durationSeconds: 2 }, { timeoutMs: 60_000 });
  const meshedRun = answer.result;
  assert.equal(meshedRun.status, 'completed', meshedRun.error);
  assert.notEqual(meshedRun.mesh?.name, 'none');
  // The namespace's CPU was read through metrics.k8s.io: a figure, or (a 2 s run is shorter than the sandbox's 10 s
  // metrics resolution) the reason it is not one.
  assert.ok(meshedRun.resources, 'resources recorded');
  assert.ok(meshedRun.resources.namespaceCpuMsPer1kSuccesses !== null || /metrics window/.test(meshedRun.resources.reason), JSON.stringify(meshedRun.resources));
  const got = (await rest(fx.url, 'GET', `/api/session/benchmarks/${meshedRun.id}`, { token: s.token })).body;
  assert.equal(got.meshmark.baselineId, direct.id);
  assert.equal(typeof got.meshmark.score, 'number', JSON.stringify(got.meshmark));
  assert.ok(got.meshmark.score > 0 && got.meshmark.score <= 100);
  const value = got.meshmark.classes.find((c: { name: string }) => c.name === 'value');
  assert.deepEqual(value.mues.map((u: { name: string }) => u.name).sort(), ['latency', 'success']);
  assert.ok(got.meshmark.notes.some((n: string) => /un-meshed copy httpbin-direct/.test(n)), got.meshmark.notes.join(' | '));
  assert.ok(got.meshmark.notes.some((n: string) => /^memory: left out/.test(n)));
  const directGot = (await rest(fx.url, 'GET', `/api/session/benchmarks/${direct.id}`, { token: s.token })).body;
  assert.equal(directGot.meshmark, undefined, 'the baseline itself has none');
  const compared = (await rest(fx.url, 'GET', `/api/session/benchmarks/compare?a=${direct.id}&b=${meshedRun.id}`, { token: s.token })).body;
  assert.equal(compared.meshmark.baselineId, direct.id);
  assert.equal(compared.meshmark.score, got.meshmark.score);
  const reversed = (await rest(fx.url, 'GET', `/api/session/benchmarks/compare?a=${meshedRun.id}&b=${direct.id}`, { token: s.token })).body;
  assert.equal(reversed.meshmark.baselineId, direct.id, 'the un-meshed side is the baseline whichever side it is on');
});

test('cancelling deletes the Jobs and keeps the partial results their pods wrote', { timeout: 90_000 }, async () => {
  let progressed!: () => void;
  const firstProgress = new Promise<void>((r) => (progressed = r));
  const running = ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 2, rps: 40, durationSeconds: 30, generators: 2 }, { timeoutMs: 60_000, onEvent: () => progressed() });
  await Promise.race([firstProgress, new Promise((r) => setTimeout(r, 30_000))]);
  const id = (await rest(fx.url, 'GET', '/api/session/benchmarks', { token: s.token })).body.items.find((b: { status: string }) => b.status === 'running')?.id;
  assert.ok(id, 'the run is listed as running');
  assert.equal((await benchJobs()).length, 2, 'the run is two Jobs');
  const cancelled = await rest(fx.url, 'POST', `/api/session/benchmarks/${id}/cancel`, { token: s.token });
  assert.equal(cancelled.body.status, 'cancelled');
  const answer = await running;
  assert.equal(answer.result.status, 'cancelled');
  assert.ok(answer.result.summary && answer.result.summary.requests > 0, 'the partial result kept the requests made');
  const exported = await rest(fx.url, 'GET', `/api/session/benchmarks/${id}/export?format=playground`, { token: s.token });
  assert.equal(exported.body.document.playground.cancelled, true);
  assert.equal(exported.body.document.playground.generators, 2, 'both generators wrote a partial result');
  await waitFor('the generator Jobs and pods deleted', allGone);
});

test('generator limits are explicit errors naming the field', async () => {
  const tooMany = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', connections: 8, generators: 5 } });
  assert.equal(tooMany.status, 422);
  assert.equal(tooMany.body.details.limit, 'generators');
  const moreThanConnections = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', connections: 2, generators: 3 } });
  assert.equal(moreThanConnections.status, 400);
  assert.equal(moreThanConnections.body.reason, 'ValidationFailed');
  assert.equal(moreThanConnections.body.details.fields[0].field, 'generators');
  const badSlo = await rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', slo: 'p99<10ms' } });
  assert.equal(badSlo.status, 400);
  assert.equal(badSlo.body.details.fields[0].field, 'slo');
  assert.match(badSlo.body.details.fields[0].message, /clause "p99<10ms" is not understood/);
  assert.equal((await benchPods()).length + (await benchJobs()).length, 0, 'nothing was created');
});

test('slo: an adaptive search runs one set of Jobs per step, keeps every step, and stores the chosen run with the search', { timeout: 120_000 }, async () => {
  // An objective no rate can meet (a 1 µs median through a sidecar): the ramp halves from 2 rps to 1 rps and stops.
  const answer = await ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 1, rps: 2, durationSeconds: 1, slo: 'p50<=0.001ms' }, { timeoutMs: 100_000 });
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  const bench = answer.result;
  assert.equal(bench.status, 'completed', bench.error);
  assert.equal(bench.slo.objective, 'p50<=0.001ms');
  assert.equal(bench.slo.stoppedBecause, 'no-rate-meets');
  assert.equal(bench.slo.foundRps, null);
  assert.deepEqual(bench.slo.steps.map((st: { requestedRps: number; met: boolean }) => [st.requestedRps, st.met]), [[2, false], [1, false]]);
  assert.ok(bench.slo.steps.every((st: { requests: number; missed: string[] }) => st.requests > 0 && /p50 .* > 0.001 ms/.test(st.missed[0])), JSON.stringify(bench.slo.steps));
  assert.ok(bench.summary.requests > 0, 'the chosen run (the lowest rate) is the summary');
  // The stored result envelope (`playground` export) keeps the search in its playground extension. (Before the
  // envelope, exports were rebuilt from the LoadResult and carried no module's additions.)
  const envelope = await rest(fx.url, 'GET', `/api/session/benchmarks/${bench.id}/export?format=playground`, { token: s.token });
  if (envelope.status !== 400) {
    assert.equal(envelope.status, 200);
    assert.equal(envelope.body.document.playground?.slo?.slo, 'p50<=0.001ms', 'the search is kept in the playground extension');
    assert.equal(envelope.body.document.playground.slo.steps.length, 2);
  }
  await waitFor('every step\'s Jobs and pods deleted', allGone);
});

test('protocol h2: the generator spec carries wire h2, the meshed run against httpbin\'s `http` port gets 200s, and the result records the protocol beside strict SMP', { timeout: 90_000 }, async () => {
  const running = ws.call('startBenchmark', { url: 'http://httpbin:8000/get', connections: 1, rps: 20, durationSeconds: 2, protocol: 'h2', streams: 2 }, { timeoutMs: 60_000 });
  const [pod] = await waitFor('the generator pod', async () => {
    const items = await benchPods();
    return items.length === 1 ? items : undefined;
  });
  const spec = specOf(pod);
  assert.equal(spec.wire, 'h2');
  assert.equal(spec.streams, 2);
  const answer = await running;
  const bench = answer.result;
  assert.equal(bench.status, 'completed', bench.error);
  assert.equal(bench.protocol, 'h2');
  assert.equal(bench.streams, 2);
  assert.ok(bench.summary.requests > 0);
  // Through the client sidecar the h2 requests reach the HTTP/1.1 app as HTTP/1.1 (Istio's protocol selection): all 200.
  assert.deepEqual(bench.summary.statusCodes, { '200': bench.summary.requests }, JSON.stringify(bench.summary));
  const envelope = (await rest(fx.url, 'GET', `/api/session/benchmarks/${bench.id}/export?format=playground`, { token: s.token })).body.document;
  assert.equal(envelope.playground.protocol, 'h2');
  assert.deepEqual(envelope.playground.wire, { protocol: 'h2', streamsPerConnection: 2 });
  assert.equal(JSON.stringify(envelope.smp).includes('h2'), false, 'the strict SMP document carries no protocol of its own');
  await waitFor('the generator Jobs and pods deleted', allGone);
});

test('protocol fields are validated: each error names its field', async () => {
  const post = (body: Record<string, unknown>) => rest(fx.url, 'POST', '/api/session/benchmarks', { token: s.token, body: { url: 'http://httpbin:8000/get', ...body } });
  const unknown = await post({ protocol: 'h3' });
  assert.equal(unknown.status, 400);
  assert.match(JSON.stringify(unknown.body.details), /protocol/);
  const streamsOnHttp1 = await post({ streams: 4 });
  assert.equal(streamsOnHttp1.status, 400);
  assert.equal(streamsOnHttp1.body.details.fields[0].field, 'streams');
  const tooManyStreams = await post({ protocol: 'h2', streams: 17 });
  assert.equal(tooManyStreams.status, 422);
  assert.equal(tooManyStreams.body.details.limit, 'streams');
  const methodOnH2 = await post({ protocol: 'h2', grpcMethod: '/grpc.health.v1.Health/Check' });
  assert.equal(methodOnH2.body.details.fields[0].field, 'grpcMethod');
  const badMethod = await post({ protocol: 'grpc', grpcMethod: 'Health.Check' });
  assert.equal(badMethod.status, 400);
  assert.equal(badMethod.body.details.fields[0].field, 'grpcMethod');
  assert.match(badMethod.body.details.fields[0].message, /\/package\.Service\/Method/);
  const badBody = await post({ protocol: 'grpc', body: 'not base64!' });
  assert.equal(badBody.body.details.fields[0].field, 'body');
  assert.equal((await benchPods()).length + (await benchJobs()).length, 0, 'nothing was created');
});
