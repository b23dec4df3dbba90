// `kubectl get` columns of Job, CronJob, StatefulSet, DaemonSet and Node, cell for cell as
// pkg/printers/internalversion/printers.go (printJob, printCronJob, printStatefulSet, printDaemonSet,
// printNode) prints them in Kubernetes 1.32.
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';
// Only hoisted functions and types from table-printers.ts: it imports this module (a cycle), so its consts
// are not initialised yet when this one is evaluated.
import { humanDuration, selectorString, since, type ColumnDefinition, type Printer } from './table-printers.js';

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const age = (obj: KubeObject, now: number) => since(obj.metadata.creationTimestamp, now);

const col = (name: string, type = 'string', priority = 0, description = '', format = ''): ColumnDefinition => ({ name, type, format, description, priority });
const NAME = col('Name', 'string', 0, 'Name must be unique within a namespace.', 'name');
const AGE = col('Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const CONTAINERS = col('Containers', 'string', 1, 'Names of each container in the template.');
const IMAGES = col('Images', 'string', 1, 'Images referenced by each container in the template.');

function containerCells(template: unknown): [string, string] {
  const cs = arr(o(o(template).spec).containers);
  return [cs.map((c) => String(c.name ?? '')).join(','), cs.map((c) => String(c.image ?? '')).join(',')];
}

const hasCondition = (status: Obj, type: string) => arr(status.conditions).some((c) => c.type === type && c.status === 'True');

/** printJob: the STATUS word, succeeded/desired, and how long it ran (or has been running). */
export function jobCells(job: KubeObject, now: number): [string, string, string] {
  const spec = o(job.spec);
  const status = o(job.status);
  let completions: string;
  if (typeof spec.completions === 'number') completions = `${num(status.succeeded)}/${spec.completions}`;
  else completions = num(spec.parallelism) > 1 ? `${num(status.succeeded)}/1 of ${num(spec.parallelism)}` : `${num(status.succeeded)}/1`;
  let duration = '';
  const start = typeof status.startTime === 'string' ? Date.parse(status.startTime) : NaN;
  if (!Number.isNaN(start)) {
    const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : now;
    duration = humanDuration(end - start);
  }
  let word = 'Running';
  if (hasCondition(status, 'Complete')) word = 'Complete';
  else if (hasCondition(status, 'Failed')) word = 'Failed';
  else if (job.metadata.deletionTimestamp) word = 'Terminating';
  else if (hasCondition(status, 'Suspended')) word = 'Suspended';
  else if (hasCondition(status, 'FailureTarget')) word = 'FailureTarget';
  else if (hasCondition(status, 'SuccessCriteriaMet')) word = 'SuccessCriteriaMet';
  return [word, completions, duration];
}

const jobPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 0, 'Status of the job.'),
    col('Completions', 'string', 0, 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    col('Duration', 'string', 0, 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 1, 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
  ],
  cells(job, now) {
    const spec = o(job.spec);
    return [job.metadata.name, ...jobCells(job, now), age(job, now), ...containerCells(spec.template), selectorString(spec.selector)];
  },
};

const cronJobPrinter: Printer = {
  columns: [
    NAME,
    col('Schedule', 'string', 0, 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 0, 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'boolean', 0, 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    col('Active', 'integer', 0, 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 0, 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 1, 'A label query over pods that should match the pod count. Normally, the system sets this field for you.'),
  ],
  cells(cj, now) {
    const spec = o(cj.spec);
    const status = o(cj.status);
    const jobSpec = o(o(spec.jobTemplate).spec);
    const suspend = typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : '<unset>';
    const last = typeof status.lastScheduleTime === 'string' ? since(status.lastScheduleTime, now) : '<none>';
    return [cj.metadata.name, spec.schedule ?? '', (spec.timeZone as string) || '<none>', suspend, arr(status.active).length, last, age(cj, now), ...containerCells(jobSpec.template), selectorString(jobSpec.selector)];
  },
};

const statefulSetPrinter: Printer = {
  columns: [NAME, col('Ready', 'string', 0, 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells(sts, now) {
    const spec = o(sts.spec);
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    return [sts.metadata.name, `${num(o(sts.status).readyReplicas)}/${replicas}`, age(sts, now), ...containerCells(spec.template)];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    col('Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    col('Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', 0, 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE,
    CONTAINERS,
    IMAGES,
    col('Selector', 'string', 1, 'A label query over pods that are managed by the daemon set.'),
  ],
  cells(ds, now) {
    const spec = o(ds.spec);
    const s = o(ds.status);
    const nodeSelector = Object.entries(o(o(o(spec.template).spec).nodeSelector)).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
    return [ds.metadata.name, num(s.desiredNumberScheduled), num(s.currentNumberScheduled), num(s.numberReady), num(s.updatedNumberScheduled), num(s.numberAvailable), nodeSelector, age(ds, now), ...containerCells(spec.template), selectorString(spec.selector)];
  },
};

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 0, 'The status of the node'),
    col('Roles', 'string', 0, 'The roles of the node'),
    AGE,
    col('Version', 'string', 0, 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 1, 'List of addresses reachable to the node.'),
    col('External-IP', 'string', 1, 'List of addresses reachable to the node.'),
    col('OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    col('Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    col('Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  cells(node, now) {
    const status = o(node.status);
    const ready = arr(status.conditions).find((c) => c.type === 'Ready');
    const words = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
    if (o(node.spec).unschedulable === true) words.push('SchedulingDisabled');
    const roles = new Set<string>();
    for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
      if (k.startsWith(NODE_ROLE_PREFIX) && k.length > NODE_ROLE_PREFIX.length) roles.add(k.slice(NODE_ROLE_PREFIX.length));
      else if (k === 'kubernetes.io/role' && v) roles.add(v);
    }
    const info = o(status.nodeInfo);
    const address = (type: string) => (arr(status.addresses).find((a) => a.type === type)?.address as string | undefined) ?? '<none>';
    return [node.metadata.name, words.join(','), [...roles].sort().join(',') || '<none>', age(node, now), info.kubeletVersion ?? '', address('InternalIP'), address('ExternalIP'), info.osImage || '<unknown>', info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>'];
  },
};

export const WORKLOAD_PRINTERS: Record<string, Printer> = {
  'batch/Job': jobPrinter,
  'batch/CronJob': cronJobPrinter,
  'apps/StatefulSet': statefulSetPrinter,
  'apps/DaemonSet': daemonSetPrinter,
  '/Node': nodePrinter,
};
