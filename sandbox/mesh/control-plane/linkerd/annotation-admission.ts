// Apply-time warnings for Linkerd's retry and timeout annotations the sandbox cannot use (a value Linkerd's policy
// controller would fail to parse, an annotation that is not valid on that kind, one it parses but does not enforce):
// kubectl prints them as "Warning: …", where Linkerd would only log "Failed to parse …" in its controller. The object
// is stored unchanged; the control plane reports the same problems and ignores those annotations.
import type { AdmissionPlugin } from '../../../apiserver/api.js';
import { annotationWarnings, LINKERD_ROUTE_ANNOTATIONS } from './route-annotations.js';

/** The kinds whose annotations Linkerd reads for outbound policy, by `<group>/<kind>`. */
const ANNOTATED_KINDS = new Map<string, 'Service' | 'HTTPRoute' | 'GRPCRoute'>([
  ['/Service', 'Service'],
  ['gateway.networking.k8s.io/HTTPRoute', 'HTTPRoute'],
  ['gateway.networking.k8s.io/GRPCRoute', 'GRPCRoute'],
  ['policy.linkerd.io/HTTPRoute', 'HTTPRoute'],
]);

export function linkerdAnnotationWarnings(): AdmissionPlugin {
  return (r) => {
    if (r.operation === 'DELETE' || r.subresource) return;
    const kind = ANNOTATED_KINDS.get(`${r.type.group}/${r.type.kind}`);
    const annotations = r.object.metadata.annotations;
    if (!kind || !annotations || !LINKERD_ROUTE_ANNOTATIONS.some((k) => annotations[k] !== undefined)) return;
    const name = r.object.metadata.name ?? r.object.metadata.generateName ?? '';
    for (const w of annotationWarnings(kind, annotations)) r.warnings.push(`${r.type.kind} "${name}": ${w}`);
  };
}
