// The scale test's pure parts on known inputs: flags (limits named in the errors), quantities and PodMetrics sums,
// the thresholds a step crosses, and the verdict that says where it stopped scaling and why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScaleTestFlags, ScaleTestUsageError } from '../../playground-server/scaletest/flags.js';
import { DEFAULT_THRESHOLDS, SCALE_LIMITS } from '../../playground-server/scaletest/limits.js';
import { parseQuantity, summarizePodMetrics } from '../../playground-server/scaletest/pod-metrics.js';
import { breachesOf, summarize, verdictOf, type StepReport } from '../../playground-server/scaletest/report.js';

function step(copies: number, over: Partial<StepReport> = {}): StepReport {
  const ok = summarize([10, 20, 30]);
  const base: Omit<StepReport, 'breaches'> = {
    copies,
    startedAt: '2026-01-01T00:00:00.000Z',
    api: { create: ok, list: ok, watch: ok, podStartup: summarize([800, 900]) },
    configPush: { ms: 120, probes: 4, probeRoundTripMs: 30 },
    load: { requestedRps: 100, actualRps: 99.5, requests: 500, errors: 0, errorPercent: 0, statusClasses: { '2xx': 500 }, transportErrors: {}, latencyMs: { p50: 5, p90: 9, p99: 20, max: 25 }, timeline: [] },
    resources: null,
    ...over,
  };
  return { ...base, breaches: over.breaches ?? breachesOf(base, DEFAULT_THRESHOLDS) };
}

describe('scale-test flags', () => {
  test('steps from --steps or from --max/--step; defaults', () => {
    assert.deepEqual(parseScaleTestFlags([]).steps, [1, 5, 10]);
    assert.deepEqual(parseScaleTestFlags(['--steps', '2, 4,8']).steps, [2, 4, 8]);
    assert.deepEqual(parseScaleTestFlags(['--max', '10', '--step', '3']).steps, [3, 6, 9, 10]);
    assert.deepEqual(parseScaleTestFlags(['--max', '8']).steps, [2, 4, 6, 8]);
    const f = parseScaleTestFlags(['--max-p99-ms', '40', '--max-error-percent', '0', '--rps', '300', '--namespace-annotations', 'linkerd.io/inject=enabled']);
    assert.equal(f.thresholds.maxP99Ms, 40);
    assert.equal(f.thresholds.maxErrorPercent, 0);
    assert.equal(f.thresholds.maxCreateMs, DEFAULT_THRESHOLDS.maxCreateMs);
    assert.equal(f.rps, 300);
    assert.deepEqual(f.namespaceAnnotations, { 'linkerd.io/inject': 'enabled' });
  });
  test('bad values are usage errors naming the flag and the limit', () => {
    const bad: [string[], RegExp][] = [
      [['--steps', '1,5,3'], /--steps must increase/],
      [['--steps', `1,${SCALE_LIMITS.maxCopies + 1}`], new RegExp(`--steps must be a whole number from 1 to ${SCALE_LIMITS.maxCopies}`)],
      [['--steps', '0'], /--steps must be a whole number/],
      [['--steps', '1,2', '--max', '4'], /either --steps .* or --max/],
      [['--step', '2'], /--step needs --max/],
      [['--max', '200', '--step', '1'], new RegExp(`at most ${SCALE_LIMITS.maxSteps} steps`)],
      [['--rps', '1e9'], new RegExp(`--rps must be a whole number from 1 to ${SCALE_LIMITS.maxRps}`)],
      [['--load-seconds', '600'], new RegExp(`--load-seconds must be a whole number from 1 to ${SCALE_LIMITS.maxLoadSeconds}`)],
      [['--connections=-1'], /--connections must be a whole number/],
      [['--max-error-percent', '101'], /--max-error-percent must be a number from 0 to 100/],
      [['--max-p99-ms', 'fast'], /--max-p99-ms must be a number above 0/],
      [['--namespace-labels', 'istio-injection'], /--namespace-labels takes name=value pairs/],
    ];
    for (const [args, message] of bad) assert.throws(() => parseScaleTestFlags(args), (err: Error) => err instanceof ScaleTestUsageError && message.test(err.message), args.join(' '));
  });
});

describe('PodMetrics', () => {
  test('Kubernetes quantities', () => {
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('1500000n'), 0.0015);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1024Ki'), 1024 * 1024);
    assert.equal(parseQuantity('1M'), 1e6);
    assert.ok(Number.isNaN(parseQuantity('12 cores')));
  });
  test('sidecar containers are the data plane; sums and per copy', () => {
    const r = summarizePodMetrics([
      { metadata: { name: 'a' }, containers: [{ name: 'app', usage: { cpu: '10m', memory: '2048Ki' } }, { name: 'istio-proxy', usage: { cpu: '30m', memory: '40Mi' } }] },
      { metadata: { name: 'b' }, containers: [{ name: 'app', usage: { cpu: '20m', memory: '2Mi' } }, { name: 'istio-proxy', usage: { cpu: '50000000n', memory: '20Mi' } }] },
    ]);
    assert.deepEqual(r, { pods: 2, dataPlaneCpuMillicores: 80, dataPlaneMemoryMiB: 60, dataPlaneCpuMillicoresPerCopy: 40, dataPlaneMemoryMiBPerCopy: 30, appCpuMillicores: 30, appMemoryMiB: 4, sidecarContainer: 'istio-proxy' });
    assert.equal(summarizePodMetrics([{ metadata: { name: 'a' }, containers: [{ name: 'app', usage: { cpu: '1m', memory: '1Mi' } }] }]).sidecarContainer, null);
  });
});

describe('where it stopped scaling', () => {
  test('summaries are nearest-rank percentiles', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    assert.deepEqual(s, { count: 100, p50: 50, p99: 99, max: 100 });
    assert.deepEqual(summarize([]), { count: 0, p50: 0, p99: 0, max: 0 });
  });
  test('each threshold is named with its figure and its limit', () => {
    const t = DEFAULT_THRESHOLDS;
    const s = step(5);
    assert.deepEqual(s.breaches, []);
    const slow = breachesOf({ ...s, api: { ...s.api, create: summarize([1500]), list: summarize([6000]), podStartup: summarize([7000]) }, configPush: { ms: 9000, probes: 100, probeRoundTripMs: 20 } }, t);
    assert.deepEqual(slow, [
      'API create p99 1500 ms > 1000 ms (Kubernetes SLO: mutating calls p99 ≤ 1 s)',
      'API LIST p99 6000 ms > 5000 ms (Kubernetes SLO: namespace LIST p99 ≤ 5 s)',
      'pod startup p99 7000 ms > 5000 ms (Kubernetes SLO: stateless pod startup p99 ≤ 5 s)',
      'config push 9000 ms > 5000 ms',
    ]);
    const load = { ...s.load!, actualRps: 60, errors: 30, errorPercent: 6, latencyMs: { p50: 100, p90: 200, p99: 400, max: 900 } };
    assert.deepEqual(breachesOf({ ...s, load }, t), ['errors 6% of requests > 1%', `load p99 400 ms > ${t.maxP99Ms} ms`, 'achieved 60 rps = 60% of the requested 100 rps < 95%']);
    assert.deepEqual(breachesOf({ ...s, load: null, configPush: null, failure: 'pods not Ready within 65 s' }, t), ['the step failed: pods not Ready within 65 s']);
  });
  test('the verdict names the first bad step, the last good one and why', () => {
    const bad = step(10, { breaches: ['load p99 400 ms > 250 ms'] });
    const v = verdictOf([step(1), step(5), bad], [1, 5, 10, 20], false);
    assert.equal(v.scaled, false);
    assert.equal(v.lastGoodCopies, 5);
    assert.equal(v.stoppedAt, 10);
    assert.equal(v.summary, 'stopped scaling at 10 copies (last within every threshold: 5 copies): load p99 400 ms > 250 ms');
    assert.deepEqual(verdictOf([step(1), step(5)], [1, 5], false), { scaled: true, lastGoodCopies: 5, stoppedAt: null, reasons: [], summary: 'scaled to 5 copies within every threshold' });
    assert.equal(verdictOf([step(1)], [1, 5], true).summary, 'interrupted after 1 copy, all within every threshold; the steps after it were not run');
    assert.match(verdictOf([bad], [10], false).summary, /no step was within every threshold/);
    assert.equal(verdictOf([], [1, 5], true).summary, 'interrupted before the first step completed');
  });
});
