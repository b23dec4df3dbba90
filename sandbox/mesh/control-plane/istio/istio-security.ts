// Istio's security APIs for one namespace's compile: per pod, the mTLS mode its PeerAuthentications give it (which
// also tells clients whether to send mTLS: PodInfo.mtlsDisabled / mtlsDisabledByPort) and the inbound layers of its
// PeerAuthentication and AuthorizationPolicies. Root-namespace objects count for every namespace.
import type { KubeObject } from '../../../apiserver/store.js';
import type { PodInfo } from '../../config/snapshot.js';
import type { InboundLayerSource } from '../inbound/pod-inbound-policy.js';
import { authorizationLayer, policiesFor } from './authorization-layer.js';
import { compileAuthorizationPolicy } from './authorization-policy-compiler.js';
import { ISTIO_ROOT_NAMESPACE, type IstioRootObjects } from './istio-root-namespace.js';
import { peerAuthenticationLayer, peerAuthenticationProblems, workloadMtls } from './peer-authentication.js';

export interface IstioSecurity {
  /** Sets the pod's client-facing mTLS facts (auto-mTLS: DISABLE destinations get plaintext). */
  applyMtls(pod: PodInfo): void;
  /** The inbound layers: PeerAuthentication (connection), then AuthorizationPolicy (requests). */
  sources: InboundLayerSource[];
}

export function istioSecurity(
  namespace: string,
  peerAuthentications: Map<string, KubeObject>,
  authorizationPolicies: Map<string, KubeObject>,
  root: IstioRootObjects | undefined,
  problems: string[],
): IstioSecurity {
  const localPAs = [...peerAuthentications.values()];
  const localAPs = [...authorizationPolicies.values()];
  const rootPAs = namespace === ISTIO_ROOT_NAMESPACE || !root ? [] : [...root.peerAuthentications];
  const rootAPs = namespace === ISTIO_ROOT_NAMESPACE || !root ? [] : [...root.authorizationPolicies];
  // Each object's problems are reported by its own namespace (root ones once, by istio-system's compile).
  problems.push(...peerAuthenticationProblems(localPAs));
  for (const ap of localAPs) problems.push(...compileAuthorizationPolicy(ap).problems);

  const anyPA = localPAs.length > 0 || rootPAs.length > 0;
  const mtlsOf = new Map<string, ReturnType<typeof workloadMtls>>();
  const mtls = (pod: PodInfo) => {
    let m = mtlsOf.get(pod.name);
    if (!m) mtlsOf.set(pod.name, (m = workloadMtls(pod, localPAs, rootPAs)));
    return m;
  };
  return {
    applyMtls(pod) {
      if (!anyPA || !pod.meshed) return;
      const m = mtls(pod);
      if (m.mode === 'DISABLE') pod.mtlsDisabled = true;
      if (m.perPort.size) pod.mtlsDisabledByPort = new Map([...m.perPort].map(([port, mode]) => [port, mode === 'DISABLE']));
    },
    sources: [
      (pod) => (anyPA ? peerAuthenticationLayer(mtls(pod)) : undefined),
      (pod) => (localAPs.length || rootAPs.length ? authorizationLayer(pod, policiesFor(pod, localAPs, rootAPs)) : undefined),
    ],
  };
}
