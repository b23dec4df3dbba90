// `playground bench`: bad flags are usage errors (exit 2, a message naming the flag); a short run
// prints the wrk2-style percentile spectrum on stdout and live progress on stderr.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench } from './run-bench.js';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { locateBundle, bundleFallbackMessage } from '../../prebuilt/bundles.js';
import { buildGeneratorBundle } from '../../scripts/build-bundles.js';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));

/** Run the real `playground` command as a child process in `cwd`; every wait bounded. */
function playground(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cmd, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

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
  // `npm run build` makes the bundle; a checkout whose bundle is missing or stale gets it built here (esbuild, < 1 s).
  if (!locateBundle('generator', 'generator-worker').ok || !locateBundle('generator', 'generator-main').ok) await buildGeneratorBundle();
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
    [[target.url, '--format', 'xml'], /--format must be one of text, smp, playground, fortio/],
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
  assert.match(r.stdout, /Status\s+2xx: 400\s+\[200: 400\]/);
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

  const child = spawn(process.execPath, [BIN, 'bench', target.url, '--rps', '100', '--duration', '1s', '--warmup', '0', '--format', 'playground', '-c', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0);
  const envelope = JSON.parse(out);
  assert.equal(envelope.playground.requestedRps, 100);
  assert.equal(envelope.playground.responses, 100);
  assert.ok(envelope.smp.latenciesMs.p50 > 0);
});

test('every generator transport runs from / and from an installed package, on the prebuilt bundle', async () => {
  // `npm install -g` links <prefix>/bin/playground to the package's bin/playground.js: run through such a link.
  const prefix = mkdtempSync(join(tmpdir(), 'playground-install-'));
  try {
    mkdirSync(join(prefix, 'bin'));
    const installed = join(prefix, 'bin', 'playground');
    symlinkSync(BIN, installed);
    const runs: [string, string[]][] = [
      [BIN, ['--workers', '2']], // worker threads (as --mesh-overhead's generator pods: the same launcher)
      [installed, ['--workers', '2', '--transport', 'process', '--format', 'playground']],
    ];
    for (const [cmd, flags] of runs) {
      const r = await playground(cmd, ['bench', target.url, '--rps', '100', '--duration', '1s', '--warmup', '0', '-c', '2', ...flags], '/');
      const what = `${cmd === BIN ? 'bin/playground.js' : 'installed playground'} ${flags.join(' ')}`;
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Cannot find package|ERR_MODULE_NOT_FOUND/, what);
      assert.doesNotMatch(r.stderr, /generator bundle (missing|stale)/, `${what}: generators ran the prebuilt bundle`);
      if (flags.includes('playground')) assert.equal(JSON.parse(r.stdout).playground.responses, 100, what);
      else assert.match(r.stdout, /Status\s+2xx: 100\s+\[200: 100\]/, what);
    }
    // A Job pod's command: `playground generator` with the spec in LOADGEN_SPEC, one JSON line per message.
    const spec = { protocol: 'mesh-playground.loadgen/v1', generatorId: 0, url: target.url, method: 'GET', headers: {}, totalRps: 100, stride: 1, phase: 0, connections: 1, durationMs: 500, warmupMs: 0, timeoutMs: 2000 };
    const g = await playground(installed, ['generator'], '/', { ...process.env, LOADGEN_SPEC: JSON.stringify(spec) });
    assert.equal(g.code, 0, g.stderr);
    const last = JSON.parse(g.stdout.trim().split('\n').at(-1) ?? '{}');
    assert.equal(last.type, 'result');
    assert.equal(last.responses, 50);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test('a generator started through a symlinked directory (npm link, a linked dist/) runs and answers, not exits silent', async () => {
  const located = locateBundle('generator', 'generator-main');
  assert.ok(located.ok, JSON.stringify(located));
  const dir = mkdtempSync(join(tmpdir(), 'playground-linked-'));
  try {
    const linked = join(dir, 'loadgen');
    symlinkSync(dirname(located.file), linked);
    const port = await closedPort();
    const spec = { protocol: 'mesh-playground.loadgen/v1', generatorId: 0, url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {}, totalRps: 10, stride: 1, phase: 0, connections: 1, durationMs: 200, warmupMs: 0, timeoutMs: 1000 };
    const g = await playground(join(linked, 'generator-main.mjs'), [], '/', { ...process.env, LOADGEN_SPEC: JSON.stringify(spec) });
    const last = JSON.parse(g.stdout.trim().split('\n').at(-1) || '{}');
    assert.equal(last.type, 'error', `stdout: ${JSON.stringify(g.stdout)} stderr: ${g.stderr}`);
    assert.match(last.message, /cannot connect to 127\.0\.0\.1:\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the generator bundles carry only what a generator runs (no protobufjs, no X.509: RSS per generator is a bench goal)', () => {
  for (const entry of ['generator-worker', 'generator-main'] as const) {
    const located = locateBundle('generator', entry);
    assert.ok(located.ok, `${entry}: ${JSON.stringify(located)}`);
    const text = readFileSync(located.file, 'utf8');
    for (const heavy of ['node_modules/protobufjs', 'node_modules/@peculiar', 'node_modules/ajv']) assert.ok(!text.includes(heavy), `${entry} bundles ${heavy}: keep report-side code out of modules generators import`);
  }
});

test('a missing or stale generator bundle is reported with the fix', () => {
  const root = mkdtempSync(join(tmpdir(), 'playground-bundle-'));
  try {
    const missing = locateBundle('generator', 'generator-main', root);
    assert.equal(missing.ok, false);
    assert.ok(!missing.ok && missing.reason === 'missing');
    if (!missing.ok) assert.match(bundleFallbackMessage(missing), /generator bundle missing \(dist\/loadgen\/generator-main\.mjs does not exist\): run `npm run build`/);
    mkdirSync(join(root, 'dist/loadgen'), { recursive: true });
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'dist/loadgen/generator-main.mjs'), '');
    writeFileSync(join(root, 'dist/loadgen/bundle-inputs.json'), JSON.stringify({ inputs: ['src/a.ts', 'src/not-shipped.ts'] }));
    writeFileSync(join(root, 'src/a.ts'), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'dist/loadgen/generator-main.mjs'), old, old);
    const stale = locateBundle('generator', 'generator-main', root);
    assert.ok(!stale.ok && stale.reason === 'stale' && /src\/a\.ts changed after/.test(stale.detail), JSON.stringify(stale));
    utimesSync(join(root, 'src/a.ts'), new Date(old.getTime() - 60_000), new Date(old.getTime() - 60_000));
    assert.deepEqual(locateBundle('generator', 'generator-main', root), { ok: true, bundle: 'generator', file: join(root, 'dist/loadgen/generator-main.mjs') });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
