// The node's record of who owns each cluster address: the pod IP and private localhost the runtime gave each
// pod, and the clusterIP the service pool gave each Service. Authoritative because it is written only by the
// runtime (pods) and from clusterIPs the pool owns (Services) — never from a field a client can write, such as
// status.podIP. Everything that decides where the sandbox connects (proxies, sidecars, DNS, policy) asks here.
import type { ClusterApi } from '../../apiserver/api.js';
import type { AddressPool } from '../addresses.js';
import type { ContainerPort } from '../workload.js';

export interface PodAddress {
  namespace: string;
  name: string;
  uid: string;
  podIP: string;
  /** The pod's private loopback address: only the pod itself (and the node) may connect to it. */
  localHost: string;
  labels: Readonly<Record<string, string>>;
  /** Every container's declared ports (NetworkPolicy resolves named ports against them). */
  ports: readonly ContainerPort[];
}

export interface ServiceAddress {
  namespace: string;
  name: string;
  clusterIP: string;
}

export class AddressBook {
  private readonly byPodIP = new Map<string, PodAddress>();
  private readonly byLocalHost = new Map<string, PodAddress>();
  private readonly podsByName = new Map<string, PodAddress>(); // namespace/name
  private readonly byClusterIP = new Map<string, ServiceAddress>();
  private readonly servicesByName = new Map<string, ServiceAddress>();
  private readonly listeners = new Set<() => void>();
  private unwatch?: () => void;
  /** Bumped on every change, so callers can cache decisions per generation. */
  generation = 0;

  /** Services' clusterIPs, accepted only when `servicePool` owns the address (it handed it out). */
  watchServices(api: ClusterApi, servicePool: AddressPool): void {
    this.unwatch = api.watch(api.type('', 'services'), undefined, undefined, ({ type, object }) => {
      const namespace = object.metadata.namespace ?? '';
      const name = object.metadata.name ?? '';
      const spec = object.spec as { clusterIP?: unknown; type?: unknown } | undefined;
      const ip = spec?.type === 'ExternalName' ? undefined : spec?.clusterIP; // an ExternalName Service has no address
      const previous = this.servicesByName.get(`${namespace}/${name}`);
      if (previous) {
        this.servicesByName.delete(`${namespace}/${name}`);
        if (this.byClusterIP.get(previous.clusterIP) === previous) this.byClusterIP.delete(previous.clusterIP);
      }
      // The first Service recorded at an address keeps it: allocation never hands out a held address twice.
      const holder = typeof ip === 'string' ? this.byClusterIP.get(ip) : undefined;
      if (type !== 'DELETED' && typeof ip === 'string' && servicePool.owns(ip) && !holder) {
        const entry = { namespace, name, clusterIP: ip };
        this.servicesByName.set(`${namespace}/${name}`, entry);
        this.byClusterIP.set(ip, entry);
      }
      this.changed();
    });
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** The runtime assigned these addresses to a pod. */
  addPod(pod: PodAddress): void {
    this.byPodIP.set(pod.podIP, pod);
    this.byLocalHost.set(pod.localHost, pod);
    this.podsByName.set(`${pod.namespace}/${pod.name}`, pod);
    this.changed();
  }

  /** The pod's labels changed (they are a NetworkPolicy input, not an address): `kubectl label pod`. */
  relabelPod(podIP: string, labels: Record<string, string>): void {
    const pod = this.byPodIP.get(podIP);
    if (!pod || sameLabels(pod.labels, labels)) return;
    this.addPod({ ...pod, labels: { ...labels } });
  }

  /** The runtime released the pod's addresses. */
  removePod(podIP: string): void {
    const pod = this.byPodIP.get(podIP);
    if (!pod) return;
    this.byPodIP.delete(pod.podIP);
    if (this.byLocalHost.get(pod.localHost) === pod) this.byLocalHost.delete(pod.localHost);
    if (this.podsByName.get(`${pod.namespace}/${pod.name}`) === pod) this.podsByName.delete(`${pod.namespace}/${pod.name}`);
    this.changed();
  }

  /** The pod the runtime gave `ip` as its pod IP. */
  podAt(ip: string): PodAddress | undefined {
    return this.byPodIP.get(ip);
  }

  /** The pod whose private localhost `ip` is. */
  podWithLocalHost(ip: string): PodAddress | undefined {
    return this.byLocalHost.get(ip);
  }

  /** The running pod `namespace/name`, with the addresses the runtime gave it. */
  pod(namespace: string, name: string): PodAddress | undefined {
    return this.podsByName.get(`${namespace}/${name}`);
  }

  serviceAt(ip: string): ServiceAddress | undefined {
    return this.byClusterIP.get(ip);
  }

  /** The Service `namespace/name`, with the clusterIP the pool allocated to it. */
  service(namespace: string, name: string): ServiceAddress | undefined {
    return this.servicesByName.get(`${namespace}/${name}`);
  }

  /** Pods of this node (for policy indexes). */
  pods(): IterableIterator<PodAddress> {
    return this.byPodIP.values();
  }

  /** Called after every change. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.generation++;
    for (const l of this.listeners) l();
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** `::ffff:127.1.2.3` → `127.1.2.3` (node reports IPv4 peers of dual-stack sockets in mapped form). */
export function plainIPv4(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
