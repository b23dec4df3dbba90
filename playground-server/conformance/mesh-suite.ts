// Runs the Gateway API mesh tests against a cluster as upstream's suite does: apply the base manifests (namespaces
// labelled for injection), wait for the echo pods, then per test apply its manifests, check each case from the echo
// pod with eventual consistency, check weights, and delete what it applied.
import { ConvergenceError, awaitConvergence, type ConvergenceConfig } from './convergence.js';
import { parseEchoBatch, parseEchoResponse } from './echo-output.js';
import { clientCommand, compareResponse } from './echo-request.js';
import type { ConformanceCluster, ObjectRef } from './cluster-client.js';
import { type FeatureName } from './features.js';
import { MESH_CONSUMER_NAMESPACE, MESH_NAMESPACE, type EchoApp, type MeshCase, type MeshConformanceTest, type MeshRequest } from './mesh-test-types.js';
import { caseName } from './mesh-tests.js';
import type { ProgressListener, TestResult } from './results.js';
import { MESH_BASE_MANIFESTS, readUpstreamManifest } from './upstream-files.js';
import { WEIGHT_MAX_TRIES, WEIGHT_SAMPLE_SIZE, checkDistribution, describeShares } from './weighted.js';

/** One request's exec (upstream's RequestTimeout is 10 s). */
export const REQUEST_EXEC_TIMEOUT_MS = 10_000;
/** One 500-request batch. */
export const BATCH_EXEC_TIMEOUT_MS = 120_000;
/** Cases of one test checked at once (upstream runs most tests' cases with t.Parallel). */
export const CASE_CONCURRENCY = 4;

export interface MeshRunOptions {
  tests: readonly MeshConformanceTest[];
  supportedFeatures: ReadonlySet<FeatureName>;
  /** Names to run (empty: all in `tests`); the rest are skipped. */
  only: ReadonlySet<string>;
  skip: ReadonlySet<string>;
  /** Tests that cannot run where the run is (name → reason; session mode: a second namespace); reported skipped. */
  unavailable?: ReadonlyMap<string, string>;
  convergence: ConvergenceConfig;
  signal: AbortSignal;
  progress: ProgressListener;
}

/** Applies the base manifests and waits for their pods; returns the namespaces to delete at the end. */
export async function setUpMeshBase(cluster: ConformanceCluster, signal: AbortSignal, progress: ProgressListener): Promise<ObjectRef[]> {
  progress({ type: 'phase', message: `applying ${MESH_BASE_MANIFESTS}` });
  const objects = cluster.parse(readUpstreamManifest(MESH_BASE_MANIFESTS));
  const applied = await cluster.apply(objects);
  progress({ type: 'phase', message: `waiting for pods in ${MESH_NAMESPACE}, ${MESH_CONSUMER_NAMESPACE}` });
  await cluster.waitPodsReady([MESH_NAMESPACE, MESH_CONSUMER_NAMESPACE], undefined, signal);
  return applied.filter((r) => r.kind === 'Namespace');
}

export async function runMeshTests(cluster: ConformanceCluster, opts: MeshRunOptions): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const total = opts.tests.length;
  for (const [i, test] of opts.tests.entries()) {
    opts.progress({ type: 'test-start', suite: 'mesh', name: test.shortName, index: i, total });
    const started = Date.now();
    const base = { suite: 'mesh' as const, name: test.shortName, provisional: test.provisional };
    let result: TestResult;
    const missing = test.features.filter((f) => !opts.supportedFeatures.has(f));
    if (missing.length) result = { ...base, outcome: 'not-supported', reason: `suite does not support ${missing.join(', ')}`, durationMs: 0 };
    else if (opts.skip.has(test.shortName) || (opts.only.size > 0 && !opts.only.has(test.shortName))) result = { ...base, outcome: 'skipped', reason: 'test explicitly skipped', durationMs: 0 };
    else if (opts.unavailable?.has(test.shortName)) result = { ...base, outcome: 'skipped', reason: opts.unavailable.get(test.shortName) ?? '', durationMs: 0 };
    else if (opts.signal.aborted) result = { ...base, outcome: 'skipped', reason: 'interrupted', durationMs: 0 };
    else {
      const failure = await runOne(cluster, test, opts);
      result = { ...base, outcome: failure === undefined ? 'passed' : 'failed', reason: failure ?? '', durationMs: Date.now() - started };
    }
    results.push(result);
    opts.progress({ type: 'test-end', result, index: i, total });
  }
  return results;
}

/** Runs one test; the reason it failed, or undefined. Its manifests are deleted whatever happens. */
async function runOne(cluster: ConformanceCluster, test: MeshConformanceTest, opts: MeshRunOptions): Promise<string | undefined> {
  const applied: ObjectRef[] = [];
  try {
    for (const path of test.manifests) {
      opts.progress({ type: 'step', name: test.shortName, step: `applying ${path}` });
      applied.push(...(await cluster.apply(cluster.parse(readUpstreamManifest(path)))));
    }
    const failures = await checkCases(cluster, test, opts);
    if (failures.length) return failures.join('; ');
    if (test.weighted) return await checkWeights(cluster, test, opts);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    if (applied.length) {
      await cluster.delete(applied).catch(() => undefined);
      await cluster.waitGone(applied, 30_000).catch(() => undefined);
    }
  }
}

async function checkCases(cluster: ConformanceCluster, test: MeshConformanceTest, opts: MeshRunOptions): Promise<string[]> {
  const failures: { i: number; text: string }[] = [];
  const queue = test.cases.map((c, i) => ({ c, i }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { c, i } = next;
      const name = caseName(c, i);
      opts.progress({ type: 'step', name: test.shortName, step: name });
      try {
        await checkCase(cluster, c, opts);
      } catch (err) {
        failures.push({ i, text: `${name}: ${(err as Error).message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CASE_CONCURRENCY, queue.length) }, worker));
  // In case order, whichever finished first: the reason a run reports does not depend on timing.
  return failures.sort((a, b) => a.i - b.i).map((f) => f.text);
}

async function clientPod(cluster: ConformanceCluster, app: EchoApp, namespace: string): Promise<{ namespace: string; pod: string; container: string }> {
  const pod = await cluster.podFor(namespace, `app=echo,version=${app === 'echo-v1' ? 'v1' : 'v2'}`);
  return { namespace, pod: pod.name, container: 'echo' };
}

async function hostFor(cluster: ConformanceCluster, request: MeshRequest): Promise<string> {
  if (!request.podAddressOf) return request.host ?? 'echo';
  const { app, port } = request.podAddressOf;
  const pod = await cluster.podFor(MESH_NAMESPACE, `app=echo,version=${app === 'echo-v1' ? 'v1' : 'v2'}`);
  return `${pod.ip.includes(':') ? `[${pod.ip}]` : pod.ip}:${port}`;
}

async function checkCase(cluster: ConformanceCluster, c: MeshCase, opts: MeshRunOptions): Promise<void> {
  const target = await clientPod(cluster, c.client?.app ?? 'echo-v1', c.client?.namespace ?? MESH_NAMESPACE);
  const command = clientCommand(c.request, await hostFor(cluster, c.request));
  await awaitConvergence(
    async () => {
      let out: string;
      try {
        out = await cluster.run(target, command, REQUEST_EXEC_TIMEOUT_MS);
      } catch (err) {
        return `request ${command.join(' ')} failed: ${(err as Error).message}`;
      }
      return compareResponse(c, parseEchoResponse(out));
    },
    opts.convergence,
    opts.signal,
  ).catch((err: unknown) => {
    throw err instanceof ConvergenceError ? err : new Error(String(err));
  });
}

async function checkWeights(cluster: ConformanceCluster, test: MeshConformanceTest, opts: MeshRunOptions): Promise<string | undefined> {
  const weighted = test.weighted!;
  opts.progress({ type: 'step', name: test.shortName, step: `weighted distribution (${WEIGHT_SAMPLE_SIZE} requests)` });
  const target = await clientPod(cluster, 'echo-v1', MESH_NAMESPACE);
  const command = clientCommand(weighted.request, await hostFor(cluster, weighted.request), WEIGHT_SAMPLE_SIZE);
  const weights = weighted.weights as Record<string, number>;
  let last = '';
  for (let attempt = 1; attempt <= WEIGHT_MAX_TRIES && !opts.signal.aborted; attempt++) {
    let pods: string[];
    try {
      const responses = parseEchoBatch(await cluster.run(target, command, BATCH_EXEC_TIMEOUT_MS));
      pods = responses.map((r) => r.hostname);
    } catch (err) {
      last = `batch request failed: ${(err as Error).message}`;
      continue;
    }
    const problems = checkDistribution(pods, weights);
    if (!problems.length) return undefined;
    last = `${problems.join('; ')} (seen: ${describeShares(pods)})`;
    opts.progress({ type: 'step', name: test.shortName, step: `distribution try ${attempt}/${WEIGHT_MAX_TRIES} failed: ${last}` });
  }
  return `weighted distribution tests failed: ${last}`;
}
