// Garbage collector: when an object is deleted, its dependents (objects whose ownerReferences name it by
// uid) are deleted too, in the background, so deleting a Deployment takes its ReplicaSets and their pods.
// A dependent that still has another live owner only loses the reference to the deleted one.
import type { ClusterApi } from '../apiserver/api.js';
import type { ResourceType } from '../apiserver/resources.js';
import type { KubeObject } from '../apiserver/store.js';

export class GarbageCollector {
  private unwatch: (() => void)[] = [];
  private watched = new Set<string>();
  private pending: KubeObject[] = [];
  private scheduled = false;
  private stopped = false;

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
          if (type !== 'DELETED') return;
          this.pending.push(object);
          if (!this.scheduled) {
            this.scheduled = true;
            setImmediate(() => this.collect());
          }
        }),
      );
    }
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unwatch.splice(0)) u();
  }

  private collect(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const gone = this.pending.splice(0);
    const uids = new Set(gone.map((o) => o.metadata.uid));
    const namespaces = new Set(gone.map((o) => o.metadata.namespace));
    const clusterScopedOwner = gone.some((o) => !o.metadata.namespace);
    for (const t of this.kinds()) {
      if (!t.namespaced && !clusterScopedOwner) continue;
      const items = clusterScopedOwner ? this.api.list(t).items : [...namespaces].flatMap((ns) => (ns ? this.api.list(t, ns).items : []));
      for (const obj of items) {
        const refs = obj.metadata.ownerReferences ?? [];
        if (!refs.some((r) => uids.has(r.uid))) continue;
        const remaining = refs.filter((r) => !uids.has(r.uid) && this.ownerExists(obj, r));
        try {
          if (remaining.length === 0) this.api.delete(t, obj.metadata.namespace, obj.metadata.name!);
          else this.api.update(t, { ...obj, metadata: { ...obj.metadata, ownerReferences: remaining } });
        } catch {
          // Deleted meanwhile: nothing left to collect.
        }
      }
    }
  }

  private ownerExists(dependent: KubeObject, ref: { apiVersion: string; kind: string; name: string; uid: string }): boolean {
    const t = this.api.registry.byApiVersionKind(ref.apiVersion, ref.kind);
    if (!t) return false;
    const owner = this.api.tryGet(t, t.namespaced ? dependent.metadata.namespace : undefined, ref.name);
    return owner?.metadata.uid === ref.uid;
  }
}
