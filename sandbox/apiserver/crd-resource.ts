// The mesh CRDs as apiextensions.k8s.io/v1 CustomResourceDefinition objects, served read-only so that
// `kubectl get crds` and kubectl's CRD lookups (field validation support) work.
import { loadCrdDocuments, type ResourceType } from './resources.js';
import type { KubeObject } from './store.js';
import { createHash } from 'node:crypto';

export const CRD_TYPE: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['get', 'list', 'watch'],
  subresources: {},
};

export const CRD_READ_ONLY_MESSAGE = 'customresourcedefinitions are read-only in the sandbox: its CRDs are built in';

/** The served CRDs, with the server-populated metadata and status a real cluster shows. */
export function crdObjects(createdAt: Date, docs = loadCrdDocuments()): KubeObject[] {
  const created = createdAt.toISOString().replace(/\.\d+Z$/, 'Z');
  return docs.map((doc) => {
    const raw = doc as unknown as { metadata?: { name?: string; annotations?: Record<string, string> } };
    const name = raw.metadata?.name ?? `${doc.spec.names.plural}.${doc.spec.group}`;
    const uid = createHash('sha256').update(name).digest('hex');
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name,
        uid: `${uid.slice(0, 8)}-${uid.slice(8, 12)}-${uid.slice(12, 16)}-${uid.slice(16, 20)}-${uid.slice(20, 32)}`,
        resourceVersion: '1',
        generation: 1,
        creationTimestamp: created,
        ...(raw.metadata?.annotations ? { annotations: raw.metadata.annotations } : {}),
      },
      spec: doc.spec,
      status: {
        acceptedNames: doc.spec.names,
        storedVersions: doc.spec.versions.filter((v) => v.storage).map((v) => v.name),
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: created },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: created },
        ],
      },
    } as KubeObject;
  });
}
