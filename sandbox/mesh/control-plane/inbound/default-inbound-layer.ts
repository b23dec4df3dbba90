// Linkerd's `config.linkerd.io/default-inbound-policy` (pod annotation, else namespace annotation) as an inbound
// layer: what a pod allows when no Server selects the port.
import type { InboundLayer } from '../../config/inbound-policy.js';

export function defaultInboundLayer(policy: string): InboundLayer | undefined {
  if (policy !== 'all-authenticated') return undefined;
  return {
    source: `default-inbound-policy ${policy}`,
    authorize(r) {
      return r.tls ? undefined : { status: 403, message: 'unauthorized: this pod requires mTLS (default-inbound-policy all-authenticated); plaintext connection refused' };
    },
  };
}
