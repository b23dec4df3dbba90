// The embedded cluster, assembled: object store + admission (defaulting, clusterIP allocation, the mesh's
// sidecar injection), the controllers, the node runtime with its DNS and service proxy, and the
// Kubernetes-compatible API server that kubectl and @kubernetes/client-node talk to.
import { randomBytes } from 'node:crypto';
import { ClusterApi } from './apiserver/api.js';
import { ResourceRegistry } from './apiserver/resources.js';
import { ObjectStore } from './apiserver/store.js';
import { adminIdentity, StaticTokenAuthenticator } from './apiserver/auth.js';
import { ensureBootstrapPolicy } from './apiserver/rbac/bootstrap-policy.js';
import { createApiServer } from './apiserver/http-server.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServingCertificate } from './apiserver/serving-certificate.js';
import { writeKubeconfig } from './apiserver/kubeconfig.js';
import { registerSampleImages } from './apps/index.js';
import { defaultingAdmission } from './controllers/defaulting.js';
import { DeploymentController } from './controllers/deployment.js';
import { EndpointsController } from './controllers/endpoints.js';
import { EventRecorder } from './controllers/event-recorder.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { NamespaceController } from './controllers/namespace.js';
import { ResourceQuotaController } from './controllers/resource-quota.js';
import { limitRangeAdmission } from './apiserver/admission/limit-range.js';
import { resourceQuotaAdmission } from './apiserver/admission/resource-quota.js';
import { namespaceLifecycleAdmission } from './apiserver/admission/namespace-lifecycle.js';
import { noHostAccessAdmission } from './apiserver/admission/no-host-access.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { JobController } from './controllers/job.js';
import { CronJobController } from './controllers/cronjob.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { DaemonSetController } from './controllers/daemonset.js';
import type { ControllerClock } from './controllers/clock.js';
import { NodeStatusReporter } from './runtime/node-status.js';
import { ResourceMetrics } from './runtime/resource-metrics.js';
import { ServiceAccountController } from './controllers/service-account.js';
import { ClusterRoleAggregationController } from './controllers/cluster-role-aggregation.js';
import { applyObjects, parseManifest, readManifest } from './manifests/load.js';
import { installMesh, ISTIO_ROOT_NAMESPACE, type Mesh } from './mesh/index.js';
import { AddressPool, SERVICE_CIDR } from './runtime/addresses.js';
import { ClusterDns } from './runtime/dns.js';
import type { Deployment } from './runtime/kinds.js';
import { deploymentRolloutStatus } from '../kubernetes/rollout-status.js';
import { registerWorkloadImages } from './runtime/images.js';
import { PodRuntime } from './runtime/pod-runtime.js';
import type { WorkloadFactory } from './runtime/workload.js';
import { ServiceProxy } from './runtime/service-proxy.js';
import { NodeNetwork } from './runtime/network/node-network.js';
import { endpointsAdmission } from './runtime/network/endpoints-admission.js';

export interface SandboxOptions {
  /** Where the API server listens (default 127.0.0.1). */
  host?: string;
  /** API server port; 0 = any free port (default). */
  port?: number;
  /** Write a kubeconfig for kubectl here. */
  kubeconfigPath?: string;
  /** The admin bearer token; random if absent. */
  token?: string;
  /** Deploy bookinfo into the `default` namespace. */
  deploySample?: boolean;
  /** Install the service mesh (control plane, sidecar injection, sidecar image); default true. */
  mesh?: boolean;
  /** Serve the Kubernetes REST API over HTTP; default true (false: in-process only, `url` is empty). */
  serveApi?: boolean;
  /**
   * First crash-restart back-off (kubelet: 10 s); tests make it short. The Job controller's delay before
   * replacing a failed pod (upstream also 10 s, doubling) uses it too.
   */
  restartBackoffBaseMs?: number;
  /** First image-pull back-off (kubelet: 10 s). */
  imagePullBackoffBaseMs?: number;
  /** Back-off cap (kubelet: 300 s). */
  backoffCapMs?: number;
  /** How often readiness is re-checked (default 1 s). */
  readinessIntervalMs?: number;
  /** Longest a stopping container is waited for before it counts as killed (default 2 s; a deleted pod's grace period bounds it too). */
  stopTimeoutMs?: number;
  /** Most pods the sandbox runs at once (runtime/capacity-guard.ts DEFAULT_MAX_PODS); more wait Pending. */
  maxPods?: number;
  /** The process RSS beyond which new pods wait Pending (capacity-guard.ts DEFAULT_MEMORY_BUDGET_BYTES). */
  memoryBudgetBytes?: number;
  /** How often pods waiting for room are tried again (capacity-guard.ts DEFAULT_CAPACITY_RETRY_MS). */
  capacityRetryMs?: number;
  /**
   * Extra images by full reference (`playground/loadgen:v1`), built outside the sandbox: the composition
   * root passes them, since the sandbox imports nothing from the playground server.
   */
  images?: Record<string, WorkloadFactory>;
  /** The CronJob controller's clock (default: real time); tests pass a ManualClock to run schedules. */
  clock?: ControllerClock;
}

export interface Sandbox {
  /** The API server URL (https://host:port), empty when serveApi is false. */
  url: string;
  token: string;
  /** PEM of the CA that signed the API server's certificate (also in the kubeconfig). */
  caCertificate: string;
  api: ClusterApi;
  authenticator: StaticTokenAuthenticator;
  runtime: PodRuntime;
  mesh?: Mesh;
  /** Resolves once every Deployment in the namespace is fully rolled out and available. */
  waitForReady(namespace: string, timeoutMs: number): Promise<void>;
  /** Stops every pod's workloads and closes every listener, so the process can exit. */
  stop(): Promise<void>;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  registerSampleImages();
  if (opts.images) registerWorkloadImages(opts.images);
  const api = new ClusterApi(new ObjectStore(), ResourceRegistry.default());
  const servicePool = new AddressPool(SERVICE_CIDR);
  await servicePool.claimBlock();
  // The `kubernetes` Service takes the first clusterIP, as 10.96.0.1 on a kubeadm cluster.
  const kubernetesIP = servicePool.firstAddress();
  // The system namespaces cannot be deleted (upstream NamespaceLifecycle admission).
  api.use(namespaceLifecycleAdmission());
  // No pod gets host namespaces or hostPath: there is no host behind the simulated node (kubectl debug node/…).
  api.use(noHostAccessAdmission());
  const defaulting = defaultingAdmission(api, servicePool);
  api.use(defaulting);
  const mesh = opts.mesh === false ? undefined : await installMesh(api);
  // Defaults again after mutation (the injected sidecar container gets them too), as the API server does.
  if (mesh) api.use(defaulting);
  // After defaulting and injection (the sidecar gets LimitRange defaults too), as the API server orders them.
  api.use(limitRangeAdmission(api));
  api.use(resourceQuotaAdmission(api));

  const events = new EventRecorder(api);
  const network = new NodeNetwork(api, servicePool, events);
  // Endpoints a client writes may name only pods of their namespace (the sandbox's own controllers are trusted).
  api.use(endpointsAdmission(network.book));
  const dns = new ClusterDns(api);
  const proxy = new ServiceProxy(api, network.book, events);
  const runtime = new PodRuntime({
    api,
    events,
    dns,
    network,
    restartBackoffBaseMs: opts.restartBackoffBaseMs,
    imagePullBackoffBaseMs: opts.imagePullBackoffBaseMs,
    backoffCapMs: opts.backoffCapMs,
    readinessIntervalMs: opts.readinessIntervalMs,
    stopTimeoutMs: opts.stopTimeoutMs,
    capacity: { maxPods: opts.maxPods, memoryBudgetBytes: opts.memoryBudgetBytes },
    capacityRetryMs: opts.capacityRetryMs,
  });
  const controllers = [
    new NamespaceController(api),
    new ServiceAccountController(api),
    new GarbageCollector(api),
    new DeploymentController(api, events),
    new ReplicaSetController(api, events),
    new EndpointsController(api),
    new ResourceQuotaController(api),
    new ClusterRoleAggregationController(api),
    new JobController(api, events, { podFailureBackoffBaseMs: opts.restartBackoffBaseMs }),
    new CronJobController(api, events, opts.clock),
    new StatefulSetController(api, events),
    new DaemonSetController(api, events, runtime.nodeName),
  ];
  const node = new NodeStatusReporter(api, { nodeName: runtime.nodeName, hostIP: runtime.hostIP, capacity: runtime.capacity });
  const metrics = new ResourceMetrics(runtime, network.traffic, {
    name: runtime.nodeName,
    labels: () => api.tryGet(api.type('', 'nodes'), undefined, runtime.nodeName)?.metadata.labels ?? {},
  });
  network.start();
  dns.start();
  proxy.start();
  for (const c of controllers) c.start();
  node.start();
  metrics.start();
  runtime.start();

  const stopAll = async () => {
    for (const c of controllers) c.stop();
    node.stop();
    metrics.stop();
    events.stop();
    await runtime.stop();
    await proxy.stop();
    dns.stop();
    network.stop();
    mesh?.stop();
    await servicePool.close();
  };

  const nsType = api.type('', 'namespaces');
  // With the mesh, Istio's root namespace exists as after an Istio install: its tasks apply mesh-wide policy there.
  for (const name of mesh ? [...SYSTEM_NAMESPACES, ISTIO_ROOT_NAMESPACE] : SYSTEM_NAMESPACES) {
    if (!api.tryGet(nsType, undefined, name)) api.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  // RBAC's default roles and bindings (cluster-admin for system:masters, discovery for everyone authenticated).
  ensureBootstrapPolicy(api);

  const token = opts.token ?? randomBytes(24).toString('hex');
  const authenticator = new StaticTokenAuthenticator().add(token, adminIdentity());
  let listener: ApiListener | undefined;
  let url = '';
  let caCertificate = '';
  try {
    if (opts.serveApi !== false) {
      const host = opts.host ?? '127.0.0.1';
      const names = [host, '127.0.0.1', 'localhost', kubernetesIP, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
      const tls = await createServingCertificate(names);
      caCertificate = tls.caPem;
      runtime.setServiceAccountTokens(authenticator, tls.caPem);
      const server = createApiServer({ api, authenticator, logs: runtime, streams: runtime, proxyTargets: network.book, tokenIssuer: authenticator, metrics, tls: { key: tls.keyPem, cert: tls.certPem + tls.caPem } });
      listener = await listen(server, host, opts.port ?? 0);
      url = listener.url;
      registerKubernetesService(api, kubernetesIP, listener.host, listener.port);
      if (opts.kubeconfigPath) writeKubeconfig(opts.kubeconfigPath, { server: url, token, certificateAuthority: tls.caPem });
    }
    if (opts.deploySample) applyObjects(api, parseManifest(readManifest('bookinfo')), 'default');
  } catch (err) {
    await listener?.close();
    await stopAll();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    token,
    caCertificate,
    api,
    authenticator,
    runtime,
    mesh,
    waitForReady: (namespace, timeoutMs) => waitForDeployments(api, namespace, timeoutMs),
    stop: () =>
      (stopped ??= (async () => {
        await listener?.close();
        await stopAll();
      })()),
  };
}

interface ApiListener {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<ApiListener> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        url: `https://${urlHost}:${addr.port}`,
        host: addr.address,
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** The `kubernetes` Service in default: its clusterIP forwards to the API server, as in-cluster clients expect. */
function registerKubernetesService(api: ClusterApi, clusterIP: string, host: string, port: number): void {
  const svcType = api.type('', 'services');
  const epType = api.type('', 'endpoints');
  if (!api.tryGet(svcType, 'default', 'kubernetes')) {
    api.create(svcType, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
    });
  }
  const endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: host }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
  const existing = api.tryGet(epType, 'default', 'kubernetes');
  if (existing) api.update(epType, { ...existing, subsets: endpoints.subsets });
  else api.create(epType, endpoints);
}

/** Every Deployment in `namespace` rolled out (as `kubectl rollout status` judges) and available. */
export function deploymentsReady(api: ClusterApi, namespace: string): { ready: boolean; waiting: string[] } {
  const waiting: string[] = [];
  for (const d of api.list(api.type('apps', 'deployments'), namespace).items as Deployment[]) {
    if (!deploymentRolloutStatus(d).done) waiting.push(`${d.metadata.name} (${d.status?.availableReplicas ?? 0}/${d.spec.replicas ?? 1} available)`);
  }
  return { ready: waiting.length === 0, waiting };
}

function waitForDeployments(api: ClusterApi, namespace: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const unwatch: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    let checkScheduled = false;
    const finish = (err?: Error) => {
      for (const u of unwatch.splice(0)) u();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      checkScheduled = false;
      if (deploymentsReady(api, namespace).ready) finish();
    };
    const schedule = () => {
      if (checkScheduled) return;
      checkScheduled = true;
      setImmediate(check);
    };
    timer = setTimeout(() => {
      const { waiting } = deploymentsReady(api, namespace);
      finish(new Error(`deployments in namespace "${namespace}" not ready after ${timeoutMs} ms: ${waiting.join(', ')}`));
    }, timeoutMs);
    unwatch.push(api.watch(api.type('apps', 'deployments'), namespace, undefined, schedule));
    schedule();
  });
}
