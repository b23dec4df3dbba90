// The checks lessons use today. Each reads the session's namespace through the session's own token.
import { deploymentReady, listDeployments } from '../sessions/provisioner.js';
import type { CheckRegistry, LessonCheck } from './registry.js';
import { trafficCheck } from './traffic-check.js';

const BOOKINFO = ['productpage-v1', 'details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3'];

const bookinfoReady: LessonCheck = {
  name: 'bookinfo-ready',
  title: 'Bookinfo is running',
  description: 'Every Bookinfo Deployment is rolled out and available.',
  async run({ session, signal }) {
    const { items } = await listDeployments(session.kube, session.namespace, signal);
    const byName = new Map(items.map((d) => [d.metadata.name, d]));
    const missing = BOOKINFO.filter((n) => !byName.has(n));
    const notReady = BOOKINFO.filter((n) => byName.has(n) && !deploymentReady(byName.get(n)!));
    if (missing.length) return { passed: false, hint: `deploy Bookinfo first: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`, details: { missing } };
    if (notReady.length) return { passed: false, hint: `wait for ${notReady.join(', ')} to become available (kubectl rollout status deploy/${notReady[0]})`, details: { notReady } };
    return { passed: true, hint: 'all six Bookinfo deployments are available', details: { deployments: BOOKINFO } };
  },
};

const deploymentAvailable: LessonCheck<{ name: string }> = {
  name: 'deployment-ready',
  title: 'A Deployment is available',
  description: 'The named Deployment is rolled out and available.',
  args: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' } }, additionalProperties: false },
  async run({ session, signal }, { name }) {
    const { items } = await listDeployments(session.kube, session.namespace, signal);
    const d = items.find((x) => x.metadata.name === name);
    if (!d) return { passed: false, hint: `there is no Deployment "${name}" yet; apply its manifest`, details: {} };
    if (!deploymentReady(d)) return { passed: false, hint: `Deployment "${name}" is not available yet (kubectl rollout status deploy/${name})`, details: { status: d.status ?? {} } };
    return { passed: true, hint: `Deployment "${name}" is available` };
  },
};

interface RouteLike {
  metadata: { name: string };
  spec?: { parentRefs?: { group?: string; kind?: string; name: string; port?: number }[]; rules?: { backendRefs?: { name: string; port?: number; weight?: number }[] }[] };
}
interface SplitLike {
  metadata: { name: string };
  spec?: { service?: string; backends?: { service: string; weight?: number }[] };
}

/** Weights normalised to percentages (HTTPRoute weights are proportional, default 1). */
function percentages(backends: { name: string; weight: number }[]): Record<string, number> {
  const total = backends.reduce((s, b) => s + b.weight, 0);
  const out: Record<string, number> = {};
  for (const b of backends) out[b.name] = total ? Math.round((b.weight / total) * 1000) / 10 : 0;
  return out;
}

const routeSplit: LessonCheck<{ service: string; weights: Record<string, number>; tolerance?: number }> = {
  name: 'route-split',
  title: 'Traffic is split by weight',
  description: 'An HTTPRoute attached to the Service (or an SMI TrafficSplit for it) sends the given percentages to the given backends, e.g. reviews-v1: 90, reviews-v2: 10.',
  args: {
    type: 'object',
    required: ['service', 'weights'],
    properties: {
      service: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' },
      weights: { type: 'object', minProperties: 1, maxProperties: 10, additionalProperties: { type: 'number', minimum: 0, maximum: 100 } },
      tolerance: { type: 'number', minimum: 0, maximum: 50, default: 1 },
    },
    additionalProperties: false,
  },
  async run({ session, signal }, { service, weights, tolerance = 1 }) {
    const ns = session.namespace;
    const found: { source: string; split: Record<string, number> }[] = [];
    const routes = await session.kube
      .json<{ items: RouteLike[] }>({ path: `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`, signal })
      .catch(() => ({ items: [] as RouteLike[] }));
    for (const r of routes.items) {
      if (!(r.spec?.parentRefs ?? []).some((p) => (p.kind ?? 'Gateway') === 'Service' && (p.group ?? '') === '' && p.name === service)) continue;
      for (const rule of r.spec?.rules ?? []) {
        const backends = (rule.backendRefs ?? []).map((b) => ({ name: b.name, weight: b.weight ?? 1 }));
        if (backends.length) found.push({ source: `HTTPRoute/${r.metadata.name}`, split: percentages(backends) });
      }
    }
    const splits = await session.kube
      .json<{ items: SplitLike[] }>({ path: `/apis/split.smi-spec.io/v1alpha4/namespaces/${ns}/trafficsplits`, signal })
      .catch(() => ({ items: [] as SplitLike[] }));
    for (const s of splits.items) {
      if (s.spec?.service !== service) continue;
      found.push({ source: `TrafficSplit/${s.metadata.name}`, split: percentages((s.spec.backends ?? []).map((b) => ({ name: b.service, weight: b.weight ?? 0 }))) });
    }
    if (!found.length)
      return { passed: false, hint: `no HTTPRoute has parentRefs [{group: "", kind: Service, name: ${service}}] (and no TrafficSplit for ${service}); apply one with weighted backendRefs`, details: {} };
    const want = percentages(Object.entries(weights).map(([name, weight]) => ({ name, weight })));
    for (const f of found) {
      const names = new Set([...Object.keys(want), ...Object.keys(f.split)]);
      if ([...names].every((n) => Math.abs((want[n] ?? 0) - (f.split[n] ?? 0)) <= tolerance))
        return { passed: true, hint: `${f.source} splits ${service} as asked`, details: { source: f.source, split: f.split } };
    }
    const best = found[0];
    const describe = (s: Record<string, number>) => Object.entries(s).map(([n, p]) => `${n} ${p}%`).join(', ');
    return { passed: false, hint: `${best.source} sends ${describe(best.split)}; the step asks for ${describe(want)} — adjust backendRefs[].weight`, details: { found, want } };
  },
};

export function registerBuiltinChecks(registry: CheckRegistry): CheckRegistry {
  return registry.add(bookinfoReady).add(deploymentAvailable).add(routeSplit).add(trafficCheck);
}
