// Runs the SMI scenarios against a cluster: its own namespace and workloads, each scenario's steps in order, every
// assertion awaited with eventual consistency (a split's shares sampled as the Gateway API weight checks do), and
// a capability grade per scenario. Objects a scenario applied are deleted even when it fails.
import { awaitConvergence, type ConvergenceConfig } from '../convergence.js';
import { parseEchoBatch, parseEchoResponse } from '../echo-output.js';
import { clientCommand } from '../echo-request.js';
import type { ConformanceCluster, ObjectRef } from '../cluster-client.js';
import type { ProgressListener, SmiCheckResult, TestResult } from '../results.js';
import { WEIGHT_MAX_TRIES, WEIGHT_SAMPLE_SIZE, checkDistribution, describeShares } from '../weighted.js';
import { BATCH_EXEC_TIMEOUT_MS, REQUEST_EXEC_TIMEOUT_MS } from '../mesh-suite.js';
import { SMI_CLIENT_APP, SMI_NAMESPACE, smiBaseObjects } from './smi-manifests.js';
import { SMI_SCENARIOS, smiGrade, type SmiScenario, type SmiStep } from './smi-scenarios.js';

export interface SmiRunOptions {
  only: ReadonlySet<string>;
  skip: ReadonlySet<string>;
  convergence: ConvergenceConfig;
  signal: AbortSignal;
  progress: ProgressListener;
}

export async function setUpSmiBase(cluster: ConformanceCluster, signal: AbortSignal, progress: ProgressListener): Promise<ObjectRef[]> {
  progress({ type: 'phase', message: `applying the SMI workloads in ${SMI_NAMESPACE}` });
  const applied = await cluster.apply(smiBaseObjects());
  progress({ type: 'phase', message: `waiting for pods in ${SMI_NAMESPACE}` });
  await cluster.waitPodsReady([SMI_NAMESPACE], undefined, signal);
  return applied.filter((r) => r.kind === 'Namespace');
}

export function smiScenariosToRun(only: ReadonlySet<string>, skip: ReadonlySet<string>): SmiScenario[] {
  return SMI_SCENARIOS.filter((s) => !skip.has(s.name) && (only.size === 0 || only.has(s.name)));
}

export async function runSmiScenarios(cluster: ConformanceCluster, opts: SmiRunOptions): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const total = SMI_SCENARIOS.length;
  const client = await cluster.podFor(SMI_NAMESPACE, `app=${SMI_CLIENT_APP}`);
  const target = { namespace: SMI_NAMESPACE, pod: client.name, container: 'echo' };
  for (const [i, scenario] of SMI_SCENARIOS.entries()) {
    opts.progress({ type: 'test-start', suite: 'smi', name: scenario.name, index: i, total });
    const selected = !opts.skip.has(scenario.name) && (opts.only.size === 0 || opts.only.has(scenario.name));
    let result: TestResult;
    if (!selected || opts.signal.aborted) result = { suite: 'smi', name: scenario.name, outcome: 'skipped', reason: opts.signal.aborted ? 'interrupted' : 'test explicitly skipped', durationMs: 0 };
    else {
      const started = Date.now();
      const { passed, total: assertions, failures, checks } = await runScenario(cluster, target, scenario, opts);
      const grade = smiGrade(passed, assertions);
      result = { suite: 'smi', name: scenario.name, outcome: failures.length ? 'failed' : 'passed', reason: failures.join('; '), durationMs: Date.now() - started, grade, assertions: { passed, total: assertions }, checks };
    }
    results.push(result);
    opts.progress({ type: 'test-end', result, index: i, total });
  }
  return results;
}

type Target = { namespace: string; pod: string; container: string };

async function runScenario(cluster: ConformanceCluster, target: Target, scenario: SmiScenario, opts: SmiRunOptions): Promise<{ passed: number; total: number; failures: string[]; checks: SmiCheckResult[] }> {
  const applied = new Map<string, ObjectRef>();
  const key = (r: ObjectRef) => `${r.kind}/${r.name}`;
  let passed = 0;
  let total = 0;
  const failures: string[] = [];
  const checks: SmiCheckResult[] = [];
  try {
    for (const step of scenario.steps) {
      if (opts.signal.aborted) break;
      if (step.kind === 'apply') {
        for (const r of await cluster.apply(step.objects)) applied.set(key(r), r);
      } else if (step.kind === 'delete') {
        const refs = step.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: SMI_NAMESPACE }));
        await cluster.delete(refs);
        for (const r of refs) applied.delete(key(r));
      } else {
        total++;
        opts.progress({ type: 'step', name: scenario.name, step: step.name });
        const failure = await assertStep(cluster, target, step, opts);
        if (failure === undefined) passed++;
        else failures.push(`${step.name}: ${failure}`);
        checks.push({ name: step.name, passed: failure === undefined, ...(failure === undefined ? {} : { reason: failure }) });
      }
    }
  } catch (err) {
    failures.push((err as Error).message);
    total += scenario.steps.filter((s) => s.kind.startsWith('expect')).length - total;
  } finally {
    if (applied.size) await cluster.delete([...applied.values()]).catch(() => undefined);
  }
  return { passed, total, failures, checks };
}

async function assertStep(cluster: ConformanceCluster, target: Target, step: Exclude<SmiStep, { kind: 'apply' | 'delete' }>, opts: SmiRunOptions): Promise<string | undefined> {
  if (step.kind === 'expect-status') {
    const command = clientCommand({ host: step.host, path: step.path, method: step.method }, step.host);
    try {
      await awaitConvergence(
        async () => {
          let out: string;
          try {
            out = await cluster.run(target, command, REQUEST_EXEC_TIMEOUT_MS);
          } catch (err) {
            return `request failed: ${(err as Error).message}`;
          }
          const code = parseEchoResponse(out).code;
          return code === String(step.status) ? undefined : `wanted status code ${step.status}, got ${code || 'none'}`;
        },
        opts.convergence,
        opts.signal,
      );
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
  const command = clientCommand({ host: step.host, path: '/' }, step.host, WEIGHT_SAMPLE_SIZE);
  let last = '';
  for (let attempt = 1; attempt <= WEIGHT_MAX_TRIES && !opts.signal.aborted; attempt++) {
    let pods: string[];
    try {
      pods = parseEchoBatch(await cluster.run(target, command, BATCH_EXEC_TIMEOUT_MS)).map((r) => r.hostname);
    } catch (err) {
      last = `batch request failed: ${(err as Error).message}`;
      continue;
    }
    const problems = checkDistribution(pods, step.weights);
    if (!problems.length) return undefined;
    last = `${problems.join('; ')} (seen: ${describeShares(pods)})`;
  }
  return last;
}
