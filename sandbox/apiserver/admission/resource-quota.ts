// ResourceQuota admission (plugin/pkg/admission/resourcequota): a create, or an update that grows usage, is
// refused with 403 when it would take the namespace past a quota's hard limit, with upstream's message
// `exceeded quota: <name>, requested: pods=1, used: pods=20, limited: pods=20`. Pods must state requests
// (or limits) for the compute resources a quota limits (`failed quota: <name>: must specify ...`).
// Usage comes from the store at admission time (no cached status that could drift); deletes are never checked.
// Writes are synchronous in this process, so check-then-store cannot race with another write.
import type { AdmissionPlugin, ClusterApi } from '../api.js';
import { isPlainObject } from '../schema/structural.js';
import type { KubeObject } from '../store.js';
import { hardLimits, namespaceUsage, quotaMatches, usageOf } from './quota-usage.js';
import type { Quantity } from './quantity.js';
import { admissionForbidden } from './admission-errors.js';

/** Compute resources for which every container must state a value when a quota limits them. */
const CONSTRAINED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];

/** `a=1,b=2`, sorted by name (upstream prettyPrint). */
function prettyPrint(list: [string, Quantity][]): string {
  return [...list].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v.toString()}`).join(',');
}

/** The containers missing a value the quota requires: `requests.cpu for: app,sidecar; limits.memory for: app`. */
function missingCompute(pod: KubeObject, required: string[]): string | undefined {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])].filter(isPlainObject);
  const missing = new Map<string, Set<string>>();
  for (const resource of required) {
    const [kind, name] = resource.includes('.') ? resource.split('.') : ['requests', resource];
    for (const c of containers) {
      const r = isPlainObject(c.resources) ? c.resources : {};
      const values = isPlainObject(r[kind]) ? (r[kind] as Record<string, unknown>) : {};
      if (values[name] === undefined) {
        if (!missing.has(resource)) missing.set(resource, new Set());
        missing.get(resource)!.add(String(c.name));
      }
    }
  }
  if (!missing.size) return undefined;
  return [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`).join('; ');
}

export function resourceQuotaAdmission(api: ClusterApi): AdmissionPlugin {
  const quotaType = api.type('', 'resourcequotas');
  return (r) => {
    if (r.operation === 'DELETE' || r.subresource) return;
    const namespace = r.object.metadata.namespace;
    if (!r.type.namespaced || !namespace) return;
    const quotas: KubeObject[] = [];
    api.scan(quotaType, namespace, (q) => quotas.push(q as KubeObject));
    if (!quotas.length) return;
    quotas.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));

    const isPod = r.type.group === '' && r.type.plural === 'pods';
    const after = usageOf(r.type, r.object);
    const before = r.operation === 'UPDATE' && r.oldObject ? usageOf(r.type, r.oldObject) : new Map<string, Quantity>();
    for (const quota of quotas) {
      if (!quotaMatches(quota, r.type, r.object)) continue;
      const hard = hardLimits(quota);
      if (isPod && r.operation === 'CREATE') {
        const required = CONSTRAINED.filter((name) => hard.has(name));
        const missing = required.length ? missingCompute(r.object, required) : undefined;
        if (missing) throw admissionForbidden(r.type.plural, r.type.group, r.object, `failed quota: ${quota.metadata.name}: must specify ${missing}`);
      }
      // What this write adds, for the resources the quota limits (updates: growth only).
      const requested = new Map<string, Quantity>();
      for (const [name, q] of after) {
        if (!hard.has(name)) continue;
        const delta = before.has(name) ? q.sub(before.get(name)!) : q;
        if (delta.nano > 0n) requested.set(name, delta);
      }
      if (!requested.size) continue;
      const used = namespaceUsage(api, namespace, quota);
      const exceeded = [...requested.keys()].filter((name) => used.get(name)!.add(requested.get(name)!).cmp(hard.get(name)!) > 0);
      if (!exceeded.length) continue;
      const pick = (m: Map<string, Quantity>) => exceeded.map((n) => [n, m.get(n)!] as [string, Quantity]);
      throw admissionForbidden(
        r.type.plural,
        r.type.group,
        r.object,
        `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(pick(requested))}, used: ${prettyPrint(pick(used))}, limited: ${prettyPrint(pick(hard))}`,
      );
    }
  };
}
