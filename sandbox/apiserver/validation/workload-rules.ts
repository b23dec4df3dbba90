// Validation of Job and CronJob (pkg/apis/batch/validation) and StatefulSet and DaemonSet
// (pkg/apis/apps/validation), with the API server's field paths and messages.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import { compileLabelSelector, type LabelSelector } from '../selectors.js';
import { isPlainObject } from '../schema/structural.js';
import { labels } from './name-rules.js';
import { validatePodSpec, validateReplicated } from './builtin-rules.js';
import { CronParseError, parseCronSchedule, validTimeZone } from './cron-schedule.js';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});

const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: 'Required value' });
const invalid = (field: string, value: unknown, why: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
const notSupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
});
const forbidden = (field: string, why: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` });

function nonNegative(field: string, v: unknown): StatusCause[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];
}

/** validateJobSpec: counts, the pod template, and a restart policy that lets pods finish. */
function validateJobSpecCommon(path: string, spec: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) out.push(...nonNegative(`${path}.${f}`, spec[f]));
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed')
    out.push(notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) out.push({ reason: 'FieldValueRequired', field: `${path}.completions`, message: 'Required value: when completion mode is Indexed' });
  const template = asObj(spec.template);
  out.push(...labels(`${path}.template.metadata.labels`, asObj(asObj(template.metadata).labels) as Record<string, string>));
  out.push(...validatePodSpec(`${path}.template.spec`, template.spec));
  const restartPolicy = asObj(template.spec).restartPolicy;
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') out.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy ?? '', ['OnFailure', 'Never']));
  return out;
}

function selectorMatchesTemplate(path: string, spec: Obj): StatusCause[] {
  const selector = spec.selector as LabelSelector | undefined;
  if (!isPlainObject(selector)) return [];
  const tplLabels = asObj(asObj(asObj(spec.template).metadata).labels) as Record<string, string>;
  return compileLabelSelector(selector)(tplLabels) ? [] : [invalid(`${path}.template.metadata.labels`, tplLabels, '`selector` does not match template `labels`')];
}

function validateJob(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const spec = asObj(obj.spec);
  const out = validateJobSpecCommon('spec', spec);
  if (!isPlainObject(spec.selector)) out.push(required('spec.selector'));
  else out.push(...selectorMatchesTemplate('spec', spec));
  if (old) {
    const oldSpec = asObj(old.spec);
    if (JSON.stringify(oldSpec.selector) !== JSON.stringify(spec.selector)) out.push(invalid('spec.selector', spec.selector, 'field is immutable'));
    if (JSON.stringify(oldSpec.template) !== JSON.stringify(spec.template)) out.push(invalid('spec.template', spec.template, 'field is immutable'));
    if (oldSpec.completions !== spec.completions) out.push(invalid('spec.completions', spec.completions, 'field is immutable'));
  }
  return out;
}

/** CronJob names leave room for the `-<minute>` suffix of the Jobs it creates (DNS-1035 label max 63 - 11). */
const MAX_CRONJOB_NAME = 52;

function validateCronJob(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  const out: StatusCause[] = [];
  const name = obj.metadata.name;
  if (typeof name === 'string' && name.length > MAX_CRONJOB_NAME) out.push(invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  const schedule = spec.schedule;
  if (typeof schedule !== 'string' || schedule.length === 0) out.push(required('spec.schedule'));
  else {
    try {
      parseCronSchedule(schedule);
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      out.push(invalid('spec.schedule', schedule, err.message));
    }
    if (schedule.includes('TZ')) out.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  const tz = spec.timeZone;
  if (typeof tz === 'string') {
    if (tz.length === 0) out.push(invalid('spec.timeZone', tz, 'timeZone must be nil or non-empty string'));
    else if (tz.toLowerCase() === 'local') out.push(invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    else if (tz.split('/').some((p) => p === '.' || p === '..' || p.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(p)) || !validTimeZone(tz))
      out.push(invalid('spec.timeZone', tz, `unknown time zone ${tz}`));
  }
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) out.push(...nonNegative(`spec.${f}`, spec[f]));
  const policy = spec.concurrencyPolicy;
  if (policy === undefined || policy === '') out.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(String(policy))) out.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  const jobSpec = asObj(asObj(spec.jobTemplate).spec);
  out.push(...validateJobSpecCommon('spec.jobTemplate.spec', jobSpec));
  if (jobSpec.selector !== undefined) out.push(invalid('spec.jobTemplate.spec.selector', jobSpec.selector, '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) out.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  return out;
}

/** The StatefulSet spec fields an update may change (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSet(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const spec = asObj(obj.spec);
  const out = validateReplicated(obj, undefined, 'StatefulSet');
  const policy = spec.podManagementPolicy;
  if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel') out.push(notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  const strategy = asObj(spec.updateStrategy).type;
  if (strategy !== undefined && strategy !== 'RollingUpdate' && strategy !== 'OnDelete') out.push(notSupported('spec.updateStrategy.type', strategy, ['OnDelete', 'RollingUpdate']));
  if (old) {
    const strip = (s: Obj) => JSON.stringify(Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)).sort()));
    if (strip(asObj(old.spec)) !== strip(spec))
      out.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return out;
}

function validateDaemonSet(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const spec = asObj(obj.spec);
  const out = validateReplicated(obj, old, 'DaemonSet');
  const strategy = asObj(spec.updateStrategy).type;
  if (strategy !== undefined && strategy !== 'RollingUpdate' && strategy !== 'OnDelete') out.push(notSupported('spec.updateStrategy.type', strategy, ['OnDelete', 'RollingUpdate']));
  return out;
}

export function validateWorkload(kind: string, obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  switch (kind) {
    case 'Job': return validateJob(obj, old);
    case 'CronJob': return validateCronJob(obj);
    case 'StatefulSet': return validateStatefulSet(obj, old);
    case 'DaemonSet': return validateDaemonSet(obj, old);
    default: return [];
  }
}
