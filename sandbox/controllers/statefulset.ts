// StatefulSet controller (pkg/controller/statefulset): pods with stable names `<set>-<ordinal>`, hostname and
// subdomain (`web-0.nginx.<ns>.svc.cluster.local` through the headless Service), created in ordinal order
// with OrderedReady (the next only once the previous is Running and Ready) or all at once with Parallel,
// removed from the highest ordinal down, replaced when failed, rolled to a new template from the highest
// ordinal down (RollingUpdate; OnDelete waits for the learner). Status as `kubectl rollout status` reads it.
// Honest gaps: revisions are the template's hash only (no ControllerRevision objects are served, so
// `rollout history/undo` of a StatefulSet do not work); volumeClaimTemplates are accepted but no
// PersistentVolumeClaims exist — the sandbox has no storage — and a Warning event says so.
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import type { EventRecorder } from './event-recorder.js';
import type { Pod } from '../runtime/kinds.js';
import { podTemplateHash } from './deployment.js';
import { isActive, readySince } from './replicaset.js';
import { splitKey } from './work-queue.js';
import { OwnerReconciler, type ReconcileResult } from './owner-reconciler.js';
import type { StatefulSet } from './workload-types.js';

const COMPONENT = 'statefulset-controller';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';
/** Pods created per sync at most (a Parallel set of a million replicas is created in bounded steps). */
const MAX_PODS_PER_SYNC = 500;

export class StatefulSetController extends OwnerReconciler<StatefulSet, Pod> {
  private warnedStorage = new Set<string>();

  constructor(api: ClusterApi, events: EventRecorder) {
    super(api, events, { queue: 'statefulset', owner: { group: 'apps', plural: 'statefulsets', kind: 'StatefulSet' }, owned: { group: '', plural: 'pods' } });
  }

  protected reconcile(sts: StatefulSet, owned: Pod[], key: string): ReconcileResult {
    const [namespace, name] = splitKey(key);
    const stsType = this.api.type('apps', 'statefulsets');
    const spec = sts.spec;
    const replicas = spec.replicas ?? 1;
    const start = spec.ordinals?.start ?? 0;
    const parallel = spec.podManagementPolicy === 'Parallel';
    const revision = `${name}-${podTemplateHash(spec.template)}`;
    this.warnAboutStorage(sts);

    const byOrdinal = new Map<number, Pod>();
    for (const p of owned) {
      const ordinal = ordinalOf(name, p.metadata.name);
      if (ordinal !== undefined) byOrdinal.set(ordinal, p);
    }
    const healthy = (p: Pod | undefined) => !!p && isActive(p) && p.status?.phase === 'Running' && readySince(p) !== undefined;
    let acted = false;

    // Failed pods are deleted, to be created again under the same name.
    for (const [ordinal, p] of byOrdinal) {
      if (!p.metadata.deletionTimestamp && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded')) {
        this.deletePod(sts, p);
        byOrdinal.delete(ordinal);
        acted = true;
      }
    }

    // Create the missing ordinals, lowest first; OrderedReady waits for every lower one to be Running and Ready.
    let created = 0;
    for (let ordinal = start; ordinal < start + replicas && created < MAX_PODS_PER_SYNC; ordinal++) {
      const existing = byOrdinal.get(ordinal);
      if (!existing) {
        created++;
        const pod = this.createPod(sts, ordinal, revision);
        if (!pod) break;
        byOrdinal.set(ordinal, pod);
        acted = true;
        if (!parallel) break;
      } else if (!parallel && !healthy(existing)) break;
    }

    // Scale down from the highest ordinal; OrderedReady one at a time, once the rest are healthy.
    const condemned = [...byOrdinal.keys()].filter((o) => o < start || o >= start + replicas).sort((a, b) => b - a);
    for (const ordinal of condemned) {
      const p = byOrdinal.get(ordinal)!;
      if (!parallel && (acted || [...byOrdinal.entries()].some(([o, q]) => o !== ordinal && !condemned.includes(o) && !healthy(q)))) break;
      if (!p.metadata.deletionTimestamp) this.deletePod(sts, p);
      byOrdinal.delete(ordinal);
      acted = true;
      if (!parallel) break;
    }

    // Rolling update: the highest ordinal with an old revision goes first, once every pod is healthy.
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && !acted) {
      const ordinals = [...byOrdinal.keys()].sort((a, b) => b - a);
      const stale = ordinals.filter((o) => o >= start + partition && byOrdinal.get(o)!.metadata.labels?.[REVISION_LABEL] !== revision);
      if (stale.length && ordinals.every((o) => healthy(byOrdinal.get(o)))) {
        this.deletePod(sts, byOrdinal.get(stale[0])!);
        byOrdinal.delete(stale[0]);
      }
    }

    const pods = [...byOrdinal.values()].filter((p) => !p.metadata.deletionTimestamp);
    const ready = pods.filter((p) => readySince(p) !== undefined);
    const minReadyMs = (spec.minReadySeconds ?? 0) * 1000;
    const available = ready.filter((p) => Date.now() - readySince(p)! >= minReadyMs);
    const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    const current = this.api.tryGet(stsType, namespace, name) as StatefulSet | undefined;
    if (!current) return;
    const prevCurrentRevision = current.status?.currentRevision as string | undefined;
    // The current revision becomes the update revision once every pod runs it (as upstream's completeRollingUpdate).
    const currentRevision = updated === pods.length && pods.length === replicas ? revision : prevCurrentRevision ?? revision;
    const status = {
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready.length,
      currentReplicas: currentRevision === revision ? updated : pods.length - updated,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
      availableReplicas: available.length,
    };
    if (JSON.stringify(current.status ?? {}) !== JSON.stringify(status)) {
      current.status = status;
      this.api.update(stsType, current, { subresource: 'status' });
    }
    if (created >= MAX_PODS_PER_SYNC) return { requeueAfterMs: 10 };
    if (available.length < ready.length) return { requeueAfterMs: Math.max(10, minReadyMs) };
  }

  private createPod(sts: StatefulSet, ordinal: number, revision: string): Pod | undefined {
    try {
      const pod = this.api.create(this.api.type('', 'pods'), podForOrdinal(sts, ordinal, revision)) as Pod;
      this.events.record(sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`, COMPONENT);
      return pod;
    } catch (err) {
      this.events.record(sts, 'Warning', 'FailedCreate', `create Pod ${sts.metadata.name}-${ordinal} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`, COMPONENT);
      return undefined;
    }
  }

  private deletePod(sts: StatefulSet, pod: Pod): void {
    try {
      this.api.delete(this.api.type('', 'pods'), pod.metadata.namespace, pod.metadata.name);
      this.events.record(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`, COMPONENT);
    } catch {
      // Already gone.
    }
  }

  private warnAboutStorage(sts: StatefulSet): void {
    const templates = sts.spec.volumeClaimTemplates ?? [];
    if (!templates.length || this.warnedStorage.has(sts.metadata.uid!)) return;
    this.warnedStorage.add(sts.metadata.uid!);
    const names = templates.map((t) => t.metadata?.name ?? '').join(', ');
    this.events.record(
      sts,
      'Warning',
      'VolumeClaimTemplatesNotSupported',
      `The sandbox has no storage: no PersistentVolumeClaims are created for volumeClaimTemplates (${names}); the pods' volumes of those names name claims that do not exist, and nothing written to them persists`,
      COMPONENT,
    );
  }
}

/** The ordinal in `<set>-<ordinal>`, or undefined for a pod of another name. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const suffix = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(suffix) ? Number(suffix) : undefined;
}

/** newStatefulSetPod: the template, named by ordinal, with its identity (hostname, subdomain) and labels. */
export function podForOrdinal(sts: StatefulSet, ordinal: number, revision: string): KubeObject {
  const template = sts.spec.template;
  const name = `${sts.metadata.name}-${ordinal}`;
  const spec = structuredClone(template.spec) as Pod['spec'] & { hostname?: string; subdomain?: string; volumes?: { name: string }[] };
  spec.hostname = name;
  if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
  // volumeClaimTemplates become volumes naming the claim `<template>-<pod>`, as upstream writes them; the claim
  // does not exist (see warnAboutStorage) and the runtime mounts no volumes, so nothing pretends to persist.
  const volumes = spec.volumes ?? [];
  for (const t of sts.spec.volumeClaimTemplates ?? []) {
    const vname = t.metadata?.name;
    if (vname && !volumes.some((v) => v.name === vname)) volumes.push({ name: vname, persistentVolumeClaim: { claimName: `${vname}-${name}` } } as { name: string });
  }
  if (volumes.length) spec.volumes = volumes;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name!, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}
