// CronJob schedules parsed as robfig/cron v3 ParseStandard parses them (errors word for word, since the API
// server quotes them), and the next / most recent run times the CronJob controller schedules by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronParseError, mostRecentRun, nextRun, parseCronSchedule } from '../../sandbox/apiserver/validation/cron-schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (spec: string, from: string, tz?: string) => iso(nextRun(parseCronSchedule(spec), at(from), tz));

test('next runs: steps, ranges, names, descriptors, day-of-month OR day-of-week, time zones', () => {
  const fri = '2026-11-27T12:34:56Z'; // a Friday
  assert.equal(next('*/15 * * * *', fri), '2026-11-27T12:45:00.000Z');
  assert.equal(next('0 9 * * mon-fri', fri), '2026-11-30T09:00:00.000Z');
  assert.equal(next('@hourly', fri), '2026-11-27T13:00:00.000Z');
  assert.equal(next('@daily', fri), '2026-11-28T00:00:00.000Z');
  assert.equal(next('0 0 1,15 * 0', fri), '2026-11-29T00:00:00.000Z', 'a Sunday matches although the 29th is not the 1st or 15th');
  assert.equal(next('30 2 * * *', fri, 'Europe/Berlin'), '2026-11-28T01:30:00.000Z');
  assert.equal(next('0 0 30 2 *', fri), undefined, 'February 30th never comes');
  assert.equal(next('@every 90s', fri), '2026-11-27T12:36:26.000Z');
});

test('the most recent run in a window, and how many were missed', () => {
  const s = parseCronSchedule('*/10 * * * *');
  assert.deepEqual(mostRecentRun(s, at('2026-11-27T12:00:00Z'), at('2026-11-27T12:35:00Z')), { time: at('2026-11-27T12:30:00Z'), missed: 3 });
  assert.deepEqual(mostRecentRun(s, at('2026-11-27T12:30:00Z'), at('2026-11-27T12:35:00Z')), { time: undefined, missed: 0 });
});

test("parse errors are robfig's", () => {
  const error = (spec: string) => {
    try {
      parseCronSchedule(spec);
    } catch (err) {
      assert.ok(err instanceof CronParseError);
      return err.message;
    }
    assert.fail(`${spec} parsed`);
  };
  assert.equal(error(''), 'empty spec string');
  assert.equal(error('* * *'), 'expected exactly 5 fields, found 3: [* * *]');
  assert.equal(error('60 * * * *'), 'end of range (60) above maximum (59): 60');
  assert.equal(error('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
  assert.equal(error('5-2 * * * *'), 'beginning of range (5) beyond end of range (2): 5-2');
  assert.equal(error('*/0 * * * *'), 'step of range should be a positive number: */0');
  assert.equal(error('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(error('@fortnightly'), 'unrecognized descriptor: @fortnightly');
});
