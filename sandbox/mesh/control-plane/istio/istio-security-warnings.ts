// Apply-time warnings for what Istio's security objects ask and the sandbox cannot do in the way Istio does, beyond
// unsupported fields (the support registry warns about those): unsupported `when` keys, non-IPv4 ipBlocks, CUSTOM
// without a provider, portLevelMtls without a selector. kubectl prints them as "Warning: …", as it prints istiod's
// validating-webhook warnings; the object is stored unchanged.
import type { AdmissionPlugin } from '../../../apiserver/api.js';
import { authorizationPolicyProblems } from './authorization-policy-compiler.js';
import { peerAuthenticationProblems } from './peer-authentication.js';

const MAX_WARNINGS = 10;

export function istioSecurityWarnings(): AdmissionPlugin {
  return (r) => {
    if (r.operation === 'DELETE' || r.subresource || r.type.group !== 'security.istio.io') return;
    let problems: string[] = [];
    if (r.type.kind === 'AuthorizationPolicy')
      // targetRef(s) are warned about by the support registry already (a field it marks unsupported).
      problems = authorizationPolicyProblems(r.object).filter((p) => !/: targetRef\/targetRefs /.test(p));
    else if (r.type.kind === 'PeerAuthentication') problems = peerAuthenticationProblems([r.object]);
    r.warnings.push(...problems.slice(0, MAX_WARNINGS));
  };
}
