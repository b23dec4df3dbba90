// A DestinationRule subset's endpoints: those of a Service port whose pods carry every label of the subset, found
// through destinationRuleFor() (the client's namespace first, then the Service's). An unknown subset — no
// DestinationRule, or none naming it — has no endpoints, and Envoy answers such a request 503 `no healthy upstream`.
import type { MeshEndpoint, MeshSnapshot } from '../config/snapshot.js';
import { destinationRuleFor } from './destination-rules.js';

/** Envoy's local reply when a cluster has no (healthy) host: status 503 with this body. */
export const NO_HEALTHY_UPSTREAM = 'no healthy upstream';

/** Filtered lists per endpoint list and label set (both are immutable parts of one snapshot). */
const cache = new WeakMap<MeshEndpoint[], WeakMap<Record<string, string>, MeshEndpoint[]>>();

function withLabels(endpoints: MeshEndpoint[], labels: Record<string, string>): MeshEndpoint[] {
  let byLabels = cache.get(endpoints);
  if (!byLabels) cache.set(endpoints, (byLabels = new WeakMap()));
  let out = byLabels.get(labels);
  if (!out) {
    const wanted = Object.entries(labels);
    out = endpoints.filter((e) => e.pod && wanted.every(([k, v]) => e.pod!.labels[k] === v));
    byLabels.set(labels, out);
  }
  return out;
}

/** The endpoints of `subset` (all of them when no subset is asked for); undefined when the subset is unknown. */
export function subsetEndpoints(
  snap: MeshSnapshot,
  clientNamespace: string,
  service: { namespace: string; name: string },
  endpoints: MeshEndpoint[],
  subset: string | undefined,
): MeshEndpoint[] | undefined {
  if (subset === undefined) return endpoints;
  const labels = destinationRuleFor(snap, clientNamespace, service.namespace, service.name)?.subsets.get(subset)?.labels;
  return labels ? withLabels(endpoints, labels) : undefined;
}
