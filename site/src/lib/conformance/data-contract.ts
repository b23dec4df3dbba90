// The conformance page's data: what `playground conformance --site-data` writes to site/src/data/conformance.json,
// its TypeScript type, and the check that fails the site's build with a readable message when the file drifts.
// The `report` field is the Gateway API ConformanceReport (conformance/apis/v1/*.go in kubernetes-sigs/gateway-api),
// kept as upstream marshals it so the page can offer it for download unchanged.
import { Ajv, type ErrorObject } from 'ajv';

export type ProfileResult = 'success' | 'failure' | 'partial';
export type TestResult = 'passed' | 'failed' | 'skipped';
export type SmiGrade = 'Full' | 'Partial' | 'None';

/** confv1.Statistics: upstream has no json tags on these fields, so the keys are the Go names. */
export interface Statistics {
  Passed: number;
  Failed: number;
  Skipped: number;
}

/** confv1.Status */
export interface ProfileStatus {
  result: ProfileResult;
  statistics: Statistics;
  skippedTests?: string[];
  failedTests?: string[];
}

/** confv1.ExtendedStatus */
export interface ExtendedProfileStatus extends ProfileStatus {
  supportedFeatures?: string[];
  unsupportedFeatures?: string[];
}

/** confv1.ProfileReport */
export interface ProfileReport {
  name: string;
  summary?: string;
  core: ProfileStatus;
  extended?: ExtendedProfileStatus;
}

/** confv1.Implementation */
export interface Implementation {
  organization: string;
  project: string;
  url: string;
  version: string;
  contact: string[];
}

/** confv1.ConformanceReport */
export interface ConformanceReport {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'ConformanceReport';
  implementation: Implementation;
  date: string;
  gatewayAPIVersion: string;
  gatewayAPIChannel: string;
  mode: string;
  profiles: ProfileReport[];
  succeededProvisionalTests?: string[];
}

/** One upstream conformance test as run for one profile, with what it checks in words. */
export interface ConformanceTestEntry {
  profile: string;
  name: string;
  description: string;
  features: string[];
  provisional: boolean;
  result: TestResult;
  /** Why it failed or was skipped; absent when it passed. */
  reason?: string;
  /** What each of the test's cases sends and expects, one line per case. */
  checks: string[];
  /** The test's Go source upstream, at the commit the run used. */
  source: string;
}

export interface SmiScenario {
  name: string;
  result: 'passed' | 'failed';
  reason?: string;
}

export interface SmiCapability {
  capability: string;
  grade: SmiGrade;
  scenarios: SmiScenario[];
}

export interface ConformanceSiteData {
  generatedAt: string;
  command: string;
  gatewayAPI: { version: string; channel: string; commit: string };
  report: ConformanceReport;
  tests: ConformanceTestEntry[];
  smi: SmiCapability[];
}

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';
const nonEmpty = { type: 'string', minLength: 1 } as const;
const names = { type: 'array', items: nonEmpty } as const;
const statistics = {
  type: 'object',
  required: ['Passed', 'Failed', 'Skipped'],
  properties: { Passed: { type: 'integer', minimum: 0 }, Failed: { type: 'integer', minimum: 0 }, Skipped: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
} as const;
const statusProperties = {
  result: { enum: ['success', 'failure', 'partial'] },
  statistics,
  skippedTests: names,
  failedTests: names,
} as const;

/** Our own envelope, tests and SMI entries reject unknown keys (a typo should fail the build); the upstream
 * report accepts them, as a newer suite may add fields the page does not show but the download must keep. */
export const CONFORMANCE_DATA_SCHEMA = {
  type: 'object',
  required: ['generatedAt', 'command', 'gatewayAPI', 'report', 'tests', 'smi'],
  additionalProperties: false,
  properties: {
    generatedAt: { type: 'string', pattern: RFC3339 },
    command: nonEmpty,
    gatewayAPI: {
      type: 'object',
      required: ['version', 'channel', 'commit'],
      additionalProperties: false,
      properties: { version: nonEmpty, channel: { enum: ['standard', 'experimental'] }, commit: { type: 'string', pattern: '^[0-9a-f]{7,40}$' } },
    },
    report: {
      type: 'object',
      required: ['apiVersion', 'kind', 'implementation', 'date', 'gatewayAPIVersion', 'gatewayAPIChannel', 'mode', 'profiles'],
      properties: {
        apiVersion: { const: 'gateway.networking.k8s.io/v1' },
        kind: { const: 'ConformanceReport' },
        implementation: {
          type: 'object',
          required: ['organization', 'project', 'url', 'version', 'contact'],
          properties: { organization: nonEmpty, project: nonEmpty, url: nonEmpty, version: nonEmpty, contact: { ...names, minItems: 1 } },
        },
        date: { type: 'string', pattern: RFC3339 },
        gatewayAPIVersion: nonEmpty,
        gatewayAPIChannel: nonEmpty,
        mode: nonEmpty,
        profiles: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'core'],
            properties: {
              name: nonEmpty,
              summary: { type: 'string' },
              core: { type: 'object', required: ['result', 'statistics'], properties: statusProperties },
              extended: {
                type: 'object',
                required: ['result', 'statistics'],
                properties: { ...statusProperties, supportedFeatures: names, unsupportedFeatures: names },
              },
            },
          },
        },
        succeededProvisionalTests: names,
      },
    },
    tests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['profile', 'name', 'description', 'features', 'provisional', 'result', 'checks', 'source'],
        additionalProperties: false,
        properties: {
          profile: nonEmpty,
          name: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
          description: nonEmpty,
          features: names,
          provisional: { type: 'boolean' },
          result: { enum: ['passed', 'failed', 'skipped'] },
          reason: { type: 'string' },
          checks: { ...names, minItems: 1 },
          source: { type: 'string', pattern: '^https://github\\.com/kubernetes-sigs/gateway-api/blob/[0-9a-f]{7,40}/conformance/tests/[A-Za-z0-9_./-]+\\.go$' },
        },
      },
    },
    smi: {
      type: 'array',
      items: {
        type: 'object',
        required: ['capability', 'grade', 'scenarios'],
        additionalProperties: false,
        properties: {
          capability: nonEmpty,
          grade: { enum: ['Full', 'Partial', 'None'] },
          scenarios: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['name', 'result'],
              additionalProperties: false,
              properties: { name: nonEmpty, result: { enum: ['passed', 'failed'] }, reason: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;

/** The file does not match the contract; `problems` are one line each, naming the JSON path. */
export class ConformanceDataError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `${source} does not match the conformance page's data contract (site/src/lib/conformance/data-contract.ts):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nRegenerate it from a real run with `npm run conformance:site`.',
    );
    this.name = 'ConformanceDataError';
  }
}

const MAX_PROBLEMS = 20;
let validate: ReturnType<Ajv['compile']> | undefined;

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(top level)';
  if (e.keyword === 'enum') return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${at}: missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'const') return `${at}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/** What the schema cannot say: the page's table and the report's summary must tell the same story. */
function crossCheck(data: ConformanceSiteData): string[] {
  const problems: string[] = [];
  const profiles = new Map(data.report.profiles.map((p) => [p.name, p]));
  const seen = new Set<string>();
  data.tests.forEach((t, i) => {
    const key = `${t.profile}/${t.name}`;
    if (!profiles.has(t.profile)) problems.push(`/tests/${i}/profile: "${t.profile}" is not a profile of the report (${[...profiles.keys()].join(', ')})`);
    if (seen.has(key)) problems.push(`/tests/${i}: ${key} is listed twice`);
    seen.add(key);
    if (t.result !== 'passed' && !t.reason?.trim()) problems.push(`/tests/${i}/reason: a ${t.result} test needs a reason`);
    if (!t.source.startsWith(`https://github.com/kubernetes-sigs/gateway-api/blob/${data.gatewayAPI.commit}/`)) {
      problems.push(`/tests/${i}/source: must link to gateway-api at commit ${data.gatewayAPI.commit}, the commit the run used`);
    }
  });
  // Upstream lists every failed test in failedTests (reports.go addTestResults), so the two sets must agree.
  data.report.profiles.forEach((p, i) => {
    const reported = [...(p.core.failedTests ?? []), ...(p.extended?.failedTests ?? [])].sort();
    const listed = data.tests.filter((t) => t.profile === p.name && t.result === 'failed').map((t) => t.name).sort();
    if (reported.join() !== listed.join()) {
      problems.push(`/report/profiles/${i} (${p.name}): failedTests [${reported.join(', ')}] differ from the tests marked failed [${listed.join(', ')}]`);
    }
  });
  data.smi.forEach((c, i) => {
    const passed = c.scenarios.filter((s) => s.result === 'passed').length;
    const grade = passed === c.scenarios.length ? 'Full' : passed === 0 ? 'None' : 'Partial';
    if (grade !== c.grade) problems.push(`/smi/${i}/grade: "${c.grade}" but ${passed} of ${c.scenarios.length} scenarios passed, which grades "${grade}"`);
    c.scenarios.forEach((s, j) => {
      if (s.result === 'failed' && !s.reason?.trim()) problems.push(`/smi/${i}/scenarios/${j}/reason: a failed scenario needs a reason`);
    });
  });
  return problems;
}

/** Parses and checks the file's text; throws ConformanceDataError naming every problem (up to a limit). */
export function parseConformanceData(text: string, source: string): ConformanceSiteData {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConformanceDataError(source, [`not JSON: ${(err as Error).message}`]);
  }
  validate ??= new Ajv({ allErrors: true, strict: true }).compile(CONFORMANCE_DATA_SCHEMA);
  if (!validate(doc)) throw new ConformanceDataError(source, (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(describe));
  const data = doc as ConformanceSiteData;
  const problems = crossCheck(data);
  if (problems.length) throw new ConformanceDataError(source, problems.slice(0, MAX_PROBLEMS));
  return data;
}
