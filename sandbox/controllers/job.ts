// Job controller (pkg/controller/job): runs pods of the template until `completions` of them succeeded,
// at most `parallelism` at a time, recreating failed pods after a growing back-off until more than
// `backoffLimit` failed; finishes with the conditions 1.32 writes (SuccessCriteriaMet then Complete, or
// FailureTarget then Failed with reason BackoffLimitExceeded / DeadlineExceeded), and deletes a finished Job
// after ttlSecondsAfterFinished. completionMode Indexed gives each pod an index (annotation, label,
// JOB_COMPLETION_INDEX, hostname `<job>-<index>`) and completes when every index succeeded. Gaps:
// podFailurePolicy/successPolicy/backoffLimitPerIndex are stored but not applied; pods carry no
// batch.kubernetes.io/job-tracking finalizer (counts come from the pods still present, kept monotonic).
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import type { EventRecorder } from './event-recorder.js';
import type { Pod } from '../runtime/kinds.js';
import { controllerOf, timestamp } from '../runtime/kinds.js';
import { isActive, readySince } from './replicaset.js';
import { WorkQueue, keyFor, splitKey } from './work-queue.js';
import type { Job, JobCondition } from './workload-types.js';

const COMPONENT = 'job-controller';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** Upstream DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const JOB_POD_FAILURE_BACKOFF_BASE_MS = 10_000;
export const JOB_POD_FAILURE_BACKOFF_CAP_MS = 360_000;
/** Pods created per sync at most (upstream MaxPodCreateDeletePerSync). */
const MAX_PODS_PER_SYNC = 500;

export interface JobControllerOptions {
  /** First delay before a failed pod is replaced (doubles per failure); tests make it short. */
  podFailureBackoffBaseMs?: number;
}

export function isJobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  const conditions = ((job.status as Job['status'])?.conditions ?? []) as JobCondition[];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  return undefined;
}

export class JobController {
  private queue = new WorkQueue('job', (key) => this.reconcile(key));
  private unwatch: (() => void)[] = [];
  private readonly backoffBaseMs: number;

  constructor(
    private readonly api: ClusterApi,
    private readonly events: EventRecorder,
    opts: JobControllerOptions = {},
  ) {
    this.backoffBaseMs = opts.podFailureBackoffBaseMs ?? JOB_POD_FAILURE_BACKOFF_BASE_MS;
  }

  start(): void {
    this.unwatch.push(
      this.api.watch(this.api.type('batch', 'jobs'), undefined, undefined, ({ type, object }) => {
        if (type !== 'DELETED') this.queue.add(keyFor(object.metadata.namespace, object.metadata.name!));
      }),
      this.api.watch(this.api.type('', 'pods'), undefined, undefined, ({ object }) => {
        const owner = controllerOf(object);
        if (owner?.kind === 'Job') this.queue.add(keyFor(object.metadata.namespace, owner.name));
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  private reconcile(key: string): void | { requeueAfterMs: number } {
    const [namespace, name] = splitKey(key);
    const jobType = this.api.type('batch', 'jobs');
    const podType = this.api.type('', 'pods');
    const job = this.api.tryGet(jobType, namespace, name) as Job | undefined;
    if (!job || job.metadata.deletionTimestamp) return;
    const now = Date.now();
    const finished = isJobFinished(job);
    if (finished) return this.expireAfterTtl(job, now);

    const spec = job.spec;
    const pods = (this.api.list(podType, namespace).items as Pod[]).filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    let active = pods.filter(isActive);
    const prev = job.status ?? {};
    const succeeded = Math.max(prev.succeeded ?? 0, pods.filter((p) => p.status?.phase === 'Succeeded').length);
    const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
    const failed = Math.max(prev.failed ?? 0, failedPods.length);
    const startTime = prev.startTime ?? (spec.suspend ? undefined : timestamp(new Date(now)));
    const conditions = [...(prev.conditions ?? [])];
    const backoffLimit = spec.backoffLimit ?? 6;
    const parallelism = spec.parallelism ?? 1;

    const indexed = spec.completionMode === 'Indexed' && spec.completions !== undefined;
    const completedIndexes = new Set(indexed ? parseIndexes(prev.completedIndexes) : []);
    if (indexed) for (const p of pods) if (p.status?.phase === 'Succeeded') completedIndexes.add(indexOf(p) ?? -1);
    completedIndexes.delete(-1);

    let failure: { reason: string; message: string } | undefined;
    const restarts = spec.template.spec.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0), 0) : 0;
    const pastOnFailureLimit = spec.template.spec.restartPolicy === 'OnFailure' && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit);
    if (failed > backoffLimit || pastOnFailureLimit) failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (spec.activeDeadlineSeconds !== undefined && startTime && now - Date.parse(startTime) >= spec.activeDeadlineSeconds * 1000)
      failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };

    const complete = !failure && (indexed ? completedIndexes.size >= spec.completions! : spec.completions !== undefined ? succeeded >= spec.completions : succeeded > 0 && active.length === 0);
    let requeueAfterMs: number | undefined;
    const at = timestamp(new Date(now));
    let completionTime = prev.completionTime;
    if (failure || complete) {
      for (const p of active) this.deletePod(job, p);
      active = [];
      if (failure) {
        conditions.push(jobCondition('FailureTarget', failure.reason, failure.message, at), jobCondition('Failed', failure.reason, failure.message, at));
        this.events.record(job, 'Warning', failure.reason, failure.message, COMPONENT);
      } else {
        const message = 'Reached expected number of succeeded pods';
        conditions.push(jobCondition('SuccessCriteriaMet', 'CompletionsReached', message, at), jobCondition('Complete', 'CompletionsReached', message, at));
        completionTime = at;
        this.events.record(job, 'Normal', 'Completed', 'Job completed', COMPONENT);
      }
    } else {
      const done = indexed ? completedIndexes.size : succeeded;
      let want = spec.completions !== undefined ? Math.min(parallelism, spec.completions - done) : succeeded > 0 ? 0 : parallelism;
      if (spec.suspend) want = 0;
      const diff = want - active.length;
      if (diff > 0) {
        const wait = this.failureBackoffLeft(failedPods, failed, now);
        if (wait > 0) requeueAfterMs = wait;
        else {
          // Indexed: the lowest indexes neither completed nor running.
          const busy = new Set(active.map(indexOf));
          const free: number[] = [];
          for (let i = 0; indexed && i < spec.completions! && free.length < diff; i++) if (!completedIndexes.has(i) && !busy.has(i)) free.push(i);
          for (let i = 0; i < Math.min(indexed ? free.length : diff, MAX_PODS_PER_SYNC); i++) {
            try {
              const pod = this.api.create(podType, podFromJob(job, indexed ? free[i] : undefined)) as Pod;
              active.push(pod);
              this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
            } catch (err) {
              this.events.record(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`, COMPONENT);
              requeueAfterMs = this.backoffBaseMs;
              break;
            }
          }
        }
      } else if (diff < 0) {
        const extra = [...active].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')).slice(0, -diff);
        for (const p of extra) this.deletePod(job, p);
        const gone = new Set(extra.map((p) => p.metadata.uid));
        active = active.filter((p) => !gone.has(p.metadata.uid));
      }
      if (spec.activeDeadlineSeconds !== undefined && startTime) {
        const left = Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - now;
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(10, left));
      }
    }

    const status: NonNullable<Job['status']> = {
      ...(conditions.length ? { conditions } : {}),
      ...(startTime ? { startTime } : {}),
      ...(completionTime ? { completionTime } : {}),
      ...(active.length ? { active: active.length } : {}),
      ...(indexed ? { succeeded: completedIndexes.size } : succeeded ? { succeeded } : {}),
      ...(indexed && completedIndexes.size ? { completedIndexes: formatIndexes(completedIndexes) } : {}),
      ...(failed ? { failed } : {}),
      terminating: 0,
      uncountedTerminatedPods: {},
      ready: active.filter((p) => readySince(p) !== undefined).length,
    };
    const current = this.api.tryGet(jobType, namespace, name) as Job | undefined;
    if (current && JSON.stringify(current.status ?? {}) !== JSON.stringify(status)) {
      current.status = status;
      this.api.update(jobType, current, { subresource: 'status' });
    }
    if (failure || complete) return this.expireAfterTtl({ ...job, status }, now);
    if (requeueAfterMs !== undefined && Number.isFinite(requeueAfterMs)) return { requeueAfterMs };
  }

  /** How long until the next pod may replace a failed one: base × 2^(failures-1) after the last failure. */
  private failureBackoffLeft(failedPods: Pod[], failed: number, now: number): number {
    if (failed === 0) return 0;
    const lastFailure = Math.max(0, ...failedPods.map((p) => Date.parse(p.status?.containerStatuses?.[0]?.state.terminated?.finishedAt ?? '') || 0));
    if (!lastFailure) return 0;
    const delay = Math.min(this.backoffBaseMs * 2 ** Math.min(failed - 1, 16), JOB_POD_FAILURE_BACKOFF_CAP_MS);
    return Math.max(0, lastFailure + delay - now);
  }

  private deletePod(job: Job, pod: Pod): void {
    try {
      this.api.delete(this.api.type('', 'pods'), pod.metadata.namespace, pod.metadata.name);
      this.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
    } catch {
      // Already gone.
    }
  }

  /** ttlSecondsAfterFinished (the TTL-after-finished controller): delete the Job, its pods follow by GC. */
  private expireAfterTtl(job: Job, now: number): void | { requeueAfterMs: number } {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const finishedAt = job.status?.completionTime ?? job.status?.conditions?.find((c) => c.type === 'Failed' || c.type === 'Complete')?.lastTransitionTime;
    const left = (finishedAt ? Date.parse(finishedAt) : now) + ttl * 1000 - now;
    if (left > 0) return { requeueAfterMs: left };
    try {
      this.api.delete(this.api.type('batch', 'jobs'), job.metadata.namespace, job.metadata.name!);
    } catch {
      // Already gone.
    }
  }
}

function jobCondition(type: string, reason: string, message: string, at: string): JobCondition {
  return { type, status: 'True', lastProbeTime: at, lastTransitionTime: at, reason, message };
}

function indexOf(p: Pod): number | undefined {
  const v = p.metadata.annotations?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** `1,3-5,7` (status.completedIndexes) to the set of indexes. */
function parseIndexes(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a) && out.length < 1_000_000; i++) out.push(i);
  }
  return out;
}

function formatIndexes(set: Set<number>): string {
  const sorted = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}

/**
 * A pod of the Job's template, owned by the Job: `<job>-<5 random>`, or for an Indexed Job `<job>-<index>-<5
 * random>` with the index as annotation, label, hostname and JOB_COMPLETION_INDEX (as upstream adds them).
 */
export function podFromJob(job: Job, index?: number): KubeObject {
  const template = job.spec.template;
  const spec = structuredClone(template.spec) as Pod['spec'] & { hostname?: string };
  const labels = { ...(template.metadata?.labels ?? {}) };
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  if (index !== undefined) {
    labels[COMPLETION_INDEX] = String(index);
    annotations[COMPLETION_INDEX] = String(index);
    spec.hostname = `${job.metadata.name}-${index}`;
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.env = [...(c.env ?? []).filter((e) => e.name !== env.name), env];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-`,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}
