// The traffic check's body judgements on samples a client saw: bodyContains (every answer has the text) and
// bodyExcludes (no answer has it; an authorization lesson checks an error message is gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeTraffic } from '../../playground-server/checks/traffic-check.js';

const answer = (body: string) => ({ status: 200 as const, servedBy: 'productpage-v1-abc', latencyMs: 5, body });
const workloads = new Map([['productpage-v1-abc', 'productpage-v1']]);

test('bodyExcludes fails while any answer still contains the text, and passes when none does', () => {
  const stale = judgeTraffic([answer('{"rating":{"error":"Ratings service is currently unavailable"}}'), answer('{"reviews":[]}')], workloads, { url: 'http://productpage:9080/productpage', bodyExcludes: 'currently unavailable' });
  assert.equal(stale.passed, false);
  assert.match(stale.hint, /1 answer still contained "currently unavailable"/);
  const fixed = judgeTraffic([answer('{"rating":{"stars":5}}'), answer('{"reviews":[]}')], workloads, { url: 'http://productpage:9080/productpage', bodyExcludes: 'currently unavailable' });
  assert.equal(fixed.passed, true, fixed.hint);
});

test('bodyExcludes does not pass when nothing was answered', () => {
  const r = judgeTraffic([{ status: 'error', servedBy: null, latencyMs: 1, body: '' }], workloads, { url: 'http://productpage:9080/productpage', bodyExcludes: 'currently unavailable' });
  assert.equal(r.passed, false);
  assert.match(r.hint, /no request was answered/);
});
