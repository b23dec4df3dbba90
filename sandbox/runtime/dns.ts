// Cluster DNS: `svc`, `svc.ns`, `svc.ns.svc` and `svc.ns.svc.cluster.local` resolve to the Service's
// clusterIP (a headless Service to a ready pod IP), with the pod's namespace as the search path, exactly
// the names a pod's /etc/resolv.conf makes work. Exposed as a node `lookup` so http/net use it unchanged.
// Pods reach only the cluster: names outside it are not resolved (no host resolver behind it), an
// ExternalName Service resolves only when it names a cluster Service, `localhost` is the pod's own private
// loopback address, and an answer that is not a cluster address fails like an unreachable host.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';

export const CLUSTER_DOMAIN = 'cluster.local';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The signature node:net and node:http accept as the `lookup` option. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

interface ServiceRecord {
  clusterIP?: string; // undefined for headless
  externalName?: string; // ExternalName Services: a CNAME
  podIPs: string[]; // ready endpoint addresses (used for headless Services)
  /** Ready endpoint addresses that carry a hostname: `<hostname>.<svc>.<ns>.svc.cluster.local` (StatefulSet pods). */
  hosts: Map<string, string>;
}

export class ClusterDns {
  private records = new Map<string, ServiceRecord>(); // key: name.namespace
  private unwatch: (() => void)[] = [];
  private rr = 0;

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    const services = this.api.type('', 'services');
    const endpoints = this.api.type('', 'endpoints');
    this.unwatch.push(
      this.api.watch(services, undefined, undefined, ({ type, object }) => {
        const key = `${object.metadata.name}.${object.metadata.namespace}`;
        if (type === 'DELETED') return void this.records.delete(key);
        const spec = object.spec as { clusterIP?: string; type?: string; externalName?: string } | undefined;
        const ip = spec?.clusterIP;
        const record = this.records.get(key) ?? { podIPs: [], hosts: new Map<string, string>() };
        const external = spec?.type === 'ExternalName';
        record.clusterIP = !external && ip && ip !== 'None' ? ip : undefined;
        record.externalName = external && typeof spec?.externalName === 'string' ? spec.externalName : undefined;
        this.records.set(key, record);
      }),
      this.api.watch(endpoints, undefined, undefined, ({ type, object }) => {
        const record = this.records.get(`${object.metadata.name}.${object.metadata.namespace}`);
        if (!record) return;
        record.podIPs = type === 'DELETED' ? [] : readyAddresses(object);
        record.hosts = type === 'DELETED' ? new Map() : readyHosts(object);
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
  }

  /** Resolve a name as a pod in `namespace` would; undefined when it is not a cluster name. */
  resolve(host: string, namespace: string, depth = 0): string | undefined {
    const name = host.toLowerCase().replace(/\.$/, '');
    if (isIP(name)) return name;
    const parts = name.split('.');
    let svc: string | undefined;
    let ns: string | undefined;
    const suffix = `svc.${CLUSTER_DOMAIN}`.split('.');
    if (parts.length === 1) [svc, ns] = [parts[0], namespace];
    else if (parts.length === 2) [svc, ns] = parts;
    else if (parts.length === 3 && parts[2] === 'svc') [svc, ns] = parts;
    else if (parts.length === 2 + suffix.length && parts.slice(2).join('.') === suffix.join('.')) [svc, ns] = parts;
    // A pod's own name under a Service (its hostname.subdomain): `web-0.nginx` (search path), `web-0.nginx.ns`,
    // `web-0.nginx.ns.svc`, `web-0.nginx.ns.svc.cluster.local`.
    const podName =
      (parts.length === 2 && !this.records.has(`${parts[0]}.${parts[1]}`) && [parts[0], parts[1], namespace]) ||
      (parts.length === 3 && parts[2] !== 'svc' && parts) ||
      (parts.length === 4 && parts[3] === 'svc' && parts) ||
      (parts.length === 3 + suffix.length && parts.slice(3).join('.') === suffix.join('.') && parts);
    if (podName) {
      const ip = this.records.get(`${podName[1]}.${podName[2]}`)?.hosts.get(podName[0]);
      if (ip) return ip;
    }
    if (!svc || !ns) return undefined;
    const record = this.records.get(`${svc}.${ns}`);
    if (!record) return undefined;
    // A CNAME to another cluster Service is followed (one hop); a name outside the cluster is never resolved.
    if (record.externalName !== undefined) return depth === 0 && !isIP(record.externalName) ? this.resolve(record.externalName, ns, 1) : undefined;
    if (record.clusterIP) return record.clusterIP;
    if (record.podIPs.length === 0) return undefined;
    return record.podIPs[this.rr++ % record.podIPs.length];
  }

  /**
   * A `lookup` for node:net/http with `namespace` as the search path, for a pod whose private loopback
   * address is `localHost`: every answer passes `checkDial` (the pod's egress allow-list) or the lookup fails
   * with its error; names cluster DNS does not know fail with ENOTFOUND.
   */
  lookupFor(namespace: string, checkDial: (ip: string) => NodeJS.ErrnoException | undefined, localHost?: string): LookupFunction {
    return (hostname, options, callback) => {
      const name = hostname.toLowerCase().replace(/\.$/, '');
      const address = name === 'localhost' && localHost ? localHost : this.resolve(hostname, namespace);
      const fail = (err: NodeJS.ErrnoException) => process.nextTick(callback, err, options.all ? [] : '', 4);
      if (address === undefined) {
        const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        err.code = 'ENOTFOUND';
        err.syscall = 'getaddrinfo';
        return fail(err);
      }
      const refused = checkDial(address);
      if (refused) return fail(refused);
      if (options.all) process.nextTick(callback, null, [{ address, family: 4 }]);
      else process.nextTick(callback, null, address, 4);
    };
  }
}

function readyHosts(endpoints: KubeObject): Map<string, string> {
  const subsets = (endpoints.subsets as { addresses?: { ip: string; hostname?: string }[] }[] | undefined) ?? [];
  return new Map(subsets.flatMap((s) => (s.addresses ?? []).filter((a) => a.hostname).map((a) => [a.hostname!, a.ip] as [string, string])));
}

function readyAddresses(endpoints: KubeObject): string[] {
  const subsets = (endpoints.subsets as { addresses?: { ip: string }[] }[] | undefined) ?? [];
  return [...new Set(subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)))];
}
