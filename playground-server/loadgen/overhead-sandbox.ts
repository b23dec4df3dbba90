// The three configurations `playground bench --mesh-overhead` compares, deployed in an embedded sandbox:
// the httpbin target and a sleep client un-meshed (direct), meshed with mTLS opted out (sidecars), and
// meshed with mTLS (sidecars+mTLS). Each lives in its own namespace; load enters where an app's own calls
// would: the pod IP for direct, the client's sidecar outbound port (with the Service's Host) when meshed.
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSandbox, type Sandbox } from '../../sandbox/cluster.js';
import { applyObjects, parseManifest, readManifest } from '../../sandbox/manifests/load.js';
import { LINKERD_INJECT, MTLS_ANNOTATION, SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';

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
  { name: 'direct', description: 'no sidecars: load → httpbin pod', namespace: 'overhead-direct', meshed: false, mtls: false },
  { name: 'sidecars', description: `load → sleep's sidecar → plaintext → httpbin's sidecar → httpbin (${MTLS_ANNOTATION}: disabled)`, namespace: 'overhead-sidecars', meshed: true, mtls: false },
  { name: 'sidecars+mTLS', description: "load → sleep's sidecar → mTLS → httpbin's sidecar → httpbin", namespace: 'overhead-mtls', meshed: true, mtls: true },
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

export async function startOverheadSandbox(): Promise<Sandbox> {
  return startSandbox({ serveApi: false, readinessIntervalMs: 200 });
}

/** Deploys one configuration, waits until it serves the target path with 200 on the load's path, and measures its memory. */
export async function deployOverheadTarget(sb: Sandbox, layout: OverheadLayout): Promise<OverheadTarget> {
  fullGc();
  const before = process.memoryUsage();
  const annotations: Record<string, string> = layout.meshed && !layout.mtls ? { [MTLS_ANNOTATION]: 'disabled' } : {};
  sb.api.create(sb.api.type('', 'namespaces'), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: layout.namespace, labels: layout.meshed ? { [LINKERD_INJECT]: 'enabled' } : {}, annotations },
  });
  applyObjects(sb.api, parseManifest(readManifest('httpbin')), layout.namespace);
  applyObjects(sb.api, parseManifest(readManifest('sleep')), layout.namespace);
  await sb.waitForReady(layout.namespace, READY_TIMEOUT_MS);
  const httpbin = podOf(sb, layout.namespace, 'httpbin');
  const sleep = podOf(sb, layout.namespace, 'sleep');
  let url: string;
  let host: string | undefined;
  if (layout.meshed) {
    const local = sb.runtime.addressesOf(layout.namespace, sleep.name)?.localHost;
    if (!local) throw new Error(`${layout.name}: the sleep pod has no addresses`);
    url = `http://${local}:${SIDECAR_OUTBOUND_PORT}${TARGET_PATH}`;
    host = SERVICE_HOST;
  } else {
    url = `http://${httpbin.ip}:${APP_PORT}${TARGET_PATH}`;
  }
  await probe(layout.name, url, host);
  fullGc();
  const after = process.memoryUsage();
  return { ...layout, url, host, deployRssBytes: after.rss - before.rss, deployHeapBytes: after.heapUsed - before.heapUsed };
}

function podOf(sb: Sandbox, namespace: string, app: string): { name: string; ip: string } {
  const pod = sb.api.list(sb.api.type('', 'pods'), namespace).items.find((p) => p.metadata.labels?.app === app);
  const ip = (pod?.status as { podIP?: string } | undefined)?.podIP;
  if (!pod || !ip) throw new Error(`no running ${app} pod in namespace ${namespace}`);
  return { name: pod.metadata.name!, ip };
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
