// A run's results as the site's conformance page reads them (`--site-data FILE`; the page's contract is
// site/src/lib/conformance/data-contract.ts, which checks the file at build time): the ConformanceReport, one entry
// per test and profile with what each case checks in words (generated from the same test definitions the runner
// executes, so the page cannot describe a different test), and the SMI capabilities with each assertion's outcome.
import { inScope, type MeshProfileName } from './features.js';
import type { MeshCase, MeshConformanceTest, MeshRequest, WeightedCheck } from './mesh-test-types.js';
import { MESH_CONFORMANCE_TESTS } from './mesh-tests.js';
import type { ConformanceRun } from './run-conformance.js';
import type { TestResult } from './results.js';
import { SMI_SCENARIOS } from './smi/smi-scenarios.js';
import { GATEWAY_API_COMMIT } from './upstream-files.js';

type SiteResult = 'passed' | 'failed' | 'skipped';

export interface SiteTestEntry {
  profile: MeshProfileName;
  name: string;
  description: string;
  features: string[];
  provisional: boolean;
  result: SiteResult;
  reason?: string;
  checks: string[];
  source: string;
}

export interface SiteSmiCapability {
  capability: string;
  grade: 'Full' | 'Partial' | 'None';
  scenarios: { name: string; result: 'passed' | 'failed'; reason?: string }[];
}

export interface ConformanceSiteData {
  generatedAt: string;
  command: string;
  gatewayAPI: { version: string; channel: string; commit: string };
  report: NonNullable<ConformanceRun['report']>;
  tests: SiteTestEntry[];
  smi: SiteSmiCapability[];
}

const UPSTREAM_BLOB = `https://github.com/kubernetes-sigs/gateway-api/blob/${GATEWAY_API_COMMIT}/`;
const PROFILES: readonly MeshProfileName[] = ['MESH-HTTP', 'MESH-GRPC'];

function url(r: MeshRequest): string {
  const target = r.podAddressOf ? `<${r.podAddressOf.app} pod IP>:${r.podAddressOf.port}` : (r.host ?? 'echo');
  return `${r.protocol ?? 'http'}://${target}${r.path ?? ''}`;
}

function request(r: MeshRequest): string {
  const headers = Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
  const verb = r.protocol === 'grpc' ? 'gRPC Echo' : (r.method ?? 'GET');
  return `${verb} ${url(r)}${headers.length ? ` with ${headers.join(', ')}` : ''}`;
}

/** One case in words: what is sent from where, and everything the answer must show. */
export function describeCase(c: MeshCase): string {
  const from = c.client ? `${c.client.app}${c.client.namespace ? ` in ${c.client.namespace}` : ''}` : 'echo-v1';
  const expect: string[] = [(c.statusCodes ?? [200]).join(' or ')];
  if (c.backend) expect.push(`served by ${c.backend}`);
  for (const [k, v] of Object.entries(c.responseHeaders ?? {})) expect.push(`response header ${k}: ${v}`);
  for (const k of c.absentResponseHeaders ?? []) expect.push(`no response header ${k}`);
  for (const [k, v] of Object.entries(c.expectedRequest?.headers ?? {})) expect.push(`backend sees ${k}: ${v}`);
  for (const k of c.expectedRequest?.absentHeaders ?? []) expect.push(`backend does not see ${k}`);
  if (c.redirect) {
    const r = c.redirect;
    expect.push(`redirect to ${[r.scheme && `scheme ${r.scheme}`, r.host && `host ${r.host}`, r.port && `port ${r.port}`, r.path && `path ${r.path}`].filter(Boolean).join(', ') || 'the same URL'}`);
  }
  return `${request(c.request)} from ${from} → ${expect.join(', ')}`;
}

function describeWeighted(w: WeightedCheck): string {
  const shares = Object.entries(w.weights).map(([b, s]) => `${b} ${Math.round((s ?? 0) * 100)}%`);
  return `${request(w.request)} in batches → shares ${shares.join(', ')} (±5 points, as upstream's weight check)`;
}

function siteResult(r: TestResult | undefined): { result: SiteResult; reason?: string } {
  if (!r) return { result: 'skipped', reason: 'not run' };
  if (r.outcome === 'passed') return { result: 'passed' };
  if (r.outcome === 'failed') return { result: 'failed', reason: r.reason || 'failed' };
  return { result: 'skipped', reason: r.reason || r.outcome };
}

function entries(test: MeshConformanceTest, result: TestResult | undefined): SiteTestEntry[] {
  return PROFILES.filter((p) => inScope(test.features, [p])).map((profile) => ({
    profile,
    name: test.shortName,
    description: test.description,
    features: [...test.features],
    provisional: test.provisional ?? false,
    ...siteResult(result),
    checks: [...test.cases.map(describeCase), ...(test.weighted ? [describeWeighted(test.weighted)] : [])],
    source: `${UPSTREAM_BLOB}${test.source}`,
  }));
}

export function conformanceSiteData(run: ConformanceRun, command: string, now = new Date()): ConformanceSiteData {
  if (!run.report) throw new Error('the site page needs a ConformanceReport: run the MESH-HTTP and MESH-GRPC profiles');
  const byName = new Map(run.results.map((r) => [`${r.suite}/${r.name}`, r]));
  const smi: SiteSmiCapability[] = [];
  for (const scenario of SMI_SCENARIOS) {
    const r = byName.get(`smi/${scenario.name}`);
    if (!r?.grade || !r.checks) continue; // not run: the page shows only what was measured
    smi.push({ capability: scenario.name, grade: r.grade, scenarios: r.checks.map((c) => ({ name: c.name, result: c.passed ? 'passed' : 'failed', ...(c.reason ? { reason: c.reason } : {}) })) });
  }
  return {
    generatedAt: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    command,
    gatewayAPI: { version: run.report.gatewayAPIVersion, channel: run.report.gatewayAPIChannel, commit: GATEWAY_API_COMMIT },
    report: run.report,
    tests: MESH_CONFORMANCE_TESTS.flatMap((t) => entries(t, byName.get(`mesh/${t.shortName}`))),
    smi,
  };
}
