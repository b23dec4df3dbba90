// Distributed runs: the coordinator splits one schedule across generators (worker threads, or child
// processes speaking the same protocol as a Kubernetes Job pod would) and merges their histograms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { decodeHistogram } from '../../playground-server/loadgen/histogram.js';
import { GENERATOR_PROTOCOL, type GeneratorMessage, type GeneratorReport } from '../../playground-server/loadgen/protocol.js';
import type { IntervalStat } from '../../playground-server/loadgen/result.js';
import { locateBundle } from '../../prebuilt/bundles.js';
import { buildGeneratorBundle } from '../../scripts/build-bundles.js';

let target: EchoTarget;
before(async () => {
  // `npm run build` makes the generator bundle; a checkout without a current one gets it built here (< 1 s).
  if (!locateBundle('generator', 'generator-worker').ok || !locateBundle('generator', 'generator-main').ok) await buildGeneratorBundle();
  target = await spawnEchoTarget({ mode: 'http' });
});
after(async () => {
  await target.close();
});

test('4 worker-thread generators share one 800 rps schedule; the merge holds every sample', async () => {
  const progress: IntervalStat[] = [];
  const r = await runLoadTest(
    { url: target.url, rps: 800, durationMs: 2000, warmupMs: 300, connections: 8, workers: 4 },
    { onProgress: (i) => progress.push(i) },
  );
  assert.equal(r.generators, 4);
  assert.equal(r.connections, 8);
  // The interleaved schedule has exactly rate × duration slots in the window, whoever sends them.
  assert.equal(r.scheduled, 1600);
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  assert.equal(r.responses + errors + r.droppedSends, 1600, `responses ${r.responses}, errors ${errors}, dropped ${r.droppedSends}`);
  assert.ok(r.responses >= 1500, `responses ${r.responses}`);
  assert.equal(r.latency.corrected.totalCount, r.responses);
  assert.equal(r.latency.uncorrected.totalCount, r.responses);
  assert.deepEqual(r.statusCodes, { '200': r.responses });
  // CPU per 1,000 requests: each worker-thread generator counts its own thread (Linux per-thread accounting).
  assert.ok(typeof r.cpuMsPer1kRequests === 'number' && r.cpuMsPer1kRequests > 0, `cpuMsPer1kRequests ${r.cpuMsPer1kRequests}`);
  assert.ok(typeof r.cpuMicros === 'number' && r.cpuMicros > 0, `cpuMicros ${r.cpuMicros}`);
  // Per-second progress merged across the 4 generators: every second once, every response in one second.
  assert.deepEqual(progress.map((p) => p.second), [1, 2]);
  assert.equal(progress.reduce((a, p) => a + p.responses, 0), r.responses);
});

test('a generator process speaks the protocol on stdout (as a Job pod would) and its result merges', async () => {
  const entry = fileURLToPath(new URL('../../playground-server/loadgen/generator-main.ts', import.meta.url));
  const spec = { protocol: GENERATOR_PROTOCOL, generatorId: 0, url: target.url, method: 'GET', headers: {}, totalRps: 200, stride: 1, phase: 0, connections: 2, durationMs: 1000, warmupMs: 0, timeoutMs: 2000 };
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, LOADGEN_SPEC: JSON.stringify(spec) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: GeneratorMessage[] = [];
  for await (const line of createInterface({ input: child.stdout })) messages.push(JSON.parse(line) as GeneratorMessage);
  const result = messages.at(-1) as GeneratorReport;
  assert.equal(result.type, 'result');
  assert.equal(result.responses, 200);
  assert.equal(decodeHistogram(result.histograms.corrected).totalCount, 200);
  assert.ok(messages.some((m) => m.type === 'progress'), 'per-second progress lines');

  // The coordinator's process transport drives the same entry.
  const merged = await runLoadTest({ url: target.url, rps: 300, durationMs: 1000, warmupMs: 0, connections: 2, workers: 2, transport: 'process' });
  assert.equal(merged.generators, 2);
  assert.equal(merged.responses, 300);
  assert.ok(typeof result.cpuMicros === 'number' && result.cpuMicros > 0, 'a generator process reports its CPU');
  assert.ok((merged.cpuMsPer1kRequests ?? 0) > 0, 'CPU per 1,000 requests merged across generator processes');
  assert.equal(merged.notes.length, 0, `no caveats (the prebuilt bundle ran): ${merged.notes.join('; ')}`);
});

test('a bad spec is refused with the field named', async () => {
  const entry = fileURLToPath(new URL('../../playground-server/loadgen/generator-main.ts', import.meta.url));
  const spec = { protocol: GENERATOR_PROTOCOL, generatorId: 0, url: target.url, method: 'GET', headers: {}, totalRps: 100, stride: 2, phase: 5, connections: 1, durationMs: 1000, warmupMs: 0, timeoutMs: 1000 };
  const child = spawn(process.execPath, ['--import', 'tsx', entry, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) lines.push(line);
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', r)));
  assert.equal(code, 1);
  assert.match(JSON.parse(lines[0]).message, /generator spec: phase must be < stride \(2\)/);
});
