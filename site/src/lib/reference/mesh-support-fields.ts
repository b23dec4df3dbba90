// Which mesh honours a kind and each of its fields. The sandbox's answer comes from its support registry (the
// mesh support page's data, the same registry the data plane and the apply-time warnings read): the longest
// registry path covering a field decides, and a field under `spec` that nothing covers is not read. Istio's and
// Linkerd's answer is per kind: each honours its own APIs and the Gateway API's mesh (GAMMA) routes.
import type { MeshApi, SupportKind, SupportLevel } from '../mesh-support/data-contract.ts';
import type { SchemaField } from './schema-fields.ts';

export interface FieldSupportNote {
  label: string;
  level: SupportLevel;
  note?: string;
  /** The registry path whose entry covers this field (an ancestor): its note applies. */
  coveredBy?: string;
}

const isUnder = (path: string, prefix: string) => path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/** The sandbox's support of one field (paths as the registry writes them: `spec.rules[].backendRefs`); undefined outside spec. */
export function sandboxFieldSupport(kind: SupportKind | undefined, field: Pick<SchemaField, 'path'>): FieldSupportNote | undefined {
  const path = field.path.replace(/\.\*/g, ''); // the registry does not step into map values: a map's entry covers them
  if (path !== 'spec' && !isUnder(path, 'spec')) return undefined;
  if (!kind) return { label: 'sandbox: none', level: 'none', note: 'the sandbox mesh does not read this kind' };
  let best: SupportKind['fields'][number] | undefined;
  for (const f of kind.fields) if ((f.path === path || isUnder(path, f.path)) && (!best || f.path.length > best.path.length)) best = f;
  if (best) {
    const own = best.path === path;
    return { label: `sandbox: ${best.support}`, level: best.support, ...(own && best.note ? { note: best.note } : !own ? { coveredBy: best.path } : {}) };
  }
  // Nothing covers it, but fields inside it are listed: their badges say it.
  if (kind.fields.some((f) => isUnder(f.path, path))) return undefined;
  return {
    label: 'sandbox: none',
    level: 'none',
    note: kind.warnOnApply ? 'not read by the sandbox mesh: applying an object that sets it prints a Warning' : 'not read by the sandbox mesh',
  };
}

export interface MeshVerdict {
  mesh: 'Istio' | 'Linkerd';
  honours: boolean;
  note: string;
}

/** Istio's and Linkerd's own support of a kind, from the projects' documentation (see each note). */
export function upstreamMeshes(api: MeshApi | undefined, kind: string): MeshVerdict[] {
  switch (api) {
    case 'Gateway API': {
      const route = kind === 'HTTPRoute' || kind === 'GRPCRoute';
      return [
        { mesh: 'Istio', honours: route, note: route ? 'GAMMA: a route whose parent is a Service configures the sidecars (and waypoints)' : 'not a mesh route' },
        { mesh: 'Linkerd', honours: route, note: route ? 'GAMMA: a route whose parent is a Service configures the proxies (Linkerd 2.14 and later)' : 'not a mesh route' },
      ];
    }
    case 'SMI':
      return [
        { mesh: 'Istio', honours: false, note: 'Istio\'s SMI adapter is archived; use HTTPRoute or VirtualService' },
        { mesh: 'Linkerd', honours: kind === 'TrafficSplit', note: kind === 'TrafficSplit' ? 'through the linkerd-smi extension' : 'not read since Linkerd 2.12 (its policy CRDs replace it)' },
      ];
    case 'Istio':
      return [
        { mesh: 'Istio', honours: true, note: 'Istio\'s own API' },
        { mesh: 'Linkerd', honours: false, note: 'Istio-only' },
      ];
    case 'Linkerd':
      return [
        { mesh: 'Istio', honours: false, note: 'Linkerd-only' },
        { mesh: 'Linkerd', honours: true, note: 'Linkerd\'s own API' },
      ];
    default:
      return [];
  }
}
