// What a learner sees when pods go wrong, through the real kubectl: an image the sandbox does not have
// (ErrImagePull → ImagePullBackOff with an Event naming the available images), a container that crashes
// (restarts with back-off, RESTARTS counts up, --previous logs), and a fix rolling out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestPath } from '../../sandbox/manifests/load.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { appOf, isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'failures';

const badImageDeployment = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: ${NS}}
spec:
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers:
      - name: web
        image: ${image}
`;

describe('pod failures as kubectl shows them', () => {
  let c: ClusterFixture;
  before(async () => {
    c = await startCluster({ mesh: false });
    const ns = await c.kubectl(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n` });
    assert.equal(ns.code, 0, ns.stderr);
  });
  after(async () => {
    await c?.close();
  });

  test('an unknown image goes ErrImagePull → ImagePullBackOff with an Event naming the available images', async () => {
    const res = await c.kubectl(['apply', '-f', '-'], { input: badImageDeployment('playground/does-not-exist:v9') });
    assert.equal(res.code, 0, res.stderr);
    const pod = await waitFor('the pod to be in ImagePullBackOff', () =>
      c.pods(NS, (p) => appOf(p) === 'broken' && p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff')[0],
    );
    assert.equal(pod.status?.phase, 'Pending');

    const table = await c.kubectl(['get', 'pods', '-n', NS]);
    assert.match(table.stdout, new RegExp(`${pod.metadata.name}\\s+0/1\\s+(ImagePullBackOff|ErrImagePull)\\s+0`));

    const events = JSON.parse((await c.kubectl(['get', 'events', '-n', NS, '-o', 'json'])).stdout).items as { reason: string; message: string; type: string; involvedObject: { name: string } }[];
    const failed = events.find((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image'));
    assert.ok(failed, JSON.stringify(events.map((e) => `${e.reason}: ${e.message}`)));
    assert.equal(failed.type, 'Warning');
    assert.equal(failed.involvedObject.name, pod.metadata.name);
    assert.match(failed.message, /^Failed to pull image "playground\/does-not-exist:v9": image not found in the sandbox; available images: .*playground\/httpbin,/);
    assert.ok(events.some((e) => e.reason === 'BackOff' && e.message === 'Back-off pulling image "playground/does-not-exist:v9"'));

    const describe = await c.kubectl(['describe', 'pod', '-n', NS, pod.metadata.name]);
    assert.match(describe.stdout, /Reason:\s+(ImagePullBackOff|ErrImagePull)/);
    assert.match(describe.stdout, /Warning\s+Failed\s+.*Failed to pull image "playground\/does-not-exist:v9"/);
  });

  test('fixing the image rolls out and the broken pod goes away', async () => {
    const broken = c.pods(NS, (p) => appOf(p) === 'broken').map((p) => p.metadata.name);
    const res = await c.kubectl(['set', 'image', '-n', NS, 'deployment/broken', 'web=playground/httpbin:v1']);
    assert.equal(res.code, 0, res.stderr);
    const rollout = await c.kubectl(['rollout', 'status', '-n', NS, 'deployment/broken', '--timeout=30s']);
    assert.equal(rollout.code, 0, rollout.stderr + rollout.stdout);
    await waitFor('the broken pod to be gone', () => c.pods(NS, (p) => appOf(p) === 'broken').every((p) => !broken.includes(p.metadata.name) && isReady(p)));
  });

  test('a crashing container restarts, RESTARTS counts up and --previous shows the last run', async () => {
    for (const m of ['httpbin', 'sleep'] as const) {
      const r = await c.kubectl(['apply', '-n', NS, '-f', manifestPath(m)]);
      assert.equal(r.code, 0, r.stderr);
    }
    const sleep = await waitFor('the sleep pod', () => c.pods(NS, (p) => appOf(p) === 'sleep' && isReady(p))[0]);
    const httpbin = await waitFor('a ready httpbin pod', () => c.pods(NS, (p) => appOf(p) === 'httpbin' && isReady(p))[0]);
    const restarts = (p?: Pod) => p?.status?.containerStatuses?.[0]?.restartCount ?? 0;
    const current = () => c.pods(NS, (p) => p.metadata.name === httpbin.metadata.name)[0];

    for (let crash = 1; crash <= 2; crash++) {
      // Ask until the container takes the request (it may still be restarting from the last crash).
      await waitFor(`crash #${crash} to be asked for`, async () => {
        const p = current();
        if (!isReady(p)) return false;
        const r = await c.sandbox.runtime.requestFrom(NS, sleep.metadata.name, { url: 'http://httpbin:8000/exit' });
        return r.status === 200;
      });
      await waitFor(`restartCount ${crash}`, () => restarts(current()) >= crash);
    }
    const pod = await waitFor('httpbin Ready again', () => (isReady(current()) ? current() : undefined));
    const status = pod.status!.containerStatuses![0];
    assert.equal(status.lastState.terminated?.exitCode, 1);
    assert.equal(status.lastState.terminated?.reason, 'Error');
    assert.equal(pod.metadata.name, httpbin.metadata.name, 'the same pod restarted its container');

    const table = await c.kubectl(['get', 'pod', '-n', NS, pod.metadata.name]);
    assert.match(table.stdout, new RegExp(`${pod.metadata.name}\\s+1/1\\s+Running\\s+${status.restartCount} \\(`));
    assert.ok(status.restartCount >= 2);

    const previous = await c.kubectl(['logs', '-n', NS, pod.metadata.name, '--previous']);
    assert.equal(previous.code, 0, previous.stderr);
    assert.match(previous.stdout, /exiting with code 1 as asked by 127\./);

    const events = JSON.parse((await c.kubectl(['get', 'events', '-n', NS, '-o', 'json'])).stdout).items as { reason: string; message: string; involvedObject: { name: string } }[];
    assert.ok(events.some((e) => e.reason === 'BackOff' && e.involvedObject.name === pod.metadata.name && e.message.startsWith('Back-off restarting failed container httpbin')));
  });
});
