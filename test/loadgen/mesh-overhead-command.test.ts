// `playground bench --mesh-overhead`: one command deploys httpbin direct, behind sidecars (mTLS off) and behind
// sidecars with mTLS in an embedded sandbox, adds a pair of real HAProxy proxies when haproxy is installed, runs
// them interleaved in rounds, and reports paired deltas (median, spread, verdict), the anchor ratios and MeshMark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { bench } from './run-bench.js';
import { renderText, type MeshOverheadResult } from '../../playground-server/loadgen/overhead-command.js';
import { findHaproxy } from '../../playground-server/loadgen/haproxy-anchor.js';

// Short on purpose (CI time): 2 rounds of 2 s runs (a CPU window needs two progress seconds); the bench runs ≥ 5 rounds of longer ones.
const SHORT_RUN = ['--mesh-overhead', '--duration', '2s', '--rounds', '2', '--rps', '200', '--warmup', '200ms', '--connections', '8'];
const HAPROXY = findHaproxy() !== null;
const CONFIGS = ['direct', 'sidecars', 'sidecars+mTLS', ...(HAPROXY ? ['haproxy-pair', 'haproxy-pair+mTLS'] : [])];

test('bad flags exit 2 with a message naming the flag, before any sandbox starts', async () => {
  const cases: [string[], RegExp][] = [
    [['--mesh-overhead', '--rps', '0'], /--rps must be > 0/],
    [['--mesh-overhead', '--rps', 'fast'], /--rps must be a number or "max"/],
    [['--mesh-overhead', '--duration', 'ten'], /--duration is not a duration: "ten"/],
    [['--mesh-overhead', '--duration', '0s'], /--duration must be > 0/],
    [['--mesh-overhead', '--warmup', 'soon'], /--warmup is not a duration/],
    [['--mesh-overhead', '--connections', '0'], /--connections must be an integer from 1/],
    [['--mesh-overhead', '--connections', 'many'], /--connections must be a positive integer/],
    [['--mesh-overhead', '--rounds', '0'], /--rounds must be an integer from 1 to 50 \(got 0\)/],
    [['--mesh-overhead', '--rounds', '51'], /--rounds must be an integer from 1 to 50 \(got 51\)/],
    [['--mesh-overhead', '--rounds', 'five'], /--rounds must be a positive integer \(got "five"\)/],
    [['--mesh-overhead', '--haproxy', 'maybe'], /--haproxy must be one of auto, on, off \(got "maybe"\)/],
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
  assert.match(help.stdout, /--rounds N/);
});

const summary = { type: 'object', required: ['values', 'median', 'min', 'max', 'q1', 'q3', 'spread', 'verdict'], additionalProperties: false, properties: { values: { type: 'array', items: { type: 'number' } }, median: { type: 'number' }, min: { type: 'number' }, max: { type: 'number' }, q1: { type: 'number' }, q3: { type: 'number' }, spread: { type: 'number', minimum: 0 }, verdict: { enum: ['effect', 'spread-exceeds-effect', 'single-round'] } } };
const percentiles = { type: 'object', required: ['p50Ms', 'p90Ms', 'p99Ms', 'p999Ms'], additionalProperties: false, properties: { p50Ms: { type: 'number', minimum: 0 }, p90Ms: { type: 'number', minimum: 0 }, p99Ms: { type: 'number', minimum: 0 }, p999Ms: { type: 'number', minimum: 0 } } };
const deltaOf = (item: object) => ({ type: 'object', required: ['p50Ms', 'p90Ms', 'p99Ms'], additionalProperties: false, properties: { p50Ms: item, p90Ms: item, p99Ms: item } });
const both = (item: object) => ({ type: 'object', required: ['corrected', 'uncorrected'], additionalProperties: false, properties: { corrected: item, uncorrected: item } });
const meshmark = {
  type: 'object',
  required: ['score', 'definition', 'baseline', 'meshed', 'classes', 'notes'],
  additionalProperties: false,
  properties: {
    score: { type: ['number', 'null'], minimum: 0, maximum: 100 },
    definition: { const: 'https://smp-spec.io/meshmark' },
    baseline: { const: 'direct' },
    meshed: { type: 'string' },
    classes: { type: 'array', items: { type: 'object', required: ['name', 'score', 'mues'], properties: { name: { enum: ['compute', 'memory', 'value'] }, score: { type: 'number' }, mues: { type: 'array', minItems: 1 } } } },
    notes: { type: 'array', items: { type: 'string' } },
  },
};
const RESULT_SCHEMA = {
  type: 'object',
  required: ['kind', 'target', 'parameters', 'baseline', 'configurations', 'anchor', 'meshmark', 'notes'],
  additionalProperties: false,
  properties: {
    kind: { const: 'MeshOverheadResult' },
    target: { type: 'string' },
    parameters: { type: 'object', required: ['model', 'rps', 'durationMs', 'warmupMs', 'connections', 'timeoutMs', 'rounds', 'order'] },
    baseline: { const: 'direct' },
    configurations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'description', 'role', 'namespace', 'meshed', 'mtls', 'url', 'hostHeader', 'runs', 'median', 'deltaMs', 'cpuDeltaMsPer1000Requests', 'totals', 'memory', 'meshmark'],
        properties: {
          role: { enum: ['baseline', 'mesh', 'anchor'] },
          url: { type: 'string', pattern: '^http://127\\.' },
          runs: {
            type: 'array',
            items: {
              type: 'object',
              required: ['round', 'achievedRps', 'responses', 'successes', 'errors', 'non2xx', 'droppedSends', 'latencyMs', 'deltaMs', 'cpu', 'memory'],
              properties: { latencyMs: both(percentiles), deltaMs: both(deltaOf({ type: 'number' })) },
            },
          },
          deltaMs: both(deltaOf(summary)),
          cpuDeltaMsPer1000Requests: summary,
          meshmark: { oneOf: [{ type: 'null' }, meshmark] },
        },
      },
    },
    anchor: { type: 'object', required: ['status', 'version', 'pairedWith', 'throughputRatio', 'cpuRatio'], additionalProperties: false, properties: { status: { type: 'string' }, version: { type: ['string', 'null'] }, pairedWith: { oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: { type: 'string' } }] }, throughputRatio: { oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: summary }] }, cpuRatio: { oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: summary }] } } },
    meshmark: { oneOf: [{ type: 'null' }, meshmark] },
    notes: { type: 'array', items: { type: 'string' } },
  },
};

test('the real `playground bench --mesh-overhead --format json`: interleaved rounds, paired deltas with spread, anchor, MeshMark', async () => {
  const bin = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'bench', ...SHORT_RUN, '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (err += b));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0, err);
  const doc = JSON.parse(out) as MeshOverheadResult;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(RESULT_SCHEMA);
  assert.ok(validate(doc), JSON.stringify(validate.errors));

  // The data plane (the sidecars' worker thread) is started before any configuration, so its fixed cost is in none.
  assert.ok(err.indexOf('starting the data plane') >= 0 && err.indexOf('starting the data plane') < err.indexOf('deploying direct'), err);
  assert.ok(doc.notes.some((n) => /data-plane worker thread.*added \d+\.\d MiB of RSS/.test(n)), doc.notes.join('\n'));

  // Interleaved: round 1 of every configuration before round 2 of any.
  const order = [...err.matchAll(/round (\d)\/2 (\S+):/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(order, [1, 2].flatMap((r) => CONFIGS.map((c) => `${r}:${c}`)), err);
  assert.deepEqual(doc.parameters.order, CONFIGS);
  assert.equal(doc.parameters.rounds, 2);
  assert.deepEqual(doc.configurations.map((c) => c.name), CONFIGS);
  assert.deepEqual(doc.configurations.map((c) => c.role), ['baseline', 'mesh', 'mesh', ...(HAPROXY ? ['anchor', 'anchor'] : [])]);
  assert.deepEqual(doc.configurations.map((c) => c.hostHeader), [null, 'httpbin:8000', 'httpbin:8000', ...(HAPROXY ? [null, null] : [])]);
  for (const c of doc.configurations) {
    assert.deepEqual(c.runs.map((r) => r.round), [1, 2]);
    for (const r of c.runs) {
      assert.equal(r.responses, 400, `${c.name} round ${r.round}: 200 rps × 2 s`);
      assert.equal(r.errors + r.non2xx, 0, `${c.name}: no failures`);
      assert.ok(r.cpu.msPer1000Requests > 0, `${c.name}: CPU was measured`);
    }
    // The summary is of the paired per-round deltas, nothing else.
    assert.deepEqual(c.deltaMs.corrected.p50Ms.values, c.runs.map((r) => r.deltaMs.corrected.p50Ms));
    for (const r of c.runs) {
      const base: MeshOverheadResult['configurations'][number]['runs'][number] = doc.configurations[0].runs[r.round - 1];
      assert.equal(r.deltaMs.corrected.p90Ms, r.latencyMs.corrected.p90Ms - base.latencyMs.corrected.p90Ms, 'paired with the same round\'s direct run');
    }
  }
  assert.deepEqual(doc.configurations[0].deltaMs.corrected.p99Ms.values, [0, 0], 'the baseline is its own reference');
  for (const name of ['sidecars', 'sidecars+mTLS']) {
    const mm = doc.configurations.find((c) => c.name === name)!.meshmark;
    assert.ok(mm && mm.meshed === name && mm.classes.some((k) => k.name === 'value'), `${name} has a MeshMark`);
  }
  assert.equal(doc.meshmark?.meshed, 'sidecars+mTLS');
  if (HAPROXY) {
    assert.equal(doc.anchor.status, 'used');
    assert.deepEqual(Object.keys(doc.anchor.throughputRatio!), ['sidecars', 'sidecars+mTLS']);
    // Like-for-like: plaintext sidecars against the plaintext pair, mTLS sidecars against the mTLS pair.
    assert.deepEqual(doc.anchor.pairedWith, { sidecars: 'haproxy-pair', 'sidecars+mTLS': 'haproxy-pair+mTLS' });
    assert.deepEqual(doc.configurations.filter((c) => c.role === 'anchor').map((c) => c.mtls), [false, true]);
    assert.ok(doc.anchor.throughputRatio!.sidecars.values.every((v) => Number.isFinite(v) && v > 0), 'a throughput ratio per round');
  } else assert.equal(doc.anchor.status, 'not installed');
  assert.match(err, /mesh-overhead: stopping the sandbox/);

  // The text view of the same document.
  const text = renderText(doc);
  assert.match(text, /200 rps \(open model\), 2 rounds of direct → sidecars → sidecars\+mTLS/);
  assert.match(text, /^\s+sidecars\+mTLS\s+[+-]\d+\.\d{3} \[[+-]\d+\.\d{3}…[+-]\d+\.\d{3}\] (effect|spread>effect)/m);
  assert.match(text, /MeshMark of sidecars\+mTLS vs direct: \d+\.\d \/ 100/);
  assert.match(text, /note: Sample size: the smallest run has 400 responses; a p99\.9 of fewer than 1000 samples is the run's maximum/);
  if (HAPROXY) assert.match(text, /HAProxy anchor \(HAProxy 2\./);
});
