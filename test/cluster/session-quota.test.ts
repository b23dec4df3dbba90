// The ResourceQuota and LimitRange recommended for every session namespace
// (playground-server/sessions/tenancy.ts) admit the default session — Bookinfo, httpbin,
// httpbin-direct and curl, meshed as the provisioner labels the namespace — and a lesson's scale-up to 5
// replicas, and stop a learner at 20 pods with the quota's message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { DEFAULT_APPS, sessionManifests } from '../../playground-server/sessions/sample-apps.js';
import { tenancyObjects } from '../../playground-server/sessions/tenancy.js';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'session-1';
const LIMITS = tenancyObjects(NS, 'learner').filter((o) => o.kind === 'ResourceQuota' || o.kind === 'LimitRange').map((o) => stringify(o)).join('---\n');

describe('the recommended session quota and limits', () => {
  let c: ClusterFixture;
  const ok = (args: string[], input?: string) => kubectlOk(c, args, input, 60_000);
  const livePods = () => c.pods(NS, (p) => !p.metadata.deletionTimestamp);

  before(async () => {
    c = await startCluster();
    await ok(['create', 'namespace', NS]);
    await ok(['label', 'namespace', NS, 'mesh.playground.dev/inject=enabled', 'linkerd.io/inject=enabled']);
    await ok(['apply', '-n', NS, '-f', '-'], LIMITS);
  });
  after(async () => {
    await c?.close();
  });

  test('admit the default session and a scale-up, and stop a learner at 20 pods', async () => {
    const manifests = sessionManifests(DEFAULT_APPS).map((o) => stringify(o)).join('---\n');
    await ok(['apply', '-n', NS, '-f', '-'], manifests);
    await c.sandbox.waitForReady(NS, 90_000);
    assert.equal(livePods().length, 9);
    await ok(['scale', 'deployment', 'reviews-v2', '-n', NS, '--replicas=5']);
    await c.sandbox.waitForReady(NS, 90_000);
    assert.equal(livePods().length, 13);

    const usage = await waitFor('the quota status', async () => {
      const out = await ok(['get', 'quota', 'playground-quota', '-n', NS]);
      return /pods: 13\/20/.test(out) ? out : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    // 12 meshed pods × (50m + the sidecar's 10m) + 1 un-meshed × 50m.
    assert.match(usage, /requests\.cpu: 770m\/4/, usage);
    assert.match(usage, /count\/serviceaccounts: \d+\/20/, usage);

    await ok(['scale', 'deployment', 'httpbin', '-n', NS, '--replicas=30']);
    await waitFor('20 pods', () => livePods().length === 20, { timeoutMs: 30_000, intervalMs: 100 });
    const events = await waitFor('the FailedCreate event', async () => {
      const out = await ok(['get', 'events', '-n', NS, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
      return out.trim() ? out : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.match(events, /exceeded quota: playground-quota, requested: pods=1, used: pods=20, limited: pods=20/);
    assert.equal(livePods().length, 20);
  });
});
