// Istio's durations (protobuf Duration as Istio's CRDs validate them: Go's time.ParseDuration syntax, e.g. "7s",
// "0.5s", "1m30s", "100ms") → milliseconds, or an error naming the format.
const WHOLE = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;
const PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

export function parseIstioDuration(text: unknown): number | { error: string } {
  if (typeof text !== 'string' || text.length > 64 || !WHOLE.test(text)) {
    return { error: `invalid duration ${JSON.stringify(text)}: expected e.g. "7s", "0.5s", "100ms" or "1m30s"` };
  }
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(ms);
}
