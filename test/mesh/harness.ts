// A small mesh test bed without the runtime: a real ObjectStore/ClusterApi and control plane, pods whose
// apps are stand-in node:http servers on their own loopback addresses, and real MeshSidecar workloads in
// front of them. Every request crosses real sockets (and real mTLS between sidecars).
import { createServer, request, Agent, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { ObjectStore, type KubeObject } from '../../sandbox/apiserver/store.js';
import { ResourceRegistry } from '../../sandbox/apiserver/resources.js';
import { ClusterApi } from '../../sandbox/apiserver/api.js';
import { MeshControlPlane, type ControlPlaneOptions } from '../../sandbox/mesh/control-plane/control-plane.js';
import { MeshSidecar, type SidecarWorkloadContext } from '../../sandbox/mesh/proxy/sidecar.js';
import type { ProxyNetwork } from '../../sandbox/mesh/proxy/proxy-context.js';
import { SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';
import { connect as h2connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import type { WorkloadContext } from '../../sandbox/runtime/workload.js';

// Test files run two at a time, each in its own process with its own harness: a start anywhere in the 62,500
// addresses (not one of 200 blocks, which collided: EADDRINUSE on a pod's port in CI) keeps two files apart.
let nextAddress = Math.floor(Math.random() * 62_500);
/** Distinct loopback addresses per harness run: 127.77.x.y for pod IPs, 127.78.x.y for pod "localhosts". */
function allocate(): { podIP: string; localHost: string } {
  const n = nextAddress++ % 62_500;
  const x = Math.floor(n / 250);
  const y = (n % 250) + 1;
  return { podIP: `127.77.${x}.${y}`, localHost: `127.78.${x}.${y}` };
}

export interface PodSpec {
  namespace?: string;
  name: string;
  app: string;
  deployment?: string;
  serviceAccount?: string;
  meshed?: boolean;
  port?: number;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  handler?: RequestListener;
  /** The sidecar runs as this ServiceAccount while the Pod object says `serviceAccount` (an impostor). */
  sidecarServiceAccount?: string;
  /** Extra env for the sidecar (e.g. MESH_PROXY_BALANCER_DECAY_MS). */
  sidecarEnv?: Record<string, string>;
  /**
   * The pod's egress check (default: everything allowed — the harness has no node address book). It may answer later
   * (a Promise), as the node does for sidecars in the data-plane worker.
   */
  checkDial?: ProxyNetwork['checkDial'];
  /** The node's admission of each connection to the sidecar's listeners (default: all); may answer later. */
  admit?: ProxyNetwork['admit'];
}

export interface TestPod {
  spec: PodSpec;
  namespace: string;
  podIP: string;
  localHost: string;
  app: Server;
  sidecar?: MeshSidecar;
  agent: Agent;
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export class MeshHarness {
  readonly pods = new Map<string, TestPod>();
  private services = new Map<string, KubeObject>();

  private constructor(
    readonly api: ClusterApi,
    readonly cp: MeshControlPlane,
  ) {}

  static async start(opts: ControlPlaneOptions = {}): Promise<MeshHarness> {
    const store = new ObjectStore();
    const api = new ClusterApi(store, ResourceRegistry.default());
    const cp = await MeshControlPlane.start(api, { compileDelayMs: 2, ...opts });
    const h = new MeshHarness(api, cp);
    h.namespace('default');
    return h;
  }

  type(group: string, plural: string) {
    return this.api.type(group, plural);
  }

  namespace(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): void {
    this.api.create(this.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } });
  }

  /**
   * A Service with one port, named `http` unless `portSpec` says otherwise: the name (and appProtocol) choose the
   * protocol the client sidecar speaks upstream, as in Istio — HTTP/2 apps need `http2` / `grpc` (or no name).
   */
  service(name: string, port: number, selector: Record<string, string>, namespace = 'default', portSpec: { name?: string; appProtocol?: string } = { name: 'http' }): void {
    const svc = this.api.create(this.type('', 'services'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { selector, ports: [{ ...portSpec, port, targetPort: port }] },
    });
    this.services.set(`${namespace}/${name}`, svc);
    this.syncEndpoints(namespace);
  }

  /** Create (or replace) any object through the API, like kubectl apply would. */
  apply(group: string, plural: string, obj: KubeObject): KubeObject {
    const t = this.type(group, plural);
    const existing = this.api.tryGet(t, obj.metadata.namespace, obj.metadata.name!);
    if (!existing) return this.api.create(t, obj);
    return this.api.update(t, { ...obj, metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion } });
  }

  remove(group: string, plural: string, namespace: string, name: string): void {
    this.api.delete(this.type(group, plural), namespace, name);
  }

  async pod(spec: PodSpec): Promise<TestPod> {
    const namespace = spec.namespace ?? 'default';
    const port = spec.port ?? 8080;
    const { podIP, localHost } = allocate();
    const labels = { app: spec.app, ...(spec.labels ?? {}) };
    const meshed = spec.meshed ?? true;
    const handler: RequestListener = spec.handler ?? ((req, res) => res.end(JSON.stringify({ pod: spec.name, path: req.url, clientId: req.headers['l5d-client-id'] ?? null })));
    const app = createServer({ keepAlive: true }, handler);
    await new Promise<void>((r) => app.listen(port, meshed ? localHost : podIP, r));
    const containers: unknown[] = [{ name: 'app', image: 'test/app:v1', ports: [{ containerPort: port }] }];
    if (meshed) containers.push({ name: 'mesh-proxy', image: 'playground/mesh-proxy:v1' });
    const deployment = spec.deployment ?? spec.app;
    const rsName = `${deployment}-abc123`;
    this.api.create(this.type('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: spec.name,
        namespace,
        labels: { ...labels, 'pod-template-hash': 'abc123' },
        annotations: spec.annotations ?? {},
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: 'x', controller: true }],
      },
      spec: { serviceAccountName: spec.serviceAccount ?? spec.app, containers },
      status: { phase: 'Running', podIP },
    });
    const pod: TestPod = { spec, namespace, podIP, localHost, app, agent: new Agent({ keepAlive: true, localAddress: meshed ? localHost : podIP }) };
    if (meshed) {
      const ctx: Omit<WorkloadContext, 'network'> & SidecarWorkloadContext = {
        namespace,
        podName: spec.name,
        podUid: spec.name,
        serviceAccount: spec.sidecarServiceAccount ?? spec.serviceAccount ?? spec.app,
        containerName: 'mesh-proxy',
        labels,
        annotations: spec.annotations ?? {},
        podIP,
        listenHost: podIP,
        localHost,
        ports: [],
        env: { MESH_PROXY_INBOUND_PORTS: String(port), ...(spec.sidecarEnv ?? {}) },
        args: [],
        agent: new Agent(),
        resolve: () => undefined,
        dial: () => { throw new Error("the mesh harness runs sidecars only") },
        connectAddress: () => undefined,
        // This harness runs sidecars without the node runtime: no address book, so no policy either.
        network: { admit: spec.admit ?? (() => true), checkDial: spec.checkDial ?? (() => undefined) },
        log: process.env.MESH_DEBUG ? (line) => console.error(`[${spec.name}] ${line}`) : () => {},
        exit: () => {},
      };
      pod.sidecar = new MeshSidecar(ctx, this.cp);
      await pod.sidecar.start();
    }
    this.pods.set(`${namespace}/${spec.name}`, pod);
    this.syncEndpoints(namespace);
    await this.cp.settled();
    return pod;
  }

  async deletePod(name: string, namespace = 'default'): Promise<void> {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) return;
    this.pods.delete(`${namespace}/${name}`);
    this.api.delete(this.type('', 'pods'), namespace, name);
    this.syncEndpoints(namespace);
    await this.stopPod(pod);
  }

  private async stopPod(pod: TestPod): Promise<void> {
    await pod.sidecar?.stop();
    pod.agent.destroy();
    pod.app.closeAllConnections();
    await new Promise((r) => pod.app.close(r));
  }

  /** What the endpoints controller does: ready pods matching each Service's selector. */
  private syncEndpoints(namespace: string): void {
    const t = this.type('', 'endpoints');
    for (const svc of this.services.values()) {
      if (svc.metadata.namespace !== namespace) continue;
      const selector = (svc.spec as { selector: Record<string, string> }).selector;
      const { port, name: portName } = (svc.spec as { ports: { port: number; name?: string }[] }).ports[0];
      const addresses = [...this.pods.values()]
        .filter((p) => p.namespace === namespace && Object.entries(selector).every(([k, v]) => ({ app: p.spec.app, ...(p.spec.labels ?? {}) } as Record<string, string>)[k] === v))
        .map((p) => ({ ip: p.podIP, targetRef: { kind: 'Pod', name: p.spec.name, namespace } }));
      const obj: KubeObject = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: svc.metadata.name!, namespace },
        subsets: addresses.length ? [{ addresses, ports: [{ name: portName, port }] }] : [],
      };
      const existing = this.api.tryGet(t, namespace, svc.metadata.name!);
      if (existing) this.api.update(t, { ...obj, metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion } });
      else this.api.create(t, obj);
    }
  }

  /** A request from inside a pod: through its sidecar when meshed, else straight to the Service's first endpoint. */
  send(from: TestPod, host: string, path = '/', opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
    let target: { host: string; port: number };
    if (from.sidecar) target = { host: from.localHost, port: SIDECAR_OUTBOUND_PORT };
    else {
      const [name, port] = host.split(':');
      const svc = this.cp.snapshot.namespaces.get(from.namespace)?.services.get(name);
      const ep = svc?.ports.find((p) => p.port === Number(port ?? 80))?.endpoints[0];
      target = ep ? { host: ep.ip, port: ep.port } : { host: name, port: Number(port ?? 80) };
    }
    return new Promise((resolve, reject) => {
      const req = request(
        { host: target.host, port: target.port, path, method: opts.method ?? 'GET', headers: { host, ...(opts.headers ?? {}) }, agent: from.agent, timeout: opts.timeoutMs ?? 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  /** Send `n` requests, `concurrency` at a time; returns the replies in completion order. */
  async sendMany(from: TestPod, host: string, path: string, n: number, concurrency = 16, opts: Parameters<MeshHarness['send']>[3] = {}): Promise<Reply[]> {
    const out: Reply[] = [];
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        out.push(await this.send(from, host, path, opts));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pods.values()].map((p) => this.stopPod(p)));
    this.pods.clear();
    this.cp.stop();
  }
}

/** An app handler answering JSON with its pod name, for routing assertions. */
export const whoami = (pod: string): RequestListener => (req, res) => {
  const body = JSON.stringify({ pod, path: req.url, method: req.method, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': pod });
  res.end(body);
};

/** What an HTTP/2 request through a sidecar got: the response head, trailers if any, and the body as text. */
export interface H2Reply {
  headers: IncomingHttpHeaders;
  trailers?: IncomingHttpHeaders;
  body: string;
}

/** One HTTP/2 request from a meshed pod's app: h2c prior knowledge to its sidecar's outbound listener. */
export function h2Send(from: TestPod, authority: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<H2Reply> {
  const session = h2connect(`http://${authority}`, { createConnection: () => tcpConnect({ host: from.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: from.localHost }) });
  session.on('error', () => {});
  return new Promise<H2Reply>((resolve, reject) => {
    const req = session.request({ ':method': opts.method ?? 'GET', ':path': path, ':authority': authority, ...(opts.headers ?? {}) }, { endStream: opts.body === undefined });
    const reply: H2Reply = { headers: {}, body: '' };
    req.setEncoding('utf8');
    req.on('response', (hd) => (reply.headers = hd));
    req.on('trailers', (t) => (reply.trailers = t));
    req.on('data', (d: string) => (reply.body += d));
    req.on('end', () => resolve(reply));
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
  }).finally(() => session.close());
}
