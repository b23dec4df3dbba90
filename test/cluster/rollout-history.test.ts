// `kubectl rollout history` / `undo` against the sandbox's Deployment controller: the new ReplicaSet carries the
// Deployment's annotations (kubernetes.io/change-cause, not last-applied-configuration), revisions count up per
// template, going back to an old template moves its ReplicaSet to a new revision, and undo restores the template.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlOk, startCluster, type ClusterFixture } from './fixture.js';

const NS = 'hist';
const IMAGE = 'playground/bookinfo-reviews';
let c: ClusterFixture;

before(async () => {
  c = await startCluster({ mesh: false });
  await kubectlOk(c, ['create', 'namespace', NS]);
});
after(() => c?.close());

const k = (...args: string[]) => kubectlOk(c, ['-n', NS, ...args]);
const rolledOut = () => k('rollout', 'status', 'deploy/web', '--timeout=30s');
/** REVISION / CHANGE-CAUSE rows of `kubectl rollout history`, as [revision, cause] pairs. */
const history = async () =>
  (await k('rollout', 'history', 'deploy/web'))
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      const [rev, ...cause] = l.trim().split(/\s+/);
      return [rev, cause.join(' ')];
    });

describe('rollout history', () => {
  test('change causes reach the ReplicaSets and the history; revisions count up', async () => {
    await kubectlOk(c, ['apply', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  annotations: {kubernetes.io/change-cause: "first release", example.com/team: reviews}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: reviews, image: "${IMAGE}:v1"}]
`);
    await rolledOut();
    assert.equal(await k('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'), '1');
    const rs1 = JSON.parse(await k('get', 'rs', '-l', 'app=web', '-o', 'json')).items[0];
    assert.equal(rs1.metadata.annotations['kubernetes.io/change-cause'], 'first release');
    assert.equal(rs1.metadata.annotations['example.com/team'], 'reviews');
    assert.equal(rs1.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], undefined, 'not copied');
    assert.equal(rs1.metadata.annotations['deployment.kubernetes.io/revision'], '1');

    await k('set', 'image', 'deploy/web', `reviews=${IMAGE}:v2`);
    await k('annotate', 'deploy/web', 'kubernetes.io/change-cause=move to v2', '--overwrite');
    await rolledOut();
    assert.deepEqual(await history(), [
      ['1', 'first release'],
      ['2', 'move to v2'],
    ]);
    assert.equal(await k('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'), '2');
  });

  test('--revision=N shows that revision\'s template', async () => {
    const one = await k('rollout', 'history', 'deploy/web', '--revision=1');
    assert.match(one, /deployment\.apps\/web with revision #1/);
    assert.match(one, new RegExp(`Image:\\s+${IMAGE}:v1`));
    assert.match(one, /kubernetes\.io\/change-cause: first release/);
    const two = await k('rollout', 'history', 'deploy/web', '--revision=2');
    assert.match(two, new RegExp(`Image:\\s+${IMAGE}:v2`));
    const missing = await c.kubectl(['-n', NS, 'rollout', 'history', 'deploy/web', '--revision=7']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /unable to find the specified revision/);
  });

  test('undo puts the previous template back as a new revision, with its change cause', async () => {
    const undo = await k('rollout', 'undo', 'deploy/web');
    assert.equal(undo.trim(), 'deployment.apps/web rolled back');
    await rolledOut();
    assert.equal(await k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), `${IMAGE}:v1`);
    assert.deepEqual(await history(), [
      ['2', 'move to v2'],
      ['3', 'first release'],
    ]);
    const rs = JSON.parse(await k('get', 'rs', '-l', 'app=web', '-o', 'json')).items as { metadata: { annotations: Record<string, string> }; spec: { replicas: number } }[];
    const reused = rs.find((r) => r.metadata.annotations['deployment.kubernetes.io/revision'] === '3')!;
    assert.equal(reused.metadata.annotations['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(reused.spec.replicas, 1);

    await k('rollout', 'undo', 'deploy/web', '--to-revision=2');
    await rolledOut();
    assert.equal(await k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), `${IMAGE}:v2`);
    assert.deepEqual(await history(), [
      ['3', 'first release'],
      ['4', 'move to v2'],
    ]);
  });
});
