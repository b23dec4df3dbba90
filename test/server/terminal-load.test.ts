// The terminal's `load` built-in through the real server: it returns at once, its traffic crosses the mesh while
// `tap` runs in the same session (the lesson-2 problem: tap saw nothing), `load status` counts answers by status
// class, `load stop` ends it, and its limits are refused with messages naming them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, ndjson, rest, startFixture, type ServerFixture } from './fixture.js';
import { LOAD_LIMITS, loadStatus, startLoad, type SenderFactory } from '../../playground-server/terminal/load-generator.js';
import type { ActiveSession } from '../../playground-server/sessions/active-session.js';

let fx: ServerFixture;
let s: { token: string; namespace: string };

before(async () => {
  fx = await startFixture();
  s = await createSession(fx.url);
});
after(() => fx?.close());

async function terminal(line: string, token = s.token): Promise<{ status: number; text: string; out: string; exit?: number }> {
  const res = await rest(fx.url, 'POST', '/api/session/terminal', { token, body: { line, timeoutSeconds: 60 } });
  if (res.status >= 400) return { status: res.status, text: JSON.stringify(res.body), out: '' };
  const frames = ndjson(res.text);
  const events = frames.filter((f) => f.event).map((f) => f.event);
  return { status: res.status, text: events.map((e) => e.data).join(''), out: events.filter((e) => e.stream === 'stdout').map((e) => e.data).join(''), exit: frames.at(-1)!.result?.exitCode };
}

test('load runs in the background: tap sees its requests, status counts them, stop ends it', { timeout: 120_000 }, async () => {
  const none = await terminal('load stop');
  assert.equal(none.exit, 1);
  assert.match(none.text, /no generator is running/);

  const started = await terminal('load 20rps 60s http://httpbin:8000/get -H "x-load: yes"');
  assert.equal(started.exit, 0, started.text);
  assert.match(started.out, /load: 20 rps for 60 s to http:\/\/httpbin:8000\/get from curl, running in the background/);

  // The line returned; tap, in the same session, now sees live requests to httpbin.
  const tap = await terminal('tap deploy/httpbin --max 15 --duration 15 --path /get');
  assert.equal(tap.exit, 0, tap.text);
  const seen = tap.out.split('\n').filter((l) => /GET .*\/get → 200/.test(l));
  assert.ok(seen.length >= 10, `tap saw ${seen.length} requests:\n${tap.text}`);

  const again = await terminal('load 5rps 5s http://httpbin:8000/get');
  assert.equal(again.exit, 1);
  assert.match(again.text, /already running .* one at a time — "load stop" stops it/);

  const status = await terminal('load status');
  assert.equal(status.exit, 0, status.text);
  assert.match(status.out, /load: running, 20 rps for 60 s/);
  const answered = Number(/answered (\d+) \(2xx (\d+)/.exec(status.out)?.[2] ?? 0);
  assert.ok(answered >= 10, status.out);

  const stopped = await terminal('load stop');
  assert.equal(stopped.exit, 0, stopped.text);
  assert.match(stopped.out, /load: stopped/);
  const after = await terminal('load status');
  assert.match(after.out, /load: stopped/);
  const sentAtStop = Number(/sent (\d+)/.exec(after.out)?.[1]);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(Number(/sent (\d+)/.exec((await terminal('load status')).out)?.[1]), sentAtStop, 'no request is sent after load stop');
  assert.ok(sentAtStop < 20 * 60, 'stopped before its duration');
});

test('a short load finishes by itself and counts errors by status class', { timeout: 60_000 }, async () => {
  const started = await terminal('load 10rps 1s http://httpbin:8000/status/503');
  assert.equal(started.exit, 0, started.text);
  let status = '';
  for (let i = 0; i < 40 && !/finished[\s\S]*in flight 0/.test(status); i++) {
    await new Promise((r) => setTimeout(r, 250));
    status = (await terminal('load status')).out;
  }
  assert.match(status, /load: finished, 10 rps for 1 s/);
  assert.match(status, /sent 10, answered 10 \(5xx 10\), errors 0/);
});

test('limits and mistakes are refused with messages naming them', { timeout: 60_000 }, async () => {
  const cases: [string, RegExp][] = [
    ['load 500rps 5s http://httpbin:8000/get', /from 1 to 100 \(e\.g\. 50rps\)/],
    ['load 0rps 5s http://httpbin:8000/get', /from 1 to 100/],
    ['load 10rps 120s http://httpbin:8000/get', /from 1 to 60 \(e\.g\. 10s\)/],
    ['load 10rps 5s', /which URL\?/],
    ['load 10rps 5s http://example.com/', /may only send requests within its own namespace/],
    ['load 10rps 5s http://httpbin:9999/', /has no port 9999/],
    ['load 10rps 5s http://httpbin:8000/get --from nosuch', /nosuch/],
    ['load 10rps 5s http://httpbin:8000/get --bogus', /unsupported option --bogus/],
    ['load status extra', /takes no arguments/],
  ];
  for (const [line, message] of cases) {
    const r = await terminal(line);
    assert.notEqual(r.exit, 0, line);
    assert.match(r.text, message, `${line}: ${r.text}`);
  }
  // Nothing was started by any of them.
  assert.doesNotMatch((await terminal('load status')).out, /running/);
});

test('a session\'s generator stops when the session ends, and never exceeds its rate or in-flight cap', { timeout: 30_000 }, async () => {
  // The generator alone, with a sender that never answers: only the session's end releases it.
  const ended = new AbortController();
  const session = { signal: ended.signal, get isEnded() { return ended.signal.aborted; } } as unknown as ActiveSession;
  let calls = 0;
  let aborted = 0;
  const never: SenderFactory = async () => (_params, signal) => {
    calls++;
    return new Promise((_, reject) => signal.addEventListener('abort', () => { aborted++; reject(new Error('aborted')); }, { once: true }));
  };
  await startLoad(session, { rate: 100, durationSeconds: 30, url: 'http://httpbin:8000/get', from: 'curl', headers: {} }, AbortSignal.timeout(5000), never);
  await new Promise((r) => setTimeout(r, 1200));
  const running = loadStatus(session)!;
  assert.equal(running.state, 'running');
  assert.equal(running.counts.sent, LOAD_LIMITS.maxInFlight, 'no more than maxInFlight wait at once');
  assert.ok(running.counts.skipped > 0, 'what could not be sent is counted as skipped');
  // Against the generator's own clock (elapsed is rounded to 0.1 s): never ahead of its schedule.
  assert.ok(running.counts.sent + running.counts.skipped <= Math.floor((running.elapsedSeconds + 0.1) * 100) + 1, `at most the rate: ${JSON.stringify(running)}`);
  ended.abort();
  const stopped = loadStatus(session)!;
  assert.equal(stopped.state, 'stopped');
  assert.equal(aborted, calls, 'every request in flight was cancelled');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(loadStatus(session)!.counts.sent, stopped.counts.sent, 'nothing is sent after the session ended');
});
