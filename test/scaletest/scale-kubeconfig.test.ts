// `playground scale-test --kubeconfig FILE` against a second process, `playground sandbox`: the code path a real
// cluster takes (the Kubernetes API only); Ctrl-C mid-step exits 130 and deletes what it made. Kept short (CI time): one run, 1 then 2 copies, 1 s of load per step,
// within generous thresholds, goes through both steps, measures every figure and deletes its namespace. Where a
// run stops scaling (the first step over a threshold, and why) is tested on known inputs in report.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScaleReport } from '../../playground-server/scaletest/report.js';
import { kubectlAt as kubectl, PLAYGROUND_BIN as BIN, runCli as playground, startSecondSandbox, type SecondSandbox } from '../cli/cli-process.js';

async function scaleNamespaces(kubeconfig: string): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split(' ').filter((n) => n.startsWith('scale-test-'));
}

// Generous: this test checks that everything is measured and cleaned up, not how fast a busy CI machine is.
const LENIENT = ['--max-p99-ms', '60000', '--min-throughput-percent', '1', '--max-error-percent', '100', '--max-config-push-ms', '60000'];

describe('playground scale-test --kubeconfig against a second `playground sandbox` process', { timeout: 300_000 }, () => {
  let dir: string;
  let kubeconfig: string;
  let sandbox: SecondSandbox | undefined;

  before(async () => {
    sandbox = await startSecondSandbox('scale-test-cli-');
    ({ dir, kubeconfig } = sandbox);
  });
  after(async () => {
    await sandbox?.stop();
  });

  test('two steps: API, pod startup, config push, load and PodMetrics measured at each; a verdict; the namespace deleted', async () => {
    const json = join(dir, 'report.json');
    const r = await playground(['scale-test', '--kubeconfig', kubeconfig, '--steps', '1,2', '--load-seconds', '1', '--rps', '20', '--connections', '2', '--api-samples', '2', '--json', json, ...LENIENT]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ScaleReport;
    assert.equal(report.format, 'mesh-playground.scale-test/v1');
    assert.equal(report.cluster.embedded, false, 'the cluster is the other process, reached through the kubeconfig');
    assert.deepEqual(report.steps.map((s) => s.copies), [1, 2]);
    for (const s of report.steps) {
      assert.equal(s.failure, undefined, s.failure);
      assert.equal(s.api.create.count, 2, 'a Deployment and a Service per copy added (one copy added at each step)');
      assert.equal(s.api.list.count, 2);
      assert.equal(s.api.watch.count, 2);
      assert.equal(s.api.podStartup.count, 1, 'one pod started per copy added');
      for (const f of [s.api.create.p50, s.api.list.p50, s.api.watch.p50, s.api.podStartup.p50]) assert.ok(f > 0, JSON.stringify(s.api));
      assert.ok(s.configPush && s.configPush.ms > 0 && s.configPush.probes >= 1, JSON.stringify(s.configPush));
      assert.ok(s.load && s.load.requests > 0, JSON.stringify(s.load));
      assert.equal(s.load.requestedRps, 20);
      assert.ok((s.load.statusClasses['2xx'] ?? 0) > 0, `answers from the copies: ${JSON.stringify(s.load.statusClasses)}`);
      assert.ok(s.load.latencyMs.p99 > 0);
      assert.ok(s.load.timeline.length >= 1 && s.load.timeline.some((i) => i.responses > 0), `latency over time: ${JSON.stringify(s.load.timeline)}`);
      assert.ok(s.resources, 'PodMetrics read');
      assert.equal(s.resources.pods, s.copies, 'the PodMetrics of every copy');
      assert.equal(s.resources.sidecarContainer, 'mesh-proxy', 'the copies are meshed; their sidecars are the data plane');
      assert.ok(s.resources.dataPlaneMemoryMiB > 0);
      assert.deepEqual(s.breaches, []);
    }
    assert.deepEqual(report.verdict, { scaled: true, lastGoodCopies: 2, stoppedAt: null, reasons: [], summary: 'scaled to 2 copies within every threshold' });
    assert.equal(report.cleanup.deleted, true, report.cleanup.message);
    assert.match(r.stdout, /^verdict: scaled to 2 copies within every threshold$/m);
    assert.match(r.stdout, /^ +2 \| /m, 'a table row per step');
    assert.match(r.stdout, /^ +over time, per second: p99 [\d. ]+ ms; errors [\d ]+$/m);
    assert.deepEqual(await scaleNamespaces(kubeconfig), [], 'no scale-test namespace left');
  });

  test('Ctrl-C during a step stops the run (exit 130) and still deletes everything it created', async () => {
    // Long load steps, interrupted once the first step's copies exist: the namespace it made must be gone after.
    const child = spawn(process.execPath, [BIN, 'scale-test', '--kubeconfig', kubeconfig, '--steps', '1,2', '--load-seconds', '59', '--rps', '10', '--connections', '1', '--api-samples', '1', ...LENIENT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 120_000;
    let namespace: string | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      namespace = /· namespace (scale-test-\S+)/.exec(out)?.[1];
      if (namespace && /step 1\/2/.test(out) && (await scaleNamespaces(kubeconfig)).includes(namespace)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(namespace, `the run said its namespace:\n${out}`);
    assert.deepEqual(await scaleNamespaces(kubeconfig), [namespace], 'the namespace exists before the interrupt (the attempt is real)');
    child.kill('SIGINT');
    assert.equal(await exited, 130, out);
    assert.match(out, /SIGINT: stopping; deleting the test namespace/);
    assert.match(out, new RegExp(`deleting namespace ${namespace}`));
    for (let i = 0; i < 150 && (await scaleNamespaces(kubeconfig)).length; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await scaleNamespaces(kubeconfig), [], 'no scale-test namespace left');
  });

  test('bad flags are usage errors (exit 2) naming the flag and the limit', async () => {
    const r = await playground(['scale-test', '--kubeconfig', kubeconfig, '--steps', '1,500']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--steps must be a whole number from 1 to 200, got "500"/);
    assert.deepEqual(await scaleNamespaces(kubeconfig), [], 'nothing was created');
  });
});
