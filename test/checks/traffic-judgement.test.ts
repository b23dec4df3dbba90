// The traffic check's judgement on known samples: shares per serving Deployment and per status key, latency
// ranges, body text — each failing with a hint that names what differed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeTraffic } from '../../playground-server/checks/traffic-check.js';

const pods = new Map([
  ['reviews-v1-7f9c-abcde', 'reviews-v1'],
  ['reviews-v2-5d8b-fghij', 'reviews-v2'],
]);
type Sample = Parameters<typeof judgeTraffic>[0][number];
const sample = (over: Partial<Sample>): Sample => ({ status: 200, servedBy: 'reviews-v1-7f9c-abcde', latencyMs: 5, body: 'ok', ...over });
const many = (n: number, over: Partial<Sample>) => Array.from({ length: n }, () => sample(over));

test('servedBy: shares per Deployment within the tolerance', () => {
  const samples = [...many(54, {}), ...many(6, { servedBy: 'reviews-v2-5d8b-fghij' })];
  const ok = judgeTraffic(samples, pods, { url: 'http://reviews:9080/', servedBy: { 'reviews-v1': 90, 'reviews-v2': 10 }, tolerance: 5 });
  assert.equal(ok.passed, true, ok.hint);
  assert.match(ok.hint, /reviews-v1 90%, reviews-v2 10%/);
  const no = judgeTraffic(samples, pods, { url: 'http://reviews:9080/', servedBy: { 'reviews-v1': 50, 'reviews-v2': 50 }, tolerance: 10 });
  assert.equal(no.passed, false);
  assert.match(no.hint, /reviews-v1 served 90% \(the step asks for 50% ± 10\)/);
});

test('servedBy fails when the mesh does not say who served', () => {
  const r = judgeTraffic(many(10, { servedBy: null }), pods, { url: 'http://x:1/', servedBy: { 'reviews-v1': 100 } });
  assert.equal(r.passed, false);
  assert.match(r.hint, /did not say which pod served/);
});

test('statuses: exact codes, classes and "error" for no answer', () => {
  const samples = [...many(5, {}), ...many(4, { status: 503 }), sample({ status: 'error', servedBy: null, error: 'reset' })];
  assert.equal(judgeTraffic(samples, pods, { url: 'http://x:1/', statuses: { '503': 40, '2xx': 50, error: 10 }, tolerance: 1 }).passed, true);
  const r = judgeTraffic(samples, pods, { url: 'http://x:1/', statuses: { '5xx': 0 }, tolerance: 10 });
  assert.equal(r.passed, false);
  assert.match(r.hint, /status 5xx for 40% of requests/);
  assert.match(judgeTraffic(samples, pods, { url: 'http://x:1/', statuses: { error: 100 } }).hint, /no answer for 10% of requests/);
});

test('latency ranges use answered requests only', () => {
  const samples = [...many(3, { latencyMs: 2100 }), sample({ status: 'error', latencyMs: 1 })];
  assert.equal(judgeTraffic(samples, pods, { url: 'http://x:1/', latencyMs: { p50: { min: 2000 } } }).passed, true);
  const r = judgeTraffic(samples, pods, { url: 'http://x:1/', latencyMs: { max: { max: 500 } } });
  assert.equal(r.passed, false);
  assert.match(r.hint, /max latency was 2100 ms \(the step asks for ≤ 500 ms\)/);
  assert.equal(judgeTraffic([sample({ status: 'error' })], pods, { url: 'http://x:1/', latencyMs: { p50: { max: 10 } } }).passed, false);
});

test('bodyContains: every answered body', () => {
  const samples = [sample({ body: 'Sorry, product reviews are currently unavailable' }), sample({ body: 'reviews' })];
  const r = judgeTraffic(samples, pods, { url: 'http://x:1/', bodyContains: 'Sorry' });
  assert.equal(r.passed, false);
  assert.match(r.hint, /1 answer did not contain "Sorry"/);
  assert.equal(judgeTraffic(samples.slice(0, 1), pods, { url: 'http://x:1/', bodyContains: 'Sorry' }).passed, true);
});
