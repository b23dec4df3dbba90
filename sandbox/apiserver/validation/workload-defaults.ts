// Defaults of the workload kinds Job, CronJob, StatefulSet and DaemonSet that depend on other fields
// (pkg/apis/batch/v1/defaults.go, pkg/apis/apps/v1/defaults.go) and a Job's generated selector
// (pkg/registry/batch/job/strategy.go generateSelector). Idempotent; called by the HTTP write pipeline
// and by the defaulting admission (in-process writers), so a Job a CronJob creates gets them too.
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';

type Obj = Record<string, unknown>;
const objAt = (parent: Obj, key: string): Obj => {
  if (!isPlainObject(parent[key])) parent[key] = {};
  return parent[key] as Obj;
};

/** Labels the Job controller selects its pods by (batch/v1 types.go). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

/** SetDefaults_Job: completions/parallelism 1 unless a work queue, backoffLimit 6, NonIndexed, not suspended. */
export function defaultJobSpec(spec: Obj): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy !== undefined ? 'Failed' : 'TerminatingOrFailed';
  const template = objAt(spec, 'template');
  const tspec = objAt(template, 'spec');
  // A Job's pods must not restart forever; an unset restartPolicy defaults to Always (SetDefaults_PodSpec),
  // which Job validation then refuses, as upstream does.
  tspec.restartPolicy ??= 'Always';
}

/**
 * The selector a Job gets unless spec.manualSelector: its uid, and the four labels on its pod template.
 * Needs metadata.uid (assigned before defaulting, see ClusterApi.create).
 */
export function generateJobSelector(job: KubeObject): void {
  const spec = objAt(job as Obj, 'spec');
  const uid = job.metadata.uid;
  if (spec.manualSelector === true || !uid || !job.metadata.name) return;
  const template = objAt(spec, 'template');
  const meta = objAt(template, 'metadata');
  const labels = objAt(meta, 'labels');
  labels[CONTROLLER_UID_LABEL] ??= uid;
  labels[JOB_NAME_LABEL] ??= job.metadata.name;
  labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  labels[LEGACY_JOB_NAME_LABEL] ??= job.metadata.name;
  spec.selector ??= { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
}

export function defaultCronJobSpec(spec: Obj): void {
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobTemplate = objAt(spec, 'jobTemplate');
  defaultJobSpec(objAt(jobTemplate, 'spec'));
}

export function defaultStatefulSetSpec(spec: Obj): void {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  spec.revisionHistoryLimit ??= 10;
  spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
}

export function defaultDaemonSetSpec(spec: Obj): void {
  spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
  spec.revisionHistoryLimit ??= 10;
}

/** The pod specs inside a workload object (for the callers' own pod-spec defaulting). */
export function podSpecsOf(kind: string, obj: KubeObject): Obj[] {
  const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
  if (!spec) return [];
  const template = kind === 'CronJob' ? (isPlainObject(spec.jobTemplate) && isPlainObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec.template : undefined) : spec.template;
  return isPlainObject(template) && isPlainObject(template.spec) ? [template.spec] : [];
}

/** All of the above for one object of `group/Kind`; true when the kind is a workload kind. */
export function applyWorkloadDefaults(groupKind: string, obj: KubeObject, creating: boolean): boolean {
  const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
  switch (groupKind) {
    case 'batch/Job':
      if (!spec) return true;
      defaultJobSpec(spec);
      if (creating) generateJobSelector(obj);
      return true;
    case 'batch/CronJob':
      if (spec) defaultCronJobSpec(spec);
      return true;
    case 'apps/StatefulSet':
      if (spec) defaultStatefulSetSpec(spec);
      return true;
    case 'apps/DaemonSet':
      if (spec) defaultDaemonSetSpec(spec);
      return true;
    default:
      return false;
  }
}
