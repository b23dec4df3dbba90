// A pod's InboundPolicy: the layers every API with a say over its inbound traffic compiled for it, in a fixed order
// (connection-level mTLS first, then the allow-lists). Each API's compiler lives beside this file.
import type { PodInfo } from '../../config/snapshot.js';
import { composeInboundPolicy, type InboundLayer, type InboundPolicy } from '../../config/inbound-policy.js';

/** One compiler per API: the layer it contributes for a pod, if any. */
export type InboundLayerSource = (pod: PodInfo) => InboundLayer | InboundLayer[] | undefined;

export function podInboundPolicy(pod: PodInfo, sources: InboundLayerSource[]): InboundPolicy | undefined {
  if (!pod.meshed) return undefined; // no sidecar, no policy
  const layers = sources.flatMap((s) => s(pod) ?? []);
  return layers.length ? composeInboundPolicy(layers) : undefined;
}
