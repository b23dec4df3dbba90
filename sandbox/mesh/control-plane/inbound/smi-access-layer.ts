// SMI TrafficTarget as an inbound layer: once any TrafficTarget names a pod's ServiceAccount as its destination,
// only the listed source identities may call it, on the listed routes (deny by default, mTLS required).
import type { AccessRule } from '../../config/snapshot.js';
import type { InboundLayer } from '../../config/inbound-policy.js';
import { routeGroupMatches } from '../smi-compiler.js';

export function smiAccessLayer(namespace: string, serviceAccount: string, rules: AccessRule[]): InboundLayer {
  const targets = rules.map((r) => r.target).join(', ');
  return {
    source: `TrafficTarget ${namespace}/${targets}`,
    authorize(r) {
      if (!r.tls || !r.peerIdentity)
        return { status: 403, message: `unauthorized: ${serviceAccount} is governed by TrafficTarget(s) ${targets}; plaintext clients are refused (mTLS required)` };
      const ok = rules.some((rule) => rule.sources.has(r.peerIdentity!) && (rule.matches === 'all' || rule.matches.some((m) => routeGroupMatches(m, r.method, r.path, r.headers))));
      return ok ? undefined : { status: 403, message: `unauthorized: no TrafficTarget allows ${r.peerIdentity} to ${r.method} ${r.path} on ${namespace}/${serviceAccount}` };
    },
  };
}
