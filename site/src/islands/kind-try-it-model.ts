// What the kind try-it knows about Kubernetes objects, without a browser: the name a resource goes by in the
// playground API, the copy of an object that Undo re-applies, the status conditions to show (Gateway API routes keep
// them per parent), where a request should go to exercise an object, and which Deployment a pod belongs to.

export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[]; [k: string]: unknown };
  [field: string]: unknown;
}

/** The section's example, as the reference page's DOM contract describes it. */
export interface KindExample {
  id: string;
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  title: string;
  yaml: string;
}

/** `resource` for getResource/deleteResource: `plural.group`, or the lowercase kind when only the kind is known. */
export function resourceName(apiVersion: string, kindOrPlural: string): string {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  const name = kindOrPlural.toLowerCase();
  return group ? `${name}.${group}` : name;
}

/** Metadata the server owns: re-applying it would fail (resourceVersion, uid) or mean nothing. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace'];

/** The object as it was, ready to apply back: everything but status and server-owned metadata. */
export function restorable(obj: KubeObjectLike): KubeObjectLike {
  const { status: _status, metadata = {}, ...rest } = obj;
  const meta: Record<string, unknown> = { ...metadata };
  for (const k of SERVER_METADATA) delete meta[k];
  return { ...rest, metadata: meta };
}

export interface ShownCondition {
  /** `Service reviews:9080` for a route's parent; empty for an object's own conditions. */
  parent: string;
  type: string;
  status: string;
  reason: string;
  message: string;
  /** False while the controller has not yet looked at this generation. */
  current: boolean;
}

interface RawCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** Status conditions: per parent for Gateway API routes (status.parents[]), else status.conditions. */
export function conditionsOf(obj: KubeObjectLike): ShownCondition[] {
  const generation = obj.metadata?.generation;
  const status = (obj.status ?? {}) as { parents?: { parentRef?: { kind?: string; name?: string; port?: number } ; conditions?: RawCondition[] }[]; conditions?: RawCondition[] };
  const shown = (parent: string, c: RawCondition): ShownCondition => ({
    parent,
    type: c.type ?? '',
    status: c.status ?? 'Unknown',
    reason: c.reason ?? '',
    message: c.message ?? '',
    current: generation === undefined || c.observedGeneration === undefined || c.observedGeneration >= generation,
  });
  const out: ShownCondition[] = [];
  for (const p of status.parents ?? []) {
    const ref = p.parentRef ?? {};
    const parent = `${ref.kind ?? 'Gateway'} ${ref.name ?? ''}${ref.port ? `:${ref.port}` : ''}`;
    for (const c of p.conditions ?? []) out.push(shown(parent, c));
  }
  for (const c of status.conditions ?? []) out.push(shown('', c));
  return out;
}

/** Where a request exercises the object: a Service host, a port when the object names one, and a path. */
export interface RequestTarget {
  host: string;
  port?: number;
  path: string;
}

/** A path each of the session's sample apps answers with 200 (openapi/bookinfo.yaml), used when the object names none. */
const SAMPLE_APP_PATHS: Record<string, string> = { productpage: '/productpage', details: '/details/0', reviews: '/reviews/0', ratings: '/ratings/0', httpbin: '/get' };
const pathFor = (host: string) => SAMPLE_APP_PATHS[host.replace(/-v\d+$/, '')] ?? '/';

const isServiceRef = (r: { group?: string; kind?: string }) => (r.group === '' || r.group === 'core' || r.group === undefined) && r.kind === 'Service';
/** `reviews`, `reviews.ns.svc.cluster.local` → `reviews` (the session's Services are reached by short name). */
const shortHost = (h: string) => (/\.svc(\.cluster\.local)?$/.test(h) ? h.split('.')[0] : h);

/** The request that shows an object's effect, from the object alone (GAMMA routes, SMI splits, Istio hosts). */
export function requestTargetOf(obj: KubeObjectLike): RequestTarget | undefined {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const group = (obj.apiVersion ?? '').split('/')[0];
  if ((obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute') && group === 'gateway.networking.k8s.io') {
    const parent = ((spec.parentRefs as { group?: string; kind?: string; name?: string; port?: number }[] | undefined) ?? []).find(isServiceRef);
    if (!parent?.name) return undefined;
    const rules = (spec.rules as { matches?: { path?: { type?: string; value?: string } }[] }[] | undefined) ?? [];
    const path = rules.flatMap((r) => r.matches ?? []).map((m) => m.path).find((p) => p?.value && (p.type ?? 'PathPrefix') !== 'RegularExpression')?.value;
    return { host: parent.name, ...(parent.port ? { port: parent.port } : {}), path: path && path !== '/' ? path : pathFor(parent.name) };
  }
  const host =
    obj.kind === 'TrafficSplit' && typeof spec.service === 'string'
      ? spec.service
      : obj.kind === 'VirtualService' && Array.isArray(spec.hosts) && typeof spec.hosts[0] === 'string' && spec.hosts[0] !== '*'
        ? spec.hosts[0]
        : obj.kind === 'DestinationRule' && typeof spec.host === 'string'
          ? spec.host
          : undefined;
  return host ? { host: shortHost(host), path: pathFor(shortHost(host)) } : undefined;
}

export const targetUrl = (t: RequestTarget) => `http://${t.host}${t.port ? `:${t.port}` : ''}${t.path.startsWith('/') ? t.path : `/${t.path}`}`;

/** The Deployment a pod belongs to: its ReplicaSet's name without the pod-template-hash (else its owner, else itself). */
export function workloadOfPod(pod: KubeObjectLike): string {
  const name = pod.metadata?.name ?? '';
  const owner = pod.metadata?.ownerReferences?.[0];
  if (!owner) return name;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  return owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name;
}

/** Requests counted per backend, most first: [['reviews-v1', 6]]. */
export function tally(backends: (string | null)[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const b of backends) counts.set(b ?? 'not reported', (counts.get(b ?? 'not reported') ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The split an object asks for, per rule, as shares of 100 (weights are proportional; a route's default weight is 1). */
export function intendedSplits(obj: KubeObjectLike): { rule: string; shares: [string, number][] }[] {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const share = (refs: { name: string; weight: number }[]) => {
    const total = refs.reduce((s, r) => s + r.weight, 0);
    return refs.map((r): [string, number] => [r.name, total ? Math.round((r.weight / total) * 1000) / 10 : 0]);
  };
  if ((obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute') && Array.isArray(spec.rules)) {
    return (spec.rules as { backendRefs?: { name?: string; weight?: number }[] }[])
      .map((r, i) => ({ rule: `rule ${i + 1}`, refs: (r.backendRefs ?? []).filter((b) => b.name).map((b) => ({ name: b.name!, weight: b.weight ?? 1 })) }))
      .filter((r) => r.refs.length > 1)
      .map((r) => ({ rule: r.rule, shares: share(r.refs) }));
  }
  if (obj.kind === 'TrafficSplit' && Array.isArray(spec.backends)) {
    const refs = (spec.backends as { service?: string; weight?: number }[]).filter((b) => b.service).map((b) => ({ name: b.service!, weight: b.weight ?? 0 }));
    return refs.length > 1 ? [{ rule: 'backends', shares: share(refs) }] : [];
  }
  return [];
}
