// DaemonSet controller (pkg/controller/daemon): one pod of the template on each node whose labels match the
// template's nodeSelector — the sandbox has one node, so one pod or none. The pod is pinned to the node by
// the node affinity upstream writes, carries the DaemonSet tolerations, is replaced when it fails, and is
// replaced by a new one when the template changes (RollingUpdate, maxUnavailable 1; OnDelete waits).
// Status as `kubectl rollout status ds/<name>` reads it.
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import type { EventRecorder } from './event-recorder.js';
import type { Pod } from '../runtime/kinds.js';
import { podTemplateHash } from './deployment.js';
import { isActive, readySince } from './replicaset.js';
import { keyFor, splitKey } from './work-queue.js';
import { OwnerReconciler, type ReconcileResult } from './owner-reconciler.js';
import type { DaemonSet } from './workload-types.js';

const COMPONENT = 'daemonset-controller';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** The tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations). */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export class DaemonSetController extends OwnerReconciler<DaemonSet, Pod> {
  private unwatchNodes: (() => void) | undefined;

  constructor(
    api: ClusterApi,
    events: EventRecorder,
    private readonly nodeName: string,
  ) {
    super(api, events, { queue: 'daemonset', owner: { group: 'apps', plural: 'daemonsets', kind: 'DaemonSet' }, owned: { group: '', plural: 'pods' } });
  }

  override start(): void {
    super.start();
    // A node's labels decide where daemon pods belong.
    this.unwatchNodes = this.api.watch(this.api.type('', 'nodes'), undefined, undefined, ({ type }) => {
      if (type === 'MODIFIED') return;
      for (const ds of this.api.list(this.api.type('apps', 'daemonsets')).items) this.queue.add(keyFor(ds.metadata.namespace, ds.metadata.name!));
    });
  }

  override stop(): void {
    this.unwatchNodes?.();
    this.unwatchNodes = undefined;
    super.stop();
  }

  protected reconcile(ds: DaemonSet, owned: Pod[], key: string): ReconcileResult {
    const [namespace, name] = splitKey(key);
    const dsType = this.api.type('apps', 'daemonsets');
    const podType = this.api.type('', 'pods');
    const node = this.api.tryGet(this.api.type('', 'nodes'), undefined, this.nodeName);
    const nodeSelector = (ds.spec.template.spec as { nodeSelector?: Record<string, string> }).nodeSelector ?? {};
    const wanted = !!node && Object.entries(nodeSelector).every(([k, v]) => node.metadata.labels?.[k] === v);
    const generation = String(ds.metadata.generation ?? 1);
    const hash = podTemplateHash(ds.spec.template);

    for (const p of owned) if (!p.metadata.deletionTimestamp && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded')) this.deletePod(ds, p);
    let active = owned.filter(isActive);
    const rolling = (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    if (!wanted) {
      for (const p of active) this.deletePod(ds, p);
      active = [];
    } else {
      // Extra pods (never more than one per node), then a stale one under RollingUpdate.
      const sorted = [...active].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
      for (const p of sorted.slice(1)) this.deletePod(ds, p);
      active = sorted.slice(0, 1);
      if (rolling && active[0] && active[0].metadata.labels?.[TEMPLATE_GENERATION_LABEL] !== generation && active[0].metadata.labels?.['controller-revision-hash'] !== hash) {
        this.deletePod(ds, active[0]);
        active = [];
      }
      if (active.length === 0 && owned.every((p) => !isActive(p) || p.metadata.deletionTimestamp)) {
        try {
          const pod = this.api.create(podType, daemonPod(ds, this.nodeName, generation, hash)) as Pod;
          active = [pod];
          this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
        } catch (err) {
          this.events.record(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`, COMPONENT);
        }
      }
    }

    const ready = active.filter((p) => readySince(p) !== undefined);
    const minReadyMs = (ds.spec.minReadySeconds ?? 0) * 1000;
    const available = ready.filter((p) => Date.now() - readySince(p)! >= minReadyMs);
    const updated = active.filter((p) => p.metadata.labels?.[TEMPLATE_GENERATION_LABEL] === generation || p.metadata.labels?.['controller-revision-hash'] === hash);
    const desired = wanted ? 1 : 0;
    const status: Record<string, unknown> = {
      currentNumberScheduled: active.length > 0 && wanted ? 1 : 0,
      numberMisscheduled: active.length > 0 && !wanted ? 1 : 0,
      desiredNumberScheduled: desired,
      numberReady: ready.length,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated.length,
      numberAvailable: available.length,
      ...(desired - available.length > 0 ? { numberUnavailable: desired - available.length } : {}),
    };
    const current = this.api.tryGet(dsType, namespace, name) as DaemonSet | undefined;
    if (current && JSON.stringify(current.status ?? {}) !== JSON.stringify(status)) {
      current.status = status;
      this.api.update(dsType, current, { subresource: 'status' });
    }
    if (available.length < ready.length) return { requeueAfterMs: Math.max(10, minReadyMs) };
  }

  private deletePod(ds: DaemonSet, pod: Pod): void {
    try {
      this.api.delete(this.api.type('', 'pods'), pod.metadata.namespace, pod.metadata.name);
      this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
    } catch {
      // Already gone.
    }
  }
}

/** The daemon pod for `nodeName`: pinned by node affinity on metadata.name, as upstream since 1.12. */
export function daemonPod(ds: DaemonSet, nodeName: string, generation: string, hash: string): KubeObject {
  const template = ds.spec.template;
  const spec = structuredClone(template.spec) as Pod['spec'] & { affinity?: unknown; tolerations?: { key?: string; effect?: string }[] };
  spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } } };
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of DAEMON_TOLERATIONS) if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
  spec.tolerations = tolerations;
  spec.nodeName = nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), 'controller-revision-hash': hash, [TEMPLATE_GENERATION_LABEL]: generation },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}
