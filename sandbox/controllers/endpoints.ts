// Endpoints and EndpointSlice controller: for every Service with a selector, the pods it selects (ready
// ones as addresses, the others as notReadyAddresses), with the Service's ports resolved per pod (named
// targetPorts included) and a targetRef to each pod. Pods that resolve ports differently land in different
// subsets / slices, as in Kubernetes.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../apiserver/api.js';
import { compileServiceSelector } from '../apiserver/selectors.js';
import type { KubeObject } from '../apiserver/store.js';
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service, ServicePort } from '../runtime/kinds.js';
import { isActive, readySince } from './replicaset.js';
import { WorkQueue, keyFor, splitKey } from './work-queue.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

interface Group {
  ports: EndpointPort[];
  ready: EndpointAddress[];
  notReady: EndpointAddress[];
}

export class EndpointsController {
  private queue = new WorkQueue('endpoints', (key) => this.reconcile(key));
  private unwatch: (() => void)[] = [];
  /** Selectors of the Services with one, by namespace/name. */
  private selectors = new Map<string, (labels: Record<string, string> | undefined) => boolean>();
  /** Which Services each pod was last counted in, so a pod leaving a selector is noticed. */
  private podServices = new Map<string, Set<string>>();

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    this.unwatch.push(
      this.api.watch(this.api.type('', 'services'), undefined, undefined, ({ type, object }) => {
        const key = keyFor(object.metadata.namespace, object.metadata.name!);
        const selector = (object as Service).spec?.selector;
        if (type === 'DELETED' || !selector || Object.keys(selector).length === 0) this.selectors.delete(key);
        else this.selectors.set(key, compileServiceSelector(selector));
        this.queue.add(key);
      }),
      this.api.watch(this.api.type('', 'pods'), undefined, undefined, ({ type, object }) => {
        const podKey = keyFor(object.metadata.namespace, object.metadata.name!);
        const affected = new Set(this.podServices.get(podKey) ?? []);
        for (const [svcKey, selects] of this.selectors) {
          if (splitKey(svcKey)[0] === object.metadata.namespace && selects(object.metadata.labels)) affected.add(svcKey);
        }
        if (type === 'DELETED') this.podServices.delete(podKey);
        for (const k of affected) this.queue.add(k);
      }),
      this.api.watch(this.api.type('', 'endpoints'), undefined, undefined, ({ type, object }) => {
        if (type === 'DELETED') this.queue.add(keyFor(object.metadata.namespace, object.metadata.name!));
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  private reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const epType = this.api.type('', 'endpoints');
    const svc = this.api.tryGet(this.api.type('', 'services'), namespace, name) as Service | undefined;
    const selects = this.selectors.get(key);
    if (!svc) {
      // The slices go with the Service (ownerReferences); the Endpoints object is this controller's to delete.
      if (this.api.tryGet(epType, namespace, name)) this.api.delete(epType, namespace, name);
      return;
    }
    if (!selects) return; // a Service without selector has user-managed endpoints

    const pods = (this.api.list(this.api.type('', 'pods'), namespace).items as Pod[]).filter(
      (p) => isActive(p) && !!p.status?.podIP && selects(p.metadata.labels),
    );
    const groups = new Map<string, Group>();
    for (const pod of pods) {
      const podKey = keyFor(namespace, pod.metadata.name);
      const set = this.podServices.get(podKey) ?? new Set<string>();
      set.add(key);
      this.podServices.set(podKey, set);
      const ports = (svc.spec.ports ?? [])
        .map((p) => resolvePort(p, pod))
        .filter((p): p is EndpointPort => p !== undefined);
      if ((svc.spec.ports ?? []).length && ports.length === 0) continue;
      const groupKey = JSON.stringify(ports);
      const group = groups.get(groupKey) ?? { ports, ready: [], notReady: [] };
      groups.set(groupKey, group);
      const address: EndpointAddress = {
        ip: pod.status!.podIP!,
        nodeName: pod.spec.nodeName,
        targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid },
      };
      // A pod whose subdomain names this Service gets a DNS name under it (StatefulSet pods: web-0.nginx).
      const podSpec = pod.spec as { hostname?: string; subdomain?: string };
      if (podSpec.hostname && podSpec.subdomain === svc.metadata.name) address.hostname = podSpec.hostname;
      (readySince(pod) !== undefined ? group.ready : group.notReady).push(address);
    }
    const byIP = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, 'en', { numeric: true });
    const ordered = [...groups.values()].sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)));
    for (const g of ordered) {
      g.ready.sort(byIP);
      g.notReady.sort(byIP);
    }

    this.writeEndpoints(svc, ordered);
    this.writeSlices(svc, ordered);
  }

  private writeEndpoints(svc: Service, groups: Group[]): void {
    const epType = this.api.type('', 'endpoints');
    const { namespace, name } = svc.metadata;
    const subsets = groups
      .filter((g) => g.ready.length || g.notReady.length)
      .map((g) => {
        const s: Record<string, unknown> = {};
        if (g.ready.length) s.addresses = g.ready;
        if (g.notReady.length) s.notReadyAddresses = g.notReady;
        if (g.ports.length) s.ports = g.ports;
        return s;
      });
    const labels = { ...(svc.metadata.labels ?? {}) };
    const existing = this.api.tryGet(epType, namespace, name!) as Endpoints | undefined;
    if (!existing) {
      const obj: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels } };
      if (subsets.length) obj.subsets = subsets;
      this.api.create(epType, obj);
      return;
    }
    if (isDeepStrictEqual(existing.subsets ?? [], subsets) && isDeepStrictEqual(existing.metadata.labels ?? {}, labels)) return;
    existing.metadata.labels = labels;
    existing.metadata.annotations = { ...(existing.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    if (subsets.length) existing.subsets = subsets;
    else delete existing.subsets;
    this.api.update(epType, existing);
  }

  private writeSlices(svc: Service, groups: Group[]): void {
    const sliceType = this.api.type('discovery.k8s.io', 'endpointslices');
    const { namespace, name } = svc.metadata;
    const existing = this.api
      .list(sliceType, namespace)
      .items.filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY)
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    // With no endpoints at all the Service still gets one (empty) slice, as the real controller keeps.
    const wanted = groups.length ? groups : [{ ports: [], ready: [], notReady: [] }];
    const labels = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name!, [MANAGED_BY_LABEL]: MANAGED_BY };
    wanted.forEach((g, i) => {
      const endpoints = [
        ...g.ready.map((a) => sliceEndpoint(a, true)),
        ...g.notReady.map((a) => sliceEndpoint(a, false)),
      ];
      const body = { addressType: 'IPv4', endpoints, ports: g.ports.length ? g.ports.map((p) => ({ ...p })) : null };
      const slice = existing[i];
      if (!slice) {
        this.api.create(sliceType, {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            generateName: `${name}-`,
            namespace,
            labels,
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
          },
          ...body,
        });
        return;
      }
      const same = isDeepStrictEqual(slice.endpoints, body.endpoints) && isDeepStrictEqual(slice.ports ?? null, body.ports) && isDeepStrictEqual(slice.metadata.labels, labels);
      if (same) return;
      this.api.update(sliceType, { ...slice, ...body, metadata: { ...slice.metadata, labels } });
    });
    for (const extra of existing.slice(wanted.length)) {
      try {
        this.api.delete(sliceType, namespace, extra.metadata.name!);
      } catch {
        // Already gone.
      }
    }
  }
}

/** A Service port as seen on one pod: a named targetPort is looked up among the pod's container ports. */
function resolvePort(p: ServicePort, pod: Pod): EndpointPort | undefined {
  const target = p.targetPort ?? p.port;
  let port: number | undefined;
  if (typeof target === 'number') port = target;
  else if (/^\d+$/.test(target)) port = Number(target);
  else {
    for (const c of pod.spec.containers) {
      const found = (c.ports ?? []).find((cp) => cp.name === target && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (found) {
        port = found.containerPort;
        break;
      }
    }
  }
  if (port === undefined) return undefined;
  const out: EndpointPort = { port, protocol: p.protocol ?? 'TCP' };
  if (p.name) out.name = p.name;
  if (p.appProtocol) out.appProtocol = p.appProtocol;
  return out;
}

function sliceEndpoint(a: EndpointAddress, ready: boolean): Record<string, unknown> {
  return {
    addresses: [a.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    nodeName: a.nodeName,
    targetRef: a.targetRef,
  };
}
