// Defaulting admission: the fields the API server fills in so every client sees the same complete object
// (pods, pod templates, Deployments, ReplicaSets, Services, Namespaces), plus Service clusterIP allocation.
// Defaults are idempotent, so applying the same manifest twice changes nothing.
import type { AdmissionPlugin, AdmissionRequest, ClusterApi } from '../apiserver/api.js';
import { invalid } from '../apiserver/errors.js';
import type { KubeObject } from '../apiserver/store.js';
import { applyWorkloadDefaults, podSpecsOf } from '../apiserver/validation/workload-defaults.js';
import type { AddressPool } from '../runtime/addresses.js';
import type { Container, Probe } from '../runtime/kinds.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objAt = (parent: Obj, key: string): Obj => {
  if (!isObj(parent[key])) parent[key] = {};
  return parent[key] as Obj;
};
const setDefault = (o: Obj, key: string, value: unknown) => {
  if (o[key] === undefined || o[key] === null) o[key] = value;
};

export const NODE_NAME = 'sandbox';
export const NAMESPACE_FINALIZER = 'kubernetes';

/** The kinds this plugin defaults, by `group/plural`. */
const is = (r: AdmissionRequest, group: string, plural: string) => r.type.group === group && r.type.plural === plural;

/** `servicePool` hands out clusterIPs; it must have claimed a block already (see AddressPool). */
export function defaultingAdmission(api: ClusterApi, servicePool: AddressPool): AdmissionPlugin {
  const serviceIPs = new ServiceIPAllocator(api, servicePool);
  return (r) => {
    if (r.operation === 'DELETE' || r.subresource) return;
    const obj = r.object;
    if (is(r, '', 'pods')) {
      defaultPodSpec(objAt(obj, 'spec'));
      if (r.operation === 'CREATE') setDefault(obj.spec as Obj, 'nodeName', NODE_NAME);
    } else if (is(r, 'apps', 'deployments')) {
      defaultDeployment(obj);
    } else if (is(r, 'apps', 'replicasets')) {
      const spec = objAt(obj, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'minReadySeconds', 0);
      defaultPodSpec(objAt(objAt(spec, 'template'), 'spec'));
    } else if (applyWorkloadDefaults(`${r.type.group}/${r.type.kind}`, obj, r.operation === 'CREATE')) {
      for (const podSpec of podSpecsOf(r.type.kind, obj)) defaultPodSpec(podSpec);
    } else if (is(r, '', 'services')) {
      defaultService(obj, r.oldObject, serviceIPs);
    } else if (is(r, '', 'namespaces')) {
      defaultNamespace(obj, r.operation === 'CREATE');
    } else if (is(r, '', 'secrets')) {
      setDefault(obj, 'type', 'Opaque');
    }
  };
}

export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'serviceAccountName', (spec.serviceAccount as string | undefined) ?? 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'enableServiceLinks', true);
  for (const list of ['containers', 'initContainers'] as const) {
    if (!Array.isArray(spec[list])) continue;
    for (const c of spec[list] as unknown[]) if (isObj(c)) defaultContainer(c as Container);
  }
}

function defaultContainer(c: Container): void {
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = image.includes('@') ? 'digest' : image.slice(image.lastIndexOf('/') + 1).split(':')[1];
  setDefault(c, 'imagePullPolicy', !tag || tag === 'latest' ? 'Always' : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObj(p)) setDefault(p, 'protocol', 'TCP');
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) if (isObj(probe)) defaultProbe(probe as Probe);
}

function defaultProbe(p: Probe): void {
  const o = p as Obj;
  setDefault(o, 'timeoutSeconds', 1);
  setDefault(o, 'periodSeconds', 10);
  setDefault(o, 'successThreshold', 1);
  setDefault(o, 'failureThreshold', 3);
  if (isObj(p.httpGet)) {
    setDefault(p.httpGet, 'path', '/');
    setDefault(p.httpGet, 'scheme', 'HTTP');
  }
}

function defaultDeployment(obj: KubeObject): void {
  const spec = objAt(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  const strategy = objAt(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = objAt(strategy, 'rollingUpdate');
    setDefault(ru, 'maxSurge', '25%');
    setDefault(ru, 'maxUnavailable', '25%');
  }
  defaultPodSpec(objAt(objAt(spec, 'template'), 'spec'));
}

function defaultService(obj: KubeObject, old: KubeObject | undefined, ips: ServiceIPAllocator): void {
  const spec = objAt(obj, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type === 'ExternalName') return;
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  setDefault(spec, 'ipFamilies', ['IPv4']);
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  for (const p of Array.isArray(spec.ports) ? (spec.ports as unknown[]) : []) {
    if (!isObj(p)) continue;
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'targetPort', p.port);
  }
  const oldIP = old ? ((old.spec as Obj | undefined)?.clusterIP as string | undefined) : undefined;
  if ((spec.clusterIP === undefined || spec.clusterIP === '') && oldIP) spec.clusterIP = oldIP;
  if (spec.clusterIP === undefined || spec.clusterIP === '') {
    spec.clusterIP = ips.allocate();
  } else if (!old && spec.clusterIP !== 'None') {
    ips.check(obj, String(spec.clusterIP));
  }
  spec.clusterIPs = [spec.clusterIP];
}

function defaultNamespace(obj: KubeObject, create: boolean): void {
  const name = obj.metadata?.name;
  if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
  const spec = objAt(obj, 'spec');
  if (create || !obj.metadata.deletionTimestamp) {
    // The namespace controller removes this finalizer once the namespace's contents are gone.
    if (!Array.isArray(spec.finalizers)) spec.finalizers = [NAMESPACE_FINALIZER];
    const f = obj.metadata.finalizers ?? [];
    if (!f.includes(NAMESPACE_FINALIZER)) obj.metadata.finalizers = [...f, NAMESPACE_FINALIZER];
  }
  if (create) obj.status = { phase: 'Active' };
}

/** Spare clusterIPs kept claimed ahead, since admission cannot wait for a new block. */
const SPARE_SERVICE_IPS = 32;

/** clusterIPs come from the sandbox's blocks of 127.2.0.0/16; an address is free when no Service holds it. */
class ServiceIPAllocator {
  constructor(
    private readonly api: ClusterApi,
    private readonly pool: AddressPool,
  ) {}

  private taken(): Set<string> {
    const set = new Set<string>();
    for (const s of this.api.list(this.api.type('', 'services')).items) {
      const ip = (s.spec as Obj | undefined)?.clusterIP;
      if (typeof ip === 'string') set.add(ip);
    }
    return set;
  }

  allocate(): string {
    const taken = this.taken();
    const ip = this.pool.allocate((a) => taken.has(a));
    // The pool keeps only its cursor (so a freed address is not reused at once); the store is the truth.
    this.pool.release(ip);
    this.pool.keepSpare(SPARE_SERVICE_IPS, taken.size + 1);
    return ip;
  }

  check(obj: KubeObject, ip: string): void {
    const name = obj.metadata?.name ?? '';
    if (!this.pool.owns(ip))
      throw invalid('Service', '', name, [{ field: 'spec.clusterIP', reason: 'FieldValueInvalid', message: `Invalid value: "${ip}": provided IP is not in the valid range. The range of valid IPs is ${this.pool.ranges.join(',')}` }]);
    if (this.taken().has(ip))
      throw invalid('Service', '', name, [{ field: 'spec.clusterIP', reason: 'FieldValueInvalid', message: `Invalid value: "${ip}": provided IP is already allocated` }]);
  }
}
