// The steps of building a MeshSnapshot from the watched objects that both the control plane and the data-plane
// worker's mirror (proxy/proxy-worker.ts) run: the compiled snapshot holds closures (inbound policies), which do
// not survive a postMessage, so the worker compiles the same inputs itself instead of receiving the result.
import type { MeshSnapshot, NamespaceConfig, PodInfo, ServiceEntry } from '../config/snapshot.js';
import type { IstioRootObjects } from './istio/istio-root-namespace.js';
import { ISTIO_ROOT_NAMESPACE } from './istio/istio-root-namespace.js';
import type { NamespaceObjects } from './namespace-compiler.js';

/** The Istio root namespace's mesh-wide security objects, when that namespace has any objects. */
export function istioRootOf(objects: Map<string, NamespaceObjects>): IstioRootObjects | undefined {
  const root = objects.get(ISTIO_ROOT_NAMESPACE);
  return root && { peerAuthentications: [...root.peerauthentications.values()], authorizationPolicies: [...root.istioAuthorizationPolicies.values()], telemetries: [...(root.telemetries?.values() ?? [])] };
}

/** Whether a namespace's objects are all gone (its compiled config is dropped). */
export function isEmptyNamespace(o: NamespaceObjects): boolean {
  return Object.values(o).every((v) => !(v instanceof Map) || v.size === 0);
}

/** The snapshot over the compiled namespaces, with its by-address indexes. */
export function assembleSnapshot(compiled: Map<string, NamespaceConfig>, version: number): MeshSnapshot {
  const podsByIP = new Map<string, PodInfo>();
  const servicesByClusterIP = new Map<string, ServiceEntry>();
  for (const cfg of compiled.values()) {
    for (const p of cfg.pods.values()) podsByIP.set(p.ip, p);
    for (const s of cfg.services.values()) if (s.clusterIP) servicesByClusterIP.set(s.clusterIP, s);
  }
  return { version, namespaces: new Map(compiled), podsByIP, servicesByClusterIP };
}
