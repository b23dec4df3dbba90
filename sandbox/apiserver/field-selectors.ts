// Which fields each kind can be selected by (`--field-selector`), and their values for an object.
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

type Fields = Record<string, string | undefined>;
type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

const EXTRA_FIELDS: Record<string, (obj: KubeObject) => Fields> = {
  '/Pod': (p) => ({
    'spec.nodeName': str(o(p.spec).nodeName) ?? '',
    'spec.restartPolicy': str(o(p.spec).restartPolicy),
    'spec.schedulerName': str(o(p.spec).schedulerName),
    'spec.serviceAccountName': str(o(p.spec).serviceAccountName),
    'spec.hostNetwork': String(o(p.spec).hostNetwork === true),
    'status.phase': str(o(p.status).phase) ?? '',
    'status.podIP': str(o(p.status).podIP) ?? '',
    'status.nominatedNodeName': str(o(p.status).nominatedNodeName) ?? '',
  }),
  '/Event': (e) => {
    const io = o(e.involvedObject);
    return {
      'involvedObject.kind': str(io.kind),
      'involvedObject.namespace': str(io.namespace),
      'involvedObject.name': str(io.name),
      'involvedObject.uid': str(io.uid),
      'involvedObject.apiVersion': str(io.apiVersion),
      'involvedObject.resourceVersion': str(io.resourceVersion),
      'involvedObject.fieldPath': str(io.fieldPath),
      reason: str(e.reason),
      reportingComponent: str(e.reportingComponent),
      source: str(o(e.source).component),
      type: str(e.type),
    };
  },
  '/Namespace': (n) => ({ 'status.phase': str(o(n.status).phase) }),
  '/Secret': (s) => ({ type: str(s.type) }),
  'apps/ReplicaSet': (r) => ({ 'status.replicas': str(o(r.status).replicas ?? 0) }),
};

const EXTRA_NAMES: Record<string, string[]> = {
  '/Pod': ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  '/Event': ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  '/Namespace': ['status.phase'],
  '/Secret': ['type'],
  'apps/ReplicaSet': ['status.replicas'],
};

export function supportedFields(t: ResourceType): string[] {
  return ['metadata.name', 'metadata.namespace', ...(EXTRA_NAMES[`${t.group}/${t.kind}`] ?? [])];
}

export function fieldsOf(t: ResourceType, obj: KubeObject): Fields {
  const base: Fields = { 'metadata.name': obj.metadata.name, 'metadata.namespace': obj.metadata.namespace ?? '' };
  const extra = EXTRA_FIELDS[`${t.group}/${t.kind}`];
  return extra ? { ...base, ...extra(obj) } : base;
}

/** The object filter of a list or watch request (400 for a malformed or unsupported selector). */
export function objectFilter(t: ResourceType, labelSelector: string | null, fieldSelector: string | null): ((obj: KubeObject) => boolean) | undefined {
  if (!labelSelector && !fieldSelector) return undefined;
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector, supportedFields(t));
  return (obj) => labels(obj.metadata.labels) && (!fieldSelector || fields(fieldsOf(t, obj)));
}
