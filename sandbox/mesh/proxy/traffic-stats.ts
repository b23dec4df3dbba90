// Golden metrics for one traffic key (direction × authority × destination × route × tls): cumulative counts
// and latency buckets for /metrics, plus a one-minute ring of per-second slots for the stat view's window
// (RPS, success rate and latency quantiles over the last N seconds). Recording allocates nothing.

/** Linkerd's latency buckets (ms), with a 0.5 ms bucket added because sandbox hops are sub-millisecond. */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000];
const NB = LATENCY_BUCKETS_MS.length + 1; // + the +Inf bucket
export const WINDOW_SLOTS = 60;

export interface TrafficLabels {
  direction: 'inbound' | 'outbound';
  authority: string;
  dst_namespace: string;
  dst_deployment: string;
  dst_service: string;
  route: string;
  tls: 'true' | 'no_identity';
  client_id: string;
}

export interface WindowSummary {
  requests: number;
  successes: number;
  /** Per-bucket counts (non-cumulative), same bounds as LATENCY_BUCKETS_MS plus +Inf. */
  buckets: Float64Array;
}

function bucketOf(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BUCKETS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BUCKETS_MS[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class TrafficStats {
  requests = 0;
  successes = 0;
  failures = 0;
  latencySum = 0;
  readonly latencyBuckets = new Float64Array(NB);
  /** status code → count, and its classification. */
  readonly responses = new Map<number, { success: number; failure: number }>();
  private readonly slotSecond = new Float64Array(WINDOW_SLOTS).fill(-1);
  private readonly slotRequests = new Uint32Array(WINDOW_SLOTS);
  private readonly slotSuccesses = new Uint32Array(WINDOW_SLOTS);
  private readonly slotBuckets = new Uint32Array(WINDOW_SLOTS * NB);

  constructor(readonly labels: TrafficLabels) {}

  /** `success` follows Linkerd: anything but a 5xx or a failed exchange. */
  record(status: number, latencyMs: number, success: boolean, nowMs: number): void {
    this.requests++;
    if (success) this.successes++;
    else this.failures++;
    this.latencySum += latencyMs;
    const b = bucketOf(latencyMs);
    this.latencyBuckets[b]++;
    let r = this.responses.get(status);
    if (!r) this.responses.set(status, (r = { success: 0, failure: 0 }));
    if (success) r.success++;
    else r.failure++;

    const sec = Math.floor(nowMs / 1000);
    const slot = sec % WINDOW_SLOTS;
    if (this.slotSecond[slot] !== sec) {
      this.slotSecond[slot] = sec;
      this.slotRequests[slot] = 0;
      this.slotSuccesses[slot] = 0;
      this.slotBuckets.fill(0, slot * NB, slot * NB + NB);
    }
    this.slotRequests[slot]++;
    if (success) this.slotSuccesses[slot]++;
    this.slotBuckets[slot * NB + b]++;
  }

  /** Sums the slots of the last `seconds` seconds (at most the ring's length) into `into`. */
  window(seconds: number, nowMs: number, into: WindowSummary): void {
    const now = Math.floor(nowMs / 1000);
    const from = now - Math.min(seconds, WINDOW_SLOTS) + 1;
    for (let slot = 0; slot < WINDOW_SLOTS; slot++) {
      const s = this.slotSecond[slot];
      if (s < from || s > now) continue;
      into.requests += this.slotRequests[slot];
      into.successes += this.slotSuccesses[slot];
      for (let i = 0; i < NB; i++) into.buckets[i] += this.slotBuckets[slot * NB + i];
    }
  }
}

export const emptyWindow = (): WindowSummary => ({ requests: 0, successes: 0, buckets: new Float64Array(NB) });

/** Quantile from bucket counts, interpolated within the bucket as Prometheus' histogram_quantile does. */
export function bucketQuantile(q: number, buckets: Float64Array): number | undefined {
  let total = 0;
  for (const c of buckets) total += c;
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (seen + buckets[i] >= rank && buckets[i] > 0) {
      if (i >= LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1];
      const upper = LATENCY_BUCKETS_MS[i];
      return lower + (upper - lower) * ((rank - seen) / buckets[i]);
    }
    seen += buckets[i];
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
}
