// Power-of-two-choices over peak-EWMA cost (Linkerd's balancer, tower's PeakEwma): pick two endpoints at random and
// send to the one with the lower expected latency × (in-flight + 1). Slow or busy endpoints shed load quickly, a
// fresh endpoint starts with a neutral estimate, and an estimate decays with the time since its last update — read
// at pick time, as tower's `load()` decays it — so an endpoint that once looked slow and was not picked since
// comes back instead of being starved for good.
import type { MeshEndpoint } from '../config/snapshot.js';

interface Load {
  inflight: number;
  ewmaMs: number;
  stampMs: number;
}

const DEFAULT_RTT_MS = 1;
/** The EWMA's time constant (Linkerd's default decay): older samples fade over about this long. */
export const DEFAULT_DECAY_MS = 10_000;
const MAX_TRACKED = 10_000;

export interface BalancerOptions {
  decayMs?: number;
  /** Milliseconds on a monotonic clock (tests drive it by hand). */
  now?: () => number;
}

export class PeakEwmaBalancer {
  private loads = new Map<string, Load>();
  private readonly decayMs: number;
  private readonly now: () => number;

  constructor(opts: BalancerOptions = {}) {
    this.decayMs = opts.decayMs ?? DEFAULT_DECAY_MS;
    this.now = opts.now ?? (() => performance.now());
  }

  private load(ep: MeshEndpoint): Load {
    const key = `${ep.ip}:${ep.port}`;
    let l = this.loads.get(key);
    if (!l) {
      if (this.loads.size >= MAX_TRACKED) this.loads.clear();
      this.loads.set(key, (l = { inflight: 0, ewmaMs: DEFAULT_RTT_MS, stampMs: this.now() }));
    }
    return l;
  }

  /** The estimate now: the last one decayed toward zero by the time since it was updated (tower's `decay`). */
  private estimate(l: Load, now: number): number {
    return l.ewmaMs * Math.exp(-Math.max(0, now - l.stampMs) / this.decayMs);
  }

  private cost(l: Load, now: number): number {
    return this.estimate(l, now) * (l.inflight + 1);
  }

  pick(endpoints: MeshEndpoint[]): MeshEndpoint {
    const n = endpoints.length;
    if (n === 1) return endpoints[0];
    const i = Math.floor(Math.random() * n);
    let j = Math.floor(Math.random() * (n - 1));
    if (j >= i) j++;
    const now = this.now();
    const ci = this.cost(this.load(endpoints[i]), now);
    const cj = this.cost(this.load(endpoints[j]), now);
    return ci <= cj ? endpoints[i] : endpoints[j];
  }

  /** Call when a request is sent; the returned function when it completes, with its latency. */
  start(ep: MeshEndpoint): (latencyMs: number) => void {
    const l = this.load(ep);
    l.inflight++;
    return (latencyMs: number) => {
      l.inflight--;
      const now = this.now();
      const decayed = this.estimate(l, now);
      // Peak: react to slowness at once; otherwise the sample's weight grows with the time since the last one.
      l.ewmaMs = latencyMs > decayed ? latencyMs : decayed + latencyMs * (1 - Math.exp(-Math.max(0, now - l.stampMs) / this.decayMs));
      l.stampMs = now;
    };
  }

  inflight(ep: MeshEndpoint): number {
    return this.loads.get(`${ep.ip}:${ep.port}`)?.inflight ?? 0;
  }
}
