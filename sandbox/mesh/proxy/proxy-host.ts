// The main thread's side of the data-plane worker (proxy-worker.ts): one worker per sandbox, started with the first
// sidecar and stopped with the mesh. Each sidecar container is a small Workload here that starts and stops its
// MeshSidecar in the worker. The host feeds the worker the control plane's compile inputs, issues its certificates,
// and answers the runtime's questions (may this connection in, may the pod dial that address) with the pod's own
// PodNetwork, so the runtime still decides everything it enforces. The worker runs the prebuilt bundle
// (dist/mesh/proxy-worker.mjs, `npm run build`) when it is there and current, and otherwise compiles the TypeScript
// entry with tsx, saying so once per process on stderr (prebuilt/bundles.js decides, as for the load generator).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { locateBundle, tsxWorkerSource, warnBundleFallback } from '../../../prebuilt/bundles.js';
import type { MeshControlPlane } from '../control-plane/control-plane.js';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import type { ConnectionFacts, DialReply, FromWorker, ProxyWorkerData, MainQuery, RemoteWorkloadSpec, ToWorker, WorkerQuery } from './proxy-protocol.js';

/**
 * A connection accepted in the worker, as the runtime's ingress gate and traffic meter see it on the main thread:
 * its addresses, its bytes as the worker counts them, 'close', and a reset that the worker carries out.
 */
class RemoteSocket extends EventEmitter {
  readonly remoteAddress?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  destroyed = false;
  bytesRead = 0;
  bytesWritten = 0;

  constructor(
    facts: ConnectionFacts,
    private readonly reset: () => void,
  ) {
    super();
    this.remoteAddress = facts.remoteAddress;
    this.localAddress = facts.localAddress;
    this.localPort = facts.localPort;
  }

  resetAndDestroy(): this {
    if (!this.destroyed) this.reset();
    this.closed(0);
    return this;
  }

  destroy(): this {
    return this.resetAndDestroy();
  }

  /** The worker's count of the open connection's bytes (as bytesRead; the meter adds both). */
  counted(bytes: number): void {
    if (!this.destroyed) this.bytesRead = bytes;
  }

  /** The worker's socket closed: its final bytes (0 when it was reset from here: the last count stands). */
  closed(bytes: number): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.bytesRead = Math.max(this.bytesRead, bytes);
    this.emit('close', false);
  }
}

interface SidecarEntry {
  ctx: WorkloadContext;
  /** Admitted connections of this sidecar, by the worker's id. */
  connections: Map<number, RemoteSocket>;
  started?: { resolve: () => void; reject: (e: Error) => void };
  stopped?: () => void;
}

export class ProxyHost {
  private worker?: Worker;
  private nextId = 1;
  private nextRid = 1;
  private readonly sidecars = new Map<number, SidecarEntry>();
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly cleanups: (() => void)[] = [];
  private stopped = false;

  /**
   * `opts.packageRoot`: where to look for the prebuilt bundle (this package by default; tests pass another to see
   * the fallback without touching the package's own files).
   */
  constructor(
    private readonly cp: MeshControlPlane,
    private readonly opts: { packageRoot?: string } = {},
  ) {}

  /**
   * Starts the worker now (else the first sidecar starts it) and resolves with the URL of the module it runs: the
   * prebuilt bundle's, or the TypeScript entry's when the bundle was missing or stale.
   */
  async boot(): Promise<string> {
    this.ensureWorker();
    return (await this.query({ q: 'module' })) as string;
  }

  /** The URL of the module the worker runs, or undefined while no worker runs. */
  async workerModule(): Promise<string | undefined> {
    if (!this.worker) return undefined;
    return (await this.query({ q: 'module' })) as string;
  }

  /** The sidecar container's Workload: its proxy runs in the worker. */
  sidecar(ctx: WorkloadContext): Workload {
    return new RemoteSidecar(this, ctx);
  }

  /** Resolves once the worker runs the control plane's current snapshot (part of the control plane's settled()). */
  async synced(): Promise<void> {
    if (!this.worker) return;
    await this.query({ q: 'sync' });
  }

  stop(): void {
    this.stopped = true;
    const worker = this.worker;
    // Everything waiting on the worker ends now: pending asks fail, sidecars being started fail, stops complete.
    this.onExit(new Error('the mesh stopped'));
    void worker?.terminate();
  }

  /** @internal The pod's app container ports, as the control plane knows them. */
  appPorts(namespace: string, pod: string): number[] {
    return this.cp.appPorts(namespace, pod);
  }

  /** @internal */
  register(ctx: WorkloadContext): number {
    const id = this.nextId++;
    this.sidecars.set(id, { ctx, connections: new Map() });
    return id;
  }

  /** @internal */
  async startSidecar(id: number, spec: RemoteWorkloadSpec): Promise<void> {
    const entry = this.sidecars.get(id)!;
    this.ensureWorker();
    await new Promise<void>((resolve, reject) => {
      entry.started = { resolve, reject };
      this.post({ t: 'start', id, spec, certificateTtlMs: this.cp.certificateTtlMs, rootPem: this.cp.rootPem });
    });
  }

  /** @internal */
  async stopSidecar(id: number): Promise<void> {
    const entry = this.sidecars.get(id);
    if (!entry || !this.worker) {
      this.sidecars.delete(id);
      return;
    }
    await new Promise<void>((resolve) => {
      entry.stopped = resolve;
      this.post({ t: 'stop', id });
    });
    this.sidecars.delete(id);
    // Connections whose close had not been reported yet (the worker closes them all on stop).
    for (const c of entry.connections.values()) c.closed(0);
  }

  /** @internal */
  post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  private query(q: WorkerQuery): Promise<unknown> {
    const rid = this.nextRid++;
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve, reject });
      this.post({ t: 'ask', rid, q });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    if (this.stopped) throw new Error('the mesh stopped');
    const mainTapSubscribers = new Int32Array(new SharedArrayBuffer(4));
    const workerData: ProxyWorkerData = { mainTapSubscribers };
    const worker = (this.worker = this.spawn(workerData));
    worker.unref();
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => this.onExit(err));
    worker.on('exit', () => this.onExit(new Error('the data-plane worker exited')));
    this.post({ t: 'config', inputs: this.cp.compileInputs(), reset: true });
    this.cleanups.push(this.cp.onCompileInputs((inputs) => this.post({ t: 'config', inputs })));
    this.cleanups.push(this.cp.addSettleCheck(() => this.synced()));
    this.cleanups.push(this.cp.tap.watchSubscribers((n) => Atomics.store(mainTapSubscribers, 0, n)));
    this.cp.setRemoteStats((query) => this.query({ q: 'stat', query }));
    this.cleanups.push(() => this.cp.setRemoteStats(undefined));
    return worker;
  }

  /** The worker thread: on the prebuilt bundle when it is current, else on the TypeScript entry through tsx. */
  private spawn(workerData: ProxyWorkerData): Worker {
    const options = { name: 'mesh-data-plane', workerData };
    const located = locateBundle('data-plane', 'proxy-worker', this.opts.packageRoot);
    if (located.ok) return new Worker(pathToFileURL(located.file), options);
    warnBundleFallback(located);
    return new Worker(tsxWorkerSource(new URL('./proxy-worker.ts', import.meta.url).href), { ...options, eval: true });
  }

  private onExit(err: Error): void {
    if (!this.worker) return;
    this.worker = undefined;
    for (const c of this.cleanups.splice(0)) c();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const [id, s] of this.sidecars) {
      s.started?.reject(err);
      s.stopped?.();
      if (!this.stopped) s.ctx.log(`mesh-proxy: ${err.message}`);
      for (const c of s.connections.values()) c.closed(0);
      this.sidecars.delete(id);
    }
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.t) {
      case 'started':
      case 'failed': {
        const s = this.sidecars.get(msg.id);
        const started = s?.started;
        if (s) s.started = undefined;
        if (msg.t === 'started') started?.resolve();
        else started?.reject(new Error(msg.message));
        return;
      }
      case 'stopped': {
        const s = this.sidecars.get(msg.id);
        s?.stopped?.();
        return;
      }
      case 'log':
        this.sidecars.get(msg.id)?.ctx.log(msg.line);
        return;
      case 'tap':
        this.cp.tap.publish(msg.event);
        return;
      case 'bytes':
        for (const [id, conn, bytes] of msg.counts) this.sidecars.get(id)?.connections.get(conn)?.counted(bytes);
        return;
      case 'closed': {
        const connections = this.sidecars.get(msg.id)?.connections;
        const socket = connections?.get(msg.conn);
        connections?.delete(msg.conn);
        socket?.closed(msg.bytes);
        return;
      }
      case 'ask':
        this.answer(msg.rid, msg.q).then(
          (value) => this.post({ t: 'reply', rid: msg.rid, ok: true, value }),
          (err: NodeJS.ErrnoException) => this.post({ t: 'reply', rid: msg.rid, ok: false, message: err.message, code: err.code }),
        );
        return;
      case 'reply': {
        const p = this.pending.get(msg.rid);
        this.pending.delete(msg.rid);
        if (!p) return;
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new Error(msg.message));
        return;
      }
    }
  }

  private async answer(rid: number, q: MainQuery): Promise<unknown> {
    void rid;
    switch (q.q) {
      case 'issue':
        return this.cp.issue(q.spiffeId, q.publicKey, q.ttlMs);
      case 'admit': {
        // The runtime's own check, on a stand-in for the worker's socket; a refusal resets it there.
        const entry = this.sidecars.get(q.id);
        if (!entry) return false;
        const { id, conn } = q;
        const socket = new RemoteSocket(q.facts, () => this.post({ t: 'reset', id, conn }));
        if (!entry.ctx.network.admit(socket as unknown as Socket)) return false;
        if (!socket.destroyed) entry.connections.set(conn, socket);
        return true;
      }
      case 'dial': {
        const entry = this.sidecars.get(q.id);
        const refused: NodeJS.ErrnoException | undefined = entry ? entry.ctx.network.checkDial(q.ip, q.port) : Object.assign(new Error('the sidecar stopped'), { code: 'ECONNABORTED' });
        const reply: DialReply = refused && { message: refused.message, code: refused.code, errno: refused.errno, syscall: refused.syscall };
        return reply;
      }
    }
  }
}

/** A sidecar container, as the runtime sees it: start, stop and readiness, all carried out in the worker. */
class RemoteSidecar implements Workload {
  private id?: number;
  private running = false;
  private unlisten?: () => void;

  constructor(
    private readonly host: ProxyHost,
    private readonly ctx: WorkloadContext,
  ) {}

  ready(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const c = this.ctx;
    const id = (this.id = this.host.register(c));
    const listeners = c.network.appListeners;
    this.unlisten = listeners?.subscribe((port, listening) => this.host.post({ t: 'listening', id, port, listening }));
    const spec: RemoteWorkloadSpec = {
      namespace: c.namespace,
      podName: c.podName,
      podUid: c.podUid,
      serviceAccount: c.serviceAccount,
      containerName: c.containerName,
      labels: c.labels,
      annotations: c.annotations,
      podIP: c.podIP,
      listenHost: c.listenHost,
      localHost: c.localHost,
      env: c.env,
      appListeners: listeners?.current() ?? [],
      appPorts: this.host.appPorts(c.namespace, c.podName),
    };
    try {
      await this.host.startSidecar(id, spec);
    } catch (err) {
      this.unlisten?.();
      throw err;
    }
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unlisten?.();
    if (this.id !== undefined) await this.host.stopSidecar(this.id);
  }
}
