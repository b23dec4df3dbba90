// Istio's networking.istio.io and security.istio.io kinds: what the sandbox mesh honours.
import type { KindSupport } from '../support-registry.js';
import { DESTINATION_RULE_POLICY_FIELDS } from './istio-destination-rule-policy.js';
import { ISTIO_SECURITY_KINDS } from './istio-security.js';
import { DESTINATION_RULE_SUBSET_FIELDS } from './istio-destination-rule-subsets.js';
import { ISTIO_VIRTUAL_SERVICE } from './istio-virtual-service.js';

const ISTIO_DESTINATION_RULE: KindSupport = {
  api: 'Istio',
  group: 'networking.istio.io',
  kind: 'DestinationRule',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  summary: 'Named subsets of a Service\'s endpoints by pod labels (the destinations VirtualService routes choose) and the client-side traffic policy for the Service.',
  docs: 'https://istio.io/latest/docs/reference/config/networking/destination-rule/',
  warnOnApply: true,
  fields: [...DESTINATION_RULE_SUBSET_FIELDS, ...DESTINATION_RULE_POLICY_FIELDS],
};

/** Telemetry: access logging only (control-plane/istio/telemetry-access-log.ts). */
const ISTIO_TELEMETRY: KindSupport = {
  api: 'Istio',
  group: 'telemetry.istio.io',
  kind: 'Telemetry',
  versions: ['v1', 'v1alpha1'],
  summary: "Access logging: with the `envoy` provider a workload's sidecar writes Envoy's default access log line per request to its stdout (kubectl logs -c mesh-proxy); metrics are always on and tracing is not configurable.",
  docs: 'https://istio.io/latest/docs/reference/config/telemetry/',
  warnOnApply: true,
  fields: [
    { path: 'spec.selector', support: 'full' },
    { path: 'spec.targetRef', support: 'none', note: 'Telemetry attaches to workloads by selector only (no Gateway or Service targetRef)' },
    { path: 'spec.targetRefs', support: 'none', note: 'Telemetry attaches to workloads by selector only (no Gateway or Service targetRef)' },
    { path: 'spec.accessLogging', support: 'partial', note: 'the built-in `envoy` provider (Envoy\'s default text format to the sidecar\'s stdout) and `disabled`; other providers are reported' },
    { path: 'spec.accessLogging[].providers', support: 'partial', note: 'only the `envoy` provider exists in the sandbox' },
    { path: 'spec.accessLogging[].disabled', support: 'full' },
    { path: 'spec.accessLogging[].match', support: 'none', note: 'every request is logged (client and server side alike)' },
    { path: 'spec.accessLogging[].filter', support: 'none', note: 'CEL filters are not evaluated: every request is logged' },
    { path: 'spec.metrics', support: 'none', note: 'metrics are always on, with fixed names and labels (istio_requests_total, istio_request_duration_milliseconds)' },
    { path: 'spec.tracing', support: 'none', note: 'the sandbox runs no tracing backend; sidecars do not report spans' },
  ],
};

export const ISTIO_KINDS: KindSupport[] = [ISTIO_VIRTUAL_SERVICE, ISTIO_DESTINATION_RULE, ...ISTIO_SECURITY_KINDS, ISTIO_TELEMETRY];
