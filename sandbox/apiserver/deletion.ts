// What a delete request means before the store acts on it, as the apiserver's generic registry decides it:
// the DeleteOptions (propagation policy, grace period, dry run, preconditions), the finalizers a propagation
// policy adds (`orphan`, `foregroundDeletion`, left for the garbage collector) and a pod's graceful deletion
// (upstream pkg/registry/core/pod/strategy.go CheckGracefulDelete, apiserver registry/rest/delete.go).
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/** metav1.FinalizerOrphanDependents / FinalizerDeleteDependents. */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface DeleteOptions {
  dryRun?: boolean;
  /** Preconditions. */
  uid?: string;
  resourceVersion?: string;
  propagationPolicy?: PropagationPolicy;
  /** Seconds the object has to go gracefully (pods): 0 deletes at once. */
  gracePeriodSeconds?: number;
}

/** What deleting this object does: the finalizers it gets, and how long a graceful deletion may take. */
export interface DeletionPlan {
  finalizers: string[];
  /** Only for kinds with graceful deletion (pods): seconds until the kubelet must be done, 0 = at once. */
  gracePeriodSeconds?: number;
}

export function planDeletion(t: ResourceType, object: KubeObject, opts: DeleteOptions): DeletionPlan {
  const finalizers = [...(object.metadata.finalizers ?? [])];
  // The policy replaces what an earlier delete asked for (upstream deletionFinalizersForGarbageCollection).
  const policy = opts.propagationPolicy;
  const without = (f: string) => {
    const i = finalizers.indexOf(f);
    if (i >= 0) finalizers.splice(i, 1);
  };
  if (policy === 'Orphan') {
    without(FOREGROUND_FINALIZER);
    if (!finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
  } else if (policy === 'Foreground') {
    without(ORPHAN_FINALIZER);
    if (!finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
  } else if (policy === 'Background') {
    without(ORPHAN_FINALIZER);
    without(FOREGROUND_FINALIZER);
  }
  const plan: DeletionPlan = { finalizers };
  if (t.group === '' && t.kind === 'Pod') plan.gracePeriodSeconds = podGracePeriod(object, opts.gracePeriodSeconds);
  return plan;
}

/**
 * CheckGracefulDelete of the pod strategy: the request's period, else the pod's terminationGracePeriodSeconds;
 * 0 for a pod no node runs (unscheduled) or one already Succeeded/Failed.
 */
function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const status = (pod.status ?? {}) as { phase?: string; conditions?: { type?: string; status?: string }[] };
  // The sandbox binds pods to its node at creation; one the node has not admitted (PodScheduled=False, waiting
  // for room) is what upstream calls unscheduled.
  const unscheduled = !spec.nodeName || !!status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled || status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
  return Math.max(0, requested ?? spec.terminationGracePeriodSeconds ?? 30);
}
