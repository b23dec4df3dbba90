// A namespace's VirtualServices → its producer and consumer route tables, next to the Gateway API routes already
// there. On a Service port an HTTPRoute or GRPCRoute is attached to, the Gateway API route applies and the
// VirtualService is reported (its entries are kept for the Service's other ports). Several VirtualServices for one
// host: the oldest applies, as Istio's sidecars use one VirtualService per host (merging is for gateways only).
import type { KubeObject } from '../../../apiserver/store.js';
import type { RouteEntry, RouteTable } from '../../config/snapshot.js';
import type { RouteLookups } from '../http-route-compiler.js';
import { compileVirtualService, type VirtualServiceAttachment } from './virtual-service-compiler.js';

/** What became of one VirtualService (written to its status by virtual-service-status.ts). */
export interface VirtualServiceReport {
  /** `<namespace>/<service>` of the Services (and how many of their ports) it routes for. */
  appliedTo: string[];
  problems: string[];
}

const byAge = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

export function attachVirtualServices(
  namespace: string,
  virtualServices: Iterable<KubeObject>,
  lookups: RouteLookups,
  tables: { producer: Map<string, RouteTable>; consumer: Map<string, RouteTable> },
  problems: string[],
  dependsOn: Set<string>,
): Map<string, VirtualServiceReport> {
  const reports = new Map<string, VirtualServiceReport>();
  const chosen = new Map<string, VirtualServiceAttachment & { name: string }>();
  const report = (name: string, message: string) => {
    reports.get(name)!.problems.push(message);
    problems.push(message);
  };
  for (const vs of [...virtualServices].sort(byAge)) {
    const name = vs.metadata.name ?? '';
    const own: string[] = [];
    reports.set(name, { appliedTo: [], problems: own });
    const compiled = compileVirtualService(vs, lookups, own);
    problems.push(...own);
    for (const d of compiled.dependsOn) dependsOn.add(d);
    for (const a of compiled.attachments) {
      const key = `${a.namespace}/${a.service}`;
      const first = chosen.get(key);
      if (first) report(name, `${a.source}: host ${key} already has ${first.source} (older); the sandbox's sidecars use one VirtualService per host, as Istio's do: merge them`);
      else chosen.set(key, { ...a, name });
    }
  }
  for (const a of chosen.values()) {
    const producer = a.namespace === namespace;
    const target = producer ? tables.producer : tables.consumer;
    const key = producer ? a.service : `${a.namespace}/${a.service}`;
    const existing = target.get(key);
    const applied = reports.get(a.name)!.appliedTo;
    // A VirtualService with only `tcp` routes leaves HTTP to the Service as it was (no table covers its ports).
    const tcp = a.tcp.length ? { tcp: a.tcp } : {};
    if (!existing) {
      target.set(key, { entries: a.entries, ports: a.entries.length || !a.tcp.length ? 'all' : new Set<number>(), ...tcp });
      applied.push(`${a.namespace}/${a.service}`);
      continue;
    }
    const gatewayPorts = existing.ports;
    const servicePorts = lookups.service(a.namespace, a.service)?.ports.map((p) => p.port) ?? [];
    const free = gatewayPorts === 'all' ? [] : servicePorts.filter((p) => !gatewayPorts.has(p));
    const taken = gatewayPorts === 'all' ? 'every port' : `port ${[...gatewayPorts].join(', ')}`;
    report(a.name, `${a.source}: an HTTPRoute or GRPCRoute is attached to Service ${a.namespace}/${a.service} (${taken}): the Gateway API route applies there and this VirtualService does not${free.length ? ` (it applies on port ${free.join(', ')})` : ''}`);
    if (a.tcp.length) target.set(key, { ...existing, ...tcp });
    if (!free.length) continue;
    applied.push(`${a.namespace}/${a.service} (port ${free.join(', ')})`);
    const extra: RouteEntry[] = a.entries.flatMap((e) => (e.port === undefined ? free.map((port) => ({ ...e, port })) : free.includes(e.port) ? [e] : []));
    target.set(key, { entries: [...existing.entries, ...extra], ports: new Set([...(existing.ports as Set<number>), ...free]), ...tcp });
  }
  return reports;
}
