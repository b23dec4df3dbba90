// The skeleton the Deployment, ReplicaSet, StatefulSet and DaemonSet controllers share, as kube-controller-manager's do: watch the
// owner kind and the kind it controls, enqueue the owner's key when either changes, and reconcile one owner
// at a time with the objects it controls (ownerReferences with controller: true, matched by uid). A refused
// create backs off per owner, doubling up to a cap, instead of retrying in a hot loop.
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject, WatchEventType } from '../apiserver/store.js';
import type { EventRecorder } from './event-recorder.js';
import { controllerOf } from '../runtime/kinds.js';
import { WorkQueue, keyFor, splitKey } from './work-queue.js';

export interface OwnedKinds {
  /** The work queue's name (for its log lines). */
  queue: string;
  owner: { group: string; plural: string; kind: string };
  owned: { group: string; plural: string };
}

export type ReconcileResult = void | { requeueAfterMs: number };

export abstract class OwnerReconciler<Owner extends KubeObject, Owned extends KubeObject> {
  /** Subclasses that watch more kinds (a DaemonSet's nodes) enqueue owner keys here. */
  protected readonly queue: WorkQueue;
  private unwatch: (() => void)[] = [];

  constructor(
    protected readonly api: ClusterApi,
    protected readonly events: EventRecorder,
    private readonly kinds: OwnedKinds,
  ) {
    this.queue = new WorkQueue(kinds.queue, (key) => this.reconcileKey(key));
  }

  start(): void {
    const { owner, owned } = this.kinds;
    this.unwatch.push(
      this.api.watch(this.api.type(owner.group, owner.plural), undefined, undefined, ({ type, object }) => {
        const key = keyFor(object.metadata.namespace, object.metadata.name!);
        if (type === 'DELETED') this.forget(key);
        else this.queue.add(key);
      }),
      this.api.watch(this.api.type(owned.group, owned.plural), undefined, undefined, ({ type, object }) => {
        const ref = controllerOf(object);
        if (ref?.kind !== owner.kind) return;
        const key = keyFor(object.metadata.namespace, ref.name);
        this.ownedChanged(type, key);
        this.queue.add(key);
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  /** Brings one owner's world in line with its spec; `owned` are the objects it controls. */
  protected abstract reconcile(owner: Owner, owned: Owned[], key: string): ReconcileResult;

  /** The owner was deleted: drop what is kept about it (its garbage is the garbage collector's). */
  protected forget(_key: string): void {}

  /** An object the owner controls was added, changed or deleted (called before the owner is enqueued). */
  protected ownedChanged(_type: WatchEventType, _ownerKey: string): void {}

  private reconcileKey(key: string): ReconcileResult {
    const [namespace, name] = splitKey(key);
    const { owner: o, owned: c } = this.kinds;
    const owner = this.api.tryGet(this.api.type(o.group, o.plural), namespace, name) as Owner | undefined;
    if (!owner || owner.metadata.deletionTimestamp) return;
    const owned = (this.api.list(this.api.type(c.group, c.plural), namespace).items as Owned[]).filter((x) => controllerOf(x)?.uid === owner.metadata.uid);
    return this.reconcile(owner, owned, key);
  }
}

/** Refused creates per owner key: the wait doubles per consecutive failure, from `baseMs` up to `capMs`. */
export class CreateBackoff {
  private readonly state = new Map<string, { failures: number; notBefore: number }>();

  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
  ) {}

  /** Records a refused create; returns how long to wait before the next attempt. */
  failed(key: string): number {
    const failures = (this.state.get(key)?.failures ?? 0) + 1;
    const waitMs = Math.min(this.baseMs * 2 ** Math.min(failures - 1, 16), this.capMs);
    this.state.set(key, { failures, notBefore: Date.now() + waitMs });
    return waitMs;
  }

  /** A create went through (or the owner is gone): the next failure starts from `baseMs` again. */
  reset(key: string): void {
    this.state.delete(key);
  }

  /** How long `key` must still wait, or undefined when it may try now. */
  remainingMs(key: string): number | undefined {
    const s = this.state.get(key);
    const left = s ? s.notBefore - Date.now() : 0;
    return left > 0 ? left : undefined;
  }

  /** Something freed room (a pod deleted): try at the next reconcile, keeping the failure count. */
  retryNow(key: string): void {
    const s = this.state.get(key);
    if (s) s.notBefore = 0;
  }
}
