// `playground conformance --kubeconfig FILE` against a second process, `playground sandbox`, started with the
// test-only switch that makes its control plane ignore RequestHeaderModifier filters: the code path a real cluster
// takes. The matching test turns red with a reason naming the missing header, the others pass, the report file is
// a valid ConformanceReport that lists the failure, Ctrl-C mid-run still deletes the namespaces, and bad flags
// are usage errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { kubectlAt as kubectl, PLAYGROUND_BIN as BIN, runCli, startSecondSandbox, type SecondSandbox } from '../cli/cli-process.js';
import { EXPECT_WHOLE_PROFILE } from './expected-results.js';
import { reportSchemaErrors } from './report-schema.js';

const BREAK_ENV = 'PLAYGROUND_TEST_BREAK_MESH_FEATURE';
/** The CLI runs without the test-only switch; only the second sandbox has it. */
const playground = (args: string[]) => runCli(args, { env: { ...process.env, [BREAK_ENV]: '' } });

async function conformanceNamespaces(kubeconfig: string): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split(' ').filter((n) => n.startsWith('gateway-conformance') || n === 'smi-conformance');
}

describe('playground conformance --kubeconfig against a second `playground sandbox` process', { timeout: 360_000 }, () => {
  let dir: string;
  let kubeconfig: string;
  let sandbox: SecondSandbox | undefined;

  before(async () => {
    sandbox = await startSecondSandbox('conformance-cli-', { ...process.env, [BREAK_ENV]: 'RequestHeaderModifier' });
    ({ dir, kubeconfig } = sandbox);
  });
  after(async () => {
    await sandbox?.stop();
  });

  test('the broken feature turns its tests red with a reason; the others pass; the report says so', async () => {
    const reportPath = join(dir, 'report.yaml');
    // Every test that relies on RequestHeaderModifier (all three once the whole profile passes).
    const broken = EXPECT_WHOLE_PROFILE ? ['MeshHTTPRouteRequestHeaderModifier', 'MeshHTTPRouteBackendRequestHeaderModifier', 'MeshGRPCRouteRequestHeaderModifier'] : ['MeshHTTPRouteRequestHeaderModifier'];
    const healthy = ['MeshBasic', 'MeshHTTPRouteMatching', 'MeshConsumerRoute'];
    const profiles = EXPECT_WHOLE_PROFILE ? 'MESH-HTTP,MESH-GRPC' : 'MESH-HTTP';
    const r = await playground(['conformance', '--kubeconfig', kubeconfig, '--profile', profiles, '--only', [...healthy, ...broken].join(','), '--report', reportPath, '--max-time-to-consistency', '5']);
    assert.equal(r.code, 1, `a failed test exits 1:\n${r.stdout}\n${r.stderr}`);
    for (const name of broken) assert.match(r.stdout, new RegExp(`^GAMMA\\s+${name}\\s+FAILED\\s+.*expected x-header-set header to be set`, 'im'), r.stdout);
    for (const name of healthy) assert.match(r.stdout, new RegExp(`^GAMMA\\s+${name}\\s+passed\\s*$`, 'm'), r.stdout);
    assert.match(r.stdout, /^MESH-HTTP: Core tests failed with 1 test failures\./m);
    assert.match(r.stderr, /FAIL MeshHTTPRouteRequestHeaderModifier/, 'plain progress lines when stderr is not a TTY');

    type Status = { result: string; failedTests?: string[] };
    const report = parseYaml(readFileSync(reportPath, 'utf8')) as { profiles: { name: string; core: Status; extended?: Status }[] };
    assert.deepEqual(reportSchemaErrors(report), []);
    const http = report.profiles.find((p) => p.name === 'MESH-HTTP')!;
    assert.equal(http.core.result, 'failure');
    assert.deepEqual(http.core.failedTests, ['MeshHTTPRouteRequestHeaderModifier']);
    if (EXPECT_WHOLE_PROFILE) {
      assert.deepEqual(http.extended?.failedTests, ['MeshHTTPRouteBackendRequestHeaderModifier']);
      assert.deepEqual(report.profiles.find((p) => p.name === 'MESH-GRPC')?.core.failedTests, ['MeshGRPCRouteRequestHeaderModifier']);
    }
    assert.deepEqual(await conformanceNamespaces(kubeconfig), [], 'the run deleted its namespaces');
  });

  test('Ctrl-C mid-run stops it and still deletes the test namespaces', async () => {
    const child = spawn(process.execPath, [BIN, 'conformance', '--kubeconfig', kubeconfig, '--profile', 'MESH-HTTP'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [BREAK_ENV]: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no test finished within 90 s:\n${out}`)), 90_000);
      child.stderr.on('data', () => {
        if (/PASS MeshBasic/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 90_000)))]);
    clearTimeout(timer);
    assert.equal(code, 130, out);
    assert.match(out, /SIGINT: stopping; deleting the test namespaces/);
    assert.match(out, /interrupted/, 'the tests not run are reported as interrupted');
    assert.deepEqual(await conformanceNamespaces(kubeconfig), []);
  });

  test('bad flags are usage errors (exit 2) that name the flag', async () => {
    const unknown = await playground(['conformance', '--kubeconfig', kubeconfig, '--only', 'MeshNope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--only: no test named "MeshNope"; the tests are: MeshBasic,/);
    const profile = await playground(['conformance', '--profile', 'GATEWAY-HTTP']);
    assert.equal(profile.code, 2);
    assert.match(profile.stderr, /--profile takes MESH-HTTP, MESH-GRPC, SMI/);
    const labels = await playground(['conformance', '--namespace-labels', 'istio-injection']);
    assert.equal(labels.code, 2);
    assert.match(labels.stderr, /--namespace-labels takes name=value pairs/);
  });
});
