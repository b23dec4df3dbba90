// Power-of-two-choices over peak-EWMA cost (Linkerd's balancer): pick two endpoints at random and send to
// the one with the lower expected latency × (in-flight + 1). Slow or busy endpoints shed load quickly,
// and a fresh endpoint starts with a neutral estimate.
import type { MeshEndpoint } from '../config/snapshot.js';

interface Load {
  inflight: number;
  ewmaMs: number;
  stampMs: number;
}

const DEFAULT_RTT_MS = 1;
/** The EWMA's time constant: older samples fade over about this long. */
const DECAY_MS = 10_000;
const MAX_TRACKED = 10_000;

export class PeakEwmaBalancer {
  private loads = new Map<string, Load>();

  private load(ep: MeshEndpoint): Load {
    const key = `${ep.ip}:${ep.port}`;
    let l = this.loads.get(key);
    if (!l) {
      if (this.loads.size >= MAX_TRACKED) this.loads.clear();
      this.loads.set(key, (l = { inflight: 0, ewmaMs: DEFAULT_RTT_MS, stampMs: 0 }));
    }
    return l;
  }

  private cost(l: Load): number {
    return l.ewmaMs * (l.inflight + 1);
  }

  pick(endpoints: MeshEndpoint[]): MeshEndpoint {
    const n = endpoints.length;
    if (n === 1) return endpoints[0];
    const i = Math.floor(Math.random() * n);
    let j = Math.floor(Math.random() * (n - 1));
    if (j >= i) j++;
    return this.cost(this.load(endpoints[i])) <= this.cost(this.load(endpoints[j])) ? endpoints[i] : endpoints[j];
  }

  /** Call when a request is sent; the returned function when it completes, with its latency. */
  start(ep: MeshEndpoint): (latencyMs: number) => void {
    const l = this.load(ep);
    l.inflight++;
    return (latencyMs: number) => {
      l.inflight--;
      const now = performance.now();
      if (latencyMs > l.ewmaMs) l.ewmaMs = latencyMs; // peak: react to slowness at once
      else {
        const w = Math.exp(-(now - l.stampMs) / DECAY_MS);
        l.ewmaMs = l.ewmaMs * w + latencyMs * (1 - w);
      }
      l.stampMs = now;
    };
  }

  inflight(ep: MeshEndpoint): number {
    return this.loads.get(`${ep.ip}:${ep.port}`)?.inflight ?? 0;
  }
}
