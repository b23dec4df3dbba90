// Resolving where an app's request goes against the current snapshot. A meshed app's connection carries the
// address it dialled (its original destination, read from the PROXY line: connection-prelude.ts): a cluster IP
// names the Service and port, a pod IP that endpoint — as Linkerd and Istio route by SO_ORIGINAL_DST, and as
// GAMMA requires (the route of the Service the client dialled applies, whatever the Host header says:
// conformance test MeshFrontendHostname). Only a connection with no original destination (a client talking to
// the sidecar's port directly) falls back to the Host header (`reviews`, `reviews:9080`,
// `reviews.ns.svc.cluster.local`, a cluster IP or a pod IP), the way cluster DNS plus the proxy's lookup would.
import type { Socket } from 'node:net';
import type { MeshSnapshot, PodInfo, ServiceEntry, ServicePortEntry } from '../config/snapshot.js';
import type { SocketAddress } from '../../runtime/network/original-destination.js';
import { originalDestinationOf } from './connection-prelude.js';

export type Destination =
  | { kind: 'service'; service: ServiceEntry; port: ServicePortEntry; authority: string }
  | { kind: 'endpoint'; ip: string; port: number; pod?: PodInfo; authority: string };

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function splitHostPort(host: string): { name: string; port: number } | undefined {
  const i = host.lastIndexOf(':');
  if (i === -1) return { name: host.toLowerCase(), port: 80 };
  const port = Number(host.slice(i + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { name: host.slice(0, i).toLowerCase(), port };
}

/**
 * The destination of a request on an outbound client connection: its original destination when the connection
 * carried one, else its Host header. The one lookup the HTTP/1 fast and slow paths and HTTP/2 all use.
 */
export function requestDestination(socket: Socket | undefined | null, host: string | undefined, clientNamespace: string, snap: MeshSnapshot): Destination | { error: string } {
  const original = originalDestinationOf(socket);
  return original ? resolveAddress(original, snap) : resolveDestination(host, clientNamespace, snap);
}

/** An address the app dialled: a Service's cluster IP and port, else that endpoint (a pod IP, or anything else). */
export function resolveAddress(addr: SocketAddress, snap: MeshSnapshot): Destination | { error: string } {
  const svc = snap.servicesByClusterIP.get(addr.ip);
  if (svc) {
    const port = svc.ports.find((p) => p.port === addr.port);
    if (!port) return { error: `Service ${svc.namespace}/${svc.name} (${addr.ip}) has no port ${addr.port} (ports: ${svc.ports.map((p) => p.port).join(', ')})` };
    return { kind: 'service', service: svc, port, authority: canonical(svc, addr.port) };
  }
  return { kind: 'endpoint', ip: addr.ip, port: addr.port, pod: snap.podsByIP.get(addr.ip), authority: `${addr.ip}:${addr.port}` };
}

/** The destination a Host header names (for connections without an original destination). */
export function resolveDestination(host: string | undefined, clientNamespace: string, snap: MeshSnapshot): Destination | { error: string } {
  if (!host) return { error: 'the request has no Host header' };
  const hp = splitHostPort(host);
  if (!hp) return { error: `invalid Host header "${host}"` };
  if (IPV4.test(hp.name)) return resolveAddress({ ip: hp.name, port: hp.port }, snap);
  const parts = hp.name.replace(/\.$/, '').split('.');
  let ns = clientNamespace;
  if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc') || (parts.length === 5 && parts.slice(2).join('.') === 'svc.cluster.local')) {
    ns = parts[1];
  } else if (parts.length !== 1) {
    return { error: `cannot resolve "${hp.name}": not a cluster service name (expected <service>[.<namespace>[.svc.cluster.local]])` };
  }
  const svc = snap.namespaces.get(ns)?.services.get(parts[0]);
  if (!svc) return { error: `no such service: ${parts[0]}.${ns}` };
  const port = svc.ports.find((p) => p.port === hp.port);
  if (!port) return { error: `Service ${ns}/${parts[0]} has no port ${hp.port} (ports: ${svc.ports.map((p) => p.port).join(', ')})` };
  return { kind: 'service', service: svc, port, authority: canonical(svc, hp.port) };
}

export const canonical = (svc: { name: string; namespace: string }, port: number) => `${svc.name}.${svc.namespace}.svc.cluster.local:${port}`;
