// ReplicaSet controller: keeps `spec.replicas` pods of the template alive (names `<rs>-<5 random>`),
// deletes the least useful pods when scaling down, and reports replicas/ready/available in status.
// Pods are created in slow-start batches (1, 2, 4, ...) that stop at the first refused create, as upstream's
// slowStartBatch: a refusal (quota, LimitRange) becomes a `FailedCreate` Warning event and the ReplicaSet's
// `ReplicaFailure` condition, and creation is retried after a growing back-off instead of in a hot loop.
import type { ClusterApi } from '../apiserver/api.js';
import { compileLabelSelector } from '../apiserver/selectors.js';
import type { KubeObject, WatchEventType } from '../apiserver/store.js';
import type { EventRecorder } from './event-recorder.js';
import type { Pod, ReplicaSet, ReplicaSetCondition } from '../runtime/kinds.js';
import { timestamp } from '../runtime/kinds.js';
import { splitKey } from './work-queue.js';
import { CreateBackoff, OwnerReconciler, type ReconcileResult } from './owner-reconciler.js';

/** Pods created or deleted per reconcile, as the controller's slow-start batches bound a burst. */
const MAX_BURST = 500;
const COMPONENT = 'replicaset-controller';
/** The first slow-start batch (upstream SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH = 1;
/** After a refused pod create, the next attempt waits this long, doubling per failure up to the cap. */
export const FAILED_CREATE_BACKOFF_BASE_MS = 1000;
export const FAILED_CREATE_BACKOFF_CAP_MS = 30_000;

/**
 * Runs `fn` up to `count` times in batches of 1, 2, 4, ... and stops after the first batch with a failure
 * (here: at the first failure, as calls are synchronous). Returns how many succeeded and the first error.
 */
export function slowStartBatch(count: number, initialBatchSize: number, fn: () => void): { successes: number; error?: Error } {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    for (let i = 0; i < batch; i++) {
      try {
        fn();
        successes++;
      } catch (err) {
        return { successes, error: err as Error };
      }
    }
    remaining -= batch;
  }
  return { successes };
}

export class ReplicaSetController extends OwnerReconciler<ReplicaSet, Pod> {
  /** ReplicaSets whose last pod create was refused: when to try again. */
  private createBackoff = new CreateBackoff(FAILED_CREATE_BACKOFF_BASE_MS, FAILED_CREATE_BACKOFF_CAP_MS);

  constructor(api: ClusterApi, events: EventRecorder) {
    super(api, events, { queue: 'replicaset', owner: { group: 'apps', plural: 'replicasets', kind: 'ReplicaSet' }, owned: { group: '', plural: 'pods' } });
  }

  protected override forget(key: string): void {
    this.createBackoff.reset(key);
  }

  /** A pod gone may have freed quota: try creating again now rather than after the back-off. */
  protected override ownedChanged(type: WatchEventType, key: string): void {
    if (type === 'DELETED') this.createBackoff.retryNow(key);
  }

  protected reconcile(rs: ReplicaSet, owned: Pod[], key: string): ReconcileResult {
    const [namespace, name] = splitKey(key);
    const rsType = this.api.type('apps', 'replicasets');
    const podType = this.api.type('', 'pods');
    let active = owned.filter(isActive);
    const want = rs.spec.replicas ?? 1;
    const diff = want - active.length;
    let createError: Error | undefined;
    let attempted = false;
    let retryAfterMs: number | undefined;
    const backingOffMs = diff > 0 ? this.createBackoff.remainingMs(key) : undefined;
    if (backingOffMs !== undefined) {
      retryAfterMs = backingOffMs;
    } else if (diff > 0) {
      attempted = true;
      const { error } = slowStartBatch(Math.min(diff, MAX_BURST), SLOW_START_INITIAL_BATCH, () => {
        const pod = this.api.create(podType, podFromTemplate(rs)) as Pod;
        active.push(pod);
        this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
      });
      if (error) {
        createError = error;
        this.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${error.message}`, COMPONENT);
        retryAfterMs = this.createBackoff.failed(key);
      } else this.createBackoff.reset(key);
    } else if (diff < 0) {
      const victims = [...active].sort(deletionOrder).slice(0, Math.min(-diff, MAX_BURST));
      for (const pod of victims) {
        try {
          this.api.delete(podType, namespace, pod.metadata.name);
          this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
        } catch {
          // Already gone.
        }
      }
      const gone = new Set(victims.map((p) => p.metadata.uid));
      active = active.filter((p) => !gone.has(p.metadata.uid));
    }

    const selector = compileLabelSelector(rs.spec.selector);
    const minReadyMs = (rs.spec.minReadySeconds ?? 0) * 1000;
    const now = Date.now();
    let ready = 0;
    let available = 0;
    let soonest = Infinity;
    for (const p of active) {
      const since = readySince(p);
      if (since === undefined) continue;
      ready++;
      if (now - since >= minReadyMs) available++;
      else soonest = Math.min(soonest, since + minReadyMs - now);
    }
    const current = this.api.tryGet(rsType, namespace, name) as ReplicaSet | undefined;
    const status: NonNullable<ReplicaSet['status']> = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => selector(p.metadata.labels)).length,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation,
    };
    const conditions = replicaFailure(current?.status?.conditions ?? [], createError, diff > 0 && !attempted);
    if (conditions.length) status.conditions = conditions;
    if (current && !sameStatus(current.status, status)) {
      current.status = status;
      this.api.update(rsType, current, { subresource: 'status' });
    }
    const waits = [soonest === Infinity ? undefined : Math.max(10, soonest), retryAfterMs].filter((x): x is number => x !== undefined);
    if (waits.length) return { requeueAfterMs: Math.min(...waits) };
  }
}

export function podFromTemplate(rs: ReplicaSet): KubeObject {
  const template = rs.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(template.spec),
  };
}

export function isActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** When the pod became Ready (epoch ms), or undefined if it is not ready. */
export function readySince(p: Pod): number | undefined {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return undefined;
  return Date.parse(c.lastTransitionTime) || Date.now();
}

/** Pods least worth keeping first: unscheduled, pending, not ready, most restarted, youngest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => [
    p.spec.nodeName ? 1 : 0,
    p.status?.phase === 'Running' ? 2 : p.status?.phase === 'Pending' ? 0 : 1,
    readySince(p) !== undefined ? 1 : 0,
    -Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount)),
    -Date.parse(p.metadata.creationTimestamp ?? '0'),
  ];
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

/**
 * The ReplicaFailure condition as upstream's calculateStatus keeps it: set (reason FailedCreate, the error as
 * message) when creating failed and absent before; removed once a sync creates without error. While still
 * backing off (no attempt made), the condition stays.
 */
function replicaFailure(prev: ReplicaSetCondition[], err: Error | undefined, backingOff: boolean): ReplicaSetCondition[] {
  const others = prev.filter((c) => c.type !== 'ReplicaFailure');
  const existing = prev.find((c) => c.type === 'ReplicaFailure');
  if (err) return [...others, existing ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: timestamp(), reason: 'FailedCreate', message: err.message }];
  if (backingOff) return prev; // not retried yet
  return others;
}

function sameStatus(a: ReplicaSet['status'], b: NonNullable<ReplicaSet['status']>): boolean {
  return (
    !!a &&
    JSON.stringify(a.conditions ?? []) === JSON.stringify(b.conditions ?? []) &&
    a.replicas === b.replicas &&
    a.fullyLabeledReplicas === b.fullyLabeledReplicas &&
    a.readyReplicas === b.readyReplicas &&
    a.availableReplicas === b.availableReplicas &&
    a.observedGeneration === b.observedGeneration
  );
}
