// CronJob controller (pkg/controller/cronjob, v2): at each scheduled time creates a Job named
// `<cronjob>-<scheduled time in minutes since the epoch>` from the jobTemplate, honouring suspend,
// concurrencyPolicy (Allow / Forbid / Replace), startingDeadlineSeconds and timeZone; keeps status.active,
// lastScheduleTime and lastSuccessfulTime; deletes finished Jobs beyond successfulJobsHistoryLimit /
// failedJobsHistoryLimit (their pods follow by garbage collection). Time comes from a ControllerClock, so
// tests run schedules on a manual clock.
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import { mostRecentRun, nextRun, parseCronSchedule } from '../apiserver/validation/cron-schedule.js';
import type { EventRecorder } from './event-recorder.js';
import { controllerOf, timestamp } from '../runtime/kinds.js';
import { realClock, type ControllerClock } from './clock.js';
import { isJobFinished } from './job.js';
import { WorkQueue, keyFor, splitKey } from './work-queue.js';
import type { CronJob, Job, ObjectRef } from './workload-types.js';

const COMPONENT = 'cronjob-controller';
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export class CronJobController {
  private queue = new WorkQueue('cronjob', (key) => this.reconcile(key));
  private unwatch: (() => void)[] = [];
  /** The pending wake-up per CronJob (on the controller's clock). */
  private wakeups = new Map<string, { at: number; cancel: () => void }>();

  constructor(
    private readonly api: ClusterApi,
    private readonly events: EventRecorder,
    private readonly clock: ControllerClock = realClock,
  ) {}

  start(): void {
    this.unwatch.push(
      this.api.watch(this.api.type('batch', 'cronjobs'), undefined, undefined, ({ type, object }) => {
        const key = keyFor(object.metadata.namespace, object.metadata.name!);
        if (type === 'DELETED') {
          this.wakeups.get(key)?.cancel();
          this.wakeups.delete(key);
        } else this.queue.add(key);
      }),
      this.api.watch(this.api.type('batch', 'jobs'), undefined, undefined, ({ object }) => {
        const owner = controllerOf(object);
        if (owner?.kind === 'CronJob') this.queue.add(keyFor(object.metadata.namespace, owner.name));
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    for (const w of this.wakeups.values()) w.cancel();
    this.wakeups.clear();
    this.queue.stop();
  }

  private wakeAt(key: string, at: number): void {
    const existing = this.wakeups.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.after(at - this.clock.now(), () => {
      this.wakeups.delete(key);
      this.queue.add(key);
    });
    this.wakeups.set(key, { at, cancel });
  }

  private reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const cjType = this.api.type('batch', 'cronjobs');
    const jobType = this.api.type('batch', 'jobs');
    const cj = this.api.tryGet(cjType, namespace, name) as CronJob | undefined;
    if (!cj || cj.metadata.deletionTimestamp) return;
    const now = this.clock.now();
    const jobs = (this.api.list(jobType, namespace).items as Job[]).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const prev = cj.status ?? {};
    let lastSuccessfulTime = prev.lastSuccessfulTime;
    let lastScheduleTime = prev.lastScheduleTime;

    // Jobs that finished since the last sync leave status.active.
    const wasActive = new Set((prev.active ?? []).map((r) => r.uid));
    for (const job of jobs) {
      const done = isJobFinished(job);
      if (done && wasActive.has(job.metadata.uid)) {
        this.events.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${done}`, COMPONENT);
        const completed = job.status?.completionTime;
        if (done === 'Complete' && completed && (!lastSuccessfulTime || completed > lastSuccessfulTime)) lastSuccessfulTime = completed;
      }
    }
    let active = jobs.filter((j) => !isJobFinished(j) && !j.metadata.deletionTimestamp);
    this.pruneHistory(cj, jobs);

    if (!cj.spec.suspend) {
      const schedule = parseCronSchedule(cj.spec.schedule);
      const tz = cj.spec.timeZone;
      const earliest = Date.parse(lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
      const { time: scheduled, missed } = mostRecentRun(schedule, earliest, now, tz);
      if (missed > 100)
        this.events.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew', COMPONENT);
      const deadline = cj.spec.startingDeadlineSeconds;
      const inTime = scheduled !== undefined && (deadline === undefined || now - scheduled <= deadline * 1000);
      const policy = cj.spec.concurrencyPolicy ?? 'Allow';
      if (scheduled !== undefined && inTime && !(policy === 'Forbid' && active.length > 0)) {
        if (policy === 'Replace') {
          for (const job of active) this.deleteJob(cj, job);
          active = [];
        }
        const jobName = `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
        const existing = this.api.tryGet(jobType, namespace, jobName) as Job | undefined;
        if (!existing) {
          const job = this.api.create(jobType, jobFromCronJob(cj, jobName, scheduled)) as Job;
          active.push(job);
          this.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`, COMPONENT);
        }
        lastScheduleTime = timestamp(new Date(scheduled));
      } else if (scheduled !== undefined && policy === 'Forbid' && inTime) {
        // Upstream retries a forbidden run until its deadline passes: look again soon.
        this.wakeAt(key, now + 1000);
      }
      const next = nextRun(schedule, now, tz);
      if (next !== undefined) this.wakeAt(key, next);
    }

    const status: NonNullable<CronJob['status']> = {
      ...(active.length ? { active: active.map(refOf) } : {}),
      ...(lastScheduleTime ? { lastScheduleTime } : {}),
      ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    };
    const current = this.api.tryGet(cjType, namespace, name) as CronJob | undefined;
    if (current && JSON.stringify(current.status ?? {}) !== JSON.stringify(status)) {
      current.status = status;
      this.api.update(cjType, current, { subresource: 'status' });
    }
  }

  /** Finished Jobs beyond the history limits are deleted, oldest first (cleanupFinishedJobs). */
  private pruneHistory(cj: CronJob, jobs: Job[]): void {
    const byStart = (a: Job, b: Job) =>
      (a.status?.startTime ?? a.metadata.creationTimestamp ?? '').localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? '') ||
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0);
    const keep = (kind: 'Complete' | 'Failed', limit: number | undefined) => {
      if (limit === undefined) return;
      const finished = jobs.filter((j) => isJobFinished(j) === kind && !j.metadata.deletionTimestamp).sort(byStart);
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) this.deleteJob(cj, job);
    };
    keep('Complete', cj.spec.successfulJobsHistoryLimit ?? 3);
    keep('Failed', cj.spec.failedJobsHistoryLimit ?? 1);
  }

  private deleteJob(cj: CronJob, job: Job): void {
    try {
      this.api.delete(this.api.type('batch', 'jobs'), job.metadata.namespace, job.metadata.name!);
      this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
    } catch {
      // Already gone.
    }
  }
}

function refOf(job: Job): ObjectRef {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

/** getJobFromTemplate2: the template's labels and annotations, the scheduled time, owned by the CronJob. */
export function jobFromCronJob(cj: CronJob, name: string, scheduledMs: number): KubeObject {
  const template = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: scheduledTimestamp(scheduledMs, cj.spec.timeZone) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(template.spec),
  };
}

/** RFC 3339 in the CronJob's time zone, as upstream formats the scheduled-timestamp annotation. */
function scheduledTimestamp(ms: number, timeZone: string | undefined): string {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') return timestamp(new Date(ms));
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const offset = get('timeZoneName').replace('GMT', '') || 'Z';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset === '' ? 'Z' : offset}`;
}
