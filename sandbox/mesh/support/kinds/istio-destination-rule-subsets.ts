// Istio DestinationRule (networking.istio.io): host and subsets, honoured by control-plane/istio/
// destination-rule-compiler.ts and proxy/subset-endpoints.ts. The trafficPolicy fields are listed by the traffic
// policy work in its own file and joined into the kind in istio.ts.
import type { FieldSupport } from '../support-registry.js';

export const DESTINATION_RULE_SUBSET_FIELDS: FieldSupport[] = [
  { path: 'spec.host', support: 'partial', note: 'a Service of the cluster (short name relative to the rule\'s namespace, name.namespace, or the full .svc.cluster.local name); no wildcards or external hosts' },
  { path: 'spec.subsets[].name', support: 'full' },
  { path: 'spec.subsets[].labels', support: 'full', note: 'a route to an unknown subset gets 503 `no healthy upstream`, as from Envoy' },
  { path: 'spec.workloadSelector', support: 'none', note: 'the rule applies to every client' },
  { path: 'spec.exportTo', support: 'none', note: 'a client uses the rule of its own namespace, else the Service namespace\'s' },
];
