// The whole Gateway API Mesh profile (MESH-HTTP and MESH-GRPC, every test, provisional ones included) run by the
// conformance runner against an embedded sandbox in a child process, as `playground conformance --kubeconfig` runs
// it against any cluster: wall time from the first apply to the last namespace gone (goal ≤ 60 s on this 2-core
// machine), plus each test's time. A test that fails still counts: failing tests wait out their consistency
// timeout, so the figure only meets the goal once the mesh passes the profile.
import { ConformanceCluster } from '../playground-server/conformance/cluster-client.js';
import { SANDBOX_SUPPORTED_FEATURES } from '../playground-server/conformance/features.js';
import { DEFAULT_NAMESPACE_LABELS, parseKeyValuePairs } from '../playground-server/conformance/flags.js';
import { runConformance } from '../playground-server/conformance/run-conformance.js';
import { startChildSandbox } from './lib/child-sandbox.js';

const GOAL_SECONDS = 60;

const sandbox = await startChildSandbox('bench-conformance-');
const cluster = ConformanceCluster.fromKubeconfigFile(sandbox.kubeconfig, { labels: parseKeyValuePairs(DEFAULT_NAMESPACE_LABELS, '--namespace-labels', true), annotations: {} });
try {
  const t0 = performance.now();
  const run = await runConformance(cluster, {
    profiles: ['MESH-HTTP', 'MESH-GRPC'],
    only: new Set(),
    skip: new Set(),
    supportedFeatures: new Set(SANDBOX_SUPPORTED_FEATURES),
    keep: false,
    signal: new AbortController().signal,
    progress: () => undefined,
  });
  const seconds = (performance.now() - t0) / 1000;
  const passed = run.results.filter((r) => r.outcome === 'passed').length;
  const failed = run.results.filter((r) => r.outcome === 'failed');
  for (const r of run.results) process.stdout.write(`  ${r.name.padEnd(44)} ${r.outcome.padEnd(8)} ${(r.durationMs / 1000).toFixed(1)} s\n`);
  process.stdout.write(`Mesh profile (MESH-HTTP + MESH-GRPC, ${run.results.length} tests: ${passed} passed, ${failed.length} failed) against the sandbox: ${seconds.toFixed(1)} s wall (goal ≤ ${GOAL_SECONDS} s, ${(seconds / GOAL_SECONDS).toFixed(2)}× the goal)\n`);
  if (failed.length) {
    const inTests = run.results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
    const inPassing = run.results.filter((r) => r.outcome === 'passed').reduce((sum, r) => sum + r.durationMs, 0) / 1000;
    process.stdout.write(`  failing tests wait out their consistency timeout: ${failed.map((r) => r.name).join(', ')}\n`);
    process.stdout.write(`  passing tests took ${inPassing.toFixed(1)} s; setup and teardown ${(seconds - inTests).toFixed(1)} s\n`);
  }
} finally {
  cluster.close();
  await sandbox.stop();
}
