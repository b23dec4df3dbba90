// Which DestinationRule applies to a request from a client in `clientNamespace` to a Service: Istio looks in the
// client's namespace first, then in the Service's own (the root namespace's mesh-wide rules are not modelled).
import type { CompiledDestinationRule, MeshSnapshot, TrafficPolicy } from '../config/snapshot.js';

export function destinationRuleFor(snap: MeshSnapshot, clientNamespace: string, serviceNamespace: string, service: string): CompiledDestinationRule | undefined {
  const key = `${serviceNamespace}/${service}`;
  return snap.namespaces.get(clientNamespace)?.destinationRules.get(key) ?? snap.namespaces.get(serviceNamespace)?.destinationRules.get(key);
}

/** The policy for one destination: the subset's, else the port's, else the rule's (Istio: the most specific wins whole). */
export function trafficPolicyFor(rule: CompiledDestinationRule | undefined, port: number, subset: string | undefined): TrafficPolicy | undefined {
  if (!rule) return undefined;
  return (subset ? rule.subsets.get(subset)?.policy : undefined) ?? rule.portPolicies?.get(port) ?? rule.policy;
}
