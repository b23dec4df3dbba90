// Istio `loadBalancer.simple` for one cluster: LEAST_REQUEST (Istio's default) is the sidecar's peak-EWMA
// power-of-two-choices balancer (balancer.ts, which weighs in-flight requests as Envoy's LEAST_REQUEST does);
// ROUND_ROBIN cycles through the endpoints in order; RANDOM picks uniformly. PASSTHROUGH (send to the address the
// app dialled, letting the platform pick) has no separate meaning here, where a Service address is resolved by
// the sidecar itself: it balances RANDOM, as kube-proxy's iptables mode picks at random.
import type { MeshEndpoint, TrafficPolicy } from '../config/snapshot.js';
import type { PeakEwmaBalancer } from './balancer.js';

export class LoadBalancerChoice {
  private next = 0;

  constructor(private readonly leastRequest: PeakEwmaBalancer) {}

  pick(endpoints: MeshEndpoint[], kind: TrafficPolicy['loadBalancer']): MeshEndpoint {
    switch (kind) {
      case 'ROUND_ROBIN': {
        const e = endpoints[this.next % endpoints.length];
        this.next = (this.next + 1) % 1_000_000_007;
        return e;
      }
      case 'RANDOM':
      case 'PASSTHROUGH':
        return endpoints[Math.floor(Math.random() * endpoints.length)];
      default:
        return this.leastRequest.pick(endpoints);
    }
  }
}
