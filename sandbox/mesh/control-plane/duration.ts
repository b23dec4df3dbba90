// Gateway API Duration (GEP-2257): 1 to 4 "<number><unit>" parts, units h, m, s, ms; "0s" means zero.
const PART = /([0-9]{1,5})(h|ms|m|s)/g;
const WHOLE = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds, or an error message naming the accepted format. */
export function parseGatewayDuration(text: unknown): number | { error: string } {
  if (typeof text !== 'string' || !WHOLE.test(text)) {
    return { error: `invalid duration ${JSON.stringify(text)}: expected 1-4 parts of <number><h|m|s|ms>, e.g. "200ms" or "1m30s"` };
  }
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}
