// Server-side printing of built-in kinds, column for column as pkg/printers/internalversion does it,
// so `kubectl get` shows what it shows against a real cluster (kubectl hides priority>0 columns unless -o wide).
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';
import { Quantity } from '../admission/quantity.js';
import { WORKLOAD_PRINTERS } from './workload-printers.js';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): unknown[];
  /** Row conditions (e.g. a finished pod) kubectl may use to style or filter rows. */
  conditions?(obj: KubeObject): { type: string; status: string }[] | undefined;
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const col = (name: string, type = 'string', priority = 0, description = '', format = ''): ColumnDefinition => ({ name, type, format, description, priority });
const NAME = col('Name', 'string', 0, 'Name must be unique within a namespace.', 'name');
const AGE = col('Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function since(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string' || !timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const age = (obj: KubeObject, now: number) => since(obj.metadata.creationTimestamp, now);

export function selectorString(sel: unknown): string {
  const s = o(sel);
  const parts = Object.entries(o(s.matchLabels)).map(([k, v]) => `${k}=${v}`);
  for (const e of arr(s.matchExpressions)) {
    const values = Array.isArray(e.values) ? e.values.join(',') : '';
    switch (e.operator) {
      case 'In': parts.push(`${e.key} in (${values})`); break;
      case 'NotIn': parts.push(`${e.key} notin (${values})`); break;
      case 'Exists': parts.push(String(e.key)); break;
      case 'DoesNotExist': parts.push(`!${e.key}`); break;
    }
  }
  return parts.length ? parts.sort().join(',') : '<none>';
}

/** Up to three items, then "+ N more..." as kubectl's endpoint columns print them. */
function firstThree(items: string[], none: string): string {
  if (items.length === 0) return none;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

/** The STATUS column of `kubectl get pods` (printPod): phase, overridden by container states. */
export function podStatusReason(pod: KubeObject): { reason: string; ready: number; total: number; restarts: number; lastRestart?: string } {
  const spec = o(pod.spec);
  const status = o(pod.status);
  const phase = typeof status.phase === 'string' ? status.phase : '';
  let reason = typeof status.reason === 'string' && status.reason ? status.reason : phase;
  const total = arr(spec.containers).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: string | undefined;
  const noteRestart = (c: Obj) => {
    restarts += num(c.restartCount);
    const finished = o(o(c.lastState).terminated).finishedAt;
    if (typeof finished === 'string' && (!lastRestart || finished > lastRestart)) lastRestart = finished;
  };
  const conditions = arr(status.conditions);
  const gated = conditions.find((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated');
  if (gated) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  const initCount = arr(spec.initContainers).length;
  for (const [i, c] of initStatuses.entries()) {
    noteRestart(c);
    const state = o(c.state);
    const terminated = isPlainObject(state.terminated) ? state.terminated : undefined;
    const waiting = isPlainObject(state.waiting) ? state.waiting : undefined;
    if (terminated && num(terminated.exitCode) === 0) continue;
    if (terminated) {
      reason = terminated.reason ? `Init:${terminated.reason}` : num(terminated.signal) ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${num(terminated.exitCode)}`;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = 0;
    lastRestart = undefined;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      noteRestart(c);
      const state = o(c.state);
      const waiting = o(state.waiting);
      const terminated = isPlainObject(state.terminated) ? state.terminated : undefined;
      if (typeof waiting.reason === 'string' && waiting.reason) reason = waiting.reason;
      else if (terminated && typeof terminated.reason === 'string' && terminated.reason) reason = terminated.reason;
      else if (terminated) reason = num(terminated.signal) ? `Signal:${terminated.signal}` : `ExitCode:${num(terminated.exitCode)}`;
      else if (c.ready === true && isPlainObject(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  return { reason, ready, total, restarts, lastRestart };
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'string', 1, 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    col('Node', 'string', 1, 'NodeName indicates in which node this pod is scheduled.'),
    col('Nominated Node', 'string', 1, 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
    col('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  cells(pod, now) {
    const s = podStatusReason(pod);
    const restarts = s.restarts !== 0 && s.lastRestart ? `${s.restarts} (${since(s.lastRestart, now)} ago)` : String(s.restarts);
    const status = o(pod.status);
    const podIPs = arr(status.podIPs);
    const ip = (podIPs[0]?.ip as string | undefined) || (status.podIP as string | undefined) || '<none>';
    const gates = arr(o(pod.spec).readinessGates);
    let gateCell = '<none>';
    if (gates.length) {
      const conds = arr(status.conditions);
      const trueCount = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
      gateCell = `${trueCount}/${gates.length}`;
    }
    return [pod.metadata.name, `${s.ready}/${s.total}`, s.reason, restarts, age(pod, now), ip, (o(pod.spec).nodeName as string) || '<none>', (status.nominatedNodeName as string) || '<none>', gateCell];
  },
  conditions(pod) {
    const phase = o(pod.status).phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True' }];
    return undefined;
  },
};

/**
 * A kind with a pod template (Deployment, ReplicaSet): Name, its own replica columns, Age, then the wide
 * Containers, Images and Selector of the template.
 */
function templatePrinter(replicaColumns: ColumnDefinition[], selectorHelp: string, replicaCells: (spec: Obj, status: Obj) => unknown[]): Printer {
  return {
    columns: [
      NAME,
      ...replicaColumns,
      AGE,
      col('Containers', 'string', 1, 'Names of each container in the template.'),
      col('Images', 'string', 1, 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, selectorHelp),
    ],
    cells(obj, now) {
      const spec = o(obj.spec);
      const cs = arr(o(o(spec.template).spec).containers);
      return [obj.metadata.name, ...replicaCells(spec, o(obj.status)), age(obj, now), cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(','), selectorString(spec.selector)];
    },
  };
}

const desiredReplicas = (spec: Obj): number => (typeof spec.replicas === 'number' ? spec.replicas : 1);

const deploymentPrinter = templatePrinter(
  [
    col('Ready', 'string', 0, 'Number of the pod with ready state'),
    col('Up-to-date', 'integer', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'integer', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  ],
  'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
  (spec, status) => [`${num(status.readyReplicas)}/${desiredReplicas(spec)}`, num(status.updatedReplicas), num(status.availableReplicas)],
);

const replicaSetPrinter = templatePrinter(
  [
    col('Desired', 'integer', 0, 'Replicas is the number of desired pods.'),
    col('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 0, 'The number of ready replicas for this replica set.'),
  ],
  'Selector is a label query over pods that should match the replica count.',
  (spec, status) => [desiredReplicas(spec), num(status.replicas), num(status.readyReplicas)],
);

function servicePorts(spec: Obj): string {
  const ports = arr(spec.ports).map((p) => {
    const proto = (p.protocol as string) || 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}

function externalIP(svc: KubeObject): string {
  const spec = o(svc.spec);
  const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  switch (spec.type) {
    case 'ExternalName': return (spec.externalName as string) || '<none>';
    case 'LoadBalancer': {
      const ingress = arr(o(o(svc.status).loadBalancer).ingress).map((i) => (i.ip as string) || (i.hostname as string)).filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    default: return external.length ? external.join(',') : '<none>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'string', 0, 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 0, 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
    AGE,
    col('Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(svc, now) {
    const spec = o(svc.spec);
    // A Service's selector is a plain label map: the matchLabels of a label selector.
    return [svc.metadata.name, (spec.type as string) || 'ClusterIP', (spec.clusterIP as string) || '<none>', externalIP(svc), servicePorts(spec), age(svc, now), selectorString({ matchLabels: spec.selector })];
  },
};

function formatEndpoints(ep: KubeObject): string {
  const all: string[] = [];
  for (const subset of arr(ep.subsets)) {
    const ports = arr(subset.ports);
    for (const a of arr(subset.addresses)) {
      if (ports.length === 0) all.push(String(a.ip));
      for (const p of ports) all.push(`${a.ip}:${p.port}`);
    }
  }
  return firstThree(all, '<none>');
}

const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'string', 0, 'The set of all endpoints is the union of all subsets.'), AGE],
  cells: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep, now)],
};

const endpointSlicePrinter: Printer = {
  columns: [NAME, col('AddressType', 'string', 0, 'Type of address carried by this EndpointSlice.'), col('Ports', 'string', 0, 'Port numbers which will be exposed by this EndpointSlice.'), col('Endpoints', 'string', 0, 'A list of unique endpoints in this slice.'), AGE],
  cells(s, now) {
    const ports = arr(s.ports).map((p) => String(p.port ?? '<unset>'));
    const addrs = arr(s.endpoints).flatMap((e) => (Array.isArray(e.addresses) ? (e.addresses as string[]) : []));
    return [s.metadata.name, s.addressType ?? '', ports.length ? ports.join(',') : '<unset>', firstThree(addrs, '<unset>'), age(s, now)];
  },
};

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'string', 0, 'The status of the namespace'), AGE],
  cells: (ns, now) => [ns.metadata.name, (o(ns.status).phase as string) || 'Active', age(ns, now)],
};

const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'integer', 0, 'Data contains the configuration data.'), AGE],
  cells: (cm, now) => [cm.metadata.name, Object.keys(o(cm.data)).length + Object.keys(o(cm.binaryData)).length, age(cm, now)],
};

const secretPrinter: Printer = {
  columns: [NAME, col('Type', 'string', 0, 'The type of the secret'), col('Data', 'integer', 0, 'The number of data items'), AGE],
  cells: (s, now) => [s.metadata.name, (s.type as string) || 'Opaque', Object.keys(o(s.data)).length, age(s, now)],
};

const serviceAccountPrinter: Printer = {
  columns: [NAME, col('Secrets', 'integer', 0, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  cells: (sa, now) => [sa.metadata.name, arr(sa.secrets).length, age(sa, now)],
};

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', 0, 'Time when last occurrence of this event was recorded.'),
    col('Type', 'string', 0, 'Type of this event (Normal, Warning).'),
    col('Reason', 'string', 0, 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'string', 0, 'The object that this event is about.'),
    col('Subobject', 'string', 1, 'The field of the object this event is about.'),
    col('Source', 'string', 1, 'The component reporting this event.'),
    col('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 1, 'The time at which the event was first recorded.'),
    col('Count', 'string', 1, 'The number of times this event has occurred.'),
    { ...NAME, priority: 1 },
  ],
  cells(ev, now) {
    const involved = o(ev.involvedObject);
    const last = (ev.lastTimestamp as string) || (ev.eventTime as string) || ev.metadata.creationTimestamp;
    const first = (ev.firstTimestamp as string) || (ev.eventTime as string) || ev.metadata.creationTimestamp;
    const source = o(ev.source);
    const sourceText = (source.component as string) ? `${source.component}${source.host ? `, ${source.host}` : ''}` : ((ev.reportingComponent as string) || '');
    return [
      since(last, now),
      ev.type ?? '',
      ev.reason ?? '',
      `${String(involved.kind ?? '').toLowerCase()}/${involved.name ?? ''}`,
      involved.fieldPath ?? '',
      sourceText,
      String(ev.message ?? '').trim(),
      since(first, now),
      String(num(ev.count) || 1),
      ev.metadata.name,
    ];
  },
};

const networkPolicyPrinter: Printer = {
  columns: [
    NAME,
    col('Pod-Selector', 'string', 0, 'Selects the pods to which this NetworkPolicy object applies. An empty podSelector matches all pods in this namespace.'),
    AGE,
  ],
  cells: (np, now) => [np.metadata.name, selectorString(o(np.spec).podSelector), age(np, now)],
};

/** printPodDisruptionBudget: N/A for the bound that is not set; the disruption controller's allowance. */
const podDisruptionBudgetPrinter: Printer = {
  columns: [
    NAME,
    col('Min Available', 'string', 0, 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells(pdb, now) {
    const spec = o(pdb.spec);
    const bound = (v: unknown) => (v === undefined ? 'N/A' : String(v));
    return [pdb.metadata.name, bound(spec.minAvailable), bound(spec.maxUnavailable), num(o(pdb.status).disruptionsAllowed), age(pdb, now)];
  },
};

const CREATED_AT = col('Created At', 'date', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** printResourceQuota: `pods: 3/20, requests.cpu: 300m/4` (limits.* in the LIMIT column), sorted by name. */
const resourceQuotaPrinter: Printer = {
  columns: [
    NAME,
    AGE,
    col('Request', 'string', 0, 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 0, 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells(q, now) {
    const status = o(q.status);
    const hard = o(status.hard);
    const used = o(status.used);
    const request: string[] = [];
    const limit: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const text = `${name}: ${canonicalQuantity(used[name])}/${canonicalQuantity(hard[name])}`;
      const pieces = name.split('.');
      (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(text);
    }
    return [q.metadata.name, age(q, now), request.join(', '), limit.join(', ')];
  },
};

function canonicalQuantity(v: unknown): string {
  return Quantity.parse(v)?.toString() ?? '0';
}

const limitRangePrinter: Printer = {
  columns: [NAME, CREATED_AT],
  cells: (lr) => [lr.metadata.name, lr.metadata.creationTimestamp ?? ''],
};

/** Role and ClusterRole: Name and Created At (printRole, printClusterRole). */
const rolePrinter: Printer = {
  columns: [NAME, CREATED_AT],
  cells: (r) => [r.metadata.name, r.metadata.creationTimestamp ?? ''],
};

/** RoleBinding and ClusterRoleBinding: Name, Role (`Kind/name`), Age; wide: Users, Groups, ServiceAccounts. */
function bindingPrinter(kind: string): Printer {
  return {
    columns: [
      NAME,
      col('Role', 'string', 0, 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
      AGE,
      col('Users', 'string', 1, `Users in the ${kind}`),
      col('Groups', 'string', 1, `Groups in the ${kind}`),
      col('ServiceAccounts', 'string', 1, `ServiceAccounts in the ${kind}`),
    ],
    cells(b, now) {
      const ref = o(b.roleRef);
      const subjects = arr(b.subjects);
      const names = (k: string, fmt: (s: Obj) => string) => subjects.filter((s) => s.kind === k).map(fmt).join(', ');
      return [
        b.metadata.name,
        `${ref.kind ?? ''}/${ref.name ?? ''}`,
        age(b, now),
        names('User', (s) => String(s.name ?? '')),
        names('Group', (s) => String(s.name ?? '')),
        names('ServiceAccount', (s) => `${s.namespace ?? ''}/${s.name ?? ''}`),
      ];
    },
  };
}

export const BUILTIN_PRINTERS: Record<string, Printer> = {
  'rbac.authorization.k8s.io/Role': rolePrinter,
  'rbac.authorization.k8s.io/ClusterRole': rolePrinter,
  'rbac.authorization.k8s.io/RoleBinding': bindingPrinter('roleBinding'),
  'rbac.authorization.k8s.io/ClusterRoleBinding': bindingPrinter('clusterRoleBinding'),
  '/Pod': podPrinter,
  'apps/Deployment': deploymentPrinter,
  'apps/ReplicaSet': replicaSetPrinter,
  '/Service': servicePrinter,
  '/Endpoints': endpointsPrinter,
  'discovery.k8s.io/EndpointSlice': endpointSlicePrinter,
  '/Namespace': namespacePrinter,
  '/ConfigMap': configMapPrinter,
  '/Secret': secretPrinter,
  '/ServiceAccount': serviceAccountPrinter,
  '/Event': eventPrinter,
  'networking.k8s.io/NetworkPolicy': networkPolicyPrinter,
  '/ResourceQuota': resourceQuotaPrinter,
  '/LimitRange': limitRangePrinter,
  'policy/PodDisruptionBudget': podDisruptionBudgetPrinter,
  ...WORKLOAD_PRINTERS,
};

/** The printer for kinds without one: Name and Created At, as the generic table convertor prints. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, CREATED_AT],
  cells: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp ?? ''],
};
