// Namespace lifecycle: a deleted namespace turns Terminating (it keeps the `kubernetes` finalizer), its
// contents are deleted, and once nothing is left the finalizer is removed and the namespace goes, which is
// what lets `kubectl delete namespace x` return.
import type { ClusterApi } from '../apiserver/api.js';
import type { ResourceType } from '../apiserver/resources.js';
import { NAMESPACE_FINALIZER } from './defaulting.js';
import { WorkQueue } from './work-queue.js';

/** How often a namespace whose contents are still going (finalizers of their own) is looked at again. */
const RECHECK_MS = 500;

export class NamespaceController {
  private queue = new WorkQueue('namespace', (name) => this.reconcile(name));
  private unwatch?: () => void;

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    this.unwatch = this.api.watch(this.api.type('', 'namespaces'), undefined, undefined, ({ type, object }) => {
      if (type !== 'DELETED' && object.metadata.deletionTimestamp) this.queue.add(object.metadata.name!);
    });
  }

  stop(): void {
    this.unwatch?.();
    this.queue.stop();
  }

  private namespacedKinds(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const t of this.api.registry.types) if (t.namespaced && !seen.has(`${t.group}/${t.plural}`)) seen.set(`${t.group}/${t.plural}`, t);
    return [...seen.values()];
  }

  private reconcile(name: string): void | { requeueAfterMs: number } {
    const nsType = this.api.type('', 'namespaces');
    const ns = this.api.tryGet(nsType, undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const status = (ns.status ?? {}) as { phase?: string; conditions?: unknown[] };
    if (status.phase !== 'Terminating') {
      ns.status = { ...status, phase: 'Terminating' };
      this.api.update(nsType, ns, { subresource: 'status' });
    }
    let left = 0;
    for (const t of this.namespacedKinds()) {
      for (const obj of this.api.list(t, name).items) {
        left++;
        if (obj.metadata.deletionTimestamp) continue;
        try {
          this.api.delete(t, name, obj.metadata.name!);
        } catch {
          // Deleted meanwhile.
        }
      }
    }
    // Deleting may have let go of everything at once; look again before deciding to wait.
    if (left > 0 && this.namespacedKinds().some((t) => this.api.list(t, name).items.length > 0)) return { requeueAfterMs: RECHECK_MS };
    const latest = this.api.tryGet(nsType, undefined, name);
    if (!latest) return;
    latest.metadata.finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    const spec = (latest.spec ?? {}) as { finalizers?: string[] };
    latest.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) };
    this.api.update(nsType, latest);
  }
}
