// The sandbox's only node: watches pods bound to it and runs each with a PodRunner (the kubelet's job),
// serves their logs to the API server (LogSource), exec/attach/port-forward (PodStreamSource), and lets the
// playground send requests from a pod.
import type { Duplex } from 'node:stream';
import type { ClusterApi } from '../apiserver/api.js';
import { serviceAccountIdentity, type TokenIssuer } from '../apiserver/auth.js';
import type { AttachOptions, ExecOptions, PodStreamIO, PodStreamSource } from '../apiserver/pod-streams.js';
import { badRequest, notFound } from '../apiserver/errors.js';
import type { EventRecorder } from '../controllers/event-recorder.js';
import { AddressPool, POD_CIDR, POD_LOCAL_CIDR } from './addresses.js';
import type { ClusterDns } from './dns.js';
import type { NodeNetwork } from './network/node-network.js';
import type { Pod } from './kinds.js';
import type { LogReadOptions, LogSource } from './logs.js';
import { PodRunner, type RuntimeConfig } from './pod-runner.js';
import { KubeletEvents } from './pod/kubelet-events.js';
import { NodeDisk } from './process/node-disk.js';
import { sendFromPod, type PodRequest, type PodResponse } from './request-from.js';
import { SIDECAR_CONTAINER_NAME } from './workload.js';
import { CapacityGuard, DEFAULT_CAPACITY_RETRY_MS, type CapacityOptions, type Refusal } from './capacity-guard.js';
import { timestamp } from './kinds.js';

export interface PodRuntimeOptions extends Partial<RuntimeConfig> {
  api: ClusterApi;
  events: EventRecorder;
  dns: ClusterDns;
  /** The node's network (address book, NetworkPolicy): pods' addresses are recorded there. */
  network: NodeNetwork;
  /** How often readiness (workload `ready()` and probes) is re-checked. */
  readinessIntervalMs?: number;
  /** The process's self-protection: pod cap and memory budget (defaults in capacity-guard.ts). */
  capacity?: CapacityOptions;
  /** How often pods left Pending for lack of room are tried again. */
  capacityRetryMs?: number;
}

export const DEFAULT_RUNTIME_CONFIG: RuntimeConfig = {
  nodeName: 'sandbox',
  hostIP: '127.0.0.1',
  restartBackoffBaseMs: 10_000,
  backoffCapMs: 300_000,
  imagePullBackoffBaseMs: 10_000,
  stopTimeoutMs: 2_000,
};

/** A mounted ServiceAccount token's lifetime (the kubelet's projected token: about an hour). */
const MOUNTED_TOKEN_SECONDS = 3607;

export class PodRuntime implements LogSource, PodStreamSource {
  private readonly config: RuntimeConfig;
  private readonly runners = new Map<string, PodRunner>(); // by uid
  private readonly byName = new Map<string, PodRunner>(); // by namespace/name
  private readonly podIPs = new AddressPool(POD_CIDR);
  private readonly localIPs = new AddressPool(POD_LOCAL_CIDR);
  private readonly pulledImages = new Set<string>();
  /** What containers' filesystems hold, bounded per namespace and for the node (process/node-disk.ts). */
  readonly disk = new NodeDisk();
  private readonly terminating = new Set<Promise<void>>();
  /** Pods (by uid) whose containers are stopping after a graceful delete; their object goes when they have. */
  private readonly finishing = new Set<string>();
  private unwatch?: () => void;
  private ticker?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private readonly guard: CapacityGuard;
  /** Pods bound to this node but not started for lack of room, oldest first (by uid), with why. */
  private readonly waiting = new Map<string, { pod: Pod; reported?: Refusal }>();
  private admitScheduled = false;
  private credentials?: { issuer: TokenIssuer; caPem: string };

  constructor(private readonly opts: PodRuntimeOptions) {
    const { api: _a, events: _e, dns: _d, network: _n, readinessIntervalMs: _r, capacity: _c, capacityRetryMs: _cr, ...config } = opts;
    this.guard = new CapacityGuard(opts.capacity);
    const given = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as Partial<RuntimeConfig>;
    this.config = { ...DEFAULT_RUNTIME_CONFIG, ...given };
  }

  get nodeName(): string {
    return this.config.nodeName;
  }

  get podCount(): number {
    return this.runners.size;
  }

  /** The node's address (pods' status.hostIP). */
  get hostIP(): string {
    return this.config.hostIP;
  }

  /** What the node offers (the capacity guard's limits): node status reports them as capacity. */
  get capacity(): { maxPods: number; memoryBudgetBytes: number } {
    return { maxPods: this.guard.maxPods, memoryBudgetBytes: this.guard.memoryBudgetBytes };
  }

  /** The pods running on this node, with their private loopback address (for per-pod accounting). */
  runningPods(): { namespace: string; name: string; uid: string; localHost?: string; containers: string[]; labels: Record<string, string> }[] {
    return [...this.runners.values()].map((r) => ({ namespace: r.namespace, name: r.name, uid: r.uid, localHost: r.localHost, containers: r.containerNames, labels: r.labels }));
  }

  start(): void {
    const pods = this.opts.api.type('', 'pods');
    this.unwatch = this.opts.api.watch(pods, undefined, undefined, ({ type, object }) => {
      const pod = object as Pod;
      const uid = pod.metadata.uid;
      const runner = this.runners.get(uid);
      if (type === 'DELETED') {
        this.waiting.delete(uid);
        if (runner) this.terminate(runner);
        return;
      }
      if (pod.metadata.deletionTimestamp) {
        if (pod.spec?.nodeName && pod.spec.nodeName !== this.config.nodeName) return;
        this.waiting.delete(uid);
        // Graceful deletion: stop the containers, report their end, then remove the object (the kubelet's job).
        if (runner) this.terminate(runner, (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000);
        else if (!this.finishing.has(uid)) this.deleteNotRunning(pod);
        return;
      }
      if (runner) return runner.updateSpec(pod);
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return;
      if (pod.spec?.nodeName && pod.spec.nodeName !== this.config.nodeName) return;
      const waiting = this.waiting.get(uid);
      if (waiting) {
        waiting.pod = pod;
        return;
      }
      if (this.waiting.size) {
        // Older pods are waiting: this one queues behind them (first come, first served).
        this.waiting.set(uid, { pod });
        this.scheduleAdmit();
        return;
      }
      const refusal = this.guard.check(this.runners.size);
      if (refusal) {
        // No room: the pod stays Pending, as on a full node, and is tried again later.
        const entry: { pod: Pod; reported?: Refusal } = { pod, reported: refusal };
        this.waiting.set(uid, entry);
        setImmediate(() => this.reportUnschedulable(entry.pod, refusal));
        return;
      }
      this.startRunner(pod);
    });
    this.ticker = setInterval(() => {
      for (const r of this.runners.values()) r.tick();
    }, this.opts.readinessIntervalMs ?? 1000);
    this.ticker.unref();
    this.retryTimer = setInterval(() => this.admitWaiting(), this.opts.capacityRetryMs ?? DEFAULT_CAPACITY_RETRY_MS);
    this.retryTimer.unref();
  }

  private scheduleAdmit(): void {
    if (this.admitScheduled || !this.unwatch) return;
    this.admitScheduled = true;
    setImmediate(() => this.admitWaiting());
  }

  /**
   * Start waiting pods, oldest first, while there is room; the rest are told why they wait (again only when
   * the reason changes, so a long wait does not flood the namespace with events).
   */
  private admitWaiting(): void {
    this.admitScheduled = false;
    for (const [uid, entry] of this.waiting) {
      const refusal = this.guard.check(this.runners.size);
      if (refusal) {
        for (const rest of this.waiting.values()) {
          if (rest.reported?.kind === refusal.kind) continue;
          rest.reported = refusal;
          this.reportUnschedulable(rest.pod, refusal);
        }
        return;
      }
      this.waiting.delete(uid);
      const current = this.opts.api.tryGet(this.opts.api.type('', 'pods'), entry.pod.metadata.namespace, entry.pod.metadata.name) as Pod | undefined;
      if (current?.metadata.uid === uid && !current.metadata.deletionTimestamp) this.startRunner(current);
    }
  }

  /** The scheduler's verdict on a pod that does not fit: PodScheduled=False (Unschedulable) and a FailedScheduling event. */
  private reportUnschedulable(pod: Pod, refusal: Refusal): void {
    if (!this.waiting.has(pod.metadata.uid)) return;
    this.opts.events.record(pod, 'Warning', 'FailedScheduling', refusal.message, 'default-scheduler');
    const podType = this.opts.api.type('', 'pods');
    const current = this.opts.api.tryGet(podType, pod.metadata.namespace, pod.metadata.name) as Pod | undefined;
    if (!current || current.metadata.uid !== pod.metadata.uid) return;
    const conditions = (current.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: timestamp(), reason: 'Unschedulable', message: refusal.message });
    current.status = { ...(current.status ?? {}), phase: 'Pending', conditions };
    delete current.metadata.resourceVersion;
    try {
      this.opts.api.update(podType, current, { subresource: 'status' });
    } catch {
      // Deleted meanwhile.
    }
  }

  /**
   * Lets the node mount ServiceAccount tokens into pods (token, ca.crt): tokens bound to the ServiceAccount's
   * uid, valid for about an hour, as the kubelet's projected token is. Without it only `namespace` is mounted.
   */
  setServiceAccountTokens(issuer: TokenIssuer, caPem: string): void {
    this.credentials = { issuer, caPem };
  }

  private mountedToken(namespace: string, serviceAccount: string): { token: string; caPem: string } | undefined {
    if (!this.credentials) return undefined;
    const sa = this.opts.api.tryGet(this.opts.api.type('', 'serviceaccounts'), namespace, serviceAccount);
    if (!sa?.metadata.uid) return undefined;
    const token = this.credentials.issuer.issue({
      ...serviceAccountIdentity(namespace, serviceAccount, sa.metadata.uid),
      boundTo: { namespace, serviceAccount, uid: sa.metadata.uid },
      expiresAt: Date.now() + MOUNTED_TOKEN_SECONDS * 1000,
    });
    return { token, caPem: this.credentials.caPem };
  }

  private startRunner(pod: Pod): void {
    const uid = pod.metadata.uid;
    this.guard.started();
    const next = new PodRunner(pod, {
      api: this.opts.api,
      events: this.opts.events,
      dns: this.opts.dns,
      podIPs: this.podIPs,
      localIPs: this.localIPs,
      network: this.opts.network,
      pulledImages: this.pulledImages,
      config: this.config,
      serviceAccountToken: (ns, sa) => this.mountedToken(ns, sa),
      disk: this.disk,
    });
    this.runners.set(uid, next);
    this.byName.set(`${next.namespace}/${next.name}`, next);
    // Started outside this watch callback: the runner writes to the store.
    setImmediate(() => {
      if (this.runners.get(uid) !== next) return;
      next.start().catch((err: Error) => {
        new KubeletEvents(this.opts.events, () => pod).forPod('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`);
      });
    });
  }

  /** Stop every pod's containers and release every address; the runtime can then be dropped. */
  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    clearInterval(this.ticker);
    clearInterval(this.retryTimer);
    this.waiting.clear();
    for (const r of [...this.runners.values()]) this.terminate(r);
    await Promise.all([...this.terminating]);
    await Promise.all([this.podIPs.close(), this.localIPs.close()]);
  }

  /**
   * Stops a runner. With `graceMs` the pod was deleted gracefully: once its containers have stopped (not after
   * the whole period: the kubelet deletes as soon as they are down) its final status is written and it is removed.
   */
  private terminate(runner: PodRunner, graceMs?: number): void {
    this.runners.delete(runner.uid);
    const key = `${runner.namespace}/${runner.name}`;
    if (this.byName.get(key) === runner) this.byName.delete(key);
    const finish = graceMs !== undefined && !!this.unwatch;
    if (finish) this.finishing.add(runner.uid);
    const done = runner
      .terminate(graceMs)
      .then(() => {
        if (finish && this.unwatch) runner.finishDeletion();
      })
      .finally(() => {
        this.terminating.delete(done);
        this.finishing.delete(runner.uid);
      });
    this.terminating.add(done);
    // A pod gone makes room: waiting pods need not wait for the next retry.
    if (this.waiting.size) this.scheduleAdmit();
  }

  /** A deleted pod this node never started (waiting for room, already finished): nothing to stop, it goes now. */
  private deleteNotRunning(pod: Pod): void {
    const podType = this.opts.api.type('', 'pods');
    setImmediate(() => {
      try {
        this.opts.api.delete(podType, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, uid: pod.metadata.uid });
      } catch {
        // Already gone.
      }
    });
  }

  /** LogSource: `kubectl logs` for a pod on this node. */
  read(namespace: string, pod: string, opts: LogReadOptions, signal: AbortSignal): AsyncIterable<string> {
    return this.runnerOf(namespace, pod).readLog(opts, signal);
  }

  /** PodStreamSource: `kubectl exec` into a running container of a pod on this node. */
  exec(namespace: string, pod: string, opts: ExecOptions, io: PodStreamIO): Promise<number> {
    return this.runnerOf(namespace, pod).exec(opts, io);
  }

  /** PodStreamSource: `kubectl attach` to a container's main process. */
  attach(namespace: string, pod: string, opts: AttachOptions, io: PodStreamIO): Promise<number> {
    return this.runnerOf(namespace, pod).attach(opts, io);
  }

  /** PodStreamSource: `kubectl port-forward`, one connection to a port inside the pod. */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
    return this.runnerOf(namespace, pod).portForward(port);
  }

  /** The pod's addresses while it runs on this node. */
  addressesOf(namespace: string, pod: string): { podIP: string; localHost: string } | undefined {
    const r = this.byName.get(`${namespace}/${pod}`);
    return r?.podIP && r.localHost ? { podIP: r.podIP, localHost: r.localHost } : undefined;
  }

  /**
   * Send an HTTP request from inside a pod, through the pod's agent: cluster DNS names resolve, the
   * service proxy balances, and a meshed pod's request goes through its sidecar.
   */
  async requestFrom(namespace: string, pod: string, req: PodRequest): Promise<PodResponse> {
    const runner = this.runnerOf(namespace, pod);
    if (!runner.podIP) throw badRequest(`pod "${pod}" has no IP yet; wait until it is scheduled`);
    return sendFromPod(runner.appAgent(), req, `${namespace}/${pod}${runner.meshed ? ` (through ${SIDECAR_CONTAINER_NAME})` : ''}`);
  }

  private runnerOf(namespace: string, pod: string): PodRunner {
    const runner = this.byName.get(`${namespace}/${pod}`);
    if (runner) return runner;
    const exists = this.opts.api.tryGet(this.opts.api.type('', 'pods'), namespace, pod);
    if (!exists) throw notFound('pods', '', pod);
    throw badRequest(`pod "${pod}" is not running on node ${this.config.nodeName}`);
  }
}
