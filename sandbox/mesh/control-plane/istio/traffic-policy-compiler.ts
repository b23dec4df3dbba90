// Istio DestinationRule `trafficPolicy` (top level, per subset, per port) → the TrafficPolicy a client sidecar
// enforces (circuit breaking, outlier detection, load balancer, client TLS). Unsupported fields go to `problems`.
import type { TrafficPolicy } from '../../config/snapshot.js';

export function compileTrafficPolicy(raw: unknown, where: string, problems: string[]): TrafficPolicy | undefined {
  void raw;
  void where;
  void problems;
  return undefined; // filled in by the DestinationRule data-plane work
}
