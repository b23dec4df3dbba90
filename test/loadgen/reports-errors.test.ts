// Errors by status class everywhere: a target answering 503 is an error in the LoadResult, the text output, the
// result document (SMP + extension) and the fortio JSON — read back by a reader written to fortio's field
// semantics (fhttp/httprunner.go, periodic/periodic.go). The strict SMP message is parsed by protobufjs from the
// vendored SMP protos. Short runs (1 s of load), real sockets on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { outcomeOf, totalErrors } from '../../playground-server/loadgen/result.js';
import { toText } from '../../playground-server/loadgen/reports/text.js';
import { fromResultDocument, toResultDocument, toSmpResult } from '../../playground-server/loadgen/reports/smp.js';
import { toFortioJson } from '../../playground-server/loadgen/reports/fortio.js';
import { readFortioResult, FortioFormatError } from '../../playground-server/loadgen/reports/fortio-reader.js';
import { parseSmpMessage, SmpFormatError } from '../../playground-server/loadgen/reports/smp-proto.js';
import { sampleSizeWarnings, samplesNeeded, unsupportedPercentiles } from '../../playground-server/loadgen/reports/sample-size.js';
import { validateFortioResult, validateResultDocument, validateSmpResult } from '../../playground-server/loadgen/reports/validate.js';

/** Answers request n: 503 when `fail(n)`, closes the socket without an answer when `drop(n)`, else 200. */
async function target(fail: (n: number) => boolean, drop: (n: number) => boolean = () => false) {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    if (drop(n)) return req.socket.destroy();
    res.writeHead(fail(n) ? 503 : 200, { 'content-type': 'text/plain' }).end('x\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let always503: Awaited<ReturnType<typeof target>>;
let mixed: Awaited<ReturnType<typeof target>>;
before(async () => {
  always503 = await target(() => true);
  mixed = await target((n) => n % 4 === 0, (n) => n % 25 === 0);
});
after(async () => {
  await always503.close();
  await mixed.close();
});

test('a 503 target is all errors: LoadResult, text, result document, fortio JSON (read by fortio\'s semantics)', async () => {
  const r = await runLoadTest({ url: always503.url, rps: 200, durationMs: 1000, warmupMs: 0, connections: 2 });
  assert.ok(r.responses > 100, `${r.responses} responses`);
  assert.equal(r.statusCodes['503'], r.responses);
  const o = outcomeOf(r);
  assert.deepEqual([o.errors, o.statusErrors, o.successes, o.successRate, o.byClass['5xx']], [r.responses, r.responses, 0, 0, r.responses]);
  assert.equal(totalErrors(r), r.responses);
  assert.equal(r.latency.statusErrors.totalCount, r.responses, 'every 503 in the error histogram');
  assert.equal(r.intervals.reduce((n, i) => n + i.errors, 0) > 0, true, 'progress intervals count the 503s as errors');

  const text = toText(r);
  assert.match(text, /^Success\s+0% \(0 of \d+ requests got a 2xx\)$/m);
  assert.match(text, new RegExp(`^Errors\\s+${r.responses}: ${r.responses} non-2xx responses \\(5xx: ${r.responses}\\); without a response: none$`, 'm'));
  assert.match(text, /^warning: small sample: \d+ responses: p99\.9, p99\.99 are the maximum/m, 'fewer than 1,000 samples: p99.9 is the max');

  const doc = JSON.parse(JSON.stringify(toResultDocument(r)));
  assert.ok(validateResultDocument(doc).valid, validateResultDocument(doc).errors.join('; '));
  assert.equal(doc.playground.outcome.errors, r.responses);
  assert.equal(doc.playground.outcome.successRate, 0);
  assert.ok(doc.playground.warnings.some((w: string) => /p99\.9/.test(w)));
  assert.equal(fromResultDocument(doc).latency.statusErrors.totalCount, r.responses, 'reads back');

  const fortio = JSON.parse(JSON.stringify(toFortioJson(r)));
  assert.ok(validateFortioResult(fortio).valid);
  const read = readFortioResult(fortio);
  assert.deepEqual([read.calls, read.errors, read.successes, read.successRate], [r.responses, r.responses, 0, 0]);
  assert.deepEqual(read.retCodes, { '503': r.responses });
  assert.deepEqual(read.inconsistencies, []);
});

test('errors by class and by transport failure agree across outputs; Σ RetCodes = DurationHistogram.Count', async () => {
  const r = await runLoadTest({ url: mixed.url, rps: 200, durationMs: 1000, warmupMs: 0, connections: 2 });
  const o = outcomeOf(r);
  const s503 = r.statusCodes['503'] ?? 0;
  assert.ok(s503 > 10 && (r.statusCodes['200'] ?? 0) > s503, JSON.stringify(r.statusCodes));
  assert.ok(o.transportErrors > 0, `dropped connections are errors without a response: ${JSON.stringify(r.errors)}`);
  assert.equal(o.errors, s503 + o.transportErrors);
  assert.equal(o.requests, r.responses + o.transportErrors);
  assert.ok(o.successRate! > 0.5 && o.successRate! < 0.8, `success rate ${o.successRate}`);
  assert.equal(r.latency.transportErrors.totalCount, o.transportErrors);

  const read = readFortioResult(JSON.parse(JSON.stringify(toFortioJson(r))));
  assert.equal(read.calls, o.requests, 'DurationHistogram: every call, failures without a response included');
  assert.equal(read.errors, o.errors, 'ErrorsDurationHistogram: non-2xx and socket errors');
  assert.equal(read.retCodes['-1'], o.transportErrors, 'RetCode -1: socket errors');
  assert.equal(read.successes, r.statusCodes['200']);
  assert.deepEqual(read.inconsistencies, []);
  assert.match(toText(r), new RegExp(`^Success\\s+[\\d.]+% \\(${o.successes} of ${o.requests} requests got a 2xx\\)$`, 'm'));
});

test('fortio\'s own result JSON (from its README, vendored) reads by the same semantics; bad fields are named', () => {
  const doc = JSON.parse(readFileSync(new URL('./fixtures/fortio/readme-http-result.json', import.meta.url), 'utf8'));
  const read = readFortioResult(doc);
  assert.deepEqual([read.calls, read.errors, read.successes, read.requestedQps, read.threads], [4, 0, 4, 40, 2]);
  assert.equal(read.latencyMs.percentiles.p99, 0.0009216405066666668 * 1000);
  assert.equal(read.actualDurationMs, 104.035637);
  // Without ErrorsDurationHistogram (older fortio), errors come from RetCodes by fortio's codeIsOK.
  assert.equal(readFortioResult({ ...doc, RetCodes: { '200': 2, '503': 1, '-1': 1 } }).errors, 2);
  assert.equal(readFortioResult({ ...doc, RetCodes: { '418': 4 } }).errors, 0, 'fortio passes 418');
  assert.throws(() => readFortioResult({ ...doc, DurationHistogram: { ...doc.DurationHistogram, Count: -1 } }), (e: Error) => e instanceof FortioFormatError && /^DurationHistogram\.Count:/.test(e.message));
  assert.throws(() => readFortioResult({ ...doc, RunType: 'TCP' }), /RunType: expected "HTTP" or one of fortio's gRPC run types/);
  assert.throws(() => readFortioResult({ ...doc, H2: 'yes' }), /H2: expected true or false/);
  assert.throws(() => readFortioResult({ ...doc, RetCodes: { OK: 1 } }), /RetCodes\.OK/);
});

test('the SMP message parses strictly with protobufjs from the vendored protos; the old inline extension does not', async () => {
  const r = await runLoadTest({ url: always503.url, rps: 100, durationMs: 300, warmupMs: 0, connections: 1 });
  const smp = JSON.parse(JSON.stringify(toSmpResult(r, { testId: 't-1', meshConfigId: 'm-1' })));
  assert.ok(validateSmpResult(smp).valid);
  const msg = parseSmpMessage(smp);
  assert.equal(msg.test_id, 't-1');
  assert.equal(msg.mesh_config_id, 'm-1');
  assert.equal((msg.latencies_ms as { p99: number }).p99, smp.latenciesMs.p99);
  assert.equal(Number((msg.start_time as { seconds: string }).seconds), Math.floor(Date.parse(smp.startTime) / 1000));
  assert.throws(() => parseSmpMessage({ ...smp, playground: {} }), (e: Error) => e instanceof SmpFormatError && /PerformanceTestResult\.playground: unknown field/.test(e.message));
  assert.throws(() => parseSmpMessage({ ...smp, latenciesMs: { ...smp.latenciesMs, p999: 1 } }), /latenciesMs\.p999: unknown field/);
  assert.throws(() => parseSmpMessage({ ...smp, startTime: 'yesterday' }), /startTime: expected an RFC 3339/);
  assert.throws(() => parseSmpMessage({ ...smp, actualQps: 'fast' }), /actualQps: expected a number/);
  // Proto names are accepted as protobuf JSON parsers do.
  assert.equal(parseSmpMessage({ smp_version: 'v0.0.1', actual_qps: 3 }).actual_qps, 3);
});

test('sample-size rules: a percentile needs 1/(1−p) samples', () => {
  assert.deepEqual([50, 90, 99, 99.9, 99.99].map(samplesNeeded), [2, 10, 100, 1000, 10000]);
  assert.deepEqual(unsupportedPercentiles(500), [99.9, 99.99]);
  assert.deepEqual(unsupportedPercentiles(10_000), []);
  assert.deepEqual(unsupportedPercentiles(999), [99.9, 99.99]);
  assert.deepEqual(unsupportedPercentiles(1000), [99.99]);
  const fake = (n: number) => ({ latency: { corrected: { totalCount: n } } }) as unknown as Parameters<typeof sampleSizeWarnings>[0];
  assert.match(sampleSizeWarnings(fake(500))[0], /500 responses: p99\.9, p99\.99 are the maximum.*p99\.9 needs ≥ 1,000 samples/);
  assert.deepEqual(sampleSizeWarnings(fake(20_000)), []);
});
