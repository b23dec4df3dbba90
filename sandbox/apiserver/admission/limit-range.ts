// LimitRange admission (plugin/pkg/admission/limitranger): on pod creation, containers without requests or
// limits get the namespace's `defaultRequest` / `default` (type Container), then every container and the pod
// as a whole (type Pod) are checked against `min`, `max` and `maxLimitRequestRatio`, refused with upstream's
// messages (`maximum cpu usage per Container is 2, but limit is 4`). Registered after sidecar injection, so
// the injected container is defaulted and checked too. LimitRange objects themselves are defaulted as the
// API server does (default ← max, defaultRequest ← default or min).
import type { AdmissionPlugin, AdmissionRequest, ClusterApi } from '../api.js';
import { isPlainObject } from '../schema/structural.js';
import type { KubeObject } from '../store.js';
import { Quantity } from './quantity.js';
import { admissionForbidden } from './admission-errors.js';
import { podResources } from './quota-usage.js';

/** Annotation upstream's LimitRanger writes on a pod whose resources it filled in. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Obj = Record<string, unknown>;
type ResourceList = Record<string, unknown>;
const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** SetDefaults_LimitRangeItem: for type Container, default ← max, defaultRequest ← default, then ← min. */
export function defaultLimitRange(lr: KubeObject): void {
  for (const item of asList(asObj(lr.spec).limits)) {
    if (item.type !== 'Container') continue;
    const def = (item.default = { ...asObj(item.default) });
    const defReq = (item.defaultRequest = { ...asObj(item.defaultRequest) });
    for (const [k, v] of Object.entries(asObj(item.max))) if (def[k] === undefined) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (defReq[k] === undefined) defReq[k] = v;
    for (const [k, v] of Object.entries(asObj(item.min))) if (defReq[k] === undefined) defReq[k] = v;
    if (!Object.keys(def).length) delete item.default;
    if (!Object.keys(defReq).length) delete item.defaultRequest;
  }
}

/** SetDefaults_Pod: a container with a limit but no request for a resource requests the limit. */
function defaultRequestsFromLimits(container: Obj): void {
  const resources = asObj(container.resources);
  const limits = asObj(resources.limits);
  if (!Object.keys(limits).length) return;
  const requests = { ...asObj(resources.requests) };
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
  container.resources = { ...resources, requests };
}

/** Fills the container's missing limits and requests from the defaults; returns the annotation parts. */
function mergeDefaults(container: Obj, defaults: ResourceList, defaultRequests: ResourceList): string[] {
  const resources = asObj(container.resources);
  const limits = { ...asObj(resources.limits) };
  const requests = { ...asObj(resources.requests) };
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults)) if (limits[k] === undefined) { limits[k] = v; setLimits.push(k); }
  for (const [k, v] of Object.entries(defaultRequests)) if (requests[k] === undefined) { requests[k] = v; setRequests.push(k); }
  if (!setLimits.length && !setRequests.length) return [];
  const next: Obj = { ...resources };
  if (Object.keys(limits).length) next.limits = limits;
  if (Object.keys(requests).length) next.requests = requests;
  container.resources = next;
  const parts: string[] = [];
  if (setRequests.length) parts.push(`${setRequests.sort(byName).join(', ')} request for container ${String(container.name)}`);
  if (setLimits.length) parts.push(`${setLimits.sort(byName).join(', ')} limit for container ${String(container.name)}`);
  return parts;
}

const parse = (v: unknown) => Quantity.parse(v);

function minConstraint(limitType: string, resource: string, enforced: Quantity, request: Map<string, Quantity>, limit: Map<string, Quantity>): string | undefined {
  const req = request.get(resource);
  const lim = limit.get(resource);
  if (!req) return `minimum ${resource} usage per ${limitType} is ${enforced}.  No request is specified`;
  if (req.cmp(enforced) < 0) return `minimum ${resource} usage per ${limitType} is ${enforced}, but request is ${req}`;
  if (lim && lim.cmp(enforced) < 0) return `minimum ${resource} usage per ${limitType} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(limitType: string, resource: string, enforced: Quantity, request: Map<string, Quantity>, limit: Map<string, Quantity>): string | undefined {
  const req = request.get(resource);
  const lim = limit.get(resource);
  if (!lim) return `maximum ${resource} usage per ${limitType} is ${enforced}.  No limit is specified`;
  if (lim.cmp(enforced) > 0) return `maximum ${resource} usage per ${limitType} is ${enforced}, but limit is ${lim}`;
  if (req && req.cmp(enforced) > 0) return `maximum ${resource} usage per ${limitType} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(limitType: string, resource: string, enforced: Quantity, request: Map<string, Quantity>, limit: Map<string, Quantity>): string | undefined {
  const req = request.get(resource);
  const lim = limit.get(resource);
  if (!req || req.isZero()) return `${resource} max limit to request ratio per ${limitType} is ${enforced}, but no request is specified or request is 0`;
  if (!lim || lim.isZero()) return `${resource} max limit to request ratio per ${limitType} is ${enforced}, but no limit is specified or limit is 0`;
  const ratio = lim.milliValue() / req.milliValue();
  if (ratio * 1000 > enforced.milliValue()) return `${resource} max limit to request ratio per ${limitType} is ${enforced}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkAll(limitType: string, item: Obj, request: Map<string, Quantity>, limit: Map<string, Quantity>): string[] {
  const out: string[] = [];
  const each = (field: string, check: typeof minConstraint) => {
    for (const [resource, raw] of Object.entries(asObj(item[field])).sort(([a], [b]) => byName(a, b))) {
      const enforced = parse(raw);
      const err = enforced && check(limitType, resource, enforced, request, limit);
      if (err) out.push(err);
    }
  };
  each('min', minConstraint);
  each('max', maxConstraint);
  each('maxLimitRequestRatio', ratioConstraint);
  return out;
}

function containerResources(c: Obj, kind: 'requests' | 'limits'): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(asObj(asObj(c.resources)[kind]))) {
    const q = parse(v);
    if (q) out.set(k, q);
  }
  return out;
}

export function limitRangeAdmission(api: ClusterApi): AdmissionPlugin {
  const lrType = api.type('', 'limitranges');
  return (r: AdmissionRequest) => {
    if (r.operation === 'DELETE' || r.subresource) return;
    if (r.type.group !== '') return;
    if (r.type.plural === 'limitranges') return defaultLimitRange(r.object);
    if (r.type.plural !== 'pods' || r.operation !== 'CREATE') return; // pod resources cannot change after creation
    const pod = r.object;
    const spec = asObj(pod.spec);
    const containers = [...asList(spec.initContainers), ...asList(spec.containers)];
    for (const c of containers) defaultRequestsFromLimits(c);
    const ranges: KubeObject[] = [];
    api.scan(lrType, pod.metadata.namespace, (lr) => ranges.push(lr as KubeObject));
    if (!ranges.length) return;
    ranges.sort((a, b) => byName(a.metadata.name!, b.metadata.name!));

    // Defaults first (from every LimitRange's Container items), then the checks.
    const defaults: ResourceList = {};
    const defaultRequests: ResourceList = {};
    for (const lr of ranges) {
      for (const item of asList(asObj(lr.spec).limits)) {
        if (item.type !== 'Container') continue;
        // The first LimitRange (by name) that sets a default wins, as each is applied in turn upstream.
        for (const [k, v] of Object.entries(asObj(item.default))) defaults[k] ??= v;
        for (const [k, v] of Object.entries(asObj(item.defaultRequest))) defaultRequests[k] ??= v;
      }
    }
    const annotation: string[] = [];
    for (const c of containers) annotation.push(...mergeDefaults(c, defaults, defaultRequests));
    if (annotation.length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${annotation.join('; ')}` };

    const errors: string[] = [];
    for (const lr of ranges) {
      for (const item of asList(asObj(lr.spec).limits)) {
        if (item.type === 'Container') {
          for (const c of containers) errors.push(...checkAll('Container', item, containerResources(c, 'requests'), containerResources(c, 'limits')));
        } else if (item.type === 'Pod') {
          errors.push(...checkAll('Pod', item, podResources(pod, 'requests'), podResources(pod, 'limits')));
        }
      }
    }
    const unique = [...new Set(errors)];
    if (unique.length) {
      const detail = unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
      throw admissionForbidden(r.type.plural, r.type.group, pod, detail);
    }
  };
}
