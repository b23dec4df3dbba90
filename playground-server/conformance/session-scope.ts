// Session mode's namespace mapping, as pure data transformation: a learner's session is ONE namespace, so the
// suite's own namespaces (gateway-conformance-mesh, smi-conformance) are mapped onto it, every namespace reference
// inside an object (metadata.namespace, parentRefs/backendRefs/TrafficTarget subjects' `namespace`) follows, Namespace
// objects are dropped, objects of the consumer namespace are dropped (a session has no second namespace) and any
// other namespace is refused — the mapping never produces an object outside the session.
import type { ApplyObject } from '../kube/apply.js';
import { MESH_CONSUMER_NAMESPACE, MESH_NAMESPACE, type MeshConformanceTest } from './mesh-test-types.js';
import { SMI_NAMESPACE } from './smi/smi-manifests.js';
import { readUpstreamManifest } from './upstream-files.js';

/** The suite's namespaces that become the session's namespace. */
export const MAPPED_NAMESPACES: readonly string[] = [MESH_NAMESPACE, SMI_NAMESPACE];
/** Namespaces a session cannot have: their objects are dropped and tests needing them are skipped. */
export const UNAVAILABLE_NAMESPACES: readonly string[] = [MESH_CONSUMER_NAMESPACE];
export const SECOND_NAMESPACE_REASON = 'needs a second namespace; a session has one';

export class OutsideSessionError extends Error {}

/** The session namespace for a namespace the suite names; throws for anything else. */
export function mapNamespace(name: string, session: string): string {
  if (name === session || MAPPED_NAMESPACES.includes(name)) return session;
  throw new OutsideSessionError(`namespace "${name}" is outside the session (only ${session} may be used)`);
}

/** Rewrites every `namespace` string field below `value` (spec references), refusing foreign namespaces. */
function mapReferences(value: unknown, session: string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapReferences(v, session));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'namespace' && typeof v === 'string' ? mapNamespace(v, session) : mapReferences(v, session);
    return out;
  }
  return value;
}

/** The objects to apply in the session: Namespaces and consumer-namespace objects dropped, the rest mapped. */
export function scopeObjects(objects: readonly ApplyObject[], session: string): ApplyObject[] {
  const scoped: ApplyObject[] = [];
  for (const obj of objects) {
    if (obj.apiVersion === 'v1' && obj.kind === 'Namespace') continue;
    const ns = obj.metadata.namespace;
    if (typeof ns === 'string' && UNAVAILABLE_NAMESPACES.includes(ns)) continue;
    const { metadata, ...rest } = obj;
    const mapped = mapReferences(rest, session) as Omit<ApplyObject, 'metadata'>;
    // An object without a namespace would land wherever the path says; in a session that is the session.
    scoped.push({ ...mapped, metadata: { ...metadata, namespace: typeof ns === 'string' ? mapNamespace(ns, session) : session } } as ApplyObject);
  }
  return scoped;
}

/** Why a mesh test cannot run in a session (undefined: it can): it sends from, or applies into, a second namespace. */
export function sessionSkipReason(test: MeshConformanceTest): string | undefined {
  const fromElsewhere = test.cases.some((c) => c.client?.namespace !== undefined && UNAVAILABLE_NAMESPACES.includes(c.client.namespace));
  const appliesElsewhere = test.manifests.some((p) => UNAVAILABLE_NAMESPACES.some((ns) => readUpstreamManifest(p).includes(`namespace: ${ns}`)));
  return fromElsewhere || appliesElsewhere ? SECOND_NAMESPACE_REASON : undefined;
}
