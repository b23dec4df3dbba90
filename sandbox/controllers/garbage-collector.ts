// Garbage collector: when an object is deleted, its dependents (objects whose ownerReferences name it by
// uid) are deleted too, in the background, so deleting a Deployment takes its ReplicaSets and their pods.
// A dependent that still has another live owner only loses the reference to the deleted one.
// The other two propagation policies work through finalizers, as upstream's garbagecollector does:
// `orphan` — the owner's dependents lose their reference to it and are kept, then the finalizer goes;
// `foregroundDeletion` — the dependents are deleted first and the owner goes once none of those that
// block it (blockOwnerDeletion) is left.
import type { ClusterApi } from '../apiserver/api.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../apiserver/deletion.js';
import type { ResourceType } from '../apiserver/resources.js';
import type { KubeObject, OwnerReference } from '../apiserver/store.js';

/** While a foreground deletion waits for dependents with finalizers of their own, it is looked at again this often. */
const FOREGROUND_RECHECK_MS = 500;

export class GarbageCollector {
  private unwatch: (() => void)[] = [];
  private watched = new Set<string>();
  private pending: KubeObject[] = [];
  /** Owners being deleted with the orphan or foreground policy, by uid. */
  private finalizing = new Map<string, KubeObject>();
  private scheduled = false;
  private stopped = false;
  private recheck?: NodeJS.Timeout;

  constructor(private readonly api: ClusterApi) {}

  /** One watch per kind (each stored kind once, whatever its served versions). */
  private kinds(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const t of this.api.registry.types) if (!seen.has(`${t.group}/${t.plural}`)) seen.set(`${t.group}/${t.plural}`, t);
    return [...seen.values()];
  }

  start(): void {
    this.watchKinds();
    // Kinds defined later by CustomResourceDefinitions are watched from when they are served.
    this.unwatch.push(this.api.registry.onChange(() => this.watchKinds()));
  }

  private watchKinds(): void {
    for (const t of this.kinds()) {
      if (t.group === '' && t.plural === 'events') continue;
      if (this.watched.has(`${t.group}/${t.plural}`)) continue;
      this.watched.add(`${t.group}/${t.plural}`);
      this.unwatch.push(
        this.api.watch(t, undefined, undefined, ({ type, object }) => {
          if (type === 'DELETED') {
            this.finalizing.delete(object.metadata.uid!);
            this.pending.push(object);
          } else if (object.metadata.deletionTimestamp && hasGcFinalizer(object)) {
            this.finalizing.set(object.metadata.uid!, object);
          } else return;
          this.schedule();
        }),
      );
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.recheck);
    for (const u of this.unwatch.splice(0)) u();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.collect());
  }

  private collect(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const gone = this.pending.splice(0);
    if (gone.length) this.collectDependentsOf(gone);
    for (const owner of [...this.finalizing.values()]) this.finalize(owner);
    clearTimeout(this.recheck);
    if (this.finalizing.size) {
      this.recheck = setTimeout(() => this.schedule(), FOREGROUND_RECHECK_MS);
      this.recheck.unref();
    }
  }

  /** Background propagation: the owners are gone; their dependents go too unless another owner lives. */
  private collectDependentsOf(gone: KubeObject[]): void {
    const uids = new Set(gone.map((o) => o.metadata.uid));
    for (const { t, obj } of this.dependents(gone, (r) => uids.has(r.uid))) {
      const refs = obj.metadata.ownerReferences ?? [];
      const remaining = refs.filter((r) => !uids.has(r.uid) && this.ownerExists(obj, r));
      try {
        if (remaining.length === 0) this.api.delete(t, obj.metadata.namespace, obj.metadata.name!);
        else this.api.update(t, withOwners(obj, remaining));
      } catch {
        // Deleted meanwhile: nothing left to collect.
      }
    }
  }

  /** One owner being deleted with a finalizer of the collector's: orphan its dependents or delete them first. */
  private finalize(owner: KubeObject): void {
    const t = this.api.registry.byApiVersionKind(owner.apiVersion, owner.kind);
    const latest = t && this.api.tryGet(t, owner.metadata.namespace, owner.metadata.name!);
    if (!t || !latest || latest.metadata.uid !== owner.metadata.uid || !latest.metadata.deletionTimestamp || !hasGcFinalizer(latest)) {
      this.finalizing.delete(owner.metadata.uid!);
      return;
    }
    const uid = latest.metadata.uid!;
    const dependents = this.dependents([latest], (r) => r.uid === uid);
    const finalizers = latest.metadata.finalizers ?? [];
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const { t: dt, obj } of dependents) {
        try {
          this.api.update(dt, withOwners(obj, (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)));
        } catch {
          // Changed or gone meanwhile: the next pass sees it again.
          return;
        }
      }
      this.removeFinalizer(t, latest, ORPHAN_FINALIZER);
      return;
    }
    // Foreground: delete the dependents (those with dependents of their own in the foreground too, as
    // upstream's attemptToDeleteItem does for an owner waiting for its dependents) and wait for the blocking ones.
    let blocking = 0;
    for (const { t: dt, obj } of dependents) {
      const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.uid === uid);
      if (ref?.blockOwnerDeletion) blocking++;
      if (obj.metadata.deletionTimestamp) continue;
      const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid && this.ownerExists(obj, r));
      try {
        if (others.length) {
          this.api.update(dt, withOwners(obj, others));
          if (ref?.blockOwnerDeletion) blocking--;
        } else {
          const hasOwn = this.dependents([obj], (r) => r.uid === obj.metadata.uid).length > 0;
          this.api.delete(dt, obj.metadata.namespace, obj.metadata.name!, hasOwn ? { propagationPolicy: 'Foreground' } : {});
        }
      } catch {
        // Gone meanwhile.
      }
    }
    if (blocking === 0) this.removeFinalizer(t, latest, FOREGROUND_FINALIZER);
  }

  private removeFinalizer(t: ResourceType, obj: KubeObject, finalizer: string): void {
    try {
      const current = this.api.get(t, obj.metadata.namespace, obj.metadata.name!);
      if (current.metadata.uid !== obj.metadata.uid) return;
      current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      this.api.update(t, current);
      this.finalizing.delete(obj.metadata.uid!);
    } catch {
      // Gone or changed meanwhile: the next pass decides again.
    }
  }

  /** Objects (in the owners' namespaces, or everywhere for a cluster-scoped owner) with a matching reference. */
  private dependents(owners: KubeObject[], refMatches: (r: OwnerReference) => boolean): { t: ResourceType; obj: KubeObject }[] {
    const namespaces = new Set(owners.map((o) => o.metadata.namespace));
    const clusterScopedOwner = owners.some((o) => !o.metadata.namespace);
    const out: { t: ResourceType; obj: KubeObject }[] = [];
    for (const t of this.kinds()) {
      if (t.group === '' && t.plural === 'events') continue;
      if (!t.namespaced && !clusterScopedOwner) continue;
      const scopes = clusterScopedOwner ? [undefined] : [...namespaces].filter((ns): ns is string => !!ns);
      for (const ns of scopes) {
        this.api.scan(t, ns, (obj) => {
          if ((obj.metadata.ownerReferences ?? []).some(refMatches)) out.push({ t, obj: structuredClone(obj) as KubeObject });
        });
      }
    }
    return out;
  }

  private ownerExists(dependent: KubeObject, ref: { apiVersion: string; kind: string; name: string; uid: string }): boolean {
    const t = this.api.registry.byApiVersionKind(ref.apiVersion, ref.kind);
    if (!t) return false;
    const owner = this.api.tryGet(t, t.namespaced ? dependent.metadata.namespace : undefined, ref.name);
    return owner?.metadata.uid === ref.uid;
  }
}

/** The object with these ownerReferences; none leaves the field out (Go's omitempty), as upstream shows it. */
function withOwners(obj: KubeObject, refs: OwnerReference[]): KubeObject {
  const { ownerReferences: _old, ...metadata } = obj.metadata;
  return { ...obj, metadata: refs.length ? { ...metadata, ownerReferences: refs } : metadata };
}

function hasGcFinalizer(obj: KubeObject): boolean {
  const f = obj.metadata.finalizers ?? [];
  return f.includes(ORPHAN_FINALIZER) || f.includes(FOREGROUND_FINALIZER);
}
