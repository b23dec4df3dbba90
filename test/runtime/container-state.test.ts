// A container's lifecycle state machine (sandbox/runtime/pod/container-state.ts): the transitions the kubelet makes,
// the ones it never makes (they throw), and the state/lastState/restartCount the API shows after each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerLifecycle, IllegalContainerTransition } from '../../sandbox/runtime/pod/container-state.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A container that has been created and is running since T0. */
function running(name = 'app'): ContainerLifecycle {
  const c = new ContainerLifecycle(name);
  c.create();
  c.run(T0);
  return c;
}

/** A container whose only instance has exited 0. */
function ended(): ContainerLifecycle {
  const c = running();
  c.exit({ exitCode: 0, reason: 'Completed' });
  return c;
}

describe('container lifecycle: legal transitions', () => {
  test('a new container waits as ContainerCreating (an init container as PodInitializing)', () => {
    assert.deepEqual(new ContainerLifecycle('app').state(), { waiting: { reason: 'ContainerCreating' } });
    assert.deepEqual(new ContainerLifecycle('setup', 'PodInitializing').state(), { waiting: { reason: 'PodInitializing' } });
    const c = new ContainerLifecycle('app');
    assert.deepEqual(c.lastState(), {});
    assert.equal(c.restartCount, 0);
    assert.equal(c.containerID, undefined);
    assert.equal(c.ready, false);
    assert.equal(c.started, false);
  });

  test('image pull failure: ErrImagePull, then ImagePullBackOff, each with its message', () => {
    const c = new ContainerLifecycle('app');
    c.wait('ErrImagePull', 'Failed to pull image "nope:1": not found');
    assert.deepEqual(c.state(), { waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "nope:1": not found' } });
    c.wait('ImagePullBackOff', 'Back-off pulling image "nope:1"');
    assert.equal(c.waitingReason, 'ImagePullBackOff');
    assert.equal(c.restartCount, 0, 'a pull that never produced a container is no restart');
  });

  test('running: startedAt, then started and ready as the instance comes up', () => {
    const c = new ContainerLifecycle('app');
    const { containerID, restart } = c.create();
    assert.equal(restart, false);
    assert.match(containerID, /^sandbox:\/\/[0-9a-f]{64}$/);
    c.run(T0);
    assert.deepEqual(c.state(), { running: { startedAt: '2026-01-01T00:00:00Z' } });
    assert.equal(c.runningSinceMs, T0);
    assert.equal(c.started, false);
    c.markStarted();
    assert.equal(c.started, true);
    assert.equal(c.setReady(true), true, 'a change');
    assert.equal(c.setReady(true), false, 'no change');
    assert.equal(c.ready, true);
  });

  test('exit: Terminated with exit code, reason, start and finish times and the container ID; no longer ready', () => {
    const c = running();
    c.markStarted();
    c.setReady(true);
    c.exit({ exitCode: 1, reason: 'Error', message: 'boom' }, '2026-01-01T00:00:05Z');
    assert.deepEqual(c.state(), {
      terminated: { exitCode: 1, reason: 'Error', message: 'boom', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: c.containerID },
    });
    assert.equal(c.ready, false);
    assert.equal(c.started, false);
    assert.equal(c.runningSinceMs, undefined);
  });

  test('crash loop: the ended instance becomes lastState, CrashLoopBackOff waits, the next instance counts a restart', () => {
    const c = running();
    const firstID = c.containerID;
    c.exit({ exitCode: 2, reason: 'Error' }, '2026-01-01T00:00:05Z');
    c.keepAsLastState();
    c.wait('CrashLoopBackOff', 'back-off 10s restarting failed container=app pod=p_default(u)');
    assert.deepEqual(c.lastState(), { terminated: { exitCode: 2, reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: firstID } });
    assert.equal(c.restartCount, 0, 'counted when the next instance is created');
    const { restart, containerID } = c.create();
    assert.equal(restart, true);
    assert.notEqual(containerID, firstID);
    assert.equal(c.restartCount, 1);
    c.run(T0 + 10_000);
    assert.equal(c.lastTerminated?.exitCode, 2, 'lastState survives the new instance');
  });

  test('restart straight from Terminated (the first, immediate restart) and a failed creation after a run both count', () => {
    const c = running();
    c.exit({ exitCode: 0, reason: 'Completed' });
    c.keepAsLastState();
    c.create();
    assert.equal(c.restartCount, 1);
    c.wait('CreateContainerError', 'no such volume');
    c.create();
    assert.equal(c.restartCount, 2, 'the kubelet counts each created container');
  });

  test('a sidecar that never ran ends Completed without a start time', () => {
    const c = new ContainerLifecycle('mesh-proxy');
    c.endWithoutRunning('2026-01-01T00:01:00Z');
    assert.deepEqual(c.state(), { terminated: { exitCode: 0, reason: 'Completed', finishedAt: '2026-01-01T00:01:00Z' } });
  });
});

describe('container lifecycle: transitions the kubelet never makes throw', () => {
  const illegal: [string, () => ContainerLifecycle, (c: ContainerLifecycle) => unknown, string][] = [
    ['run a running container', () => running(), (c) => c.run(), 'running'],
    ['create an instance while one runs', () => running(), (c) => c.create(), 'running'],
    ['wait while running', () => running(), (c) => c.wait('CrashLoopBackOff'), 'running'],
    ['end a running container as if it never ran', () => running(), (c) => c.endWithoutRunning(), 'running'],
    ['exit a container that is waiting', () => new ContainerLifecycle('app'), (c) => c.exit({ exitCode: 0, reason: 'Completed' }), 'waiting'],
    ['mark a waiting container started', () => new ContainerLifecycle('app'), (c) => c.markStarted(), 'waiting'],
    ['keep a waiting container as last state', () => new ContainerLifecycle('app'), (c) => c.keepAsLastState(), 'waiting'],
    ['exit twice', ended, (c) => c.exit({ exitCode: 1, reason: 'Error' }), 'terminated'],
    ['set a terminated container ready', ended, (c) => c.setReady(true), 'terminated'],
    ['end a terminated container again', ended, (c) => c.endWithoutRunning(), 'terminated'],
  ];
  for (const [what, make, act, from] of illegal) {
    test(what, () => {
      const c = make();
      const before = c.state();
      assert.throws(
        () => act(c),
        (err: unknown) => err instanceof IllegalContainerTransition && err.from === from && err.container === 'app' && err.message.startsWith('container app: cannot '),
      );
      assert.deepEqual(c.state(), before, 'an illegal transition leaves the state as it was');
    });
  }
});
