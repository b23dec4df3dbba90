// One conformance run, start to finish, against any cluster the caller connected: choose the tests (profiles,
// --only, --skip, supported features), set up the mesh base and/or the SMI workloads, run, and — unless asked to
// keep them — delete every namespace it created and wait until they are gone, also when interrupted or failing.
import type { ConformanceCluster, ObjectRef } from './cluster-client.js';
import { DEFAULT_CONVERGENCE, type ConvergenceConfig } from './convergence.js';
import { inScope, type FeatureName, type MeshProfileName, type ProfileName } from './features.js';
import { runMeshTests, setUpMeshBase } from './mesh-suite.js';
import { MESH_CONFORMANCE_TESTS } from './mesh-tests.js';
import type { MeshConformanceTest } from './mesh-test-types.js';
import { buildConformanceReport, type ConformanceReport } from './report.js';
import type { ProgressListener, TestResult } from './results.js';
import { SMI_SCENARIOS } from './smi/smi-scenarios.js';
import { runSmiScenarios, setUpSmiBase } from './smi/smi-suite.js';

export interface ConformanceRunOptions {
  profiles: readonly ProfileName[];
  only: ReadonlySet<string>;
  skip: ReadonlySet<string>;
  /** Tests that cannot run on this cluster (name → reason), reported skipped with it (session mode). */
  unavailable?: ReadonlyMap<string, string>;
  supportedFeatures: ReadonlySet<FeatureName>;
  /** Leave the test namespaces in place (to look around after a failure). */
  keep: boolean;
  convergence?: ConvergenceConfig;
  signal: AbortSignal;
  progress: ProgressListener;
  implementation?: ConformanceReport['implementation'];
}

export interface ConformanceRun {
  results: TestResult[];
  /** The Gateway API report (when a MESH profile was selected). */
  report?: ConformanceReport;
  /** Namespaces created and (unless keep) deleted. */
  namespaces: string[];
}

export const DEFAULT_IMPLEMENTATION: ConformanceReport['implementation'] = {
  organization: 'Mesh Playground',
  project: 'mesh-playground',
  url: 'https://github.com/mesh-playground/mesh-playground',
  version: '0.1.0',
  contact: ['https://github.com/mesh-playground/mesh-playground/issues'],
};

/** Every test name --only/--skip accept. */
export function knownTestNames(): string[] {
  return [...MESH_CONFORMANCE_TESTS.map((t) => t.shortName), ...SMI_SCENARIOS.map((s) => s.name)];
}

export function meshTestsInScope(profiles: readonly ProfileName[]): MeshConformanceTest[] {
  return MESH_CONFORMANCE_TESTS.filter((t) => inScope(t.features, profiles));
}

export async function runConformance(cluster: ConformanceCluster, opts: ConformanceRunOptions): Promise<ConformanceRun> {
  const convergence = opts.convergence ?? DEFAULT_CONVERGENCE;
  const meshTests = meshTestsInScope(opts.profiles);
  const selected = (name: string) => !opts.skip.has(name) && (opts.only.size === 0 || opts.only.has(name));
  const meshToRun = meshTests.filter((t) => selected(t.shortName) && !opts.unavailable?.has(t.shortName) && t.features.every((f) => opts.supportedFeatures.has(f)));
  const smiToRun = opts.profiles.includes('SMI') ? SMI_SCENARIOS.filter((s) => selected(s.name)) : [];
  const created: ObjectRef[] = [];
  const results: TestResult[] = [];
  try {
    if (meshTests.length) {
      let setupError: string | undefined;
      if (meshToRun.length) {
        try {
          created.push(...(await setUpMeshBase(cluster, opts.signal, opts.progress)));
        } catch (err) {
          setupError = `setup failed: ${(err as Error).message}`;
        }
      }
      if (setupError) {
        for (const t of meshTests) results.push({ suite: 'mesh', name: t.shortName, outcome: meshToRun.includes(t) ? 'failed' : 'skipped', reason: meshToRun.includes(t) ? setupError : 'test explicitly skipped', durationMs: 0, provisional: t.provisional });
      } else {
        results.push(...(await runMeshTests(cluster, { tests: meshTests, supportedFeatures: opts.supportedFeatures, only: opts.only, skip: opts.skip, unavailable: opts.unavailable, convergence, signal: opts.signal, progress: opts.progress })));
      }
    }
    if (opts.profiles.includes('SMI')) {
      let setupError: string | undefined;
      if (smiToRun.length && !opts.signal.aborted) {
        try {
          created.push(...(await setUpSmiBase(cluster, opts.signal, opts.progress)));
        } catch (err) {
          setupError = `setup failed: ${(err as Error).message}`;
        }
      }
      if (setupError || !smiToRun.length || opts.signal.aborted) {
        for (const s of SMI_SCENARIOS) {
          const run = smiToRun.includes(s) && !opts.signal.aborted;
          results.push({ suite: 'smi', name: s.name, outcome: run ? 'failed' : 'skipped', reason: run ? setupError ?? '' : opts.signal.aborted ? 'interrupted' : 'test explicitly skipped', durationMs: 0, ...(run ? { grade: 'None' as const } : {}) });
        }
      } else {
        results.push(...(await runSmiScenarios(cluster, { only: opts.only, skip: opts.skip, convergence, signal: opts.signal, progress: opts.progress })));
      }
    }
  } finally {
    if (!opts.keep && created.length) {
      opts.progress({ type: 'phase', message: `deleting namespaces ${created.map((r) => r.name).join(', ')}` });
      await cluster.delete(created);
      await cluster.waitGone(created);
    }
  }
  const meshProfiles = opts.profiles.filter((p): p is MeshProfileName => p !== 'SMI');
  let report: ConformanceReport | undefined;
  if (meshProfiles.length) {
    const { version, channel } = await cluster.gatewayApiVersionAndChannel();
    report = buildConformanceReport({
      results,
      tests: MESH_CONFORMANCE_TESTS,
      profiles: meshProfiles,
      supportedFeatures: opts.supportedFeatures,
      implementation: opts.implementation ?? DEFAULT_IMPLEMENTATION,
      // As upstream: the CRDs' bundle-version annotation (UNDEFINED when absent).
      gatewayAPIVersion: version,
      gatewayAPIChannel: channel,
    });
  }
  return { results, report, namespaces: created.map((r) => r.name) };
}
