// ReplicaSet controller: keeps `spec.replicas` pods of the template alive (names `<rs>-<5 random>`),
// deletes the least useful pods when scaling down, and reports replicas/ready/available in status.
import type { ClusterApi } from '../apiserver/api.js';
import { compileLabelSelector } from '../apiserver/selectors.js';
import type { KubeObject } from '../apiserver/store.js';
import type { EventRecorder } from './event-recorder.js';
import type { Pod, ReplicaSet } from '../runtime/kinds.js';
import { controllerOf } from '../runtime/kinds.js';
import { WorkQueue, keyFor, splitKey } from './work-queue.js';

/** Pods created or deleted per reconcile, as the controller's slow-start batches bound a burst. */
const MAX_BURST = 500;
const COMPONENT = 'replicaset-controller';

export class ReplicaSetController {
  private queue = new WorkQueue('replicaset', (key) => this.reconcile(key));
  private unwatch: (() => void)[] = [];

  constructor(
    private readonly api: ClusterApi,
    private readonly events: EventRecorder,
  ) {}

  start(): void {
    const rsType = this.api.type('apps', 'replicasets');
    const podType = this.api.type('', 'pods');
    this.unwatch.push(
      this.api.watch(rsType, undefined, undefined, ({ object }) => this.queue.add(keyFor(object.metadata.namespace, object.metadata.name!))),
      this.api.watch(podType, undefined, undefined, ({ object }) => {
        const owner = controllerOf(object);
        if (owner?.kind === 'ReplicaSet') this.queue.add(keyFor(object.metadata.namespace, owner.name));
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  private reconcile(key: string): void | { requeueAfterMs: number } {
    const [namespace, name] = splitKey(key);
    const rsType = this.api.type('apps', 'replicasets');
    const podType = this.api.type('', 'pods');
    const rs = this.api.tryGet(rsType, namespace, name) as ReplicaSet | undefined;
    if (!rs || rs.metadata.deletionTimestamp) return;

    const owned = (this.api.list(podType, namespace).items as Pod[]).filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
    let active = owned.filter(isActive);
    const want = rs.spec.replicas ?? 1;
    const diff = want - active.length;
    if (diff > 0) {
      for (let i = 0; i < Math.min(diff, MAX_BURST); i++) {
        const pod = this.api.create(podType, podFromTemplate(rs)) as Pod;
        active.push(pod);
        this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
      }
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
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => selector(p.metadata.labels)).length,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation,
    };
    const current = this.api.tryGet(rsType, namespace, name) as ReplicaSet | undefined;
    if (current && !sameStatus(current.status, status)) {
      current.status = status;
      this.api.update(rsType, current, { subresource: 'status' });
    }
    if (soonest !== Infinity) return { requeueAfterMs: Math.max(10, soonest) };
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

function sameStatus(a: ReplicaSet['status'], b: NonNullable<ReplicaSet['status']>): boolean {
  return (
    !!a &&
    a.replicas === b.replicas &&
    a.fullyLabeledReplicas === b.fullyLabeledReplicas &&
    a.readyReplicas === b.readyReplicas &&
    a.availableReplicas === b.availableReplicas &&
    a.observedGeneration === b.observedGeneration
  );
}
