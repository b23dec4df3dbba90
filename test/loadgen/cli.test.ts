// `playground bench`: bad flags are usage errors (exit 2, a message naming the flag); a short run
// prints the wrk2-style percentile spectrum on stdout and live progress on stderr.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bench } from './run-bench.js';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';

/** A port with nothing listening: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let target: EchoTarget;
before(async () => {
  target = await spawnEchoTarget({ mode: 'http' });
});
after(async () => {
  await target.close();
});

test('bad flags exit 2 with a message naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [[target.url, '--rps', '0'], /--rps must be > 0/],
    [[target.url, '--rps=-5'], /--rps must be > 0 \(got -5\)/],
    [[target.url, '--rps', '-5'], /Option '--rps' argument is ambiguous/],
    [[target.url, '--rps', 'fast'], /--rps must be a number or "max"/],
    [[target.url, '--duration', 'ten'], /--duration is not a duration: "ten"/],
    [[target.url, '--duration', '10'], /--duration is not a duration/],
    [[target.url, '--timeout', '5 parsecs'], /--timeout is not a duration/],
    [[target.url, '--rsp', '100'], /Unknown option '--rsp'/],
    [[target.url, '--connections', '0'], /--connections must be an integer from 1/],
    [[target.url, '--connections', '2', '--workers', '4'], /--workers \(4\) must not exceed connections \(2\)/],
    [[target.url, '--format', 'xml'], /--format must be one of text, smp, fortio/],
    [[target.url, '--engine', 'jmeter'], /--engine must be one of builtin, wrk, hey/],
    [[target.url, '--engine', 'wrk', '--rps', '100'], /wrk has no rate control/],
    [['ftp://127.0.0.1/'], /--url must be http:\/\/ or https:\/\//],
    [[], /missing <url>/],
  ];
  for (const [args, message] of cases) {
    const r = await bench(args);
    assert.equal(r.code, 2, `exit 2 for ${args.join(' ')} (stderr: ${r.stderr})`);
    assert.match(r.stderr, message, `message for ${args.join(' ')}`);
    assert.equal(r.stdout, '', 'no result printed');
  }
});

test('an unreachable URL is a usage error, reported before any load', async () => {
  const port = await closedPort();
  const r = await bench([`http://127.0.0.1:${port}/`, '--duration', '1s']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /URL not reachable: .*ECONNREFUSED/);
});

test('a short open-model run prints the percentile spectrum and live progress', async () => {
  const r = await bench([target.url, '--rps', '200', '--duration', '2s', '--warmup', '200ms', '--connections', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Requested\s+200 rps \(open model\) for 2s/);
  assert.match(r.stdout, /Status\s+200: 400/);
  // wrk2 / HdrHistogram outputPercentileDistribution shape.
  assert.match(r.stdout, /Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)/);
  const rows = r.stdout.split('\n').filter((l) => /^\s+\d+\.\d{3}\s+\d\.\d{12}\s+\d+\s+[\d.]+$/.test(l));
  assert.ok(rows.length >= 10, `spectrum rows: ${rows.length}`);
  assert.match(r.stdout, /^\s+\d+\.\d{3}\s+1\.000000000000\s+400\s*$/m, 'spectrum ends at percentile 1 with every sample');
  assert.match(r.stdout, /#\[Max\s+=\s+[\d.]+, Total count\s+=\s+400\]/);
  assert.match(r.stderr, /\[\s+1s\]\s+\d+ rps\s+p50\s+[\d.]+ ms\s+p99\s+[\d.]+ ms\s+errors 0/);
});

test('--format fortio and playground print JSON; the real `playground bench` entry works end to end', async () => {
  const fortio = await bench([target.url, '--duration', '1s', '--warmup', '0', '--format', 'fortio', '-c', '2']);
  assert.equal(fortio.code, 0, fortio.stderr);
  const doc = JSON.parse(fortio.stdout);
  assert.equal(doc.RequestedQPS, 'max');
  assert.ok(doc.DurationHistogram.Count > 0);

  const bin = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'bench', target.url, '--rps', '100', '--duration', '1s', '--warmup', '0', '--format', 'playground', '-c', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0);
  const envelope = JSON.parse(out);
  assert.equal(envelope.playground.requestedRps, 100);
  assert.equal(envelope.playground.responses, 100);
  assert.ok(envelope.smp.latenciesMs.p50 > 0);
});
