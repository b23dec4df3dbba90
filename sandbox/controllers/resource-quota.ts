// ResourceQuota status controller (kube-controller-manager's resourcequota controller): keeps each quota's
// `status.hard` (= spec.hard) and `status.used` current, so `kubectl get quota` and `kubectl describe quota`
// show what the namespace uses. Admission does not read this status: it counts from the store itself.
// Any write in a namespace that has a quota re-counts that namespace's quotas (coalesced per namespace).
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../apiserver/api.js';
import type { ResourceType } from '../apiserver/resources.js';
import type { KubeObject } from '../apiserver/store.js';
import { namespaceUsage } from '../apiserver/admission/quota-usage.js';
import { WorkQueue } from './work-queue.js';

export class ResourceQuotaController {
  private queue = new WorkQueue('resourcequota', (namespace) => this.reconcile(namespace));
  private unwatch: (() => void)[] = [];
  /** Namespaces with at least one quota, and how many. */
  private quotaCount = new Map<string, number>();

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    const quotaType = this.api.type('', 'resourcequotas');
    this.unwatch.push(
      this.api.watch(quotaType, undefined, undefined, ({ type, object }) => {
        const ns = object.metadata.namespace!;
        if (type === 'ADDED') this.quotaCount.set(ns, (this.quotaCount.get(ns) ?? 0) + 1);
        if (type === 'DELETED') {
          const n = (this.quotaCount.get(ns) ?? 1) - 1;
          if (n <= 0) this.quotaCount.delete(ns);
          else this.quotaCount.set(ns, n);
        }
        if (type !== 'DELETED') this.queue.add(ns);
      }),
    );
    for (const t of this.countedKinds()) {
      this.unwatch.push(
        this.api.watch(t, undefined, undefined, ({ object }) => {
          const ns = object.metadata.namespace;
          if (ns && this.quotaCount.has(ns)) this.queue.add(ns);
        }),
      );
    }
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  /** Namespaced kinds, once each; Events are not re-counted on every event (count/events is not kept current). */
  private countedKinds(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const t of this.api.registry.types) {
      if (!t.namespaced || (t.group === '' && (t.plural === 'events' || t.plural === 'resourcequotas'))) continue;
      if (!seen.has(`${t.group}/${t.plural}`)) seen.set(`${t.group}/${t.plural}`, t);
    }
    return [...seen.values()];
  }

  private reconcile(namespace: string): void {
    const quotaType = this.api.type('', 'resourcequotas');
    for (const quota of this.api.list(quotaType, namespace).items) {
      const hard = { ...((quota.spec as { hard?: Record<string, unknown> } | undefined)?.hard ?? {}) };
      const used: Record<string, string> = {};
      for (const [name, q] of namespaceUsage(this.api, namespace, quota)) used[name] = q.toString();
      const status = { hard, used };
      if (isDeepStrictEqual(quota.status, status)) continue;
      // A conflict or a vanished quota throws: the work queue retries with back-off.
      this.api.update(quotaType, { ...quota, status } as KubeObject, { subresource: 'status' });
    }
  }
}
