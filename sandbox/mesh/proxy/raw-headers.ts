// Headers forwarded as node:http's flat rawHeaders arrays ([name, value, name, value, …]) instead of the
// lower-cased `headers` object: node builds that object lazily, so a proxy that never touches it skips
// parsing every header into it, then deleting from it and re-validating it on the way out. Names keep the
// sender's casing, as a transparent proxy should.

/** RFC 9110 §7.6.1 hop-by-hop headers (lower case), never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);

/** The first value of a header (case-insensitive name, given in lower case). */
export function rawHeader(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

/** A copy without hop-by-hop headers and without `drop` (lower case), ready for writeHead / http.request. */
export function forwardableHeaders(raw: string[], drop?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === drop) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** Whether a request carries a body (framed by content-length > 0 or transfer-encoding). */
export function hasRequestBody(raw: string[]): boolean {
  const te = rawHeader(raw, 'transfer-encoding');
  if (te !== undefined) return true;
  const length = rawHeader(raw, 'content-length');
  return length !== undefined && Number(length) > 0;
}
