// Which DestinationRule applies to a request from a client in `clientNamespace` to a Service: Istio looks in the
// client's namespace first, then in the Service's own (the root namespace's mesh-wide rules are not modelled).
import type { CompiledDestinationRule, MeshSnapshot, TrafficPolicy } from '../config/snapshot.js';

export function destinationRuleFor(snap: MeshSnapshot, clientNamespace: string, serviceNamespace: string, service: string): CompiledDestinationRule | undefined {
  const key = `${serviceNamespace}/${service}`;
  return snap.namespaces.get(clientNamespace)?.destinationRules.get(key) ?? snap.namespaces.get(serviceNamespace)?.destinationRules.get(key);
}

/**
 * The policy for one destination, as Istio's MergeTrafficPolicy builds it (pilot/pkg/networking/util): the rule's
 * policy — replaced whole by a `portLevelSettings` entry for the port (port settings do not inherit) — then the
 * subset's connectionPool, outlierDetection, loadBalancer and tls, each replacing the rule's when the subset sets it.
 */
export function trafficPolicyFor(rule: CompiledDestinationRule | undefined, port: number, subset: string | undefined): TrafficPolicy | undefined {
  if (!rule) return undefined;
  const base = rule.portPolicies?.get(port) ?? rule.policy;
  const own = subset ? rule.subsets.get(subset)?.policy : undefined;
  if (!own) return base;
  if (!base) return own;
  // Merged once per rule (compiled rules are immutable), so a request gets the same object every time.
  let perRule = merged.get(rule);
  if (!perRule) merged.set(rule, (perRule = new Map()));
  const key = `${port}|${subset}`;
  let policy = perRule.get(key);
  if (!policy) {
    policy = {
      connectionPool: own.connectionPool ?? base.connectionPool,
      outlierDetection: own.outlierDetection ?? base.outlierDetection,
      loadBalancer: own.loadBalancer ?? base.loadBalancer,
      tls: own.tls ?? base.tls,
    };
    perRule.set(key, policy);
  }
  return policy;
}

const merged = new WeakMap<CompiledDestinationRule, Map<string, TrafficPolicy>>();
