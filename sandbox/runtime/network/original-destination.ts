// The address a meshed app really dialled, carried to its sidecar. On a real node iptables REDIRECT sends the
// app's connection to the proxy's 15001 and the proxy reads where it was going with SO_ORIGINAL_DST; here the
// pod's dialler (agent, `dial`) connects to the sidecar itself and states the original destination first, as a
// PROXY protocol v1 line (the format Envoy's and HAProxy's listeners accept): `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`.
// The sidecar routes by that address — the Service the client dialled — not by the Host header (GAMMA).
import { isIPv4 } from 'node:net';

export interface SocketAddress {
  ip: string;
  port: number;
}

/** The v1 spec's longest line (107 bytes including CRLF). */
export const PROXY_V1_MAX_BYTES = 107;
const SIGNATURE = 'PROXY ';

export function proxyProtocolHeader(source: SocketAddress, destination: SocketAddress): Buffer {
  return Buffer.from(`PROXY TCP4 ${source.ip} ${destination.ip} ${source.port} ${destination.port}\r\n`, 'latin1');
}

export type ProxyHeaderParse =
  | { kind: 'absent' }
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'header'; source: SocketAddress; destination: SocketAddress; bytes: number };

/** Reads a PROXY v1 line at the start of `buf` (only TCP4: every cluster address is IPv4). */
export function parseProxyProtocolHeader(buf: Buffer): ProxyHeaderParse {
  const prefix = buf.subarray(0, SIGNATURE.length).toString('latin1');
  if (!SIGNATURE.startsWith(prefix)) return { kind: 'absent' };
  const end = buf.indexOf('\r\n');
  if (end === -1) return buf.length >= PROXY_V1_MAX_BYTES ? { kind: 'invalid', reason: 'PROXY line longer than 107 bytes' } : { kind: 'incomplete' };
  const fields = buf.subarray(0, end).toString('latin1').split(' ');
  if (fields.length !== 6 || fields[1] !== 'TCP4') return { kind: 'invalid', reason: 'expected "PROXY TCP4 <src> <dst> <sport> <dport>"' };
  const [, , srcIp, dstIp, srcPort, dstPort] = fields;
  // The source port may be 0: the dialler writes the line before the kernel has picked its ephemeral port.
  const port = (p: string, min: number) => (/^\d{1,5}$/.test(p) && Number(p) >= min && Number(p) < 65536 ? Number(p) : undefined);
  const sp = port(srcPort, 0);
  const dp = port(dstPort, 1);
  if (!isIPv4(srcIp) || !isIPv4(dstIp) || sp === undefined || dp === undefined) return { kind: 'invalid', reason: 'bad address or port in PROXY line' };
  return { kind: 'header', source: { ip: srcIp, port: sp }, destination: { ip: dstIp, port: dp }, bytes: end + 2 };
}
