// The data-plane worker: every sidecar of a sandbox runs here, off the main thread (which runs the apps, the API
// server and the control plane), as a real mesh's proxies are processes of their own. The worker holds no authority:
// the runtime's decisions (NetworkPolicy admission, the egress allow-list, certificates) are asked of the main
// thread per connection / per certificate; configuration is compiled here from the objects the control plane
// compiles (a MeshSnapshot holds closures, which postMessage cannot carry).
import { parentPort, workerData } from 'node:worker_threads';
import type { Socket } from 'node:net';
import type { NamespaceConfig, MeshSnapshot } from '../config/snapshot.js';
import { EMPTY_SNAPSHOT } from '../config/snapshot.js';
import { compileNamespace, type NamespaceObjects } from '../control-plane/namespace-compiler.js';
import { assembleSnapshot, istioRootOf } from '../control-plane/snapshot-assembly.js';
import type { IssuedCertificate } from '../identity/ca.js';
import { TapHub, type TapEvent } from '../tap.js';
import { runStatQuery } from '../control-plane/stat-view.js';
import type { ListeningChange } from '../../runtime/network/app-listeners.js';
import type { ProxyNetwork } from './proxy-context.js';
import { MeshSidecar, type MeshProxyHandle, type SidecarControlPlane, type SidecarWorkloadContext } from './sidecar.js';
import type { FromWorker, MainQuery, ProxyWorkerData, RemoteWorkloadSpec, ToWorker, WorkerQuery } from './proxy-protocol.js';

const port = parentPort;
if (!port) throw new Error('proxy-worker.ts must run in a worker thread');
const send = (msg: FromWorker) => port.postMessage(msg);

let nextRid = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function ask<T>(q: MainQuery): Promise<T> {
  const rid = nextRid++;
  return new Promise<T>((resolve, reject) => {
    pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
    send({ t: 'ask', rid, q });
  });
}

/** The control plane's snapshot, compiled here from the same objects (see snapshot-assembly.ts). */
class SnapshotMirror {
  private objects = new Map<string, NamespaceObjects>();
  private compiled = new Map<string, NamespaceConfig>();
  current: MeshSnapshot = EMPTY_SNAPSHOT;
  private listeners = new Set<(s: MeshSnapshot) => void>();

  apply(inputs: { version: number; namespaces: [string, NamespaceObjects | undefined][] }, reset: boolean): void {
    if (reset) {
      this.objects.clear();
      this.compiled.clear();
    }
    for (const [ns, objs] of inputs.namespaces) {
      if (objs) this.objects.set(ns, objs);
      else this.objects.delete(ns);
    }
    const istioRoot = istioRootOf(this.objects);
    for (const [ns] of inputs.namespaces) {
      const objs = this.objects.get(ns);
      if (!objs) {
        this.compiled.delete(ns);
        continue;
      }
      try {
        this.compiled.set(ns, compileNamespace(ns, objs, (otherNs, name) => this.objects.get(otherNs)?.services.get(name), istioRoot).config);
      } catch {
        // The control plane logs compile failures and keeps the last good config; so does the mirror.
      }
    }
    this.current = assembleSnapshot(this.compiled, inputs.version);
    for (const l of this.listeners) l(this.current);
  }

  subscribe(listener: (s: MeshSnapshot) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The sidecars' tap: the admin servers' /tap subscriptions are here; the main thread's (the control plane's TapHub)
 * are counted in shared memory, so a request sent after a subscription there is always published to it.
 */
class WorkerTapHub extends TapHub {
  constructor(private readonly mainSubscribers: Int32Array) {
    super();
  }

  override get active(): boolean {
    return super.active || Atomics.load(this.mainSubscribers, 0) > 0;
  }

  override publish(e: TapEvent): void {
    super.publish(e);
    if (Atomics.load(this.mainSubscribers, 0) > 0) send({ t: 'tap', event: e });
  }
}

const mirror = new SnapshotMirror();
const tap = new WorkerTapHub((workerData as ProxyWorkerData).mainTapSubscribers);
const proxies = new Set<MeshProxyHandle>();

interface Hosted {
  sidecar: MeshSidecar;
  listeners: Set<ListeningChange>;
  appListeners: Set<number>;
}
const hosted = new Map<number, Hosted>();

function controlPlaneFor(spec: RemoteWorkloadSpec, certificateTtlMs: number, rootPem: string): SidecarControlPlane {
  return {
    certificateTtlMs,
    rootPem,
    tap,
    issue: (spiffeId, publicKey, ttlMs) => ask<IssuedCertificate>({ q: 'issue', spiffeId, publicKey, ttlMs }),
    subscribe: (listener) => mirror.subscribe(listener),
    registerProxy: (proxy) => {
      proxies.add(proxy);
      return () => proxies.delete(proxy);
    },
    appPorts: () => spec.appPorts,
  };
}

/** Connections the main thread admitted, by id: reset when it says so (a NetworkPolicy changed). */
const connections = new Map<number, Socket & { sidecarId?: number; reportedBytes?: number }>();
let nextConn = 1;

/**
 * Open connections' byte counts go to the main thread once a second (those that changed), so the runtime's traffic
 * meter — which shares the node's CPU among pods by bytes (resource-metrics.ts) — sees a kept-alive sidecar
 * connection's traffic while it is open, not only when it closes. The metrics' resolution is 10 s.
 */
const BYTES_REPORT_MS = 1000;
setInterval(() => {
  const counts: [number, number, number][] = [];
  for (const [conn, s] of connections) {
    const bytes = s.bytesRead + s.bytesWritten;
    if (bytes !== s.reportedBytes && s.sidecarId !== undefined) {
      s.reportedBytes = bytes;
      counts.push([s.sidecarId, conn, bytes]);
    }
  }
  if (counts.length) send({ t: 'bytes', counts });
}, BYTES_REPORT_MS).unref();

/**
 * The pod's network as the runtime on the main thread decides it: each accepted connection and each upstream dial is
 * asked there (the socket is not read meanwhile); admitted connections' bytes are reported while open (BYTES_REPORT_MS) and when they close.
 */
function networkFor(id: number, h: Omit<Hosted, 'sidecar'>): ProxyNetwork {
  return {
    admit: (socket: Socket) => {
      const conn = nextConn++;
      const facts = { remoteAddress: socket.remoteAddress, localAddress: socket.localAddress, localPort: socket.localPort };
      return ask<boolean>({ q: 'admit', id, conn, facts }).then((ok) => {
        if (!ok) return false;
        if (socket.destroyed) {
          send({ t: 'closed', id, conn, bytes: socket.bytesRead + socket.bytesWritten });
          return false;
        }
        connections.set(conn, Object.assign(socket, { sidecarId: id }));
        socket.once('close', () => {
          connections.delete(conn);
          send({ t: 'closed', id, conn, bytes: socket.bytesRead + socket.bytesWritten });
        });
        return true;
      });
    },
    checkDial: (ip: string, port?: number) =>
      ask<{ message: string; code?: string; errno?: number; syscall?: string } | undefined>({ q: 'dial', id, ip, port }).then((refused) =>
        refused ? Object.assign(new Error(refused.message), { code: refused.code, errno: refused.errno, syscall: refused.syscall, address: ip, port }) : undefined,
      ),
    appListeners: {
      current: () => [...h.appListeners],
      subscribe: (l: ListeningChange) => {
        h.listeners.add(l);
        return () => h.listeners.delete(l);
      },
    },
  };
}

async function start(id: number, spec: RemoteWorkloadSpec, certificateTtlMs: number, rootPem: string): Promise<void> {
  const h: Omit<Hosted, 'sidecar'> = { listeners: new Set(), appListeners: new Set(spec.appListeners) };
  const ctx: SidecarWorkloadContext = {
    namespace: spec.namespace,
    podName: spec.podName,
    serviceAccount: spec.serviceAccount,
    labels: spec.labels,
    podIP: spec.podIP,
    localHost: spec.localHost,
    env: spec.env,
    network: networkFor(id, h),
    log: (line) => send({ t: 'log', id, line }),
  };
  const sidecar = new MeshSidecar(ctx, controlPlaneFor(spec, certificateTtlMs, rootPem));
  hosted.set(id, { sidecar, ...h });
  try {
    await sidecar.start();
    send({ t: 'started', id });
  } catch (err) {
    hosted.delete(id);
    send({ t: 'failed', id, message: (err as Error).message });
  }
}

async function stop(id: number): Promise<void> {
  const h = hosted.get(id);
  hosted.delete(id);
  await h?.sidecar.stop();
  send({ t: 'stopped', id });
}

/** Messages are handled in order: an answer reflects every config message and every request handled before it. */
function answer(rid: number, q: WorkerQuery): void {
  try {
    const value = q.q === 'stat' ? runStatQuery(q.query, proxies) : q.q === 'module' ? import.meta.url : mirror.current.version;
    send({ t: 'reply', rid, ok: true, value });
  } catch (err) {
    send({ t: 'reply', rid, ok: false, message: (err as Error).message });
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'config':
      return mirror.apply(msg.inputs, !!msg.reset);
    case 'start':
      return void start(msg.id, msg.spec, msg.certificateTtlMs, msg.rootPem);
    case 'stop':
      return void stop(msg.id);
    case 'listening': {
      const h = hosted.get(msg.id);
      if (!h) return;
      if (msg.listening) h.appListeners.add(msg.port);
      else h.appListeners.delete(msg.port);
      for (const l of [...h.listeners]) l(msg.port, msg.listening);
      return;
    }
    case 'reset': {
      const socket = connections.get(msg.conn);
      connections.delete(msg.conn);
      if (socket && !socket.destroyed) socket.resetAndDestroy();
      return;
    }
    case 'reply': {
      const p = pending.get(msg.rid);
      pending.delete(msg.rid);
      if (!p) return;
      if (msg.ok) p.resolve(msg.value);
      else p.reject(Object.assign(new Error(msg.message), msg.code ? { code: msg.code } : {}));
      return;
    }
    case 'ask':
      return answer(msg.rid, msg.q);
  }
});
