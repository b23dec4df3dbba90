// CIDR arithmetic for the policy validator (IPv4 and IPv6 as bigints): whether one network contains another, as
// Linkerd's admission checks a network's `except` entries (ipnet's contains).
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  bits: 32 | 128;
  base: bigint;
  prefix: number;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const parts = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, bits, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(addr) ? 32 : isIPv6(addr) ? 128 : undefined;
  if (!family) return undefined;
  const prefix = bits === undefined ? family : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= family)) return undefined;
  const value = family === 32 ? addr.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n) : ipv6ToBigInt(addr);
  if (value === undefined) return undefined;
  const mask = ((1n << BigInt(family)) - 1n) ^ ((1n << BigInt(family - prefix)) - 1n);
  return { bits: family, base: value & mask, prefix };
}

/** Whether `outer` contains every address of `inner` (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.bits !== inner.bits || outer.prefix > inner.prefix) return false;
  const shift = BigInt(outer.bits - outer.prefix);
  return inner.base >> shift === outer.base >> shift;
}
