// Compact, hand-written OpenAPI v3 schemas of the built-in kinds. One source for: unknown-field detection
// (strict decoding), type checks, schema defaults, strategic-merge-patch keys and server-side-apply list types.
// Coverage: every field of the kinds' top two levels and of PodSpec/Container/Service ports; deeper,
// rarely-taught structures (probes' handlers, affinity, securityContext, volume sources) are kept open
// (x-kubernetes-preserve-unknown-fields) so they are stored as given but not checked field by field.
import type { JSONSchema } from './structural.js';
import { CRD_SCHEMA } from '../crd/crd-schema.js';

const str: JSONSchema = { type: 'string' };
const bool: JSONSchema = { type: 'boolean' };
const int32: JSONSchema = { type: 'integer', format: 'int32' };
const int64: JSONSchema = { type: 'integer', format: 'int64' };
const time: JSONSchema = { type: 'string', format: 'date-time' };
const intOrString: JSONSchema = { 'x-kubernetes-int-or-string': true };
const open: JSONSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const quantity: JSONSchema = { 'x-kubernetes-int-or-string': true };

const obj = (properties: Record<string, JSONSchema>, extra: JSONSchema = {}): JSONSchema => ({ type: 'object', properties, ...extra });
const atomicObj = (properties: Record<string, JSONSchema>, extra: JSONSchema = {}): JSONSchema =>
  obj(properties, { 'x-kubernetes-map-type': 'atomic', ...extra });
const mapOf = (s: JSONSchema): JSONSchema => ({ type: 'object', additionalProperties: s });
const list = (items: JSONSchema): JSONSchema => ({ type: 'array', items, 'x-kubernetes-list-type': 'atomic' });
/** A list merged by a key: strategic merge patch (patchMergeKey) and server-side apply (list-map-keys). */
const keyed = (key: string, items: JSONSchema, mapKeys: string[] = [key], strategy = 'merge'): JSONSchema => ({
  type: 'array',
  items,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': mapKeys,
  'x-kubernetes-patch-merge-key': key,
  'x-kubernetes-patch-strategy': strategy,
});
const set = (items: JSONSchema): JSONSchema => ({ type: 'array', items, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
const withDefault = (s: JSONSchema, value: unknown): JSONSchema => ({ ...s, default: value });
const oneOf = (values: string[]): JSONSchema => ({ type: 'string', enum: values });

export const ownerReference = obj(
  { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
  { required: ['apiVersion', 'kind', 'name', 'uid'], 'x-kubernetes-map-type': 'atomic' },
);

export const objectMeta = obj({
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int64,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: int64,
  labels: mapOf(str),
  annotations: mapOf(str),
  ownerReferences: keyed('uid', ownerReference),
  finalizers: set(str),
  managedFields: list(open),
});

const labelSelector = atomicObj({
  matchLabels: mapOf(str),
  matchExpressions: list(obj({ key: str, operator: str, values: list(str) }, { required: ['key', 'operator'] })),
});

const keyToPath = obj({ key: str, path: str, mode: int32 }, { required: ['key', 'path'] });
const volume = obj(
  {
    name: str,
    configMap: obj({ name: str, items: list(keyToPath), defaultMode: int32, optional: bool }),
    secret: obj({ secretName: str, items: list(keyToPath), defaultMode: int32, optional: bool }),
    emptyDir: obj({ medium: str, sizeLimit: quantity }),
    hostPath: obj({ path: str, type: str }),
    projected: open,
    downwardAPI: open,
    persistentVolumeClaim: obj({ claimName: str, readOnly: bool }),
    csi: open,
    ephemeral: open,
  },
  { required: ['name'] },
);

const envVar = obj(
  {
    name: str,
    value: str,
    valueFrom: obj({
      fieldRef: atomicObj({ apiVersion: str, fieldPath: str }),
      resourceFieldRef: atomicObj({ containerName: str, resource: str, divisor: quantity }),
      configMapKeyRef: atomicObj({ name: str, key: str, optional: bool }),
      secretKeyRef: atomicObj({ name: str, key: str, optional: bool }),
    }),
  },
  { required: ['name'] },
);

const containerPort = obj(
  { name: str, containerPort: int32, protocol: withDefault(oneOf(['TCP', 'UDP', 'SCTP']), 'TCP'), hostPort: int32, hostIP: str },
  { required: ['containerPort'] },
);

const probe = obj({
  httpGet: obj({ path: str, port: intOrString, host: str, scheme: str, httpHeaders: list(obj({ name: str, value: str })) }),
  tcpSocket: obj({ port: intOrString, host: str }),
  exec: obj({ command: list(str) }),
  grpc: obj({ port: int32, service: str }),
  initialDelaySeconds: int32,
  timeoutSeconds: int32,
  periodSeconds: int32,
  successThreshold: int32,
  failureThreshold: int32,
  terminationGracePeriodSeconds: int64,
});

const resources = obj({ limits: mapOf(quantity), requests: mapOf(quantity), claims: list(open) });

const container = obj(
  {
    name: str,
    image: str,
    command: list(str),
    args: list(str),
    workingDir: str,
    ports: keyed('containerPort', containerPort, ['containerPort', 'protocol']),
    envFrom: list(obj({ prefix: str, configMapRef: obj({ name: str, optional: bool }), secretRef: obj({ name: str, optional: bool }) })),
    env: keyed('name', envVar),
    resources,
    resizePolicy: list(open),
    restartPolicy: str,
    volumeMounts: keyed('mountPath', obj({ name: str, mountPath: str, subPath: str, readOnly: bool, mountPropagation: str, subPathExpr: str, recursiveReadOnly: str }, { required: ['name', 'mountPath'] })),
    volumeDevices: keyed('devicePath', open),
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    lifecycle: open,
    terminationMessagePath: str,
    terminationMessagePolicy: str,
    imagePullPolicy: oneOf(['Always', 'Never', 'IfNotPresent']),
    securityContext: open,
    stdin: bool,
    stdinOnce: bool,
    tty: bool,
  },
  { required: ['name'] },
);

export const podSpec = obj(
  {
    volumes: keyed('name', volume, ['name'], 'merge,retainKeys'),
    initContainers: keyed('name', container),
    containers: keyed('name', container),
    ephemeralContainers: keyed('name', open),
    restartPolicy: withDefault(oneOf(['Always', 'OnFailure', 'Never']), 'Always'),
    terminationGracePeriodSeconds: withDefault(int64, 30),
    activeDeadlineSeconds: int64,
    dnsPolicy: withDefault(str, 'ClusterFirst'),
    nodeSelector: mapOf(str),
    serviceAccountName: str,
    serviceAccount: str,
    automountServiceAccountToken: bool,
    nodeName: str,
    hostNetwork: bool,
    hostPID: bool,
    hostIPC: bool,
    shareProcessNamespace: bool,
    securityContext: open,
    imagePullSecrets: keyed('name', obj({ name: str })),
    hostname: str,
    subdomain: str,
    affinity: open,
    schedulerName: withDefault(str, 'default-scheduler'),
    tolerations: list(obj({ key: str, operator: str, value: str, effect: str, tolerationSeconds: int64 })),
    hostAliases: keyed('ip', obj({ ip: str, hostnames: list(str) })),
    priorityClassName: str,
    priority: int32,
    dnsConfig: open,
    readinessGates: list(obj({ conditionType: str })),
    runtimeClassName: str,
    enableServiceLinks: withDefault(bool, true),
    preemptionPolicy: str,
    overhead: mapOf(quantity),
    topologySpreadConstraints: keyed('topologyKey', open, ['topologyKey', 'whenUnsatisfiable']),
    setHostnameAsFQDN: bool,
    os: obj({ name: str }),
    hostUsers: bool,
    schedulingGates: keyed('name', obj({ name: str })),
    resourceClaims: keyed('name', open),
    resources,
  },
  { required: ['containers'] },
);

const condition = (extra: Record<string, JSONSchema> = {}) =>
  obj({ type: str, status: str, reason: str, message: str, lastTransitionTime: time, lastUpdateTime: time, lastProbeTime: time, observedGeneration: int64, ...extra }, { required: ['type', 'status'] });

const containerState = obj({
  waiting: obj({ reason: str, message: str }),
  running: obj({ startedAt: time }),
  terminated: obj({ exitCode: int32, signal: int32, reason: str, message: str, startedAt: time, finishedAt: time, containerID: str }),
});
const containerStatus = obj({
  name: str,
  state: containerState,
  lastState: containerState,
  ready: bool,
  restartCount: int32,
  image: str,
  imageID: str,
  containerID: str,
  started: bool,
  allocatedResources: mapOf(quantity),
  resources: open,
  volumeMounts: list(open),
  user: open,
  allocatedResourcesStatus: list(open),
});

const podStatus = obj({
  phase: str,
  conditions: keyed('type', condition()),
  message: str,
  reason: str,
  nominatedNodeName: str,
  hostIP: str,
  hostIPs: keyed('ip', obj({ ip: str })),
  podIP: str,
  podIPs: keyed('ip', obj({ ip: str })),
  startTime: time,
  initContainerStatuses: list(containerStatus),
  containerStatuses: list(containerStatus),
  ephemeralContainerStatuses: list(containerStatus),
  qosClass: str,
  resize: str,
  resourceClaimStatuses: list(open),
});

const podTemplateSpec = obj({ metadata: objectMeta, spec: podSpec });

const top = (spec: Record<string, JSONSchema>, required: string[] = []): JSONSchema =>
  obj({ apiVersion: str, kind: str, metadata: objectMeta, ...spec }, required.length ? { required } : {});

const servicePort = obj(
  {
    name: str,
    protocol: withDefault(oneOf(['TCP', 'UDP', 'SCTP']), 'TCP'),
    appProtocol: str,
    port: int32,
    targetPort: intOrString,
    nodePort: int32,
  },
  { required: ['port'] },
);

const endpointAddress = obj({ ip: str, hostname: str, nodeName: str, targetRef: atomicObj({ kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str }) }, { required: ['ip'] });
const objectReference = atomicObj({ kind: str, namespace: str, name: str, uid: str, apiVersion: str, resourceVersion: str, fieldPath: str });

const networkPolicyPeer = obj({
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock: obj({ cidr: str, except: list(str) }), // cidr required: validation says so, with upstream's message
});
const networkPolicyPort = obj({ protocol: withDefault(str, 'TCP'), port: intOrString, endPort: int32 });

const deploymentStrategy = obj(
  { type: oneOf(['Recreate', 'RollingUpdate']), rollingUpdate: obj({ maxUnavailable: intOrString, maxSurge: intOrString }) },
  { 'x-kubernetes-patch-strategy': 'retainKeys' },
);

const jobSpec: JSONSchema = obj(
  {
    parallelism: int32,
    completions: int32,
    activeDeadlineSeconds: int64,
    podFailurePolicy: open,
    successPolicy: open,
    backoffLimit: int32,
    backoffLimitPerIndex: int32,
    maxFailedIndexes: int32,
    selector: labelSelector,
    manualSelector: bool,
    template: podTemplateSpec,
    ttlSecondsAfterFinished: int32,
    completionMode: str,
    suspend: bool,
    podReplacementPolicy: str,
    managedBy: str,
  },
  { required: ['template'] },
);
const jobStatus: JSONSchema = obj({
  conditions: keyed('type', condition({ lastProbeTime: time })),
  startTime: time,
  completionTime: time,
  active: int32,
  succeeded: int32,
  failed: int32,
  terminating: int32,
  completedIndexes: str,
  failedIndexes: str,
  uncountedTerminatedPods: obj({ succeeded: set(str), failed: set(str) }),
  ready: int32,
});

// rbac.authorization.k8s.io/v1: rules and subjects are atomic lists, roleRef and subjects atomic maps, as upstream.
// Required fields (verbs, roleRef and its kind/name, a subject's kind/name) are checked by validation/rbac-rules.ts
// with the apiserver's messages, after roleRef.apiGroup and subjects' apiGroup are defaulted.
const policyRule = obj({ apiGroups: list(str), resources: list(str), verbs: list(str), resourceNames: list(str), nonResourceURLs: list(str) });
const roleRef = atomicObj({ apiGroup: str, kind: str, name: str });
const rbacSubject = atomicObj({ kind: str, apiGroup: str, name: str, namespace: str });
const roleBinding = top({ subjects: list(rbacSubject), roleRef });

/** Schemas by `group/Kind` ('' group for core). */
export const BUILTIN_SCHEMAS: Record<string, JSONSchema> = {
  'apiextensions.k8s.io/CustomResourceDefinition': CRD_SCHEMA,
  '/Namespace': top({
    spec: obj({ finalizers: list(str) }),
    status: obj({ phase: str, conditions: keyed('type', condition()) }),
  }),
  '/Pod': top({ spec: podSpec, status: podStatus }),
  '/Service': top({
    spec: obj({
      ports: keyed('port', servicePort, ['port', 'protocol']),
      selector: { ...mapOf(str), 'x-kubernetes-map-type': 'atomic' },
      clusterIP: str,
      clusterIPs: list(str),
      type: withDefault(oneOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']), 'ClusterIP'),
      externalIPs: list(str),
      sessionAffinity: withDefault(oneOf(['None', 'ClientIP']), 'None'),
      loadBalancerIP: str,
      loadBalancerSourceRanges: list(str),
      externalName: str,
      externalTrafficPolicy: str,
      healthCheckNodePort: int32,
      publishNotReadyAddresses: bool,
      sessionAffinityConfig: open,
      ipFamilies: list(str),
      ipFamilyPolicy: str,
      allocateLoadBalancerNodePorts: bool,
      loadBalancerClass: str,
      internalTrafficPolicy: str,
      trafficDistribution: str,
    }),
    status: obj({ loadBalancer: open, conditions: keyed('type', condition()) }),
  }),
  '/Endpoints': top({
    subsets: list(obj({
      addresses: list(endpointAddress),
      notReadyAddresses: list(endpointAddress),
      ports: list(obj({ name: str, port: int32, protocol: str, appProtocol: str }, { required: ['port'] })),
    })),
  }),
  '/ConfigMap': top({ data: mapOf(str), binaryData: mapOf({ type: 'string', format: 'byte' }), immutable: bool }),
  '/Secret': top({ data: mapOf({ type: 'string', format: 'byte' }), stringData: mapOf(str), type: str, immutable: bool }),
  '/ServiceAccount': top({
    secrets: keyed('name', objectReference),
    imagePullSecrets: list(obj({ name: str })),
    automountServiceAccountToken: bool,
  }),
  '/Event': top({
    involvedObject: objectReference,
    reason: str,
    message: str,
    source: obj({ component: str, host: str }),
    firstTimestamp: time,
    lastTimestamp: time,
    count: int32,
    type: str,
    eventTime: { type: 'string' },
    series: open,
    action: str,
    related: objectReference,
    reportingComponent: str,
    reportingInstance: str,
  }, ['involvedObject']),
  '/ResourceQuota': top({
    spec: obj({
      hard: mapOf(quantity),
      scopes: list(str),
      scopeSelector: atomicObj({
        matchExpressions: list(obj({ scopeName: str, operator: str, values: list(str) }, { required: ['scopeName', 'operator'] })),
      }),
    }),
    status: obj({ hard: mapOf(quantity), used: mapOf(quantity) }),
  }),
  '/LimitRange': top({
    spec: obj({
      limits: list(obj({
        type: str,
        max: mapOf(quantity),
        min: mapOf(quantity),
        default: mapOf(quantity),
        defaultRequest: mapOf(quantity),
        maxLimitRequestRatio: mapOf(quantity),
      }, { required: ['type'] })),
    }, { required: ['limits'] }),
  }),
  'apps/Deployment': top({
    spec: obj(
      {
        replicas: withDefault(int32, 1),
        selector: labelSelector,
        template: podTemplateSpec,
        strategy: withDefault(deploymentStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }),
        minReadySeconds: int32,
        revisionHistoryLimit: withDefault(int32, 10),
        paused: bool,
        progressDeadlineSeconds: withDefault(int32, 600),
      },
      { required: ['selector', 'template'] },
    ),
    status: obj({
      observedGeneration: int64,
      replicas: int32,
      updatedReplicas: int32,
      readyReplicas: int32,
      availableReplicas: int32,
      unavailableReplicas: int32,
      terminatingReplicas: int32,
      conditions: keyed('type', condition()),
      collisionCount: int32,
    }),
  }),
  'apps/ReplicaSet': top({
    spec: obj(
      { replicas: withDefault(int32, 1), minReadySeconds: int32, selector: labelSelector, template: podTemplateSpec },
      { required: ['selector'] },
    ),
    status: obj({
      replicas: int32,
      fullyLabeledReplicas: int32,
      readyReplicas: int32,
      availableReplicas: int32,
      terminatingReplicas: int32,
      observedGeneration: int64,
      conditions: keyed('type', condition()),
    }),
  }),
  // batch/v1 (k8s.io/api/batch/v1 types.go): defaults as SetDefaults_Job / SetDefaults_CronJob write them.
  'batch/Job': top({ spec: jobSpec, status: jobStatus }),
  'batch/CronJob': top({
    spec: obj(
      {
        schedule: str,
        timeZone: str,
        startingDeadlineSeconds: int64,
        concurrencyPolicy: withDefault(str, 'Allow'), // values checked by validation, with upstream's message
        suspend: withDefault(bool, false),
        jobTemplate: obj({ metadata: objectMeta, spec: jobSpec }),
        successfulJobsHistoryLimit: withDefault(int32, 3),
        failedJobsHistoryLimit: withDefault(int32, 1),
      },
      { required: ['schedule', 'jobTemplate'] },
    ),
    status: obj({ active: list(objectReference), lastScheduleTime: time, lastSuccessfulTime: time }),
  }),
  'apps/StatefulSet': top({
    spec: obj(
      {
        replicas: withDefault(int32, 1),
        selector: labelSelector,
        template: podTemplateSpec,
        volumeClaimTemplates: list(open),
        serviceName: str,
        podManagementPolicy: withDefault(str, 'OrderedReady'),
        updateStrategy: withDefault(obj({ type: str, rollingUpdate: obj({ partition: int32, maxUnavailable: intOrString }) }), { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }),
        revisionHistoryLimit: withDefault(int32, 10),
        minReadySeconds: int32,
        persistentVolumeClaimRetentionPolicy: withDefault(obj({ whenDeleted: str, whenScaled: str }), { whenDeleted: 'Retain', whenScaled: 'Retain' }),
        ordinals: obj({ start: int32 }),
      },
      { required: ['selector', 'template'] },
    ),
    status: obj({
      observedGeneration: int64,
      replicas: int32,
      readyReplicas: int32,
      currentReplicas: int32,
      updatedReplicas: int32,
      currentRevision: str,
      updateRevision: str,
      collisionCount: int32,
      conditions: keyed('type', condition()),
      availableReplicas: int32,
    }),
  }),
  'apps/DaemonSet': top({
    spec: obj(
      {
        selector: labelSelector,
        template: podTemplateSpec,
        updateStrategy: withDefault(obj({ type: str, rollingUpdate: obj({ maxUnavailable: intOrString, maxSurge: intOrString }) }), { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }),
        minReadySeconds: int32,
        revisionHistoryLimit: withDefault(int32, 10),
      },
      { required: ['selector', 'template'] },
    ),
    status: obj({
      currentNumberScheduled: int32,
      numberMisscheduled: int32,
      desiredNumberScheduled: int32,
      numberReady: int32,
      observedGeneration: int64,
      updatedNumberScheduled: int32,
      numberAvailable: int32,
      numberUnavailable: int32,
      collisionCount: int32,
      conditions: keyed('type', condition()),
    }),
  }),
  '/Node': top({
    spec: obj({ podCIDR: str, podCIDRs: list(str), providerID: str, unschedulable: bool, taints: list(obj({ key: str, value: str, effect: str, timeAdded: time })), configSource: open, externalID: str }),
    status: obj({
      capacity: mapOf(quantity),
      allocatable: mapOf(quantity),
      phase: str,
      conditions: keyed('type', condition({ lastHeartbeatTime: time })),
      addresses: keyed('type', obj({ type: str, address: str })),
      daemonEndpoints: open,
      nodeInfo: obj({
        machineID: str, systemUUID: str, bootID: str, kernelVersion: str, osImage: str, containerRuntimeVersion: str,
        kubeletVersion: str, kubeProxyVersion: str, operatingSystem: str, architecture: str,
      }),
      images: list(open),
      volumesInUse: list(str),
      volumesAttached: list(open),
      config: open,
      runtimeHandlers: list(open),
      features: open,
    }),
  }),
  'discovery.k8s.io/EndpointSlice': top({
    addressType: oneOf(['IPv4', 'IPv6', 'FQDN']),
    endpoints: list(obj({
      addresses: set(str),
      conditions: obj({ ready: bool, serving: bool, terminating: bool }),
      hostname: str,
      targetRef: objectReference,
      deprecatedTopology: mapOf(str),
      nodeName: str,
      zone: str,
      hints: open,
    }, { required: ['addresses'] })),
    ports: list(obj({ name: str, protocol: str, port: int32, appProtocol: str })),
  }, ['addressType', 'endpoints']),
  'networking.k8s.io/NetworkPolicy': top({
    spec: obj({
      podSelector: labelSelector,
      ingress: list(obj({ from: list(networkPolicyPeer), ports: list(networkPolicyPort) })),
      egress: list(obj({ to: list(networkPolicyPeer), ports: list(networkPolicyPort) })),
      policyTypes: list(str), // values checked by validation, with upstream's message
    }),
  }),
  // policy/v1 (k8s.io/api/policy/v1 types.go); minAvailable/maxUnavailable rules in validation/disruption-budget-rules.ts.
  'policy/PodDisruptionBudget': top({
    spec: obj({
      minAvailable: intOrString,
      maxUnavailable: intOrString,
      selector: labelSelector,
      unhealthyPodEvictionPolicy: str,
    }),
    status: obj({
      observedGeneration: int64,
      disruptedPods: mapOf(time),
      disruptionsAllowed: int32,
      currentHealthy: int32,
      desiredHealthy: int32,
      expectedPods: int32,
      conditions: keyed('type', condition()),
    }, { required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] }),
  }),
  'rbac.authorization.k8s.io/Role': top({ rules: list(policyRule) }),
  'rbac.authorization.k8s.io/ClusterRole': top({ rules: list(policyRule), aggregationRule: obj({ clusterRoleSelectors: list(labelSelector) }) }),
  'rbac.authorization.k8s.io/RoleBinding': roleBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': roleBinding,
  'autoscaling/Scale': top({
    spec: obj({ replicas: int32 }),
    status: obj({ replicas: int32, selector: str }),
  }),
};
