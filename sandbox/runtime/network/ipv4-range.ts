// IPv4 addresses as unsigned 32-bit numbers and CIDR ranges over them: what NetworkPolicy ipBlocks, Istio
// AuthorizationPolicy ipBlocks and Linkerd NetworkAuthentication networks test per connection or request (a number
// compare, cheaper than node:net's BlockList on the hot path).

export interface Ipv4Range {
  base: number;
  mask: number;
}

/** `a.b.c.d` as an unsigned number, or undefined when it is not a dotted-quad IPv4 address. */
export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

/** The range of `address/prefixBits`, or undefined when the address is not IPv4 or the prefix is not 0–32. */
export function ipv4Range(address: string, prefixBits: number): Ipv4Range | undefined {
  const base = ipv4ToInt(address);
  if (base === undefined || !Number.isInteger(prefixBits) || prefixBits < 0 || prefixBits > 32) return undefined;
  const mask = prefixBits === 0 ? 0 : (0xffffffff << (32 - prefixBits)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

export function inIpv4Range(ip: number, r: Ipv4Range): boolean {
  return ((ip & r.mask) >>> 0) === r.base;
}
