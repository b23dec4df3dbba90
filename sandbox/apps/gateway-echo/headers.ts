// Go's textproto.CanonicalMIMEHeaderKey, since the echo servers print header names as net/http holds them
// (`x-request-id` → `X-Request-Id`).
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
