// Field numbers of the Kubernetes protobuf messages (k8s.io/api generated.proto) for the objects kubectl's
// typed commands send: `kubectl create configmap|secret|namespace|serviceaccount|deployment|service`.
// Since client-go 1.32 typed clients send built-in kinds as protobuf, with no opt-out.
// `ptr` marks Go pointer fields: gogo-proto writes every non-pointer field, zero or not, so zero values
// are dropped (as JSON's omitempty would) except where the field was explicitly set.
export type Scalar = 'string' | 'bytes' | 'int32' | 'int64' | 'bool' | 'time' | 'quantity' | 'intOrString';

export interface FieldDesc {
  name: string;
  type: Scalar | MessageDesc | { map: Scalar | MessageDesc };
  repeated?: boolean;
  ptr?: boolean;
  /** Decoded and dropped: the API server resets it (status on create). */
  ignore?: boolean;
}

export type MessageDesc = { [field: number]: FieldDesc };

const s = (name: string, extra: Partial<FieldDesc> = {}): FieldDesc => ({ name, type: 'string', ...extra });
const i32 = (name: string, extra: Partial<FieldDesc> = {}): FieldDesc => ({ name, type: 'int32', ...extra });
const i64 = (name: string, extra: Partial<FieldDesc> = {}): FieldDesc => ({ name, type: 'int64', ...extra });
const b = (name: string, extra: Partial<FieldDesc> = {}): FieldDesc => ({ name, type: 'bool', ...extra });
const m = (name: string, type: MessageDesc, extra: Partial<FieldDesc> = {}): FieldDesc => ({ name, type, ...extra });
const strMap = (name: string): FieldDesc => ({ name, type: { map: 'string' } });

const ownerReference: MessageDesc = { 1: s('kind'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: b('controller', { ptr: true }), 7: b('blockOwnerDeletion', { ptr: true }) };

export const objectMeta: MessageDesc = {
  1: s('name'), 2: s('generateName'), 3: s('namespace'), 4: s('selfLink'), 5: s('uid'), 6: s('resourceVersion'),
  7: i64('generation'), 8: { name: 'creationTimestamp', type: 'time' }, 9: { name: 'deletionTimestamp', type: 'time' },
  10: i64('deletionGracePeriodSeconds', { ptr: true }), 11: strMap('labels'), 12: strMap('annotations'),
  13: m('ownerReferences', ownerReference, { repeated: true }), 14: s('finalizers', { repeated: true }),
};

const labelSelector: MessageDesc = {
  1: strMap('matchLabels'),
  2: m('matchExpressions', { 1: s('key'), 2: s('operator'), 3: s('values', { repeated: true }) }, { repeated: true }),
};

const localObjectReference: MessageDesc = { 1: s('name') };
const objectReference: MessageDesc = { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: s('resourceVersion'), 7: s('fieldPath') };
// Embedded LocalObjectReference (field 1) is inlined in JSON.
const keySelector: MessageDesc = { 1: m('', localObjectReference), 2: s('key'), 3: b('optional', { ptr: true }) };
const envSource: MessageDesc = { 1: m('', localObjectReference), 2: b('optional', { ptr: true }) };

const envVar: MessageDesc = {
  1: s('name'), 2: s('value'),
  3: m('valueFrom', {
    1: m('fieldRef', { 1: s('apiVersion'), 2: s('fieldPath') }),
    2: m('resourceFieldRef', { 1: s('containerName'), 2: s('resource'), 3: { name: 'divisor', type: 'quantity' } }),
    3: m('configMapKeyRef', keySelector),
    4: m('secretKeyRef', keySelector),
  }),
};

const resources: MessageDesc = { 1: { name: 'limits', type: { map: 'quantity' } }, 2: { name: 'requests', type: { map: 'quantity' } } };

// SecurityContext (every field a Go pointer), which `kubectl debug --copy-to --profile=…` sets on the debug container.
const profileRef: MessageDesc = { 1: s('type'), 2: s('localhostProfile', { ptr: true }) };
const securityContext: MessageDesc = {
  1: m('capabilities', { 1: s('add', { repeated: true }), 2: s('drop', { repeated: true }) }, { ptr: true }),
  2: b('privileged', { ptr: true }), 3: m('seLinuxOptions', { 1: s('user'), 2: s('role'), 3: s('type'), 4: s('level') }, { ptr: true }),
  4: i64('runAsUser', { ptr: true }), 5: b('runAsNonRoot', { ptr: true }), 6: b('readOnlyRootFilesystem', { ptr: true }),
  7: b('allowPrivilegeEscalation', { ptr: true }), 8: i64('runAsGroup', { ptr: true }), 9: s('procMount', { ptr: true }),
  11: m('seccompProfile', profileRef, { ptr: true }), 12: m('appArmorProfile', profileRef, { ptr: true }),
};

const container: MessageDesc = {
  1: s('name'), 2: s('image'), 3: s('command', { repeated: true }), 4: s('args', { repeated: true }), 5: s('workingDir'),
  6: m('ports', { 1: s('name'), 2: i32('hostPort'), 3: i32('containerPort'), 4: s('protocol'), 5: s('hostIP') }, { repeated: true }),
  7: m('env', envVar, { repeated: true }),
  8: m('resources', resources),
  9: m('volumeMounts', { 1: s('name'), 2: b('readOnly'), 3: s('mountPath'), 4: s('subPath'), 5: s('mountPropagation', { ptr: true }), 6: s('subPathExpr'), 7: s('recursiveReadOnly', { ptr: true }) }, { repeated: true }),
  13: s('terminationMessagePath'), 14: s('imagePullPolicy'), 15: m('securityContext', securityContext, { ptr: true }), 16: b('stdin'), 17: b('stdinOnce'), 18: b('tty'),
  19: m('envFrom', { 1: s('prefix'), 2: m('configMapRef', envSource), 3: m('secretRef', envSource) }, { repeated: true }),
  20: s('terminationMessagePolicy'), 24: s('restartPolicy', { ptr: true }),
};

// Volume (k8s.io/api core/v1 generated.proto): name, then the VolumeSource inlined in JSON. The sources the
// sandbox knows (configMap, secret, emptyDir, persistentVolumeClaim) and hostPath, which `kubectl debug node/…`
// sends and admission then refuses (admission/no-host-access.ts); other sources are refused as undescribed (415).
const keyToPath: MessageDesc = { 1: s('key'), 2: s('path'), 3: i32('mode', { ptr: true }) };
const volumeSource: MessageDesc = {
  1: m('hostPath', { 1: s('path'), 2: s('type', { ptr: true }) }, { ptr: true }),
  2: m('emptyDir', { 1: s('medium'), 2: { name: 'sizeLimit', type: 'quantity', ptr: true } }, { ptr: true }),
  6: m('secret', { 1: s('secretName'), 2: m('items', keyToPath, { repeated: true }), 3: i32('defaultMode', { ptr: true }), 4: b('optional', { ptr: true }) }, { ptr: true }),
  10: m('persistentVolumeClaim', { 1: s('claimName'), 2: b('readOnly') }, { ptr: true }),
  19: m('configMap', { 1: m('', localObjectReference), 2: m('items', keyToPath, { repeated: true }), 3: i32('defaultMode', { ptr: true }), 4: b('optional', { ptr: true }) }, { ptr: true }),
};
const volume: MessageDesc = { 1: s('name'), 2: m('', volumeSource) };
const toleration: MessageDesc = { 1: s('key'), 2: s('operator'), 3: s('value'), 4: s('effect'), 5: i64('tolerationSeconds', { ptr: true }) };

const podSpec: MessageDesc = {
  1: m('volumes', volume, { repeated: true }),
  2: m('containers', container, { repeated: true }), 3: s('restartPolicy'), 4: i64('terminationGracePeriodSeconds', { ptr: true }),
  5: i64('activeDeadlineSeconds', { ptr: true }), 6: s('dnsPolicy'), 7: strMap('nodeSelector'), 8: s('serviceAccountName'),
  9: s('serviceAccount'), 10: s('nodeName'), 11: b('hostNetwork'), 12: b('hostPID'), 13: b('hostIPC'),
  15: m('imagePullSecrets', localObjectReference, { repeated: true }), 16: s('hostname'), 17: s('subdomain'), 19: s('schedulerName'),
  20: m('initContainers', container, { repeated: true }), 21: b('automountServiceAccountToken', { ptr: true }), 24: s('priorityClassName'),
  22: m('tolerations', toleration, { repeated: true }),
  25: i32('priority', { ptr: true }), 27: b('shareProcessNamespace', { ptr: true }), 30: b('enableServiceLinks', { ptr: true }),
};

const podTemplateSpec: MessageDesc = { 1: m('metadata', objectMeta), 2: m('spec', podSpec) };
const ignored = (name: string): FieldDesc => ({ name, type: {}, ignore: true });

/** Top-level messages by `apiVersion/kind`. */
export const MESSAGES: Record<string, MessageDesc> = {
  // `kubectl create token` (authentication/v1 generated.proto)
  'authentication.k8s.io/v1/TokenRequest': {
    1: m('metadata', objectMeta),
    2: m('spec', { 1: s('audiences', { repeated: true }), 3: m('boundObjectRef', { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') }), 4: i64('expirationSeconds', { ptr: true }) }),
    3: m('status', { 1: s('token'), 2: { name: 'expirationTimestamp', type: 'time' } }, { ignore: true }),
  },
  'v1/ConfigMap': { 1: m('metadata', objectMeta), 2: strMap('data'), 3: { name: 'binaryData', type: { map: 'bytes' } }, 4: b('immutable', { ptr: true }) },
  'v1/Secret': { 1: m('metadata', objectMeta), 2: { name: 'data', type: { map: 'bytes' } }, 3: s('type'), 4: strMap('stringData'), 5: b('immutable', { ptr: true }) },
  'v1/Namespace': { 1: m('metadata', objectMeta), 2: m('spec', { 1: s('finalizers', { repeated: true }) }), 3: ignored('status') },
  'v1/ServiceAccount': {
    1: m('metadata', objectMeta), 2: m('secrets', objectReference, { repeated: true }),
    3: m('imagePullSecrets', localObjectReference, { repeated: true }), 4: b('automountServiceAccountToken', { ptr: true }),
  },
  'v1/Service': {
    1: m('metadata', objectMeta),
    2: m('spec', {
      1: m('ports', { 1: s('name'), 2: s('protocol'), 3: i32('port'), 4: { name: 'targetPort', type: 'intOrString' }, 5: i32('nodePort'), 6: s('appProtocol', { ptr: true }) }, { repeated: true }),
      2: strMap('selector'), 3: s('clusterIP'), 4: s('type'), 5: s('externalIPs', { repeated: true }), 7: s('sessionAffinity'),
      8: s('loadBalancerIP'), 9: s('loadBalancerSourceRanges', { repeated: true }), 10: s('externalName'), 11: s('externalTrafficPolicy'),
      12: i32('healthCheckNodePort'), 13: b('publishNotReadyAddresses'), 17: s('ipFamilyPolicy', { ptr: true }), 18: s('clusterIPs', { repeated: true }),
      19: s('ipFamilies', { repeated: true }), 20: b('allocateLoadBalancerNodePorts', { ptr: true }), 21: s('loadBalancerClass', { ptr: true }),
      22: s('internalTrafficPolicy', { ptr: true }),
    }),
    3: ignored('status'),
  },
  'v1/Pod': { 1: m('metadata', objectMeta), 2: m('spec', podSpec), 3: ignored('status') },
  'apps/v1/Deployment': {
    1: m('metadata', objectMeta),
    2: m('spec', {
      1: i32('replicas', { ptr: true }), 2: m('selector', labelSelector), 3: m('template', podTemplateSpec),
      4: m('strategy', { 1: s('type'), 2: m('rollingUpdate', { 1: { name: 'maxUnavailable', type: 'intOrString' }, 2: { name: 'maxSurge', type: 'intOrString' } }) }),
      5: i32('minReadySeconds'), 6: i32('revisionHistoryLimit', { ptr: true }), 7: b('paused'), 9: i32('progressDeadlineSeconds', { ptr: true }),
    }),
    3: ignored('status'),
  },
};

// `kubectl create quota`
MESSAGES['v1/ResourceQuota'] = {
  1: m('metadata', objectMeta),
  2: m('spec', {
    1: { name: 'hard', type: { map: 'quantity' } },
    2: s('scopes', { repeated: true }),
    3: m('scopeSelector', { 1: m('matchExpressions', { 1: s('scopeName'), 2: s('operator'), 3: s('values', { repeated: true }) }, { repeated: true }) }),
  }),
  3: ignored('status'),
};

const resourceAttributes: MessageDesc = { 1: s('namespace'), 2: s('verb'), 3: s('group'), 4: s('version'), 5: s('resource'), 6: s('subresource'), 7: s('name') };
MESSAGES['authorization.k8s.io/v1/SelfSubjectAccessReview'] = {
  1: m('metadata', objectMeta),
  2: m('spec', { 1: m('resourceAttributes', resourceAttributes), 2: m('nonResourceAttributes', { 1: s('path'), 2: s('verb') }) }),
  3: ignored('status'),
};
MESSAGES['authentication.k8s.io/v1/SelfSubjectReview'] = { 1: m('metadata', objectMeta), 2: ignored('status') };

/** meta/v1 DeleteOptions, which typed clients send with DELETE. */
export const DELETE_OPTIONS: MessageDesc = {
  1: i64('gracePeriodSeconds', { ptr: true }),
  2: m('preconditions', { 1: s('uid', { ptr: true }), 2: s('resourceVersion', { ptr: true }) }),
  3: b('orphanDependents', { ptr: true }),
  4: s('propagationPolicy', { ptr: true }),
  5: s('dryRun', { repeated: true }),
};

// `kubectl auth can-i --list` and `kubectl create role|clusterrole|rolebinding|clusterrolebinding` (rbac/v1 generated.proto).
MESSAGES['authorization.k8s.io/v1/SelfSubjectRulesReview'] = { 1: m('metadata', objectMeta), 2: m('spec', { 1: s('namespace') }), 3: ignored('status') };
const policyRule: MessageDesc = { 1: s('verbs', { repeated: true }), 2: s('apiGroups', { repeated: true }), 3: s('resources', { repeated: true }), 4: s('resourceNames', { repeated: true }), 5: s('nonResourceURLs', { repeated: true }) };
const rbacBinding: MessageDesc = {
  1: m('metadata', objectMeta),
  2: m('subjects', { 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') }, { repeated: true }),
  3: m('roleRef', { 1: s('apiGroup'), 2: s('kind'), 3: s('name') }),
};
MESSAGES['rbac.authorization.k8s.io/v1/Role'] = { 1: m('metadata', objectMeta), 2: m('rules', policyRule, { repeated: true }) };
MESSAGES['rbac.authorization.k8s.io/v1/ClusterRole'] = { 1: m('metadata', objectMeta), 2: m('rules', policyRule, { repeated: true }), 3: m('aggregationRule', { 1: m('clusterRoleSelectors', labelSelector, { repeated: true }) }) };
MESSAGES['rbac.authorization.k8s.io/v1/RoleBinding'] = rbacBinding;
MESSAGES['rbac.authorization.k8s.io/v1/ClusterRoleBinding'] = rbacBinding;

// `kubectl create job` (also `--from=cronjob/<name>`) and `kubectl create cronjob` (batch/v1 generated.proto).
// podFailurePolicy (11) and successPolicy (16) are not described: a body carrying them is refused (415).
const jobSpec: MessageDesc = {
  1: i32('parallelism', { ptr: true }), 2: i32('completions', { ptr: true }), 3: i64('activeDeadlineSeconds', { ptr: true }),
  4: m('selector', labelSelector), 5: b('manualSelector', { ptr: true }), 6: m('template', podTemplateSpec),
  7: i32('backoffLimit', { ptr: true }), 8: i32('ttlSecondsAfterFinished', { ptr: true }), 9: s('completionMode', { ptr: true }),
  10: b('suspend', { ptr: true }), 12: i32('backoffLimitPerIndex', { ptr: true }), 13: i32('maxFailedIndexes', { ptr: true }),
  14: s('podReplacementPolicy', { ptr: true }), 15: s('managedBy', { ptr: true }),
};
// `kubectl create poddisruptionbudget` (k8s.io/api/policy/v1 generated.proto).
MESSAGES['policy/v1/PodDisruptionBudget'] = {
  1: m('metadata', objectMeta),
  2: m('spec', {
    1: { name: 'minAvailable', type: 'intOrString', ptr: true }, 2: m('selector', labelSelector),
    3: { name: 'maxUnavailable', type: 'intOrString', ptr: true }, 4: s('unhealthyPodEvictionPolicy', { ptr: true }),
  }),
  3: ignored('status'),
};
MESSAGES['batch/v1/Job'] = { 1: m('metadata', objectMeta), 2: m('spec', jobSpec), 3: ignored('status') };
MESSAGES['batch/v1/CronJob'] = {
  1: m('metadata', objectMeta),
  2: m('spec', {
    1: s('schedule'), 2: i64('startingDeadlineSeconds', { ptr: true }), 3: s('concurrencyPolicy'), 4: b('suspend', { ptr: true }),
    5: m('jobTemplate', { 1: m('metadata', objectMeta), 2: m('spec', jobSpec) }),
    6: i32('successfulJobsHistoryLimit', { ptr: true }), 7: i32('failedJobsHistoryLimit', { ptr: true }), 8: s('timeZone', { ptr: true }),
  }),
  3: ignored('status'),
};
