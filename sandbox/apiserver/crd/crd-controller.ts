// CustomResourceDefinitions as live objects: what apiextensions-apiserver's controllers do, in one place.
// - admission: defaults and validates CRDs (crd-validation.ts) and, on the first delete, adds the
//   customresourcecleanup finalizer with the Terminating condition (registry/customresourcedefinition/etcd.go);
// - naming (controller/status/naming_controller.go): accepts the names no other CRD of the group (or built-in
//   kind of the group) holds, else NamesAccepted=False with upstream's reason and message;
// - establishing (controller/establish): once the names are accepted the kind is Established and served —
//   registry, discovery and OpenAPI follow the registry at once;
// - finalizing (controller/finalizer/crd_finalizer.go): a deleted CRD's kind is still served for reads and
//   deletes but refuses creates (customresource_handler.go's forbidCreateAdmission); its custom resources are
//   deleted, then the finalizer is removed, the CRD goes and so does its kind.
// The shipped mesh CRDs are created through the same path at boot.
import { isDeepStrictEqual } from 'node:util';
import type { AdmissionRequest, ClusterApi } from '../api.js';
import { forbidden, invalid, qualifiedResource, StatusError } from '../errors.js';
import type { KubeObject } from '../store.js';
import { CRD_TYPE, crdNameOf, crdTypes, loadCrdDocuments, type CrdDocument, type ResourceType } from '../resources.js';
import { isPlainObject } from '../schema/structural.js';
import { compareVersions } from '../discovery.js';
import { CRD_CLEANUP_FINALIZER, defaultCrd, validateCrd } from './crd-validation.js';

interface Names {
  plural: string;
  singular?: string;
  shortNames?: string[];
  kind: string;
  listKind?: string;
  categories?: string[];
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

const installed = new WeakSet<ClusterApi>();

/** What discovery lists for the kind of a terminating CRD (customresource_discovery_controller.go). */
const TERMINATING_VERBS = ['delete', 'deletecollection', 'get', 'list', 'watch'];

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const isCrdType = (t: ResourceType) => t.group === CRD_TYPE.group && t.kind === CRD_TYPE.kind;

function statusOf(crd: KubeObject): { acceptedNames?: Names; conditions?: Condition[]; storedVersions?: string[] } {
  return isPlainObject(crd.status) ? (crd.status as ReturnType<typeof statusOf>) : {};
}

function conditionOf(crd: KubeObject, type: string): Condition | undefined {
  return statusOf(crd).conditions?.find((c) => c.type === type);
}

/** Sets a condition, keeping lastTransitionTime when its status did not change (SetCRDCondition). */
function setCondition(conditions: Condition[], next: Condition): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now();
  const merged = { ...next, lastTransitionTime };
  return old ? conditions.map((c) => (c.type === next.type ? merged : c)) : [...conditions, merged];
}

function specNames(crd: KubeObject): Names {
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  return (isPlainObject(spec.names) ? spec.names : { plural: '', kind: '' }) as unknown as Names;
}

function groupOf(crd: KubeObject): string {
  return isPlainObject(crd.spec) && typeof crd.spec.group === 'string' ? crd.spec.group : '';
}

/** customresource_handler.go's defaultDeprecationWarning: points at the best served, non-deprecated, newer version. */
function defaultDeprecationWarning(deprecated: string, spec: CrdDocument['spec']): string {
  const msg = `${spec.group}/${deprecated} ${spec.names.kind} is deprecated`;
  const better = spec.versions.filter((v) => v.served && !v.deprecated && compareVersions(v.name, deprecated) < 0).map((v) => v.name).sort(compareVersions);
  return better.length ? `${msg}; use ${spec.group}/${better[0]} ${spec.names.kind}` : msg;
}

/** The kinds a CRD serves under the names it was granted (one ResourceType per served version). */
function servedTypes(crd: KubeObject, names: Names): ResourceType[] {
  const spec = crd.spec as unknown as CrdDocument['spec'];
  const types = crdTypes([{ kind: 'CustomResourceDefinition', spec: { ...spec, names: { ...names, shortNames: names.shortNames ?? [] } } }]);
  for (const t of types) {
    const v = spec.versions.find((x) => x.name === t.version);
    if (v?.deprecated) t.deprecationWarning = v.deprecationWarning ?? defaultDeprecationWarning(v.name, spec);
  }
  return types;
}

export class CustomResourceDefinitionController {
  private pending = new Set<string>();
  private instanceWatches = new Map<string, () => void>();
  /** group/plural of the kinds whose CRD is being deleted, by CRD name. */
  private terminating = new Map<string, Set<string>>();

  constructor(private readonly api: ClusterApi) {}

  /** Admission for CRD writes: defaulting, validation, and the cleanup finalizer on first delete. */
  readonly admit = (request: AdmissionRequest): void => {
    const t = request.type;
    if (request.operation === 'CREATE' && t.schema && [...this.terminating.values()].some((keys) => keys.has(`${t.group}/${t.plural}`)))
      throw forbidden(`${qualifiedResource(t.plural, t.group)} "${request.object.metadata.name ?? ''}" is forbidden: create not allowed while custom resource definition is terminating`);
    if (!isCrdType(t)) return;
    const crd = request.object;
    if (request.operation === 'DELETE') {
      if (!request.dryRun && !crd.metadata.deletionTimestamp) this.markForDeletion(crd);
      return;
    }
    if (request.subresource === 'status') return;
    if (request.operation === 'CREATE') {
      // PrepareForCreate: the status is the server's (a client's is dropped).
      crd.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
    }
    defaultCrd(crd);
    const causes = validateCrd(crd, request.operation === 'UPDATE' ? request.oldObject : undefined);
    if (causes.length) throw invalid(CRD_TYPE.kind, CRD_TYPE.group, crd.metadata.name ?? '', causes);
  };

  /** Starts following CRD objects (replaying the existing ones). */
  start(): void {
    this.api.watch(CRD_TYPE, undefined, undefined, (e) => this.schedule(e.object.metadata.name ?? ''));
  }

  /** Creates the CRDs shipped with the sandbox that do not exist yet. */
  installShipped(docs: CrdDocument[] = loadCrdDocuments()): void {
    for (const doc of docs) {
      const name = crdNameOf(doc);
      if (this.api.tryGet(CRD_TYPE, undefined, name)) continue;
      const raw = doc as unknown as KubeObject;
      const annotations = isPlainObject(raw.metadata) ? raw.metadata.annotations : undefined;
      this.api.create(CRD_TYPE, { apiVersion: 'apiextensions.k8s.io/v1', kind: CRD_TYPE.kind, metadata: { name, ...(annotations ? { annotations } : {}) }, spec: doc.spec });
    }
  }

  /** Coalesces events; reconciles after the write that caused them has finished (watch order is kept). */
  private schedule(name: string): void {
    if (this.pending.has(name)) return;
    this.pending.add(name);
    queueMicrotask(() => {
      this.pending.delete(name);
      this.reconcile(name);
    });
  }

  private reconcile(name: string): void {
    const crd = this.api.tryGet(CRD_TYPE, undefined, name);
    if (!crd) {
      this.terminating.delete(name);
      this.api.registry.setCustomTypes(name, []);
      this.instanceWatches.get(name)?.();
      this.instanceWatches.delete(name);
      return;
    }
    if (crd.metadata.deletionTimestamp) return this.finalize(crd);
    this.acceptNames(crd);
  }

  /** Names already held in the CRD's group: by other CRDs' accepted names and by built-in kinds. */
  private namesInUse(crd: KubeObject): { resources: Set<string>; kinds: Set<string> } {
    const group = groupOf(crd);
    const resources = new Set<string>();
    const kinds = new Set<string>();
    this.api.scan(CRD_TYPE, undefined, (other) => {
      if (other.metadata.name === crd.metadata.name || groupOf(other) !== group) return;
      const n = statusOf(other).acceptedNames;
      if (!n) return;
      for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
      for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
    });
    const custom = new Set(this.api.registry.customTypes(crd.metadata.name ?? ''));
    for (const t of this.api.registry.types) {
      if (t.group !== group || custom.has(t) || t.schema) continue;
      for (const r of [t.plural, t.singular, ...t.shortNames]) resources.add(r);
      kinds.add(t.kind).add(`${t.kind}List`);
    }
    return { resources, kinds };
  }

  /** calculateNamesAndConditions of the naming controller, then the establishing controller's step. */
  private acceptNames(crd: KubeObject): void {
    const { resources, kinds } = this.namesInUse(crd);
    const requested = specNames(crd);
    const accepted: Names = statusOf(crd).acceptedNames ?? { plural: '', kind: '' };
    const next: Names = { ...accepted };
    let conflict: { reason: string; message: string } | undefined;
    const fresh = (want: string | undefined, have: string | undefined, used: Set<string>, reason: string): boolean => {
      if (!want || want === have || !used.has(want)) return true;
      conflict = { reason, message: `"${want}" is already in use` };
      return false;
    };
    if (fresh(requested.plural, accepted.plural, resources, 'PluralConflict')) next.plural = requested.plural;
    if (fresh(requested.singular, accepted.singular, resources, 'SingularConflict')) next.singular = requested.singular;
    if (!isDeepStrictEqual(requested.shortNames ?? [], accepted.shortNames ?? [])) {
      const own = new Set(accepted.shortNames ?? []);
      const taken = (requested.shortNames ?? []).filter((s) => !own.has(s) && resources.has(s));
      if (taken.length) conflict = { reason: 'ShortNamesConflict', message: taken.map((s) => `"${s}" is already in use`).join(', ') };
      else next.shortNames = requested.shortNames;
    }
    if (fresh(requested.kind, accepted.kind, kinds, 'KindConflict')) next.kind = requested.kind;
    if (fresh(requested.listKind, accepted.listKind, kinds, 'ListKindConflict')) next.listKind = requested.listKind;
    if (requested.categories) next.categories = requested.categories;
    else delete next.categories;

    const namesAccepted: Condition = conflict
      ? { type: 'NamesAccepted', status: 'False', ...conflict }
      : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
    const wasEstablished = conditionOf(crd, 'Established')?.status === 'True';
    const established: Condition = wasEstablished || !conflict
      ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }
      : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
    if (wasEstablished) Object.assign(established, conditionOf(crd, 'Established'));

    // Serve what is established, under the names accepted (a conflicting rename keeps the old names).
    this.serve(crd.metadata.name ?? '', established.status === 'True' && next.plural && next.kind ? servedTypes(crd, next) : []);

    let conditions = setCondition(statusOf(crd).conditions ?? [], namesAccepted);
    conditions = setCondition(conditions, established);
    // PrepareForUpdate's rule: a storage version once used stays listed in storedVersions.
    const storage = (crd.spec as unknown as CrdDocument['spec']).versions.find((v) => v.storage)?.name;
    const storedVersions = [...(statusOf(crd).storedVersions ?? [])];
    if (storage && !storedVersions.includes(storage)) storedVersions.push(storage);
    this.writeStatus(crd, { ...statusOf(crd), acceptedNames: next, conditions, storedVersions });
  }

  /**
   * Replaces what a CRD serves only when it changed: new ResourceType objects mean new compiled validators
   * and rebuilt OpenAPI documents, which a status-only change of the CRD must not cost.
   */
  private serve(name: string, types: ResourceType[]): void {
    if (!isDeepStrictEqual(this.api.registry.customTypes(name), types)) this.api.registry.setCustomTypes(name, types);
  }

  private writeStatus(crd: KubeObject, status: Record<string, unknown>): void {
    if (isDeepStrictEqual(status, crd.status)) return;
    try {
      this.api.update(CRD_TYPE, { ...crd, status }, { subresource: 'status' });
    } catch (err) {
      // Changed meanwhile (409): reconcile the newer object. Anything else is not retried in a loop; the
      // CRD's next change reconciles it again.
      if (err instanceof StatusError && err.code === 409) this.schedule(crd.metadata.name ?? '');
    }
  }

  /** The delete of a CRD that is still live: finalizer and Terminating condition first, as etcd.go does. */
  private markForDeletion(crd: KubeObject): void {
    const next = structuredClone(crd);
    if (!next.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) next.metadata.finalizers = [...(next.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER];
    const status = statusOf(next);
    next.status = {
      ...status,
      conditions: setCondition(status.conditions ?? [], {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
      }),
    };
    delete next.metadata.resourceVersion; // two writes of one change: the second must not conflict with the first
    this.api.store.update(CRD_TYPE, next);
    this.api.store.update(CRD_TYPE, next, { subresource: 'status' });
  }

  /** The finalizer controller: stop serving, delete every custom resource, then release the CRD. */
  private finalize(crd: KubeObject): void {
    const name = crd.metadata.name ?? '';
    if (!crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) return;
    const accepted = statusOf(crd).acceptedNames;
    const established = conditionOf(crd, 'Established')?.status === 'True';
    const types = servedTypes(crd, accepted?.plural ? accepted : specNames(crd));
    this.terminating.set(name, new Set(types.map((t) => `${t.group}/${t.plural}`)));
    // Still served (reads, deletes) until the CRD is gone; never-established kinds were never served.
    const readOnly = types.map((t) => ({ ...t, verbs: TERMINATING_VERBS }));
    if (established) this.serve(name, readOnly);
    const type = types[0];
    const status = statusOf(crd);
    let conditions = setCondition(status.conditions ?? [], { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    if (type) {
      for (const obj of this.api.list(type).items) {
        if (obj.metadata.deletionTimestamp) continue;
        try {
          this.api.delete(type, obj.metadata.namespace, obj.metadata.name!);
        } catch {
          // already gone, or refused by admission: the remaining count below decides
        }
      }
    }
    const remaining = type ? this.api.list(type).items.length : 0;
    if (remaining && type) {
      // Instances with finalizers of their own: come back when they change.
      if (!this.instanceWatches.has(name)) this.instanceWatches.set(name, this.api.watch(type, undefined, this.api.store.resourceVersion, () => this.schedule(name)));
      this.writeStatus(crd, { ...status, conditions });
      return;
    }
    this.instanceWatches.get(name)?.();
    this.instanceWatches.delete(name);
    conditions = setCondition(conditions, { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' });
    const released = structuredClone(crd);
    released.status = { ...status, conditions };
    released.metadata.finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    this.api.store.update(CRD_TYPE, released, { subresource: 'status' });
    const latest = this.api.store.get(CRD_TYPE, undefined, name);
    this.api.store.update(CRD_TYPE, { ...latest, metadata: { ...latest.metadata, finalizers: released.metadata.finalizers } });
  }
}

/** Makes CRD objects live for this API (once per ClusterApi): admission, serving, cleanup, shipped CRDs. */
export function installCustomResourceDefinitions(api: ClusterApi): void {
  if (installed.has(api)) return;
  installed.add(api);
  const controller = new CustomResourceDefinitionController(api);
  api.use(controller.admit);
  controller.start();
  controller.installShipped();
}
