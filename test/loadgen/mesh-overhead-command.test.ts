// `playground bench --mesh-overhead`: one command deploys httpbin direct, behind sidecars (mTLS off) and behind
// sidecars with mTLS in an embedded sandbox, runs the same load against each, and reports deltas against direct.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { bench } from './run-bench.js';

const SHORT_RUN = ['--mesh-overhead', '--duration', '2s', '--rps', '200', '--warmup', '500ms', '--connections', '8'];
const CONFIGS = ['direct', 'sidecars', 'sidecars+mTLS'];

test('bad flags exit 2 with a message naming the flag, before any sandbox starts', async () => {
  const cases: [string[], RegExp][] = [
    [['--mesh-overhead', '--rps', '0'], /--rps must be > 0/],
    [['--mesh-overhead', '--rps', 'fast'], /--rps must be a number or "max"/],
    [['--mesh-overhead', '--duration', 'ten'], /--duration is not a duration: "ten"/],
    [['--mesh-overhead', '--duration', '0s'], /--duration must be > 0/],
    [['--mesh-overhead', '--warmup', 'soon'], /--warmup is not a duration/],
    [['--mesh-overhead', '--connections', '0'], /--connections must be an integer from 1/],
    [['--mesh-overhead', '--connections', 'many'], /--connections must be a positive integer/],
    [['--mesh-overhead', '--format', 'smp'], /--format must be one of text, json/],
    [['--mesh-overhead', '--engine', 'wrk'], /Unknown option '--engine'.*--mesh-overhead takes --rps/],
    [['--mesh-overhead', 'http://127.0.0.1:1/'], /takes no <url>/],
  ];
  for (const [args, message] of cases) {
    const r = await bench(args);
    assert.equal(r.code, 2, `exit 2 for ${args.join(' ')} (stderr: ${r.stderr})`);
    assert.match(r.stderr, message, `message for ${args.join(' ')}`);
    assert.doesNotMatch(r.stderr, /starting the embedded sandbox/);
    assert.equal(r.stdout, '');
  }
  const help = await bench(['--mesh-overhead', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: playground bench --mesh-overhead/);
});

test('the real `playground bench --mesh-overhead` prints three configurations with finite deltas', async () => {
  const bin = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'bench', ...SHORT_RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (err += b));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0, err);
  assert.match(out, /200 rps \(open model\), 2s per configuration/);
  const corrected = out.slice(out.indexOf('Latency, corrected'), out.indexOf('Latency, uncorrected'));
  const num = String.raw`(-?\d+\.\d+)`;
  const delta = String.raw`([+-]\d+\.\d{3})`;
  for (const name of CONFIGS) {
    const row = new RegExp(String.raw`^\s+${name.replace('+', '\\+')}\s+${num}\s+${num}\s+${num}\s+${num}\s+${num}\s+${delta}\s+${delta}\s+${delta}\s+0\s+0$`, 'm').exec(corrected);
    assert.ok(row, `a corrected-latency row for ${name} with no errors:\n${corrected}`);
    const deltas = row.slice(6, 9).map(Number);
    assert.ok(deltas.every(Number.isFinite), `${name}: finite deltas ${deltas}`);
    if (name === 'direct') assert.deepEqual(deltas, [0, 0, 0], 'the baseline is its own reference');
  }
  assert.match(out, /Latency, uncorrected/);
  assert.match(out, /^\s+sidecars\+mTLS\s+[\d.]+\s+[+-][\d.]+\s+\d+\s+[+-][\d.]+/m, 'CPU and memory row');
  assert.match(err, /mesh-overhead: stopping the sandbox/);
});

const percentiles = { type: 'object', required: ['p50Ms', 'p90Ms', 'p99Ms', 'p999Ms'], additionalProperties: false, properties: { p50Ms: { type: 'number', minimum: 0 }, p90Ms: { type: 'number', minimum: 0 }, p99Ms: { type: 'number', minimum: 0 }, p999Ms: { type: 'number', minimum: 0 } } };
const deltas = { type: 'object', required: ['p50Ms', 'p90Ms', 'p99Ms'], additionalProperties: false, properties: { p50Ms: { type: 'number' }, p90Ms: { type: 'number' }, p99Ms: { type: 'number' } } };
const numbers = (names: string[]) => ({ type: 'object', required: names, additionalProperties: false, properties: Object.fromEntries(names.map((n) => [n, { type: 'number' }])) });
const RESULT_SCHEMA = {
  type: 'object',
  required: ['kind', 'target', 'parameters', 'baseline', 'configurations', 'notes'],
  additionalProperties: false,
  properties: {
    kind: { const: 'MeshOverheadResult' },
    target: { type: 'string' },
    parameters: {
      type: 'object',
      required: ['model', 'rps', 'durationMs', 'warmupMs', 'connections', 'timeoutMs'],
      properties: { model: { enum: ['open', 'closed'] }, rps: { type: ['number', 'null'] }, durationMs: { type: 'number' }, warmupMs: { type: 'number' }, connections: { type: 'integer' }, timeoutMs: { type: 'number' } },
    },
    baseline: { const: 'direct' },
    configurations: {
      type: 'array',
      minItems: 3,
      maxItems: 3,
      items: {
        type: 'object',
        required: ['name', 'description', 'namespace', 'meshed', 'mtls', 'url', 'hostHeader', 'achievedRps', 'responses', 'errors', 'non2xx', 'droppedSends', 'latencyMs', 'deltaMs', 'cpu', 'memory'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          namespace: { type: 'string' },
          meshed: { type: 'boolean' },
          mtls: { type: 'boolean' },
          url: { type: 'string', pattern: '^http://127\\.' },
          hostHeader: { type: ['string', 'null'] },
          achievedRps: { type: 'number', exclusiveMinimum: 0 },
          responses: { type: 'integer', minimum: 1 },
          errors: { type: 'integer' },
          non2xx: { type: 'integer' },
          droppedSends: { type: 'integer' },
          latencyMs: { type: 'object', required: ['corrected', 'uncorrected'], additionalProperties: false, properties: { corrected: percentiles, uncorrected: percentiles } },
          deltaMs: { type: 'object', required: ['corrected', 'uncorrected'], additionalProperties: false, properties: { corrected: deltas, uncorrected: deltas } },
          cpu: numbers(['msPer1000Requests', 'deltaMsPer1000Requests', 'millicores']),
          memory: numbers(['deployRssBytes', 'deployHeapBytes', 'loadRssDeltaBytes', 'loadHeapDeltaBytes', 'maxRssBytes']),
        },
      },
    },
    notes: { type: 'array', items: { type: 'string' } },
  },
};

test('--format json validates against the result shape; every configuration ran the same load without errors', async () => {
  const r = await bench([...SHORT_RUN, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    parameters: { rps: number; connections: number };
    configurations: { name: string; meshed: boolean; mtls: boolean; hostHeader: string | null; responses: number; errors: number; non2xx: number; deltaMs: Record<string, Record<string, number>>; cpu: Record<string, number> }[];
  };
  const validate = new Ajv({ allErrors: true, strict: true }).compile(RESULT_SCHEMA);
  assert.ok(validate(doc), JSON.stringify(validate.errors));
  assert.deepEqual(doc.configurations.map((c) => c.name), CONFIGS);
  assert.deepEqual(doc.configurations.map((c) => [c.meshed, c.mtls]), [[false, false], [true, false], [true, true]]);
  assert.deepEqual(doc.configurations.map((c) => c.hostHeader), [null, 'httpbin:8000', 'httpbin:8000']);
  assert.equal(doc.parameters.rps, 200);
  for (const c of doc.configurations) {
    assert.equal(c.responses, 400, `${c.name}: 200 rps × 2 s`);
    assert.equal(c.errors + c.non2xx, 0, `${c.name}: no failures`);
    for (const kind of ['corrected', 'uncorrected']) for (const v of Object.values(c.deltaMs[kind])) assert.ok(Number.isFinite(v));
    assert.ok(c.cpu.msPer1000Requests > 0, `${c.name}: CPU was measured`);
  }
  assert.deepEqual(Object.values(doc.configurations[0].deltaMs.corrected), [0, 0, 0]);
});
