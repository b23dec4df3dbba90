// Bookinfo driven by the real kubectl against the full sandbox: apply, re-apply, roll out an image change,
// replace a deleted pod, read and follow logs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { manifestPath } from '../../sandbox/manifests/load.js';
import { KUBECTL, appOf, isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const BOOKINFO_APPS = ['details', 'productpage', 'ratings', 'reviews'];

describe('bookinfo with the real kubectl', () => {
  let c: ClusterFixture;
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.close();
  });

  test('kubectl apply creates bookinfo and every pod becomes Running and Ready', async () => {
    const res = await c.kubectl(['apply', '-f', manifestPath('bookinfo')]);
    assert.equal(res.code, 0, res.stderr);
    for (const d of ['details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1'])
      assert.match(res.stdout, new RegExp(`deployment.apps/${d} created`));
    assert.match(res.stdout, /service\/reviews-v3 created/);

    await waitFor('six bookinfo pods Running and Ready', async () => {
      const out = await c.kubectl(['get', 'pods', '-o', 'json']);
      const items = JSON.parse(out.stdout).items as { status: { phase: string; conditions?: { type: string; status: string }[] } }[];
      return items.length === 6 && items.every((p) => p.status.phase === 'Running' && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    });
    const table = await c.kubectl(['get', 'pods']);
    const rows = table.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 6, table.stdout);
    for (const row of rows) assert.match(row, /^\S+\s+1\/1\s+Running\s+0\s+/, row);
    assert.deepEqual([...new Set(c.pods('default').map(appOf))].sort(), BOOKINFO_APPS);
  });

  test('applying the same manifest again reports every object unchanged', async () => {
    const res = await c.kubectl(['apply', '-f', manifestPath('bookinfo')]);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines.length, 17);
    for (const line of lines) assert.match(line, / unchanged$/);
  });

  test('changing an image is "configured" and rolls the pods to a new ReplicaSet', async () => {
    const oldPods = c.pods('default', (p) => p.metadata.labels?.app === 'reviews' && p.metadata.labels?.version === 'v1').map((p) => p.metadata.name);
    assert.equal(oldPods.length, 1);
    const changed = readFileSync(manifestPath('bookinfo'), 'utf8').replace('image: playground/bookinfo-reviews:v1', 'image: playground/bookinfo-reviews:v2');
    const res = await c.kubectl(['apply', '-f', c.file('bookinfo-changed.yaml', changed)]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /deployment.apps\/reviews-v1 configured/);
    assert.match(res.stdout, /deployment.apps\/reviews-v2 unchanged/);

    const rollout = await c.kubectl(['rollout', 'status', 'deployment/reviews-v1', '--timeout=30s']);
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /deployment "reviews-v1" successfully rolled out/);

    await waitFor('the old reviews-v1 pod to be gone', () => c.pods('default').every((p) => !oldPods.includes(p.metadata.name)));
    const rs = JSON.parse((await c.kubectl(['get', 'rs', '-l', 'app=reviews,version=v1', '-o', 'json'])).stdout).items as {
      metadata: { name: string; annotations: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    }[];
    assert.equal(rs.length, 2);
    const current = rs.find((r) => r.spec.replicas === 1)!;
    const old = rs.find((r) => r.spec.replicas === 0)!;
    assert.ok(current && old, JSON.stringify(rs.map((r) => [r.metadata.name, r.spec.replicas])));
    assert.equal(current.spec.template.spec.containers[0].image, 'playground/bookinfo-reviews:v2');
    assert.equal(current.metadata.annotations['deployment.kubernetes.io/revision'], '2');
    assert.match(current.metadata.name, /^reviews-v1-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);

    const pods = c.pods('default', (p) => p.metadata.labels?.app === 'reviews' && p.metadata.labels?.version === 'v1');
    assert.equal(pods.length, 1);
    assert.ok(pods[0].metadata.name.startsWith(`${current.metadata.name}-`));
    assert.equal(pods[0].spec.containers[0].image, 'playground/bookinfo-reviews:v2');
  });

  test('deleting a pod brings a replacement', async () => {
    const victim = c.pods('default', (p) => appOf(p) === 'details')[0].metadata.name;
    const res = await c.kubectl(['delete', 'pod', victim]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`pod "${victim}" deleted`));
    const replacement = await waitFor('a new Ready details pod', () => c.pods('default', (p) => appOf(p) === 'details' && p.metadata.name !== victim && isReady(p))[0]);
    assert.notEqual(replacement.metadata.name, victim);
    const get = await c.kubectl(['get', 'pods', '-l', 'app=details', '-o', 'name']);
    assert.equal(get.stdout.trim(), `pod/${replacement.metadata.name}`);
  });

  test('kubectl logs shows access-log lines after requests, and logs -f streams new ones', async () => {
    const from = c.pods('default', (p) => appOf(p) === 'productpage')[0].metadata.name;
    const details = c.pods('default', (p) => appOf(p) === 'details' && isReady(p))[0].metadata.name;
    const marker = `logs-test-${Date.now()}`;
    const r = await c.sandbox.runtime.requestFrom('default', from, { url: 'http://details:9080/details/0', headers: { 'user-agent': marker } });
    assert.equal(r.status, 200);
    const logs = await c.kubectl(['logs', details]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`"GET /details/0 HTTP/1.1" 200 \\d+ "${marker}"`));

    // Follow: keep sending marked requests until the streamed output shows one (bounded).
    const followMarker = `${marker}-follow`;
    const child = spawn(KUBECTL, ['--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'cache'), 'logs', '-f', '--tail=1', details], {
      env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir },
    });
    let streamed = '';
    child.stdout.on('data', (d: Buffer) => (streamed += d.toString()));
    try {
      await waitFor('the followed log to show a new request', async () => {
        await c.sandbox.runtime.requestFrom('default', from, { url: 'http://details:9080/details/1', headers: { 'user-agent': followMarker } });
        return streamed.includes(followMarker);
      }, { timeoutMs: 15_000, intervalMs: 200 });
      assert.equal(child.exitCode, null, 'kubectl logs -f is still following');
    } finally {
      child.kill();
    }
  });
});
