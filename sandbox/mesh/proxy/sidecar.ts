// The mesh-proxy container: a Workload that obtains the pod's identity from the control plane's CA,
// subscribes to config snapshots, and runs the inbound, outbound and admin listeners.
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { serveFast } from './fast-relay.js';
import { readPrelude } from './connection-prelude.js';
import { resolveAddress } from './destination.js';
import { isTcpServicePort } from './tcp-relay.js';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import type { MeshSnapshot } from '../config/snapshot.js';
import { EMPTY_SNAPSHOT } from '../config/snapshot.js';
import { SIDECAR_ADMIN_PORT, SIDECAR_OUTBOUND_PORT } from '../constants.js';
import { spiffeId } from '../identity/spiffe.js';
import { WorkloadIdentity, type IdentityIssuer } from '../identity/workload-identity.js';
import type { TapHub } from '../tap.js';
import { createAdminServer } from './admin.js';
import { PeakEwmaBalancer } from './balancer.js';
import { InboundProxy } from './inbound.js';
import { OutboundProxy } from './outbound/index.js';
import { whenAdmitted, type ProxyContext, type ProxyNetwork } from './proxy-context.js';
import { ProxyMetrics } from './proxy-metrics.js';

/** The env var the injector fills with the app's container ports (Linkerd: LINKERD2_PROXY_INBOUND_PORTS). */
export const INBOUND_PORTS_ENV = 'MESH_PROXY_INBOUND_PORTS';
/** The balancer's EWMA decay in ms (Linkerd's default 10 s; bounded 100 ms – 10 min), as Linkerd's proxy takes it from env. */
export const BALANCER_DECAY_ENV = 'MESH_PROXY_BALANCER_DECAY_MS';

/** The part of its container's WorkloadContext a sidecar uses (all a data-plane worker can give it). */
export type SidecarWorkloadContext = Pick<WorkloadContext, 'namespace' | 'podName' | 'serviceAccount' | 'labels' | 'podIP' | 'localHost' | 'env' | 'log'> & { network: ProxyNetwork };

/** What a sidecar needs from the control plane (in-process, so no network API between them). */
export interface SidecarControlPlane extends IdentityIssuer {
  readonly certificateTtlMs: number;
  readonly tap: TapHub;
  subscribe(listener: (s: MeshSnapshot) => void): () => void;
  registerProxy(proxy: MeshProxyHandle): () => void;
  /** Container ports of the pod's other containers, when the injector's env var is absent. */
  appPorts?(namespace: string, pod: string): number[];
}

/** How the control plane reads a running proxy (for the stat view). */
export interface MeshProxyHandle {
  namespace: string;
  pod: string;
  deployment(): string | undefined;
  metrics: ProxyMetrics;
}

export class MeshSidecar implements Workload, MeshProxyHandle {
  readonly metrics = new ProxyMetrics();
  readonly namespace: string;
  readonly pod: string;
  private snap: MeshSnapshot = EMPTY_SNAPSHOT;
  private identity?: WorkloadIdentity;
  private inbound?: InboundProxy;
  private outbound?: OutboundProxy;
  private outboundServer?: Server; // node:http, the slow path: fed connections the fast path declines
  private outboundListener?: NetServer;
  private outboundSockets = new Set<Socket>();
  private admin?: Server;
  private adminListener?: NetServer;
  private adminSockets = new Set<Socket>();
  private cleanups: (() => void)[] = [];
  private started = false;

  constructor(
    private readonly wctx: SidecarWorkloadContext,
    private readonly cp: SidecarControlPlane,
  ) {
    this.namespace = wctx.namespace;
    this.pod = wctx.podName;
  }

  deployment(): string | undefined {
    return this.snap.namespaces.get(this.namespace)?.pods.get(this.pod)?.deployment ?? this.wctx.labels.app;
  }

  ready(): boolean {
    return this.started && !!this.identity;
  }

  async start(): Promise<void> {
    const w = this.wctx;
    const id = spiffeId(w.namespace, w.serviceAccount || 'default');
    this.identity = await WorkloadIdentity.start(id, this.cp, {
      ttlMs: this.cp.certificateTtlMs,
      onRenewFailure: (err) => w.log(`identity: certificate renewal failed: ${err.message}`),
    });
    this.noteCertificate();
    const ctx: ProxyContext = {
      namespace: w.namespace,
      pod: w.podName,
      serviceAccount: w.serviceAccount || 'default',
      podIP: w.podIP,
      localHost: w.localHost,
      snapshot: () => this.snap,
      identity: () => this.identity,
      deployment: () => this.deployment(),
      metrics: this.metrics,
      tap: this.cp.tap,
      balancer: new PeakEwmaBalancer({ decayMs: balancerDecayMs(w.env[BALANCER_DECAY_ENV], (line) => w.log(line)) }),
      network: w.network,
      log: (line) => w.log(line),
    };
    this.cleanups.push(this.cp.subscribe((s) => (this.snap = s)));

    try {
      this.admin = createAdminServer(this.metrics, () => this.ready(), (filter, bufferSize) =>
        this.cp.tap.subscribe({ ...filter, namespace: this.namespace, pod: this.pod }, { bufferSize }),
      );
      const admin = this.admin;
      // Each connection is admitted by the node first (as every listener on a pod address is), then served by admin.
      this.adminListener = createNetServer((s) => {
        s.on('error', () => s.destroy());
        this.adminSockets.add(s);
        s.once('close', () => this.adminSockets.delete(s));
        whenAdmitted(w.network, s, () => admin.emit('connection', s));
      });
      await listenNet(this.adminListener, w.podIP, SIDECAR_ADMIN_PORT);
      const outbound = (this.outbound = new OutboundProxy(ctx));
      const slow = (this.outboundServer = createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 0 }, outbound.handle));
      slow.on('clientError', (_e, s) => s.destroy());
      this.outboundListener = createNetServer((s) => {
        s.on('error', () => s.destroy());
        this.outboundSockets.add(s);
        s.once('close', () => this.outboundSockets.delete(s));
        // Only the pod's own app reaches its private localhost (the node decides).
        whenAdmitted(w.network, s, () => this.serveOutbound(s, outbound, slow));
      });
      await listenNet(this.outboundListener, w.localHost, SIDECAR_OUTBOUND_PORT);
      this.inbound = new InboundProxy(ctx);
      const ports = this.inboundPorts();
      await this.inbound.listen(ports);
      this.captureAppPorts(new Set(ports));
      w.log(`mesh-proxy ${id}: inbound ${w.podIP}:{${ports.join(',')}} and any port the app listens on → ${w.localHost}, outbound ${w.localHost}:${SIDECAR_OUTBOUND_PORT}, admin ${w.podIP}:${SIDECAR_ADMIN_PORT}`);
    } catch (err) {
      await this.stop();
      throw err;
    }
    // Rotation: new connections use the new certificate; refresh the gauge when it changes.
    const rotation = setInterval(() => this.noteCertificate(), Math.max(250, Math.min(10_000, this.cp.certificateTtlMs / 10)));
    rotation.unref();
    this.cleanups.push(() => clearInterval(rotation));
    this.cleanups.push(this.cp.registerProxy(this));
    this.started = true;
  }

  /** One admitted connection from the app to the outbound listener. */
  private serveOutbound(s: Socket, outbound: OutboundProxy, slow: Server): void {
    s.setNoDelay(true);
    const t = this.metrics.tcp.outbound.plain; // app → proxy leg; upstream TLS is counted by the pool
    t.open++;
    t.total++;
    s.once('close', () => t.open--);
    readPrelude(s).then(
      ({ protocol, originalDestination }) => {
        // The HTTP/2 session reads the socket itself (and the bytes read back onto it): resuming it here
        // would hand those bytes to nobody.
        if (protocol === 'h2') return outbound.serveHttp2(s);
        // A Service port Istio reads as TCP: relayed as bytes, routed per connection (tcp-relay.ts).
        const dest = originalDestination && resolveAddress(originalDestination, this.snap);
        if (dest && 'kind' in dest && dest.kind === 'service' && isTcpServicePort(dest.port)) return outbound.tcp.serve(s, dest);
        serveFast(s, outbound.pool, outbound.fastPlan, (c) => slow.emit('connection', c));
        s.resume();
      },
      () => s.destroy(),
    );
  }

  private noteCertificate(): void {
    if (!this.identity) return;
    if (this.metrics.certRefreshes !== this.identity.generation) this.outbound?.onCertificateRotated(this.identity.generation);
    this.metrics.certExpiry = Math.floor(this.identity.certificate.notAfter.getTime() / 1000);
    this.metrics.certRefreshes = this.identity.generation;
  }

  /**
   * Beyond the declared ports, every port the app listens on at the pod's localHost is captured on the pod IP
   * while it listens, as iptables redirection does for any port in Istio and Linkerd: a pod without a declared
   * containerPort is still reachable through its sidecar (policy and mTLS apply the same).
   */
  private captureAppPorts(declared: Set<number>): void {
    const listeners = this.wctx.network.appListeners;
    const inbound = this.inbound;
    if (!listeners || !inbound) return;
    const change = (port: number, listening: boolean) => {
      if (declared.has(port) || port === SIDECAR_ADMIN_PORT || port === SIDECAR_OUTBOUND_PORT) return;
      if (listening && !inbound.has(port)) {
        inbound.listenPort(port).then(
          () => this.wctx.log(`mesh-proxy: inbound ${this.wctx.podIP}:${port} → ${this.wctx.localHost}:${port} (the app listens there)`),
          (err: Error) => this.wctx.log(`mesh-proxy: cannot capture inbound port ${port}: ${err.message}`),
        );
      } else if (!listening) void inbound.closePort(port);
    };
    this.cleanups.push(listeners.subscribe(change));
    for (const port of listeners.current()) change(port, true);
  }

  private inboundPorts(): number[] {
    const fromEnv = this.wctx.env[INBOUND_PORTS_ENV];
    const ports = fromEnv
      ? fromEnv.split(',').map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0 && p < 65536)
      : this.cp.appPorts?.(this.namespace, this.pod) ?? [];
    return [...new Set(ports)].filter((p) => p !== SIDECAR_ADMIN_PORT && p !== SIDECAR_OUTBOUND_PORT);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const c of this.cleanups.splice(0)) c();
    this.identity?.stop();
    this.outbound?.close();
    await Promise.all([
      this.inbound?.close(),
      closeListener(this.outboundListener, this.outboundSockets),
      closeServer(this.outboundServer),
      closeListener(this.adminListener, this.adminSockets),
      closeServer(this.admin),
    ]);
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function listenNet(server: NetServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeListener(server: NetServer | undefined, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  if (!server?.listening) return Promise.resolve();
  return new Promise((r) => server.close(() => r()));
}

function closeServer(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  if (!server?.listening) return Promise.resolve();
  return new Promise((r) => server.close(() => r()));
}

function balancerDecayMs(value: string | undefined, log: (line: string) => void): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (Number.isInteger(ms) && ms >= 100 && ms <= 600_000) return ms;
  log(`mesh-proxy: ${BALANCER_DECAY_ENV}=${JSON.stringify(value)} is not an integer from 100 to 600000; using the default`);
  return undefined;
}
