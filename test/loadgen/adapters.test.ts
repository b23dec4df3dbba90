// wrk and hey adapters: their real output, parsed into the same LoadResult. Skipped (with the reason)
// when the binary is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { getEngine } from '../../playground-server/loadgen/engine.js';
import { findBinary } from '../../playground-server/loadgen/engines/find-binary.js';
import { heyRowsToLoadResult, parseHeyCsv } from '../../playground-server/loadgen/engines/hey.js';
import { parseWrkOutput, wrkArgs, wrkResultToLoadResult, wrkScript } from '../../playground-server/loadgen/engines/wrk.js';
import { runBinary } from '../../playground-server/loadgen/engines/run-binary.js';
import { resolveOptions } from '../../playground-server/loadgen/options.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { summarize } from '../../playground-server/loadgen/histogram.js';
import { toResultDocument, toSmpResult } from '../../playground-server/loadgen/reports/smp.js';
import { toText } from '../../playground-server/loadgen/reports/text.js';
import { validateResultDocument, validateSmpResult } from '../../playground-server/loadgen/reports/validate.js';

const wrk = await findBinary('wrk');
const hey = await findBinary('hey');

let target: EchoTarget;
before(async () => {
  target = await spawnEchoTarget({ mode: 'raw' });
});
after(async () => {
  await target.close();
});

test('wrk adapter: exact histogram from wrk\'s own latency record', { skip: wrk ? false : 'wrk is not installed (apt-get install wrk)' }, async () => {
  const r = await getEngine('wrk').run({ url: target.url, durationMs: 1000, warmupMs: 0, connections: 4 });
  assert.equal(r.engine, 'wrk');
  assert.equal(r.model, 'closed');
  assert.ok(r.responses > 100, `wrk made ${r.responses} requests`);
  const s = summarize(r.latency.corrected);
  assert.ok(s.p50 > 0 && s.p50 <= s.p99 && s.p99 <= s.max);
  assert.ok(r.actualRps > 0);
  assert.equal(r.statusCodes['1xx-3xx'], r.responses);
  assert.deepEqual(r.notMeasured, ['sendSchedule', 'statusCodes']);
  // wrk keeps its latency record apart from its request counter (the record usually holds more samples);
  // the percentile cross-check below shows the record is read exactly.
  assert.ok(r.latency.corrected.totalCount > 0);
  assert.ok(validateSmpResult(JSON.parse(JSON.stringify(toSmpResult(r)))).valid);
});

test('wrk adapter: our histogram of wrk\'s record gives the percentiles wrk itself prints', { skip: wrk ? false : 'wrk is not installed (apt-get install wrk)' }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wrk-test-'));
  try {
    const o = resolveOptions({ url: target.url, durationMs: 1000, warmupMs: 0, connections: 4 });
    const script = path.join(dir, 'report.lua');
    await writeFile(script, wrkScript(o));
    const run = await runBinary(wrk!, wrkArgs(o, 1000, script));
    const r = wrkResultToLoadResult(parseWrkOutput(run.stdout), o, new Date(), false, []);
    // wrk --latency prints e.g. "     99%    1.23ms" from the very same record.
    const printed = [...run.stdout.matchAll(/^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$/gm)];
    assert.equal(printed.length, 4, run.stdout);
    for (const [, p, value, unit] of printed) {
      const micros = Number(value) * (unit === 'us' ? 1 : unit === 'ms' ? 1000 : 1e6);
      const ours = r.latency.corrected.getValueAtPercentile(Number(p));
      // wrk prints 2 decimals; HDR keeps 3 significant digits: agree within those roundings.
      const tolerance = Math.max(1, micros * 0.002) + (unit === 'us' ? 0.005 : unit === 'ms' ? 5 : 5000);
      assert.ok(Math.abs(ours - micros) <= tolerance, `p${p}: ours ${ours} µs, wrk printed ${value}${unit}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hey adapter: per-request CSV becomes an exact histogram; warm-up rows are cut', { skip: hey ? false : 'hey is not installed (apt-get install hey)' }, async () => {
  const r = await getEngine('hey').run({ url: target.url, rps: 200, durationMs: 1000, warmupMs: 500, connections: 2 });
  assert.equal(r.engine, 'hey');
  assert.equal(r.correctedForCoordinatedOmission, false);
  assert.equal(r.latency.corrected.totalCount, r.responses);
  assert.equal(r.statusCodes['200'], r.responses);
  // 200 rps for 1 s measured: hey's throttle is approximate, and the warm-up half second is not counted.
  assert.ok(r.responses > 100 && r.responses < 260, `measured ${r.responses} of ~200`);
  assert.ok(validateSmpResult(JSON.parse(JSON.stringify(toSmpResult(r)))).valid);
});

test('adapter output parsers read the tools\' formats and reject garbage', () => {
  const rows = parseHeyCsv('response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n0.0010,0.0002,0.0000,0.0001,0.0003,0.0004,200,0.0001\n0.0236,0.0000,0.0000,0.0000,0.0235,0.0000,503,0.5012\n');
  assert.deepEqual(rows, [
    { responseTimeS: 0.001, status: 200, offsetS: 0.0001 },
    { responseTimeS: 0.0236, status: 503, offsetS: 0.5012 },
  ]);
  assert.throws(() => parseHeyCsv('Summary:\n  Total: 1 secs\n'), /hey printed no CSV/);
  const done = parseWrkOutput('Running 1s test @ http://x/\nLOADGEN_WRK_RESULT {"requests":3,"durationUs":1000000,"bytes":10,"errors":{"connect":0,"read":0,"write":0,"status":1,"timeout":0},"latency":[[100,2],[250,1]]}\n');
  assert.equal(done.requests, 3);
  assert.deepEqual(done.latency, [[100, 2], [250, 1]]);
  assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'), /wrk printed no result/);
});

test('hey is labelled for what it is: a throttled closed loop; late/dropped and no-response errors "not measured", 503s are errors', () => {
  const o = resolveOptions({ url: 'http://127.0.0.1:1/', rps: 100, durationMs: 1000, warmupMs: 0, connections: 2 });
  const rows = Array.from({ length: 100 }, (_, i) => ({ responseTimeS: 0.001 + i / 1e5, status: i % 5 ? 200 : 503, offsetS: i / 100 }));
  const r = heyRowsToLoadResult(rows, o, new Date(), false);
  assert.equal(r.model, 'closed', 'hey -q throttles a closed loop; it is not an open model');
  assert.equal(r.correctedForCoordinatedOmission, false);
  assert.deepEqual(r.notMeasured, ['sendSchedule', 'transportErrors']);
  assert.equal(r.latency.statusErrors.totalCount, 20);
  const text = toText(r);
  assert.doesNotMatch(text, /rps \(open model\)/);
  assert.match(text, /not an open model/);
  assert.doesNotMatch(text, /late \(>1 ms\) 0|dropped 0/, 'no late/dropped count hey cannot measure');
  assert.match(text, /late and dropped sends not measured/);
  assert.match(text, /^Errors\s+20\+: 20 non-2xx responses \(5xx: 20\); without a response: not measured by this engine$/m);
  const doc = JSON.parse(JSON.stringify(toResultDocument(r)));
  assert.ok(validateResultDocument(doc).valid, validateResultDocument(doc).errors.join('; '));
  assert.deepEqual(doc.playground.notMeasured, ['sendSchedule', 'transportErrors']);
  assert.equal(doc.playground.model, 'closed');
});

test('wrk\'s ≥ 400 counter is a status class (errors), not a transport failure', () => {
  const o = resolveOptions({ url: 'http://127.0.0.1:1/', durationMs: 1000, warmupMs: 0, connections: 2 });
  const r = wrkResultToLoadResult({ requests: 10, durationUs: 1_000_000, bytes: 100, errors: { connect: 0, read: 1, write: 0, status: 4, timeout: 0 }, latency: [[100, 10]] }, o, new Date(), false, []);
  assert.deepEqual(r.statusCodes, { '1xx-3xx': 6, '4xx-5xx': 4 });
  assert.deepEqual(r.errors, { read: 1 });
  assert.match(toText(r), /^Success\s+54\.55% \(6 of 11 requests got a 2xx\)$/m);
});
