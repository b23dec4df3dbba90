// Istio's root namespace (meshConfig.rootNamespace, `istio-system` by default): PeerAuthentication and
// AuthorizationPolicy objects there apply to the whole mesh, so every namespace's compile sees them.
import type { KubeObject } from '../../../apiserver/store.js';

export const ISTIO_ROOT_NAMESPACE = 'istio-system';

/** The root namespace's security objects, as the control plane hands them to every namespace's compile. */
export interface IstioRootObjects {
  peerAuthentications: Iterable<KubeObject>;
  authorizationPolicies: Iterable<KubeObject>;
  /** Telemetry objects without a selector here are the mesh-wide default (access logging). */
  telemetries?: Iterable<KubeObject>;
}

/** Whether a `selector.matchLabels` selects a pod's labels (every pair present). */
export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** Istio's order among policies of equal rank: oldest first (creationTimestamp), then by name. */
export function olderFirst(a: { metadata: KubeObject['metadata'] }, b: { metadata: KubeObject['metadata'] }): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = `${a.metadata.namespace}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace}/${b.metadata.name}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}
