// What an object costs against a ResourceQuota, and what a namespace uses, as upstream's quota evaluators
// count it (pkg/quota/v1/evaluator/core): object counts (`pods`, `configmaps`, `count/<resource>[.<group>]`),
// pod compute (`requests.cpu`, `limits.memory`, ... with init containers as max, not sum), Service
// load balancers and node ports, and the sandbox's own `mesh.playground.dev/configmap-secret-bytes`.
// Usage is computed from the store when it is needed, so it cannot drift from what is stored.
import type { ClusterApi } from '../api.js';
import type { ResourceType } from '../resources.js';
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';
import { Quantity, maxQuantity } from './quantity.js';

/**
 * Sandbox extension: total bytes of ConfigMap and Secret data in a namespace (keys and values, Secret values
 * decoded). A real cluster's quota admission does not know this name and ignores it.
 */
export const CONFIGMAP_SECRET_BYTES = 'mesh.playground.dev/configmap-secret-bytes';

/** Resource names a quota may constrain besides `count/...` and qualified (`example.com/x`) names. */
export const STANDARD_QUOTA_RESOURCES = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
  'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory',
  'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage', 'requests.storage',
]);

/** Resources counted in whole objects: their hard values must be integers. */
export function isIntegerResource(name: string): boolean {
  return name.startsWith('count/') || ['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers', CONFIGMAP_SECRET_BYTES].includes(name);
}

export const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);
const one = () => Quantity.fromNumber(1);

/** `count/<plural>` for core kinds, `count/<plural>.<group>` otherwise. */
export const countName = (t: Pick<ResourceType, 'plural' | 'group'>) => `count/${t.group ? `${t.plural}.${t.group}` : t.plural}`;

/** Pods in a terminal phase no longer hold compute (or the `pods` count), as upstream's QuotaV1Pod. */
export function podHoldsResources(pod: Readonly<KubeObject>): boolean {
  const phase = asObj(pod.status).phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** A pod's requests or limits: the sum over containers, or the largest init container if that is more. */
export function podResources(pod: Readonly<KubeObject>, kind: 'requests' | 'limits'): Map<string, Quantity> {
  const spec = asObj(pod.spec);
  const sum = new Map<string, Quantity>();
  for (const c of asList(spec.containers)) {
    for (const [name, raw] of Object.entries(asObj(asObj(c.resources)[kind]))) {
      const q = Quantity.parse(raw);
      if (q) sum.set(name, sum.has(name) ? sum.get(name)!.add(q) : q);
    }
  }
  for (const c of asList(spec.initContainers)) {
    for (const [name, raw] of Object.entries(asObj(asObj(c.resources)[kind]))) {
      const q = Quantity.parse(raw);
      if (q) sum.set(name, sum.has(name) ? maxQuantity(sum.get(name)!, q) : q);
    }
  }
  return sum;
}

const sizeCache = new WeakMap<object, number>();

/** Bytes of a ConfigMap's or Secret's data: keys plus values (base64 values decoded). */
export function dataBytes(obj: Readonly<KubeObject>): number {
  const cached = sizeCache.get(obj);
  if (cached !== undefined) return cached;
  let n = 0;
  const add = (map: unknown, base64: boolean) => {
    for (const [k, v] of Object.entries(asObj(map))) {
      n += Buffer.byteLength(k);
      if (typeof v === 'string') n += base64 ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
    }
  };
  if (obj.kind === 'Secret') {
    add(obj.data, true);
    add(obj.stringData, false);
  } else {
    add(obj.data, false);
    add(obj.binaryData, true);
  }
  sizeCache.set(obj, n);
  return n;
}

/** The quota resources one object of kind `t` uses. */
export function usageOf(t: ResourceType, obj: Readonly<KubeObject>): Map<string, Quantity> {
  const usage = new Map<string, Quantity>([[countName(t), one()]]);
  const core = t.group === '';
  if (core && t.plural === 'pods') {
    if (!podHoldsResources(obj)) return usage;
    usage.set('pods', one());
    for (const kind of ['requests', 'limits'] as const) {
      for (const [name, q] of podResources(obj, kind)) {
        usage.set(`${kind}.${name}`, q);
        if (kind === 'requests' && (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage')) usage.set(name, q);
      }
    }
  } else if (core && t.plural === 'services') {
    usage.set('services', one());
    const spec = asObj(obj.spec);
    const type = spec.type ?? 'ClusterIP';
    if (type === 'LoadBalancer') usage.set('services.loadbalancers', one());
    if (type === 'LoadBalancer' || type === 'NodePort') usage.set('services.nodeports', Quantity.fromNumber(asList(spec.ports).length));
  } else if (core && (t.plural === 'configmaps' || t.plural === 'secrets')) {
    usage.set(t.plural, one());
    usage.set(CONFIGMAP_SECRET_BYTES, Quantity.fromNumber(dataBytes(obj)));
  } else if (core && ['resourcequotas', 'replicationcontrollers', 'persistentvolumeclaims'].includes(t.plural)) {
    usage.set(t.plural, one());
  }
  return usage;
}

/** The kinds whose objects can use `resource` (empty for names nothing in this cluster uses). */
export function kindsUsing(api: ClusterApi, resource: string): ResourceType[] {
  const core = (plural: string) => [api.registry.get('', plural)];
  if (resource.startsWith('count/')) {
    const rest = resource.slice('count/'.length);
    const dot = rest.indexOf('.');
    const plural = dot < 0 ? rest : rest.slice(0, dot);
    const group = dot < 0 ? '' : rest.slice(dot + 1);
    const t = api.registry.types.find((x) => x.plural === plural && x.group === group);
    return t ? [t] : [];
  }
  if (resource === CONFIGMAP_SECRET_BYTES) return [...core('configmaps'), ...core('secrets')];
  if (resource === 'pods' || resource === 'cpu' || resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('requests.') || resource.startsWith('limits.')) return core('pods');
  if (resource === 'services' || resource.startsWith('services.')) return core('services');
  if (['configmaps', 'secrets', 'resourcequotas'].includes(resource)) return core(resource);
  return [];
}

// ---- scopes (pods only, as upstream) ----

export interface ScopeRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A quota's scopes and scopeSelector, as one list of requirements. */
export function scopeRequirements(quota: Readonly<KubeObject>): ScopeRequirement[] {
  const spec = asObj(quota.spec);
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec.scopes) ? spec.scopes : []) if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists' });
  for (const e of asList(asObj(spec.scopeSelector).matchExpressions)) out.push(e as unknown as ScopeRequirement);
  return out;
}

function isBestEffort(pod: Readonly<KubeObject>): boolean {
  const spec = asObj(pod.spec);
  return [...asList(spec.containers), ...asList(spec.initContainers)].every((c) => {
    const r = asObj(c.resources);
    return Object.keys(asObj(r.requests)).length === 0 && Object.keys(asObj(r.limits)).length === 0;
  });
}

function podMatchesScope(pod: Readonly<KubeObject>, req: ScopeRequirement): boolean {
  const spec = asObj(pod.spec);
  const negate = req.operator === 'DoesNotExist' || req.operator === 'NotIn';
  let match: boolean;
  switch (req.scopeName) {
    case 'Terminating': match = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0; break;
    case 'NotTerminating': match = !(typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0); break;
    case 'BestEffort': match = isBestEffort(pod); break;
    case 'NotBestEffort': match = !isBestEffort(pod); break;
    case 'PriorityClass': {
      const pc = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
      if (req.operator === 'In' || req.operator === 'NotIn') return (req.values ?? []).includes(pc) !== (req.operator === 'NotIn');
      match = pc !== '';
      break;
    }
    default: match = false; // CrossNamespacePodAffinity: the sandbox has no pod affinity
  }
  return negate ? !match : match;
}

/** Whether the quota applies to the object: scoped quotas apply to pods in scope only. */
export function quotaMatches(quota: Readonly<KubeObject>, t: ResourceType, obj: Readonly<KubeObject>): boolean {
  const reqs = scopeRequirements(quota);
  if (reqs.length === 0) return true;
  if (!(t.group === '' && t.plural === 'pods')) return false;
  return reqs.every((r) => podMatchesScope(obj, r));
}

/** A quota's hard limits, parsed (entries that are not quantities are skipped: validation refuses them). */
export function hardLimits(quota: Readonly<KubeObject>): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(asObj(asObj(quota.spec).hard))) {
    const q = Quantity.parse(raw);
    if (q) out.set(name, q);
  }
  return out;
}

/** What the namespace uses of each resource the quota limits, counted over the objects in its scope. */
export function namespaceUsage(api: ClusterApi, namespace: string, quota: Readonly<KubeObject>): Map<string, Quantity> {
  const hard = hardLimits(quota);
  const used = new Map<string, Quantity>();
  const byKind = new Map<ResourceType, string[]>();
  for (const name of hard.keys()) {
    used.set(name, Quantity.zero(hard.get(name)!.format));
    for (const t of kindsUsing(api, name)) byKind.set(t, [...(byKind.get(t) ?? []), name]);
  }
  for (const [t, names] of byKind) {
    api.scan(t, namespace, (obj) => {
      if (!quotaMatches(quota, t, obj)) return;
      const usage = usageOf(t, obj);
      for (const name of names) {
        const q = usage.get(name);
        if (q) used.set(name, used.get(name)!.add(q));
      }
    });
  }
  return used;
}
