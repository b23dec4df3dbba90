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

export const ISTIO_KINDS: KindSupport[] = [ISTIO_VIRTUAL_SERVICE, ISTIO_DESTINATION_RULE, ...ISTIO_SECURITY_KINDS];
