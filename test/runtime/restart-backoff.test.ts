// The kubelet's restart and image-pull back-off (sandbox/runtime/pod/restart-backoff.ts) and probe thresholds
// (sandbox/runtime/pod/container-probes.ts): the delays and verdicts, computed without waiting for any of them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_RESET_AFTER_MS, RestartBackoff, backoffDelay, formatDuration } from '../../sandbox/runtime/pod/restart-backoff.js';
import { ProbeTracker } from '../../sandbox/runtime/pod/container-probes.js';

const KUBELET = { restartBackoffBaseMs: 10_000, backoffCapMs: 300_000, imagePullBackoffBaseMs: 10_000 };

describe('restart back-off', () => {
  test('first restart at once, then 10s doubling to the 5 min cap', () => {
    const b = new RestartBackoff(KUBELET);
    const now = 1_000_000;
    const delays = Array.from({ length: 8 }, () => b.nextRestartDelay(now - 1000, { now }));
    assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  test('an instance that ran more than 10 minutes starts the back-off over', () => {
    const b = new RestartBackoff(KUBELET);
    const now = 10 * BACKOFF_RESET_AFTER_MS;
    b.nextRestartDelay(now - 1000, { now });
    assert.equal(b.nextRestartDelay(now - 1000, { now }), 10_000);
    assert.equal(b.nextRestartDelay(now - BACKOFF_RESET_AFTER_MS - 1, { now }), 0);
  });

  test('a changed spec restarts at once but still counts', () => {
    const b = new RestartBackoff(KUBELET);
    const now = 1_000_000;
    assert.equal(b.nextRestartDelay(now, { now, immediately: true }), 0);
    assert.equal(b.nextRestartDelay(now, { now, immediately: true }), 0);
    assert.equal(b.nextRestartDelay(now, { now }), 20_000);
  });

  test('image pulls back off from their own base and start over once an image resolves', () => {
    const b = new RestartBackoff({ ...KUBELET, imagePullBackoffBaseMs: 1000 });
    assert.deepEqual([b.nextPullRetryDelay(), b.nextPullRetryDelay(), b.nextPullRetryDelay()], [1000, 2000, 4000]);
    b.resetPullBackoff();
    assert.equal(b.nextPullRetryDelay(), 1000);
  });

  test('delays print as Go durations, as the kubelet\'s CrashLoopBackOff message does', () => {
    assert.deepEqual([10_000, 160_000, 300_000, 500].map(formatDuration), ['10s', '2m40s', '5m0s', '500ms']);
    assert.equal(backoffDelay(20, 10_000, 300_000), 300_000);
  });
});

describe('probe thresholds', () => {
  test('readiness: not passing until successThreshold successes; one attempt at a time, every periodSeconds after initialDelaySeconds', () => {
    const t = new ProbeTracker({ periodSeconds: 5, initialDelaySeconds: 2, successThreshold: 2 }, 'Readiness', 0);
    assert.equal(t.passing, false);
    assert.equal(t.begin(1000), false, 'initial delay');
    assert.equal(t.begin(2000), true);
    assert.equal(t.begin(2000), false, 'one in flight');
    assert.deepEqual(t.record({ ok: true }), { failed: false, passing: false });
    assert.equal(t.begin(6999), false, 'period');
    assert.equal(t.begin(7000), true);
    assert.deepEqual(t.record({ ok: true }), { failed: false, passing: true });
  });

  test('liveness: passing until failureThreshold failures in a row', () => {
    const t = new ProbeTracker({ failureThreshold: 2 }, 'Liveness', 0);
    assert.equal(t.passing, true);
    t.begin(0);
    assert.deepEqual(t.record({ ok: false, message: 'connection refused' }), { failed: true, passing: true });
    t.begin(10_000);
    t.record({ ok: true });
    t.begin(20_000);
    assert.deepEqual(t.record({ ok: false }), { failed: true, passing: true }, 'a success in between resets the count');
    t.begin(30_000);
    assert.deepEqual(t.record({ ok: false }), { failed: true, passing: false });
  });
});
