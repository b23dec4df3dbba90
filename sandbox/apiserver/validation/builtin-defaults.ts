// Defaults of built-in kinds that a schema `default` cannot express (they depend on other fields).
import type { KubeObject } from '../store.js';
import type { ResourceType } from '../resources.js';
import { isPlainObject } from '../schema/structural.js';
import { applyWorkloadDefaults, podSpecsOf } from './workload-defaults.js';
import { applyRbacDefaults, isRbacKind } from './rbac-rules.js';

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);

function defaultContainers(podSpec: unknown): void {
  if (!isPlainObject(podSpec)) return;
  for (const c of [...list(podSpec.containers), ...list(podSpec.initContainers)]) {
    if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
      const tag = c.image.includes('@') ? undefined : c.image.split('/').pop()!.split(':')[1];
      c.imagePullPolicy = !c.image.includes('@') && (tag === undefined || tag === 'latest') ? 'Always' : 'IfNotPresent';
    }
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
  }
}

export function applyBuiltinDefaults(t: ResourceType, obj: KubeObject, creating = false): void {
  if (isRbacKind(t)) return applyRbacDefaults(t, obj);
  if (applyWorkloadDefaults(`${t.group}/${t.kind}`, obj, creating)) {
    for (const podSpec of podSpecsOf(t.kind, obj)) defaultContainers(podSpec);
    return;
  }
  const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
  switch (`${t.group}/${t.kind}`) {
    case '/Pod':
      defaultContainers(spec);
      if (spec && spec.serviceAccountName === undefined) spec.serviceAccountName = (spec.serviceAccount as string | undefined) ?? 'default';
      if (spec && spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
      break;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
      if (spec && isPlainObject(spec.template)) defaultContainers(spec.template.spec);
      break;
    case '/Service':
      if (!spec) break;
      for (const p of list(spec.ports)) if (p.targetPort === undefined) p.targetPort = p.port;
      if ((spec.type ?? 'ClusterIP') !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
      break;
    case 'networking.k8s.io/NetworkPolicy':
      // SetDefaults_NetworkPolicySpec: Ingress always, Egress when there are egress rules.
      if (spec && !(Array.isArray(spec.policyTypes) && spec.policyTypes.length))
        spec.policyTypes = list(spec.egress).length ? ['Ingress', 'Egress'] : ['Ingress'];
      if (spec) for (const rule of [...list(spec.ingress), ...list(spec.egress)]) for (const p of list(rule.ports)) p.protocol ??= 'TCP';
      break;
    case '/Namespace':
      if (obj.metadata.name) obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
      break;
  }
}

/** The status a new object starts with (clients cannot create status through the main resource). */
export function initialStatus(t: ResourceType): unknown {
  switch (`${t.group}/${t.kind}`) {
    case '/Pod': return { phase: 'Pending', qosClass: 'BestEffort' };
    case '/Namespace': return { phase: 'Active' };
    case 'batch/Job': return {};
    case 'apps/StatefulSet': return { replicas: 0, availableReplicas: 0 };
    case 'apps/DaemonSet': return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    case 'batch/CronJob': return {};
    case '/Service': return { loadBalancer: {} };
    // PodDisruptionBudgetStatus{} as PrepareForCreate leaves it: the int32 fields are not omitempty.
    case 'policy/PodDisruptionBudget': return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    default: return undefined;
  }
}
