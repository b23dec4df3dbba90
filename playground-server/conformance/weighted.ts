// Weighted-distribution checks as upstream's conformance/utils/weight does them: one batch of 500 requests, each
// backend's share within ±5 percentage points of its weight, exactly the backends with weight > 0 seen, and up to
// 10 tries before the test fails (weight.MaxTestRetries).

export const WEIGHT_SAMPLE_SIZE = 500;
export const WEIGHT_TOLERANCE = 0.05;
export const WEIGHT_MAX_TRIES = 10;

/** extractBackendName: a Deployment's pod name `<deployment>-<rs hash>-<pod suffix>` → `<deployment>`. */
export function backendOf(podName: string): string {
  const parts = podName.split('-');
  return parts.length < 3 ? podName : parts.slice(0, -2).join('-');
}

/** Problems with one sample (empty when it matches the weights). */
export function checkDistribution(podNames: readonly string[], weights: Readonly<Record<string, number>>, sampleSize = WEIGHT_SAMPLE_SIZE, tolerance = WEIGHT_TOLERANCE): string[] {
  if (podNames.length !== sampleSize) return [`expected ${sampleSize} responses but got ${podNames.length}`];
  const seen = new Map<string, number>();
  for (const pod of podNames) {
    const backend = backendOf(pod);
    if (!(backend in weights)) return [`request was handled by an unexpected pod "${pod}" (extracted backend: "${backend}")`];
    seen.set(backend, (seen.get(backend) ?? 0) + 1);
  }
  const errors: string[] = [];
  const active = Object.values(weights).filter((w) => w > 0).length;
  if (seen.size !== active) errors.push(`expected ${active} backends to receive traffic, but got ${seen.size}`);
  for (const [backend, want] of Object.entries(weights)) {
    const got = seen.get(backend);
    if (got === undefined && want !== 0) {
      errors.push(`expect traffic to hit backend "${backend}" - but none was received`);
      continue;
    }
    const share = (got ?? 0) / sampleSize;
    if (Math.abs(share - want) > tolerance) errors.push(`backend "${backend}" weighted traffic of ${share} not within tolerance ${want} (+/-${tolerance})`);
  }
  return errors.sort();
}

/** Shares seen, for the report's reason text: `echo-v1 71%, echo-v2 29%`. */
export function describeShares(podNames: readonly string[]): string {
  const seen = new Map<string, number>();
  for (const p of podNames) seen.set(backendOf(p), (seen.get(backendOf(p)) ?? 0) + 1);
  return [...seen].sort().map(([b, n]) => `${b} ${Math.round((100 * n) / Math.max(1, podNames.length))}%`).join(', ');
}
