// The run's results as a Gateway API ConformanceReport (conformance/apis/v1, built as suite.Report and
// reports.go build it): per profile, core and extended results (failure if any test failed, partial if any was
// skipped, else success), statistics, skipped and failed tests, the profile's supported/unsupported extended
// features, and the provisional tests that passed. NOT_SUPPORTED tests are left out, as upstream leaves them.
// SMI is not a Gateway API profile: its grades are in a separate section of the CLI's table and JSON, not here.
import { MESH_PROFILES, isExtendedIn, profileGrades, type FeatureName, type MeshProfileName } from './features.js';
import type { MeshConformanceTest } from './mesh-test-types.js';
import type { TestResult } from './results.js';

export type ReportResult = 'success' | 'partial' | 'failure';

export interface ReportStatus {
  result: ReportResult;
  /** Capitalized: upstream's Statistics struct has no json tags. */
  statistics: { Passed: number; Skipped: number; Failed: number };
  skippedTests?: string[];
  failedTests?: string[];
}

export interface ProfileReport {
  name: string;
  summary: string;
  core: ReportStatus;
  extended?: ReportStatus & { supportedFeatures?: string[]; unsupportedFeatures?: string[] };
}

export interface ConformanceReport {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'ConformanceReport';
  implementation: { organization: string; project: string; url: string; version: string; contact: string[] };
  date: string;
  gatewayAPIVersion: string;
  gatewayAPIChannel: string;
  mode: string;
  profiles: ProfileReport[];
  succeededProvisionalTests?: string[];
}

export interface ReportInput {
  results: readonly TestResult[];
  tests: readonly MeshConformanceTest[];
  profiles: readonly MeshProfileName[];
  supportedFeatures: ReadonlySet<FeatureName>;
  implementation: ConformanceReport['implementation'];
  gatewayAPIVersion: string;
  gatewayAPIChannel: string;
  date?: Date;
}

const emptyStatus = (): ReportStatus => ({ result: 'success', statistics: { Passed: 0, Skipped: 0, Failed: 0 } });

function grade(s: ReportStatus): void {
  s.result = s.statistics.Failed > 0 ? 'failure' : s.statistics.Skipped > 0 ? 'partial' : 'success';
}

function summaryOf(s: ReportStatus): string {
  return s.result === 'success' ? 'succeeded' : s.result === 'partial' ? `partially succeeded with ${s.statistics.Skipped} test skips` : `failed with ${s.statistics.Failed} test failures`;
}

export function buildConformanceReport(input: ReportInput): ConformanceReport {
  const byName = new Map(input.tests.map((t) => [t.shortName, t]));
  const sorted = [...input.results].filter((r) => r.suite === 'mesh').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const profiles: ProfileReport[] = [];
  for (const name of input.profiles) {
    const profile = MESH_PROFILES[name];
    const report: ProfileReport = { name, summary: '', core: emptyStatus() };
    for (const r of sorted) {
      const test = byName.get(r.name);
      if (!test || r.outcome === 'not-supported' || !profileGrades(profile, test.features)) continue;
      const extended = isExtendedIn(profile, test.features);
      const status = extended ? (report.extended ??= emptyStatus()) : report.core;
      if (r.outcome === 'passed') status.statistics.Passed++;
      else if (r.outcome === 'failed') {
        status.statistics.Failed++;
        (status.failedTests ??= []).push(r.name);
      } else {
        status.statistics.Skipped++;
        (status.skippedTests ??= []).push(r.name);
      }
    }
    grade(report.core);
    report.summary = `Core tests ${summaryOf(report.core)}`;
    if (report.extended) {
      grade(report.extended);
      report.summary += `. Extended tests ${summaryOf(report.extended)}`;
      const supported = profile.extended.filter((f) => input.supportedFeatures.has(f)).sort();
      const unsupported = profile.extended.filter((f) => !input.supportedFeatures.has(f)).sort();
      if (supported.length) report.extended.supportedFeatures = supported;
      if (unsupported.length) report.extended.unsupportedFeatures = unsupported;
    }
    report.summary += '.';
    profiles.push(report);
  }
  const succeededProvisional = sorted.filter((r) => r.provisional && r.outcome === 'passed').map((r) => r.name);
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ConformanceReport',
    implementation: input.implementation,
    date: (input.date ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    gatewayAPIVersion: input.gatewayAPIVersion,
    gatewayAPIChannel: input.gatewayAPIChannel,
    mode: 'default',
    profiles,
    ...(succeededProvisional.length ? { succeededProvisionalTests: succeededProvisional } : {}),
  };
}
