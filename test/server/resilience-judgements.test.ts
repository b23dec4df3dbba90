// The judgements the resilience lessons added to their checks, on samples made by hand: the traffic check's percent
// range for a status share and its share of retried requests (from the sidecar's x-mesh-attempts), and the proxy-stat
// check's reading of Envoy-named stats lines. The lessons themselves run them end to end (test/lessons/resilience).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeTraffic } from '../../playground-server/checks/traffic-check.js';
import { sumClusterStat } from '../../playground-server/checks/resilience-checks.js';

type Samples = Parameters<typeof judgeTraffic>[0];
const sample = (status: number | 'error', retries: number | null = 0): Samples[number] => ({ status, servedBy: 'httpbin-1', latencyMs: 5, body: '', retries });
const workloads = new Map([['httpbin-1', 'httpbin']]);
const url = 'http://httpbin:8000/get';

test('statuses takes a percent range: "some 503s" passes with any, fails with none', () => {
  const some = [sample(200), sample(503), sample(200), sample(200)];
  assert.equal(judgeTraffic(some, workloads, { url, statuses: { '503': { min: 1 } } }).passed, true);
  const none = [sample(200), sample(200)];
  const r = judgeTraffic(none, workloads, { url, statuses: { '503': { min: 1 } } });
  assert.equal(r.passed, false);
  assert.match(r.hint, /status 503 for 0% of requests \(the step asks for ≥ 1%\)/);
  // A number keeps its meaning: the share ± tolerance.
  assert.equal(judgeTraffic(some, workloads, { url, statuses: { '503': 25 }, tolerance: 0 }).passed, true);
  assert.equal(judgeTraffic(some, workloads, { url, statuses: { '5xx': { max: 20 } } }).passed, false);
});

test('retried: the share of answered requests with a retry, from the retries each answer reported', () => {
  const after = [sample(200, 1), sample(200, 0), sample(200, 2), sample(500, 3), sample('error', null)];
  const r = judgeTraffic(after, workloads, { url, retried: { min: 50 } });
  assert.equal(r.passed, true, r.hint);
  assert.match(r.hint, /retried 75%/);
  assert.equal(r.details?.retried, 75);
  const before = [sample(200), sample(500), sample(200)];
  const no = judgeTraffic(before, workloads, { url, retried: { min: 10 } });
  assert.equal(no.passed, false);
  assert.match(no.hint, /retried 0% of requests \(the step asks for ≥ 10%\)/);
  // A mesh that does not report attempts cannot pass a retries judgement.
  const unknown = judgeTraffic([sample(200, null)], workloads, { url, retried: { max: 100 } });
  assert.equal(unknown.passed, false);
  assert.match(unknown.hint, /x-mesh-attempts/);
});

test('sumClusterStat adds one stat over the clusters whose name contains the text, nothing else', () => {
  const text = [
    'cluster.outbound|8000||httpbin.ns.svc.cluster.local.upstream_rq_pending_overflow: 7',
    'cluster.outbound|8000||httpbin.ns.svc.cluster.local.upstream_rq_pending_total: 12',
    'cluster.outbound|8000||httpbin.ns.svc.cluster.local.circuit_breakers.default.rq_pending_open: 0',
    'cluster.outbound|9080||ratings.ns.svc.cluster.local.upstream_rq_pending_overflow: 3',
    'cluster.inbound|8080||.upstream_rq_pending_overflow: 100',
    'server.live: 1',
    'cluster.outbound|8000||httpbin.ns.svc.cluster.local.upstream_rq_pending_overflow: not-a-number',
  ].join('\n');
  assert.deepEqual(sumClusterStat(text, 'httpbin', 'upstream_rq_pending_overflow'), { total: 7, lines: 1 });
  assert.deepEqual(sumClusterStat(text, 'outbound', 'upstream_rq_pending_overflow'), { total: 10, lines: 2 });
  assert.deepEqual(sumClusterStat(text, 'details', 'upstream_rq_pending_overflow'), { total: 0, lines: 0 });
  assert.deepEqual(sumClusterStat(text, 'httpbin', 'circuit_breakers.default.rq_pending_open'), { total: 0, lines: 1 }, 'a stat with dots in its name');
  assert.deepEqual(sumClusterStat(text, 'httpbin', 'pending_overflow'), { total: 0, lines: 0 }, 'the stat is a whole name, not a part of one');
});
