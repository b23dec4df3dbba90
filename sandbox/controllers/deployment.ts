// Deployment controller, following kube-controller-manager's: one ReplicaSet per pod template (named
// `<deployment>-<pod-template-hash>`), rolling updates bounded by maxSurge/maxUnavailable (or Recreate),
// revisions in `deployment.kubernetes.io/revision`, old ReplicaSets kept up to revisionHistoryLimit, and a
// status with the conditions `kubectl rollout status` reads.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../apiserver/api.js';
import type { EventRecorder } from './event-recorder.js';
import type { Deployment, DeploymentCondition, PodTemplate, ReplicaSet } from '../runtime/kinds.js';
import { controllerOf, timestamp } from '../runtime/kinds.js';
import { splitKey } from './work-queue.js';
import { CreateBackoff, OwnerReconciler, type ReconcileResult } from './owner-reconciler.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** Deployment annotations the new ReplicaSet does not inherit (upstream deployment/util annotationsToSkip). */
const ANNOTATIONS_NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);
const COMPONENT = 'deployment-controller';
/** After a refused ReplicaSet create, the next attempt waits this long, doubling per failure up to the cap. */
export const FAILED_RS_CREATE_BACKOFF_BASE_MS = 1000;
export const FAILED_RS_CREATE_BACKOFF_CAP_MS = 30_000;

export class DeploymentController extends OwnerReconciler<Deployment, ReplicaSet> {
  /** When each deployment last made progress (for progressDeadlineSeconds). */
  private progressAt = new Map<string, { at: number; signature: string }>();
  /** Consecutive refused ReplicaSet creates per deployment (for the back-off). */
  private createBackoff = new CreateBackoff(FAILED_RS_CREATE_BACKOFF_BASE_MS, FAILED_RS_CREATE_BACKOFF_CAP_MS);

  constructor(api: ClusterApi, events: EventRecorder) {
    super(api, events, { queue: 'deployment', owner: { group: 'apps', plural: 'deployments', kind: 'Deployment' }, owned: { group: 'apps', plural: 'replicasets' } });
  }

  protected override forget(key: string): void {
    this.progressAt.delete(key);
    this.createBackoff.reset(key);
  }

  protected reconcile(d: Deployment, all: ReplicaSet[], key: string): ReconcileResult {
    const [namespace, name] = splitKey(key);
    const dType = this.api.type('apps', 'deployments');
    const hash = podTemplateHash(d.spec.template, d.status?.collisionCount);
    let newRS = all.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
    if (newRS && !sameTemplate(newRS.spec.template, d.spec.template)) {
      // A hash collision: count it so the next hash differs (as the real controller does).
      const current = this.api.get(dType, namespace, name) as Deployment;
      current.status = { ...(current.status ?? {}), collisionCount: (current.status?.collisionCount ?? 0) + 1 };
      this.api.update(dType, current, { subresource: 'status' });
      return;
    }
    const olds = all.filter((rs) => rs !== newRS).sort(byCreation);
    const replicas = d.spec.replicas ?? 1;
    const { maxSurge, maxUnavailable } = rollingBounds(d);
    const maxRevision = Math.max(0, ...all.map(revisionOf));
    let created = false;

    if (!d.spec.paused) {
      if (!newRS) {
        const oldActive = olds.some((rs) => (rs.spec.replicas ?? 0) > 0);
        let initial = replicas;
        if (oldActive && d.spec.strategy?.type === 'Recreate') initial = 0;
        else if (oldActive) initial = Math.max(0, Math.min(replicas, replicas + maxSurge - sumReplicas(olds)));
        try {
          newRS = this.createReplicaSet(d, hash, initial, maxRevision + 1, maxSurge);
        } catch (err) {
          return this.failedCreate(key, d, `${d.metadata.name}-${hash}`, err as Error);
        }
        this.createBackoff.reset(key);
        created = true;
      } else {
        // The new ReplicaSet follows the Deployment's annotations (kubernetes.io/change-cause among them), and
        // going back to an older template makes its ReplicaSet the newest revision again
        // (upstream SetNewReplicaSetAnnotations).
        newRS = this.syncNewReplicaSetAnnotations(d, newRS, revisionOf(newRS) < maxRevision ? maxRevision + 1 : undefined);
      }
      if (d.spec.strategy?.type === 'Recreate') this.recreate(d, newRS, olds);
      else this.rollingUpdate(d, newRS, olds, maxSurge, maxUnavailable);
      this.cleanup(d, olds);
    } else if (newRS && olds.every((rs) => (rs.spec.replicas ?? 0) === 0) && (newRS.spec.replicas ?? 0) !== replicas) {
      // Paused: scaling still applies, rollouts do not.
      newRS = this.scale(d, newRS, replicas);
    }

    const revision = newRS ? String(revisionOf(newRS)) : d.metadata.annotations?.[REVISION_ANNOTATION];
    if (revision && d.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
      const current = this.api.get(dType, namespace, name) as Deployment;
      current.metadata.annotations = { ...(current.metadata.annotations ?? {}), [REVISION_ANNOTATION]: revision };
      this.api.update(dType, current);
    }
    return this.writeStatus(key, d, newRS, created, maxUnavailable);
  }

  private createReplicaSet(d: Deployment, hash: string, replicas: number, revision: number, maxSurge: number): ReplicaSet {
    const rsType = this.api.type('apps', 'replicasets');
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs = this.api.create(rsType, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...(template.metadata.labels ?? {}) },
        annotations: {
          ...copiedAnnotations(d),
          [DESIRED_REPLICAS_ANNOTATION]: String(d.spec.replicas ?? 1),
          [MAX_REPLICAS_ANNOTATION]: String((d.spec.replicas ?? 1) + maxSurge),
          [REVISION_ANNOTATION]: String(revision),
        },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    }) as ReplicaSet;
    if (replicas > 0) this.scaledEvent(d, rs, 0, replicas);
    return rs;
  }

  /**
   * A refused ReplicaSet create (quota, a terminating namespace): upstream's `ReplicaSetCreateError` event and
   * Progressing=False condition, then a retry after a back-off rather than at once.
   */
  private failedCreate(key: string, d: Deployment, rsName: string, err: Error): { requeueAfterMs: number } {
    const message = `Failed to create new replica set "${rsName}": ${err.message}`;
    this.events.record(d, 'Warning', 'ReplicaSetCreateError', message, COMPONENT);
    const dType = this.api.type('apps', 'deployments');
    const current = this.api.tryGet(dType, d.metadata.namespace, d.metadata.name!) as Deployment | undefined;
    if (current) {
      const prev = current.status?.conditions ?? [];
      const progressing = condition(prev, 'Progressing', false, 'ReplicaSetCreateError', message, timestamp());
      const conditions = [...prev.filter((c) => c.type !== 'Progressing'), progressing];
      if (!isDeepStrictEqual(prev, conditions)) {
        current.status = { ...(current.status ?? {}), observedGeneration: d.metadata.generation, conditions };
        this.api.update(dType, current, { subresource: 'status' });
      }
    }
    return { requeueAfterMs: this.createBackoff.failed(key) };
  }

  private rollingUpdate(d: Deployment, newRS: ReplicaSet, olds: ReplicaSet[], maxSurge: number, maxUnavailable: number): void {
    const replicas = d.spec.replicas ?? 1;
    // Scale the new ReplicaSet up as far as maxSurge allows (or down to the desired count).
    const newCount = newRS.spec.replicas ?? 0;
    if (newCount > replicas) newRS = this.scale(d, newRS, replicas);
    else if (newCount < replicas) {
      const total = newCount + sumReplicas(olds);
      const room = replicas + maxSurge - total;
      if (room > 0) newRS = this.scale(d, newRS, newCount + Math.min(room, replicas - newCount));
    }
    if (sumReplicas(olds) === 0) return;

    // Scale old ReplicaSets down as far as maxUnavailable allows.
    const allCount = (newRS.spec.replicas ?? 0) + sumReplicas(olds);
    const minAvailable = replicas - maxUnavailable;
    const newUnavailable = Math.max(0, (newRS.spec.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0));
    let maxScaleDown = allCount - minAvailable - newUnavailable;
    if (maxScaleDown <= 0) return;
    // First the old pods that are not available anyway (they count for nothing).
    for (const [i, rs] of olds.entries()) {
      if (maxScaleDown <= 0) break;
      const unhealthy = (rs.spec.replicas ?? 0) - (rs.status?.availableReplicas ?? 0);
      if (unhealthy <= 0) continue;
      const down = Math.min(unhealthy, maxScaleDown);
      olds[i] = this.scale(d, rs, (rs.spec.replicas ?? 0) - down);
      maxScaleDown -= down;
    }
    // Then available ones, keeping minAvailable.
    const available = (newRS.status?.availableReplicas ?? 0) + olds.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, rs.spec.replicas ?? 0), 0);
    let budget = Math.min(available - minAvailable, maxScaleDown);
    for (const [i, rs] of olds.entries()) {
      if (budget <= 0) break;
      const current = rs.spec.replicas ?? 0;
      if (current === 0) continue;
      const down = Math.min(current, budget);
      olds[i] = this.scale(d, rs, current - down);
      budget -= down;
    }
  }

  private recreate(d: Deployment, newRS: ReplicaSet, olds: ReplicaSet[]): void {
    for (const rs of olds) if ((rs.spec.replicas ?? 0) > 0) this.scale(d, rs, 0);
    const oldPodsLeft = olds.some((rs) => (rs.status?.replicas ?? 0) > 0);
    if (!oldPodsLeft && (newRS.spec.replicas ?? 0) !== (d.spec.replicas ?? 1)) this.scale(d, newRS, d.spec.replicas ?? 1);
  }

  /** Old ReplicaSets scaled to zero beyond revisionHistoryLimit are deleted, oldest first. */
  private cleanup(d: Deployment, olds: ReplicaSet[]): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = olds.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    const rsType = this.api.type('apps', 'replicasets');
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.api.delete(rsType, rs.metadata.namespace, rs.metadata.name!);
      } catch {
        // Already gone.
      }
    }
  }

  private scale(d: Deployment, rs: ReplicaSet, replicas: number): ReplicaSet {
    const from = rs.spec.replicas ?? 0;
    if (from === replicas) return rs;
    const rsType = this.api.type('apps', 'replicasets');
    const current = this.api.get(rsType, rs.metadata.namespace, rs.metadata.name!) as ReplicaSet;
    current.spec.replicas = replicas;
    current.metadata.annotations = { ...(current.metadata.annotations ?? {}), [DESIRED_REPLICAS_ANNOTATION]: String(d.spec.replicas ?? 1) };
    const updated = this.api.update(rsType, current) as ReplicaSet;
    this.scaledEvent(d, updated, from, replicas);
    return updated;
  }

  /** Copies the Deployment's annotations onto its new ReplicaSet and, when given, moves it to a new revision. */
  private syncNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, revision: number | undefined): ReplicaSet {
    const annotations = { ...(rs.metadata.annotations ?? {}), ...copiedAnnotations(d) };
    if (revision !== undefined) {
      const old = rs.metadata.annotations?.[REVISION_ANNOTATION];
      if (old) {
        const history = rs.metadata.annotations?.[REVISION_HISTORY_ANNOTATION];
        annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${old}` : old;
      }
      annotations[REVISION_ANNOTATION] = String(revision);
    }
    if (isDeepStrictEqual(annotations, rs.metadata.annotations ?? {})) return rs;
    const rsType = this.api.type('apps', 'replicasets');
    const current = this.api.get(rsType, rs.metadata.namespace, rs.metadata.name!) as ReplicaSet;
    current.metadata.annotations = { ...(current.metadata.annotations ?? {}), ...annotations };
    return this.api.update(rsType, current) as ReplicaSet;
  }

  private scaledEvent(d: Deployment, rs: ReplicaSet, from: number, to: number): void {
    const verb = to > from ? 'up' : 'down';
    this.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${to}`, COMPONENT);
  }

  private writeStatus(key: string, d: Deployment, newRS: ReplicaSet | undefined, created: boolean, maxUnavailable: number): void | { requeueAfterMs: number } {
    const [namespace, name] = splitKey(key);
    const dType = this.api.type('apps', 'deployments');
    const rsType = this.api.type('apps', 'replicasets');
    const all = (this.api.list(rsType, namespace).items as ReplicaSet[]).filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
    const fresh = newRS && all.find((rs) => rs.metadata.uid === newRS.metadata.uid);
    const replicas = d.spec.replicas ?? 1;
    const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const statusReplicas = sum((rs) => rs.status?.replicas);
    const updated = fresh?.status?.replicas ?? 0;
    const ready = sum((rs) => rs.status?.readyReplicas);
    const available = sum((rs) => rs.status?.availableReplicas);
    const current = this.api.tryGet(dType, namespace, name) as Deployment | undefined;
    if (!current) return;
    const prev = current.status?.conditions ?? [];
    const now = timestamp();

    const conditions: DeploymentCondition[] = [];
    const availableOk = available >= replicas - maxUnavailable;
    conditions.push(
      condition(prev, 'Available', availableOk, availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        availableOk ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', now),
    );
    const rsName = fresh?.metadata.name ?? '';
    const complete = !!fresh && updated === replicas && (fresh.status?.availableReplicas ?? 0) >= replicas && statusReplicas === replicas && (fresh.spec.replicas ?? 0) === replicas;
    const signature = JSON.stringify([rsName, statusReplicas, updated, ready, available]);
    const progress = this.progressAt.get(key);
    if (!progress || progress.signature !== signature || created) this.progressAt.set(key, { at: Date.now(), signature });
    const sinceProgress = Date.now() - (this.progressAt.get(key)?.at ?? Date.now());
    const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    let requeueAfterMs: number | undefined;
    if (d.spec.paused) {
      conditions.push(condition(prev, 'Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
    } else if (complete) {
      conditions.push(condition(prev, 'Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, now, true));
    } else if (sinceProgress >= deadlineMs) {
      conditions.push(condition(prev, 'Progressing', false, 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, now));
    } else {
      const reason = created ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated';
      const message = created ? `Created new replica set "${rsName}"` : `ReplicaSet "${rsName}" is progressing.`;
      conditions.push(condition(prev, 'Progressing', true, reason, message, now, true));
      requeueAfterMs = deadlineMs - sinceProgress + 10;
    }

    // A ReplicaSet's ReplicaFailure (e.g. pods refused by quota) shows on the Deployment too, as upstream.
    const failure = [fresh, ...all].map((rs) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')).find(Boolean);
    if (failure) conditions.push(condition(prev, 'ReplicaFailure', true, failure.reason, failure.message, now));

    const status: NonNullable<Deployment['status']> = {
      observedGeneration: d.metadata.generation,
      replicas: statusReplicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available) || undefined,
      conditions,
    };
    if (current.status?.collisionCount) status.collisionCount = current.status.collisionCount;
    for (const k of Object.keys(status) as (keyof typeof status)[]) if (status[k] === undefined) delete status[k];
    if (!isDeepStrictEqual(current.status, status)) {
      current.status = status;
      this.api.update(dType, current, { subresource: 'status' });
    }
    if (requeueAfterMs !== undefined) return { requeueAfterMs };
  }
}

/** Keeps lastTransitionTime (and, unless `touch`, lastUpdateTime) while status and reason stay the same. */
function condition(prev: DeploymentCondition[], type: string, ok: boolean | 'Unknown', reason: string, message: string, now: string, touch = false): DeploymentCondition {
  const status = ok === 'Unknown' ? 'Unknown' : ok ? 'True' : 'False';
  const old = prev.find((c) => c.type === type);
  const same = old && old.status === status;
  const unchanged = same && old.reason === reason && old.message === message;
  return {
    type,
    status,
    lastUpdateTime: unchanged || (same && !touch) ? old.lastUpdateTime : now,
    lastTransitionTime: same ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

/** maxSurge / maxUnavailable as pod counts: percentages round surge up and unavailability down. */
export function rollingBounds(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return { maxSurge: 0, maxUnavailable: replicas };
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const resolve = (v: number | string | undefined, dflt: string, roundUp: boolean) => {
    const value = v ?? dflt;
    if (typeof value === 'number') return value;
    const m = value.match(/^(\d+)%$/);
    if (!m) return Number(value) || 0;
    const exact = (Number(m[1]) * replicas) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  };
  const maxSurge = resolve(ru.maxSurge, '25%', true);
  let maxUnavailable = resolve(ru.maxUnavailable, '25%', false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1; // otherwise a rollout could never progress
  return { maxSurge, maxUnavailable };
}

/**
 * The pod-template-hash: FNV-1a (32-bit) of the template, rendered the way the real controller renders
 * it (the decimal digits mapped onto Kubernetes' vowel-free alphabet), e.g. `7d4b9c8f6`.
 */
export function podTemplateHash(template: PodTemplate, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const input = stableJson(template) + (collisionCount ? String(collisionCount) : '');
  for (const byte of Buffer.from(input)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...String(h)].map((c) => alphabet[c.charCodeAt(0) % alphabet.length]).join('');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function sameTemplate(rsTemplate: PodTemplate, dTemplate: PodTemplate): boolean {
  const labels = { ...(rsTemplate.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  const a = { ...rsTemplate, metadata: { ...(rsTemplate.metadata ?? {}), labels } };
  const b = { ...dTemplate, metadata: { ...(dTemplate.metadata ?? {}), labels: { ...(dTemplate.metadata?.labels ?? {}) } } };
  return stableJson(a) === stableJson(b);
}

/** The Deployment's annotations a ReplicaSet carries (all but the apply and revision bookkeeping ones). */
function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !ANNOTATIONS_NOT_COPIED.has(k)));
}

function revisionOf(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

function sumReplicas(list: ReplicaSet[]): number {
  return list.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
}

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || revisionOf(a) - revisionOf(b);
}
