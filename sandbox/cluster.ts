// The embedded cluster, assembled: object store + admission (defaulting, clusterIP allocation, the mesh's
// sidecar injection), the controllers, the node runtime with its DNS and service proxy, and the
// Kubernetes-compatible API server that kubectl and @kubernetes/client-node talk to.
import { randomBytes } from 'node:crypto';
import { ClusterApi } from './apiserver/api.js';
import { ResourceRegistry } from './apiserver/resources.js';
import { ObjectStore } from './apiserver/store.js';
import { StaticTokenAuthenticator } from './apiserver/auth.js';
import { createApiServer } from './apiserver/http-server.js';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createServingCertificate, type ServingCertificate } from './cluster-tls.js';
import { kubeconfigYaml } from './apiserver/kubeconfig.js';
import { registerSampleImages } from './apps/index.js';
import { defaultingAdmission } from './controllers/defaulting.js';
import { DeploymentController } from './controllers/deployment.js';
import { EndpointsController } from './controllers/endpoints.js';
import { EventRecorder } from './controllers/event-recorder.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { NamespaceController } from './controllers/namespace.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { ServiceAccountController } from './controllers/service-account.js';
import { applyObjects, parseManifest, readManifest } from './manifests/load.js';
import { installMesh, type Mesh } from './mesh/index.js';
import { AddressPool, SERVICE_CIDR } from './runtime/addresses.js';
import { ClusterDns } from './runtime/dns.js';
import type { Deployment } from './runtime/kinds.js';
import { PodRuntime } from './runtime/pod-runtime.js';
import { ServiceProxy } from './runtime/service-proxy.js';

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
  /** First crash-restart back-off (kubelet: 10 s); tests make it short. */
  restartBackoffBaseMs?: number;
  /** First image-pull back-off (kubelet: 10 s). */
  imagePullBackoffBaseMs?: number;
  /** Back-off cap (kubelet: 300 s). */
  backoffCapMs?: number;
  /** How often readiness is re-checked (default 1 s). */
  readinessIntervalMs?: number;
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
  const api = new ClusterApi(new ObjectStore(), ResourceRegistry.default());
  const servicePool = new AddressPool(SERVICE_CIDR);
  await servicePool.claimBlock();
  // The `kubernetes` Service takes the first clusterIP, as 10.96.0.1 on a kubeadm cluster.
  const kubernetesIP = servicePool.firstAddress();
  const defaulting = defaultingAdmission(api, servicePool);
  api.use(defaulting);
  const mesh = opts.mesh === false ? undefined : await installMesh(api);
  // Defaults again after mutation (the injected sidecar container gets them too), as the API server does.
  if (mesh) api.use(defaulting);

  const events = new EventRecorder(api);
  const dns = new ClusterDns(api);
  const proxy = new ServiceProxy(api, events);
  const runtime = new PodRuntime({
    api,
    events,
    dns,
    restartBackoffBaseMs: opts.restartBackoffBaseMs,
    imagePullBackoffBaseMs: opts.imagePullBackoffBaseMs,
    backoffCapMs: opts.backoffCapMs,
    readinessIntervalMs: opts.readinessIntervalMs,
  });
  const controllers = [
    new NamespaceController(api),
    new ServiceAccountController(api),
    new GarbageCollector(api),
    new DeploymentController(api, events),
    new ReplicaSetController(api, events),
    new EndpointsController(api),
  ];
  dns.start();
  proxy.start();
  for (const c of controllers) c.start();
  runtime.start();

  const stopAll = async () => {
    for (const c of controllers) c.stop();
    events.stop();
    await runtime.stop();
    await proxy.stop();
    dns.stop();
    mesh?.stop();
    await servicePool.close();
  };

  const nsType = api.type('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (!api.tryGet(nsType, undefined, name)) api.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  const token = opts.token ?? randomBytes(24).toString('hex');
  const authenticator = new StaticTokenAuthenticator().add(token, { user: 'sandbox-admin', namespaces: '*' });
  let listener: ApiListener | undefined;
  let url = '';
  let caCertificate = '';
  try {
    if (opts.serveApi !== false) {
      const host = opts.host ?? '127.0.0.1';
      const names = [host, '127.0.0.1', 'localhost', kubernetesIP, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
      const tls = await createServingCertificate(names);
      caCertificate = tls.caPem;
      listener = await listen(createApiServer({ api, authenticator, logs: runtime }), tls, host, opts.port ?? 0);
      url = listener.url;
      registerKubernetesService(api, kubernetesIP, listener.host, listener.port);
      if (opts.kubeconfigPath) writeKubeconfig(opts.kubeconfigPath, url, token, tls.caPem);
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

/**
 * Serve the API handler over HTTPS: the API server's request handler runs behind a TLS listener (its own
 * http.Server never listens; closing it still ends its long-lived watch and log streams).
 */
function listen(api: Server, tls: ServingCertificate, host: string, port: number): Promise<ApiListener> {
  const server = createHttpsServer({ key: tls.keyPem, cert: tls.certPem + tls.caPem }, (req, res) => api.emit('request', req, res));
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
            api.close(() => undefined);
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** kubectl's kubeconfig for the sandbox: the API server's CA and the admin token (owner-readable only). */
function writeKubeconfig(path: string, server: string, token: string, caPem: string): void {
  const config = parseYaml(kubeconfigYaml({ server, token })) as { clusters: { cluster: Record<string, string> }[] };
  for (const c of config.clusters) c.cluster['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  writeFileSync(path, stringifyYaml(config), { mode: 0o600 });
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
    const want = d.spec.replicas ?? 1;
    const s = d.status ?? {};
    const done =
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
      (s.updatedReplicas ?? 0) === want &&
      (s.replicas ?? 0) === want &&
      (s.availableReplicas ?? 0) === want;
    if (!done) waiting.push(`${d.metadata.name} (${s.availableReplicas ?? 0}/${want} available)`);
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
