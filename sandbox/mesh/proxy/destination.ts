// Resolving what an app asked for (the Host header: `reviews`, `reviews:9080`, `reviews.ns.svc.cluster.local`,
// a clusterIP or a pod IP) against the current snapshot, the way cluster DNS plus the proxy's destination
// lookup would.
import type { MeshSnapshot, PodInfo, ServiceEntry, ServicePortEntry } from '../config/snapshot.js';

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

export function resolveDestination(host: string | undefined, clientNamespace: string, snap: MeshSnapshot): Destination | { error: string } {
  if (!host) return { error: 'the request has no Host header' };
  const hp = splitHostPort(host);
  if (!hp) return { error: `invalid Host header "${host}"` };
  if (IPV4.test(hp.name)) {
    const svc = snap.servicesByClusterIP.get(hp.name);
    if (svc) {
      const port = svc.ports.find((p) => p.port === hp.port);
      if (!port) return { error: `Service ${svc.namespace}/${svc.name} has no port ${hp.port}` };
      return { kind: 'service', service: svc, port, authority: canonical(svc, hp.port) };
    }
    return { kind: 'endpoint', ip: hp.name, port: hp.port, pod: snap.podsByIP.get(hp.name), authority: `${hp.name}:${hp.port}` };
  }
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
