// The three configurations `playground bench --mesh-overhead` compares, deployed in an embedded sandbox:
// the httpbin target and a sleep client un-meshed (direct), meshed with mTLS opted out (sidecars), and
// meshed with mTLS (sidecars+mTLS). Each lives in its own namespace; load enters where an app's own calls
// would: httpbin's port for direct, the client's sidecar outbound port (with the Service's Host) when meshed.
// The sandbox is driven only through the Kubernetes API, as a real cluster would be: objects are applied
// with server-side apply, readiness is watched, and load enters through pods/portforward (the same tunnel in
// every configuration, so the deltas against direct are the sidecars' cost).
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KubeConfig } from '@kubernetes/client-node';
import { startSandbox, readManifest, LINKERD_INJECT, MTLS_ANNOTATION, SIDECAR_OUTBOUND_PORT } from '../../sandbox/index.js';
import { applyToNamespace, parseManifestText } from '../kube/apply.js';
import { ClusterConnection } from '../kube/cluster-connection.js';
import { forwardLocalPort, type LocalPortForward } from '../kube/port-forward.js';
import { waitForDeployments } from '../sessions/provisioner.js';

/** One configuration compared: its name, what it is, and the namespace it is deployed in. */
export interface OverheadLayout {
  name: string;
  description: string;
  namespace: string;
  meshed: boolean;
  mtls: boolean;
}

/** A configuration once deployed: where its load goes and what deploying it cost. */
export interface OverheadTarget extends OverheadLayout {
  /** Where the load generator sends, and the Host header it sets (undefined = the URL's). */
  url: string;
  host?: string;
  /** Process memory the configuration's pods (and sidecars) added when deployed, measured after GC. */
  deployRssBytes: number;
  deployHeapBytes: number;
}

export const OVERHEAD_LAYOUTS: readonly OverheadLayout[] = [
  { name: 'direct', description: 'no sidecars: load → port-forward → httpbin pod', namespace: 'overhead-direct', meshed: false, mtls: false },
  { name: 'sidecars', description: `load → port-forward → sleep's sidecar → plaintext → httpbin's sidecar → httpbin (${MTLS_ANNOTATION}: disabled)`, namespace: 'overhead-sidecars', meshed: true, mtls: false },
  { name: 'sidecars+mTLS', description: "load → port-forward → sleep's sidecar → mTLS → httpbin's sidecar → httpbin", namespace: 'overhead-mtls', meshed: true, mtls: true },
];

const TARGET_PATH = '/get';
const SERVICE_HOST = 'httpbin:8000';
const APP_PORT = 8080;
const READY_TIMEOUT_MS = 60_000;
/** How long a configuration may take to answer its first request with 200 (endpoints and config propagate). */
const PROBE_DEADLINE_MS = 15_000;
const PROBE_ATTEMPTS = 150;

/** A full GC when the process allows it (bench and CLI: turned on here), so memory deltas are not garbage. */
function collector(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    return () => {
      for (let i = 0; i < 3; i++) gc();
    };
  } catch {
    return () => undefined;
  }
}
export const fullGc = collector();

/** The embedded sandbox as the benchmark sees it: a cluster behind the Kubernetes API, and how to stop it. */
export interface OverheadCluster {
  connection: ClusterConnection;
  /** The port-forwards the load goes through, closed by stop(). */
  forwards: Set<LocalPortForward>;
  stop(): Promise<void>;
}

/** Starts an embedded sandbox serving the Kubernetes API on loopback, and connects to it as to any cluster. */
export async function startOverheadSandbox(): Promise<OverheadCluster> {
  const sb = await startSandbox({ host: '127.0.0.1', port: 0, readinessIntervalMs: 200 });
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromOptions({
    clusters: [{ name: 'overhead', server: sb.url, caData: Buffer.from(sb.caCertificate).toString('base64') }],
    users: [{ name: 'admin', token: sb.token }],
    contexts: [{ name: 'overhead', cluster: 'overhead', user: 'admin' }],
    currentContext: 'overhead',
  });
  const connection = new ClusterConnection(kubeconfig);
  const forwards = new Set<LocalPortForward>();
  return {
    connection,
    forwards,
    stop: async () => {
      await Promise.all([...forwards].map((f) => f.close()));
      connection.close();
      await sb.stop();
    },
  };
}

/** The namespace of the pod that starts the data plane before any configuration is measured. */
export const DATA_PLANE_NAMESPACE = 'overhead-data-plane';

/**
 * Starts the sandbox's data plane before the configurations are deployed: the sidecars run in one worker thread per
 * sandbox, started with the first meshed pod (sandbox/mesh/README.md), a fixed cost every sidecar shares. Deploying
 * one meshed sleep pod first keeps that cost out of whichever configuration would have come first; returns what it
 * added to the process's RSS after GC (the worker plus one pod and its sidecar).
 */
export async function startDataPlane(cluster: OverheadCluster): Promise<number> {
  const { admin, discovery } = cluster.connection;
  fullGc();
  const before = process.memoryUsage().rss;
  await admin.json({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DATA_PLANE_NAMESPACE, labels: { [LINKERD_INJECT]: 'enabled' } } } });
  const objects = parseManifestText(readManifest('sleep'));
  await applyToNamespace(admin, discovery, DATA_PLANE_NAMESPACE, objects);
  await waitForDeployments(admin, DATA_PLANE_NAMESPACE, objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name), READY_TIMEOUT_MS);
  fullGc();
  return process.memoryUsage().rss - before;
}

/** Deploys one configuration, waits until it serves the target path with 200 on the load's path, and measures its memory. */
export async function deployOverheadTarget(cluster: OverheadCluster, layout: OverheadLayout): Promise<OverheadTarget> {
  const { connection } = cluster;
  const { admin, discovery } = connection;
  fullGc();
  const before = process.memoryUsage();
  const annotations: Record<string, string> = layout.meshed && !layout.mtls ? { [MTLS_ANNOTATION]: 'disabled' } : {};
  await admin.json({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: layout.namespace, labels: layout.meshed ? { [LINKERD_INJECT]: 'enabled' } : {}, annotations } },
  });
  const objects = [...parseManifestText(readManifest('httpbin')), ...parseManifestText(readManifest('sleep'))];
  await applyToNamespace(admin, discovery, layout.namespace, objects);
  const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
  await waitForDeployments(admin, layout.namespace, deployments, READY_TIMEOUT_MS);
  // Direct: httpbin's own port. Meshed: the sleep pod's sidecar outbound port, which only the pod can dial.
  const entry = layout.meshed ? { pod: await podOf(connection, layout.namespace, 'sleep'), port: SIDECAR_OUTBOUND_PORT } : { pod: await podOf(connection, layout.namespace, 'httpbin'), port: APP_PORT };
  const forward = await forwardLocalPort(connection.kubeconfig, { namespace: layout.namespace, pod: entry.pod, port: entry.port });
  cluster.forwards.add(forward);
  const url = `http://${forward.host}:${forward.port}${TARGET_PATH}`;
  const host = layout.meshed ? SERVICE_HOST : undefined;
  await probe(layout.name, url, host);
  fullGc();
  const after = process.memoryUsage();
  return { ...layout, url, host, deployRssBytes: after.rss - before.rss, deployHeapBytes: after.heapUsed - before.heapUsed };
}

interface PodLike {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string };
}

/** The name of a running pod of `app` in the namespace, as the API lists it. */
async function podOf(connection: ClusterConnection, namespace: string, app: string): Promise<string> {
  const list = await connection.admin.json<{ items: PodLike[] }>({ path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: `app=${app}` } });
  const pod = list.items.find((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
  if (!pod) throw new Error(`no running ${app} pod in namespace ${namespace}`);
  return pod.metadata.name;
}

/** Until the path answers 200 (bounded in attempts and time); the last failure is the error. */
async function probe(name: string, url: string, host: string | undefined): Promise<void> {
  const deadline = Date.now() + PROBE_DEADLINE_MS;
  let last = '';
  for (let i = 0; i < PROBE_ATTEMPTS && Date.now() < deadline; i++) {
    last = await getStatus(url, host).then(
      (status) => (status === 200 ? '' : `answered ${status}`),
      (err: Error) => err.message,
    );
    if (last === '') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name}: ${url}${host ? ` (Host: ${host})` : ''} never answered 200: ${last}`);
}

function getStatus(url: string, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host ? { host } : {}, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 2 s')));
    req.once('error', reject);
    req.end();
  });
}
