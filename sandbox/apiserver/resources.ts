// The kinds this cluster serves: the built-in ones it implements and the mesh CRDs it loads from crds/.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served under /<plural>/<name>/<sub>. */
  subresources: { status?: boolean; scale?: boolean; log?: boolean; proxy?: boolean; token?: boolean; exec?: boolean; attach?: boolean; portforward?: boolean; ephemeralcontainers?: boolean };
  /** OpenAPI v3 schema of the whole object (CRDs only; built-in kinds are validated in code). */
  schema?: Record<string, unknown>;
  /** CRD additionalPrinterColumns, used for Table output. */
  printerColumns?: PrinterColumn[];
  /** CRD scale subresource: where replicas and the selector live in a custom resource. */
  scale?: CrdScale;
  /** A deprecated CRD version: the Warning every request to it gets. */
  deprecationWarning?: string;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: {},
    ...extra,
  };
}

export const BUILTIN_TYPES: ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: { status: true } }),
  builtin('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: { status: true, log: true, proxy: true, exec: true, attach: true, portforward: true, ephemeralcontainers: true },
  }),
  builtin('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: { status: true, proxy: true },
  }),
  builtin('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  builtin('', 'v1', 'Secret', 'secrets', true),
  builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: { token: true } }),
  builtin('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  builtin('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: { status: true, scale: true },
  }),
  builtin('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: { status: true, scale: true },
  }),
  // Workload kinds learners meet in upstream tutorials (controllers in sandbox/controllers/).
  builtin('apps', 'v1', 'StatefulSet', 'statefulsets', true, {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: { status: true, scale: true },
  }),
  builtin('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ['all'], subresources: { status: true } }),
  builtin('batch', 'v1', 'Job', 'jobs', true, { categories: ['all'], subresources: { status: true } }),
  builtin('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ['all'], subresources: { status: true } }),
  // The one node (runtime/node-status.ts keeps it current).
  builtin('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: { status: true } }),
  // metrics.k8s.io as metrics-server serves it: read-only, computed per request (runtime/resource-metrics.ts).
  builtin('metrics.k8s.io', 'v1beta1', 'PodMetrics', 'pods', true, { verbs: ['get', 'list'] }),
  builtin('metrics.k8s.io', 'v1beta1', 'NodeMetrics', 'nodes', false, { verbs: ['get', 'list'] }),
  builtin('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  // Multi-tenancy: who may do what (RBAC), how much a namespace may use (quota, limits), who may talk to whom.
  builtin('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: { status: true } }),
  builtin('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  builtin('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  // Availability during voluntary disruptions (a hosted deployment's replicas, deploy/). The sandbox has one node
  // and no eviction API, so nothing consults it yet; status reads as a disruption controller that has not run.
  builtin('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: { status: true } }),
  builtin('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  builtin('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
];

const CRD_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'crds');

export interface CrdScale {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: unknown; scale?: CrdScale };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CrdDocument {
  kind: string;
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; plural: string; singular?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

/** The CRDs shipped with the sandbox, as parsed documents (also served under apiextensions.k8s.io). */
export function loadCrdDocuments(dir = CRD_DIR): CrdDocument[] {
  const docs: CrdDocument[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const value of parsedYamlFile(join(dir, file))) {
      if ((value as CrdDocument | null)?.kind === 'CustomResourceDefinition') docs.push(value as CrdDocument);
    }
  }
  return structuredClone(docs);
}

/**
 * A YAML file's documents, parsed once per content: Istio's CRD file is ~1 MB and takes the `yaml` parser ~0.7 s,
 * paid by every process that boots a sandbox. The parse is kept in memory and as JSON in the temp directory, named
 * by the content's hash (a changed file is a new name; a damaged cache file is ignored and rewritten).
 */
function parsedYamlFile(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 32);
  const cached = parsedYaml.get(hash);
  if (cached) return cached;
  const cacheFile = join(tmpdir(), 'mesh-playground-yaml-cache', `${hash}.json`);
  let docs: unknown[] | undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (Array.isArray(parsed)) docs = parsed;
  } catch {
    // no cache yet, or unreadable: parse below
  }
  if (!docs) {
    docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    try {
      mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(docs), { mode: 0o600 });
      renameSync(tmp, cacheFile);
    } catch {
      // a read-only temp directory only costs the next process the parse
    }
  }
  parsedYaml.set(hash, docs);
  return docs;
}
const parsedYaml = new Map<string, unknown[]>();

/** One ResourceType per served version of each CRD. */
export function crdTypes(docs: CrdDocument[]): ResourceType[] {
  const types: ResourceType[] = [];
  for (const crd of docs) {
    const { group, scope, names } = crd.spec;
    for (const v of crd.spec.versions.filter((v) => v.served)) {
      types.push({
        group,
        version: v.name,
        kind: names.kind,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced: scope === 'Namespaced',
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        verbs: ALL_VERBS,
        subresources: { status: v.subresources?.status !== undefined, scale: v.subresources?.scale !== undefined },
        schema: v.schema?.openAPIV3Schema,
        printerColumns: v.additionalPrinterColumns,
        ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
      });
    }
  }
  return types;
}

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition: a built-in kind whose objects add kinds to the registry
 * (see crd/crd-controller.ts).
 */
export const CRD_TYPE: ResourceType = builtin('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: { status: true },
});

/**
 * Lookup of the served kinds by group/version/plural and by apiVersion/kind. The built-in kinds are fixed;
 * the kinds of CustomResourceDefinitions come and go with their CRD objects (keyed by the CRD's name).
 */
export class ResourceRegistry {
  private readonly fixed: ResourceType[];
  private custom = new Map<string, ResourceType[]>();
  private all: ResourceType[] = [];
  private byPath = new Map<string, ResourceType>();
  private byKind = new Map<string, ResourceType>();
  private listeners = new Set<() => void>();
  /** Bumped on every change of the served kinds (caches of discovery and OpenAPI key on it). */
  generation = 0;

  constructor(types: ResourceType[]) {
    this.fixed = types;
    this.reindex();
  }

  static default(): ResourceRegistry {
    const registry = new ResourceRegistry([...BUILTIN_TYPES, CRD_TYPE]);
    for (const doc of loadCrdDocuments()) registry.setCustomTypes(crdNameOf(doc), crdTypes([doc]));
    return registry;
  }

  get types(): ResourceType[] {
    return this.all;
  }

  /** The kinds served for the CRD `crdName` (replacing what it served before); [] stops serving them. */
  setCustomTypes(crdName: string, types: ResourceType[]): void {
    if (types.length) this.custom.set(crdName, types);
    else if (!this.custom.delete(crdName)) return;
    this.reindex();
  }

  customTypes(crdName: string): ResourceType[] {
    return this.custom.get(crdName) ?? [];
  }

  /** Calls `listener` after every change of the served kinds; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private reindex(): void {
    this.all = [...this.fixed, ...[...this.custom.values()].flat()];
    this.byPath.clear();
    this.byKind.clear();
    for (const t of this.all) {
      this.byPath.set(`${t.group}/${t.version}/${t.plural}`, t);
      this.byKind.set(`${apiVersionOf(t)}/${t.kind}`, t);
    }
    this.generation++;
    for (const l of [...this.listeners]) l();
  }

  byResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  byApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Shorthand for in-process callers: `registry.get('apps', 'deployments')` (the served version). */
  get(group: string, plural: string): ResourceType {
    const t = this.all.find((x) => x.group === group && x.plural === plural);
    if (!t) throw new Error(`no such resource type: ${group}/${plural}`);
    return t;
  }

  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const t of this.all) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
    return [...seen.values()];
  }
}

/** A CRD's object name: <plural>.<group>. */
export function crdNameOf(doc: CrdDocument): string {
  const raw = doc as unknown as { metadata?: { name?: string } };
  return raw.metadata?.name ?? `${doc.spec.names.plural}.${doc.spec.group}`;
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}
