// Istio's Telemetry API (telemetry.istio.io v1/v1alpha1), its `accessLogging` only: whether a workload's sidecar
// writes an access log line per request to its standard output (Envoy's default text format, the `envoy` provider).
// Resolution as istiod's: the oldest Telemetry in the root namespace without a selector is the mesh default, the
// oldest namespace-wide one (no selector) overrides it, the oldest one selecting the workload overrides both; within
// the chosen object the last accessLogging entry that names providers (or disables) decides. Only the built-in
// `envoy` provider exists here; other providers, `match` and `filter` are reported, not honoured.
import type { KubeObject } from '../../../apiserver/store.js';
import { ISTIO_ROOT_NAMESPACE, labelsMatch, olderFirst } from './istio-root-namespace.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The provider Istio installs by default: Envoy's file access log to /dev/stdout in its default text format. */
export const ENVOY_ACCESS_LOG_PROVIDER = 'envoy';

function selectorOf(t: KubeObject): Record<string, string> | undefined {
  const spec = isObj(t.spec) ? t.spec : {};
  const labels = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : undefined;
  return labels ? Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string> : undefined;
}

/** What one Telemetry says about access logs: on, off, or nothing (it has no accessLogging). */
function accessLoggingOf(t: KubeObject, problems: string[]): boolean | undefined {
  const spec = isObj(t.spec) ? t.spec : {};
  if (!Array.isArray(spec.accessLogging)) return undefined;
  let decision: boolean | undefined;
  spec.accessLogging.forEach((entry, i) => {
    if (!isObj(entry)) return;
    const where = `Telemetry ${t.metadata.namespace}/${t.metadata.name} accessLogging[${i}]`;
    const providers = Array.isArray(entry.providers) ? entry.providers.filter(isObj).map((p) => String(p.name ?? '')) : [];
    const unknown = providers.filter((p) => p !== ENVOY_ACCESS_LOG_PROVIDER);
    if (unknown.length) problems.push(`${where}: provider${unknown.length === 1 ? '' : 's'} ${unknown.map((p) => `"${p}"`).join(', ')} not available in the sandbox (only "${ENVOY_ACCESS_LOG_PROVIDER}")`);
    if (entry.disabled === true) decision = false;
    else if (providers.includes(ENVOY_ACCESS_LOG_PROVIDER)) decision = true;
  });
  return decision;
}

/** Whether the pod's sidecar writes access logs, from its namespace's and the root namespace's Telemetry objects. */
export function accessLogEnabled(
  pod: { namespace: string; labels: Record<string, string> },
  namespaceTelemetries: Iterable<KubeObject>,
  rootTelemetries: Iterable<KubeObject>,
  problems: string[],
): boolean {
  const pick = (list: KubeObject[]) => list.sort(olderFirst).map((t) => accessLoggingOf(t, problems)).find((d) => d !== undefined);
  const local = [...namespaceTelemetries];
  const workload = pod.namespace === ISTIO_ROOT_NAMESPACE ? [] : local.filter((t) => {
    const s = selectorOf(t);
    return s !== undefined && labelsMatch(s, pod.labels);
  });
  const namespaceWide = pod.namespace === ISTIO_ROOT_NAMESPACE ? [] : local.filter((t) => !selectorOf(t));
  const meshWide = [...rootTelemetries].filter((t) => !selectorOf(t));
  return pick(workload) ?? pick(namespaceWide) ?? pick(meshWide) ?? false;
}
