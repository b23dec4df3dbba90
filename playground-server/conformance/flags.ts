// `playground conformance` flags → validated options. Names follow the upstream suite's flags where it has one
// (--namespace-labels, --namespace-annotations, --supported-features, --organization …); every bad value is a
// usage error naming the flag and what it accepts.
import { parseArgs } from 'node:util';
import { ALL_FEATURES, PROFILE_NAMES, SANDBOX_SUPPORTED_FEATURES, isFeatureName, type FeatureName, type ProfileName } from './features.js';
import { DEFAULT_CONVERGENCE, type ConvergenceConfig } from './convergence.js';
import type { ConformanceReport } from './report.js';
import { DEFAULT_IMPLEMENTATION, knownTestNames } from './run-conformance.js';

/** Injection on the sandbox and on Istio; Linkerd wants --namespace-annotations linkerd.io/inject=enabled. */
export const DEFAULT_NAMESPACE_LABELS = 'istio-injection=enabled';

export class ConformanceUsageError extends Error {}

export interface ConformanceFlags {
  kubeconfig?: string;
  profiles: ProfileName[];
  only: Set<string>;
  skip: Set<string>;
  supportedFeatures: Set<FeatureName>;
  report?: string;
  /** Every test's result (SMI grades included) and the report, as JSON (for the site and scripts). */
  json?: string;
  /** The site's conformance page data (site/src/data/conformance.json). */
  siteData?: string;
  keep: boolean;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
  implementation: ConformanceReport['implementation'];
  convergence: ConvergenceConfig;
}

/** Bounds of --max-time-to-consistency (seconds). */
export const MAX_CONSISTENCY_SECONDS = 300;

const list = (v: string | string[] | undefined): string[] => ([] as string[]).concat(v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `k=v,k2=v2` (suite.ParseKeyValuePairs); label values must be valid label values. */
export function parseKeyValuePairs(text: string, flag: string, valuesAreLabels: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(text)) {
    const at = pair.indexOf('=');
    const key = at < 0 ? '' : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    if (!QUALIFIED_NAME.test(key)) throw new ConformanceUsageError(`${flag} takes name=value pairs separated by commas, e.g. ${flag} ${DEFAULT_NAMESPACE_LABELS}; "${pair}" is not one`);
    if (valuesAreLabels && !LABEL_VALUE.test(value)) throw new ConformanceUsageError(`${flag}: "${value}" is not a valid label value (63 characters at most: letters, digits, "-", "_", ".")`);
    out[key] = value;
  }
  return out;
}

export function parseConformanceFlags(args: string[]): ConformanceFlags {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      profile: { type: 'string', multiple: true },
      only: { type: 'string', multiple: true },
      skip: { type: 'string', multiple: true },
      'supported-features': { type: 'string' },
      report: { type: 'string' },
      json: { type: 'string' },
      'site-data': { type: 'string' },
      keep: { type: 'boolean' },
      'namespace-labels': { type: 'string' },
      'namespace-annotations': { type: 'string' },
      organization: { type: 'string' },
      project: { type: 'string' },
      url: { type: 'string' },
      version: { type: 'string' },
      contact: { type: 'string' },
      'max-time-to-consistency': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const profiles = list(values.profile).map((p) => p.toUpperCase());
  for (const p of profiles) if (!(PROFILE_NAMES as readonly string[]).includes(p)) throw new ConformanceUsageError(`--profile takes ${PROFILE_NAMES.join(', ')} (comma-separated or repeated); got "${p}"`);
  const known = knownTestNames();
  const names = (flag: string, v: string[] | undefined) => {
    const out = new Set(list(v));
    for (const n of out) if (!known.includes(n)) throw new ConformanceUsageError(`${flag}: no test named "${n}"; the tests are: ${known.join(', ')}`);
    return out;
  };
  const features = values['supported-features'] === undefined ? [...SANDBOX_SUPPORTED_FEATURES] : list(values['supported-features']);
  for (const f of features) if (!isFeatureName(f)) throw new ConformanceUsageError(`--supported-features: unknown feature "${f}"; the mesh tests use: ${ALL_FEATURES.join(', ')}`);
  if (values.kubeconfig === '') throw new ConformanceUsageError('--kubeconfig needs a file');
  const contact = list(values.contact);
  const consistencyText = values['max-time-to-consistency'];
  const consistency = consistencyText === undefined ? undefined : Number(consistencyText);
  if (consistency !== undefined && !(Number.isFinite(consistency) && consistency >= 1 && consistency <= MAX_CONSISTENCY_SECONDS))
    throw new ConformanceUsageError(`--max-time-to-consistency takes seconds from 1 to ${MAX_CONSISTENCY_SECONDS} (upstream's default is 30); got "${consistencyText}"`);
  return {
    kubeconfig: values.kubeconfig,
    profiles: (profiles.length ? [...new Set(profiles)] : [...PROFILE_NAMES]) as ProfileName[],
    only: names('--only', values.only),
    skip: names('--skip', values.skip),
    supportedFeatures: new Set(features as FeatureName[]),
    report: values.report,
    json: values.json,
    siteData: values['site-data'],
    keep: values.keep ?? false,
    namespaceLabels: parseKeyValuePairs(values['namespace-labels'] ?? DEFAULT_NAMESPACE_LABELS, '--namespace-labels', true),
    namespaceAnnotations: parseKeyValuePairs(values['namespace-annotations'] ?? '', '--namespace-annotations', false),
    implementation: {
      organization: values.organization || DEFAULT_IMPLEMENTATION.organization,
      project: values.project || DEFAULT_IMPLEMENTATION.project,
      url: values.url || DEFAULT_IMPLEMENTATION.url,
      version: values.version || DEFAULT_IMPLEMENTATION.version,
      contact: contact.length ? contact : DEFAULT_IMPLEMENTATION.contact,
    },
    convergence: consistency === undefined ? DEFAULT_CONVERGENCE : { ...DEFAULT_CONVERGENCE, maxTimeToConsistencyMs: Math.round(consistency * 1000) },
  };
}
