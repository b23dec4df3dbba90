// A pod's status from its containers' lifecycles (sandbox/runtime/pod/pod-status.ts), read back the way
// `kubectl get pod` prints it: the STATUS column (kubectl's printPod, sandbox/apiserver/tables/table-printers.ts,
// itself checked against the real kubectl in test/apiserver/tables.test.ts), READY, RESTARTS, the phase and the
// Ready/Initialized conditions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { podStatusReason } from '../../sandbox/apiserver/tables/table-printers.js';
import type { PodStatus } from '../../sandbox/runtime/kinds.js';
import { ContainerLifecycle, type WaitingReason } from '../../sandbox/runtime/pod/container-state.js';
import { PodConditionClock, podStatus, type RestartPolicy } from '../../sandbox/runtime/pod/pod-status.js';

interface Source {
  name: string;
  lifecycle: ContainerLifecycle;
  specImage: string;
  completed: boolean;
}

function container(name: string, initial: WaitingReason = 'ContainerCreating'): Source {
  return { name, lifecycle: new ContainerLifecycle(name, initial), specImage: 'playground/echo:v1', completed: false };
}

const start = (c: Source): Source => {
  c.lifecycle.create();
  c.lifecycle.run();
  return c;
};
const up = (c: Source): Source => {
  start(c);
  c.lifecycle.markStarted();
  c.lifecycle.setReady(true);
  return c;
};
const exit = (c: Source, exitCode: number): Source => {
  c.lifecycle.exit({ exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
  return c;
};
/** What the runner does for an ended container it restarts after a back-off. */
const crashLoop = (c: Source): Source => {
  c.lifecycle.keepAsLastState();
  c.lifecycle.wait('CrashLoopBackOff', 'back-off 10s restarting failed container');
  return c;
};

interface PodShape {
  containers: Source[];
  initContainers?: Source[];
  restartPolicy?: RestartPolicy;
  terminal?: boolean;
}

function render(p: PodShape): { status: PodStatus; STATUS: string; READY: string; RESTARTS: number } {
  const inits = p.initContainers ?? [];
  const status = podStatus(
    {
      restartPolicy: p.restartPolicy ?? 'Always',
      initialized: inits.every((c) => c.completed),
      containers: p.containers,
      initContainers: inits,
      ephemeralContainers: [],
      hostIP: '127.0.0.1',
      podIP: '127.10.0.5',
      startTime: '2026-01-01T00:00:00Z',
      terminal: p.terminal,
    },
    new PodConditionClock(),
  );
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: p.containers.map((c) => ({ name: c.name, image: c.specImage })), initContainers: inits.map((c) => ({ name: c.name, image: c.specImage })) },
    status,
  };
  const printed = podStatusReason(JSON.parse(JSON.stringify(pod)));
  return { status, STATUS: printed.reason, READY: `${printed.ready}/${printed.total}`, RESTARTS: printed.restarts };
}

const condition = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe('pod status from container lifecycles, as kubectl get pod prints it', () => {
  test('a new pod: ContainerCreating, Pending, not ready', () => {
    const r = render({ containers: [container('app')] });
    assert.equal(r.STATUS, 'ContainerCreating');
    assert.equal(r.status.phase, 'Pending');
    assert.equal(r.READY, '0/1');
    assert.deepEqual(
      { status: condition(r.status, 'Ready')?.status, reason: condition(r.status, 'Ready')?.reason, message: condition(r.status, 'Ready')?.message },
      { status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' },
    );
  });

  test('running and ready: Running 1/1; running but not ready: Running 0/1', () => {
    const ready = render({ containers: [up(container('app'))] });
    assert.deepEqual([ready.STATUS, ready.READY, ready.status.phase], ['Running', '1/1', 'Running']);
    assert.equal(condition(ready.status, 'Ready')?.status, 'True');
    const notReady = render({ containers: [start(container('app'))] });
    assert.deepEqual([notReady.STATUS, notReady.READY], ['Running', '0/1']);
    assert.equal(notReady.status.containerStatuses?.[0].started, false);
  });

  test('an image the node cannot pull: ErrImagePull, then ImagePullBackOff, Pending', () => {
    const c = container('app');
    c.lifecycle.wait('ErrImagePull', 'Failed to pull image "nope"');
    assert.equal(render({ containers: [c] }).STATUS, 'ErrImagePull');
    c.lifecycle.wait('ImagePullBackOff', 'Back-off pulling image "nope"');
    const r = render({ containers: [c] });
    assert.deepEqual([r.STATUS, r.status.phase], ['ImagePullBackOff', 'Pending']);
  });

  test('a crash-looping container: CrashLoopBackOff, RESTARTS counts created instances, phase Running', () => {
    const c = crashLoop(exit(start(container('app')), 1));
    let r = render({ containers: [c] });
    assert.deepEqual([r.STATUS, r.RESTARTS, r.status.phase], ['CrashLoopBackOff', 0, 'Running']);
    crashLoop(exit(start(c), 1));
    r = render({ containers: [c] });
    assert.deepEqual([r.STATUS, r.RESTARTS], ['CrashLoopBackOff', 1]);
    assert.equal(r.status.containerStatuses?.[0].lastState.terminated?.exitCode, 1);
  });

  test('a run-to-completion pod: Completed and Succeeded; a failed one: Error and Failed', () => {
    const done = render({ containers: [exit(up(container('app')), 0)], restartPolicy: 'Never' });
    assert.deepEqual([done.STATUS, done.status.phase], ['Completed', 'Succeeded']);
    assert.deepEqual([condition(done.status, 'Ready')?.status, condition(done.status, 'Ready')?.reason], ['False', 'PodCompleted']);
    const failed = render({ containers: [exit(up(container('app')), 3)], restartPolicy: 'Never' });
    assert.deepEqual([failed.STATUS, failed.status.phase], ['Error', 'Failed']);
  });

  test('OnFailure: a failed container about to restart keeps the pod Running', () => {
    const c = crashLoop(exit(up(container('app')), 1));
    assert.equal(render({ containers: [c], restartPolicy: 'OnFailure' }).status.phase, 'Running');
  });

  test('an app that completed with its mesh sidecar stopped after it: Completed', () => {
    const sidecar = container('mesh-proxy');
    sidecar.lifecycle.endWithoutRunning();
    const r = render({ containers: [exit(up(container('app')), 0), sidecar], restartPolicy: 'Never' });
    assert.deepEqual([r.STATUS, r.status.phase], ['Completed', 'Succeeded']);
  });

  test('init containers: Init:0/1 while the first waits or runs, Init:1/2 at the second, Init:CrashLoopBackOff, Init:Error', () => {
    const waiting = container('setup', 'PodInitializing');
    let r = render({ initContainers: [waiting], containers: [container('app')] });
    assert.deepEqual([r.STATUS, r.status.phase], ['Init:0/1', 'Pending']);
    assert.deepEqual([condition(r.status, 'Initialized')?.status, condition(r.status, 'Initialized')?.message], ['False', 'containers with incomplete status: [setup]']);
    r = render({ initContainers: [start(waiting)], containers: [container('app')] });
    assert.equal(r.STATUS, 'Init:0/1');

    const first = exit(up(container('first', 'PodInitializing')), 0);
    first.completed = true;
    r = render({ initContainers: [first, start(container('second', 'PodInitializing'))], containers: [container('app')] });
    assert.equal(r.STATUS, 'Init:1/2');

    r = render({ initContainers: [crashLoop(exit(start(container('setup', 'PodInitializing')), 1))], containers: [container('app')] });
    assert.equal(r.STATUS, 'Init:CrashLoopBackOff');
    r = render({ initContainers: [exit(start(container('setup', 'PodInitializing')), 1)], containers: [container('app')], restartPolicy: 'Never' });
    assert.equal(r.STATUS, 'Init:Error');
  });

  test('init containers done, app containers not yet created: PodInitializing (the kubelet\'s default wait in a pod with init containers)', () => {
    const setup = exit(up(container('setup', 'PodInitializing')), 0);
    setup.completed = true;
    const r = render({ initContainers: [setup], containers: [container('app', 'PodInitializing')] });
    assert.deepEqual([r.STATUS, r.status.phase], ['PodInitializing', 'Pending']);
    assert.equal(condition(r.status, 'Initialized')?.status, 'True');
  });

  test('a deleted pod whose containers stopped: Succeeded when all exited 0, else Failed, whatever the restart policy', () => {
    assert.equal(render({ containers: [exit(up(container('app')), 0)], terminal: true }).status.phase, 'Succeeded');
    const r = render({ containers: [exit(up(container('app')), 137), exit(up(container('b')), 0)], terminal: true });
    assert.equal(r.status.phase, 'Failed');
  });

  test('container statuses carry what the API shows: image, imageID, containerID, started, restartCount', () => {
    const c = up(container('app'));
    const status = render({ containers: [c] }).status.containerStatuses?.[0];
    assert.deepEqual(status, {
      name: 'app',
      state: c.lifecycle.state(),
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'playground/echo:v1',
      imageID: '',
      started: true,
      containerID: c.lifecycle.containerID,
    });
  });
});
