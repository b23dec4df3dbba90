// One pod on the sandbox node, as the kubelet runs it: a thin composition of the pieces in ./pod/. The pod gets
// its addresses (pod/container-context.ts), then its init containers run one at a time, then its app containers
// start together (the mesh sidecar among them; it is stopped once a Job-style pod's apps have ended). Each
// container has a lifecycle (pod/container-state.ts), restart and image-pull back-off (pod/restart-backoff.ts,
// pod/image-pull.ts), probes (pod/container-probes.ts), instances (pod/container-instance.ts) and kubelet events
// (pod/kubelet-events.ts); the pod's phase and conditions come from its containers (pod/pod-status.ts) and are
// written back through the API (pod/status-writer.ts). Deletion stops every container within the grace period.
// Containers are in-process Workloads: no process per pod.
import type { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterApi } from '../apiserver/api.js';
import { badRequest } from '../apiserver/errors.js';
import type { AttachOptions, ExecOptions, PodStreamIO } from '../apiserver/pod-streams.js';
import type { EventRecorder } from '../controllers/event-recorder.js';
import type { AddressPool } from './addresses.js';
import { ContainerConfigError, resolveEnv } from './container-env.js';
import type { ClusterDns } from './dns.js';
import type { NodeNetwork } from './network/node-network.js';
import type { Pod, PodStatus } from './kinds.js';
import { timestamp } from './kinds.js';
import { ContainerLog, type LogReadOptions } from './logs.js';
import { runProbe } from './probes.js';
import { ContainerStartError } from './process/container-command.js';
import { runExecProbe } from './process/exec-probe.js';
import { FsError } from './process/filesystem.js';
import { MainProcess } from './process/main-process.js';
import type { NodeDisk } from './process/node-disk.js';
import { PodProcesses, type RunningContainer } from './process/pod-processes.js';
import { SIDECAR_CONTAINER_NAME, type Workload, type WorkloadContext } from './workload.js';
import { PodNetworkContext } from './pod/container-context.js';
import { probesFor, type ProbeTracker } from './pod/container-probes.js';
import { createInstance } from './pod/container-instance.js';
import { ContainerRun, initialWaitingReason, stopWorkload } from './pod/container-run.js';
import type { ContainerExit, WaitingReason } from './pod/container-state.js';
import { ImagePuller } from './pod/image-pull.js';
import { KubeletEvents } from './pod/kubelet-events.js';
import { PodConditionClock, podStatus } from './pod/pod-status.js';
import { PodStatusWriter } from './pod/status-writer.js';
import { formatDuration, type BackoffConfig } from './pod/restart-backoff.js';

export interface RuntimeConfig extends BackoffConfig {
  nodeName: string;
  hostIP: string;
  /** How long a stopping container may take before it is abandoned. */
  stopTimeoutMs: number;
}

export interface PodRunnerDeps {
  api: ClusterApi;
  events: EventRecorder;
  dns: ClusterDns;
  podIPs: AddressPool;
  localIPs: AddressPool;
  /** The node's network: the address book this runner records its addresses in, and policy enforcement. */
  network: NodeNetwork;
  /** Images already "pulled" on the node (IfNotPresent then skips pulling, as on a real node). */
  pulledImages: Set<string>;
  config: RuntimeConfig;
  /** A token (and the cluster CA) for a pod's ServiceAccount, mounted when the pod automounts it. */
  serviceAccountToken?: (namespace: string, serviceAccount: string) => { token: string; caPem: string } | undefined;
  /** The node's disk for container filesystems (bounded per namespace and in total). */
  disk?: NodeDisk;
}

/** Longest the app containers wait for the mesh sidecar to start (see startAppContainers). */
const SIDECAR_START_WAIT_MS = 10_000;

export class PodRunner {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  podIP?: string;
  localHost?: string;
  private pod: Pod;
  private readonly runs: ContainerRun[];
  private readonly initRuns: ContainerRun[];
  /** Ephemeral containers, in the order they were added to spec.ephemeralContainers. */
  private readonly ephemeralRuns: ContainerRun[];
  private initialized: boolean;
  /** How the pod's containers wait before their first instance (PodInitializing when it has init containers). */
  private readonly initialWait: WaitingReason;
  private startTime?: string;
  private stopped = false;
  private readonly conditions = new PodConditionClock();
  private readonly status: PodStatusWriter;
  /** The pod's addresses and outbound agents, as its containers see them (from start()). */
  private net?: PodNetworkContext;
  /** exec / attach / port-forward into this pod (the kubelet's streaming side). */
  private readonly processes = new PodProcesses(this);
  private readonly events: KubeletEvents;
  private readonly images: ImagePuller;

  constructor(
    pod: Pod,
    private readonly deps: PodRunnerDeps,
  ) {
    this.pod = structuredClone(pod);
    this.namespace = pod.metadata.namespace;
    this.name = pod.metadata.name;
    this.uid = pod.metadata.uid;
    this.initialWait = initialWaitingReason((pod.spec.initContainers ?? []).length > 0);
    this.runs = pod.spec.containers.map((c) => new ContainerRun(c, 'container', deps.config, this.initialWait));
    this.initRuns = (pod.spec.initContainers ?? []).map((c) => new ContainerRun(c, 'init', deps.config, this.initialWait));
    this.initialized = this.initRuns.length === 0;
    this.ephemeralRuns = (pod.spec.ephemeralContainers ?? []).map((c) => new ContainerRun(c, 'ephemeral', deps.config, this.initialWait));
    this.events = new KubeletEvents(deps.events, () => this.pod);
    this.images = new ImagePuller(this.events, deps.pulledImages);
    this.status = new PodStatusWriter(deps.api, this, () => (this.stopped ? undefined : this.computeStatus()));
  }

  get meshed(): boolean {
    return this.runs.some((r) => r.name === SIDECAR_CONTAINER_NAME);
  }

  /** The pod's app containers by name (metrics report usage per container). */
  get containerNames(): string[] {
    return this.runs.map((r) => r.name);
  }

  get labels(): Record<string, string> {
    return { ...(this.pod.metadata.labels ?? {}) };
  }

  private get allRuns(): ContainerRun[] {
    return [...this.initRuns, ...this.runs, ...this.ephemeralRuns];
  }

  /** Assign addresses and start the containers (init containers first, one at a time). */
  async start(): Promise<void> {
    const { podIPs, localIPs, config, events } = this.deps;
    const podIP = await podIPs.allocateAsync();
    const localHost = await localIPs.allocateAsync();
    if (this.stopped) {
      podIPs.release(podIP);
      localIPs.release(localHost);
      return;
    }
    this.podIP = podIP;
    this.localHost = localHost;
    this.net = new PodNetworkContext({ namespace: this.namespace, podIP, localHost, network: this.deps.network.forPod(localHost), dns: this.deps.dns, meshed: this.meshed });
    this.deps.network.book.addPod({
      namespace: this.namespace,
      name: this.name,
      uid: this.uid,
      podIP,
      localHost,
      labels: { ...(this.pod.metadata.labels ?? {}) },
      ports: [...this.pod.spec.containers, ...(this.pod.spec.initContainers ?? [])].flatMap((c) => (c.ports ?? []).map((p) => ({ ...p }))),
    });
    this.startTime = timestamp();
    // The scheduler's event, not the kubelet's: the sandbox's node binds its own pods.
    events.record(this.pod, 'Normal', 'Scheduled', `Successfully assigned ${this.namespace}/${this.name} to ${config.nodeName}`, 'default-scheduler');
    this.writeStatus();
    if (this.initialized) this.startAppContainers();
    else void this.startContainer(this.initRuns[0]);
    for (const run of this.ephemeralRuns) void this.startContainer(run);
  }

  /** The pod's outbound HTTP agent for its app containers (through the sidecar in a meshed pod). */
  appAgent(): Agent {
    return this.network().appAgent();
  }

  /** React to a changed pod spec: a container whose image changed is restarted with the new image. */
  updateSpec(pod: Pod): void {
    this.pod = structuredClone(pod);
    if (this.podIP && !this.stopped) this.deps.network.book.relabelPod(this.podIP, pod.metadata.labels ?? {});
    // A new ephemeral container (pods/ephemeralcontainers) starts in the running pod; existing ones never change.
    for (const spec of pod.spec.ephemeralContainers ?? []) {
      if (this.ephemeralRuns.some((r) => r.name === spec.name)) continue;
      const run = new ContainerRun(spec, 'ephemeral', this.deps.config, this.initialWait);
      this.ephemeralRuns.push(run);
      if (this.podIP && !this.stopped) void this.startContainer(run);
    }
    for (const run of this.runs) {
      const next = pod.spec.containers.find((c) => c.name === run.name);
      if (!next || next.image === run.spec.image) continue;
      run.spec = next;
      if (this.stopped) continue;
      this.events.normal(run, 'Killing', `Container ${run.name} definition changed, will be restarted`);
      if (run.workload) this.exited(run, run.instance, { exitCode: 137, reason: 'Error' }, { restartNow: true });
      else {
        run.timers.clear();
        run.backoff.resetPullBackoff();
        void this.startContainer(run);
      }
    }
  }

  /**
   * Pod deleted: stop every container (Killing events) and give back the addresses. `graceMs` bounds how long a
   * container may take to stop (the pod's deletion grace period) before it counts as killed.
   */
  async terminate(graceMs = this.deps.config.stopTimeoutMs): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.processes.killAll();
    const stops: Promise<void>[] = [];
    for (const run of this.allRuns) {
      run.timers.clear();
      run.fs?.dispose();
      const log = run.log;
      if (run.workload) {
        this.events.normal(run, 'Killing', `Stopping container ${run.name}`);
        // Like SIGTERM with a grace period: what the container writes while stopping still reaches its log.
        // A container that stops in time exits 0; one that does not is killed (137), as after SIGKILL.
        const stopped = stopWorkload(run.workload, run.starting, Math.min(graceMs, this.deps.config.stopTimeoutMs)).then((clean) => {
          if (run.lifecycle.isRunning) run.lifecycle.exit(clean ? { exitCode: 0, reason: 'Completed' } : { exitCode: 137, reason: 'Error' });
        });
        stops.push(stopped.finally(() => log?.close()));
        run.workload = undefined;
      } else log?.close();
      stops.push(run.stopping);
    }
    await Promise.all(stops);
    this.net?.destroy();
    if (this.podIP) this.deps.network.book.removePod(this.podIP);
    if (this.podIP) this.deps.podIPs.release(this.podIP);
    if (this.localHost) this.deps.localIPs.release(this.localHost);
  }

  /**
   * After terminate() for a gracefully deleted pod: the kubelet's last status (containers terminated, a terminal
   * phase) and then the delete with grace period 0 that removes the object, so its DELETED event carries that
   * final state (upstream kubelet status_manager: canBeDeleted → Delete with GracePeriodSeconds 0 and a UID precondition).
   */
  finishDeletion(): void {
    this.status.finishDeletion(this.computeStatus(true));
  }

  /** One readiness/liveness pass: called periodically by the runtime. */
  tick(now = Date.now()): void {
    if (this.stopped) return;
    for (const run of this.runs) {
      if (!run.lifecycle.isRunning || !run.lifecycle.started || !run.workload) continue;
      const instance = run.instance;
      if (run.liveness) this.probe(run, instance, run.liveness, now);
      if (run.readiness) this.probe(run, instance, run.readiness, now);
      const ready = (run.workload.ready?.() ?? true) && (run.readiness?.passing ?? true);
      if (run.lifecycle.setReady(ready)) this.writeStatus();
    }
  }

  exec(opts: ExecOptions, io: PodStreamIO): Promise<number> {
    return this.processes.exec(opts, io);
  }

  attach(opts: AttachOptions, io: PodStreamIO): Promise<number> {
    return this.processes.attach(opts, io);
  }

  portForward(port: number): Promise<Duplex> {
    return this.processes.portForward(port);
  }

  /** The pod as last seen (for the stream side's container choice). */
  get spec(): Pod {
    return this.pod;
  }

  /** A container's running instance, for exec/attach: undefined when it is not running. */
  runningContainer(name: string): RunningContainer | undefined {
    const run = [...this.runs, ...this.initRuns, ...this.ephemeralRuns].find((r) => r.name === name);
    if (!run || this.stopped || !run.lifecycle.isRunning || !run.fs || !run.ctx || !run.image) return undefined;
    return { spec: run.spec, workload: run.workload, fs: run.fs, ctx: run.ctx, image: run.image, log: run.log };
  }

  readLog(opts: LogReadOptions, signal: AbortSignal): AsyncIterable<string> {
    const names = this.runs.map((r) => r.name);
    let run: ContainerRun | undefined;
    if (opts.container) {
      run = [...this.runs, ...this.initRuns, ...this.ephemeralRuns].find((r) => r.name === opts.container);
      if (!run) throw badRequest(`container ${opts.container} is not valid for pod ${this.name}`);
    } else if (this.runs.length === 1) {
      run = this.runs[0];
    } else {
      const init = this.initRuns.length ? ` or one of the init containers: [${this.initRuns.map((r) => r.name).join(' ')}]` : '';
      throw badRequest(`a container name must be specified for pod ${this.name}, choose one of: [${names.join(' ')}]${init}`);
    }
    if (opts.previous) {
      if (!run.previousLog) throw badRequest(`previous terminated container "${run.name}" in pod "${this.name}" not found`);
      return run.previousLog.read(opts, signal);
    }
    if (!run.log) {
      throw badRequest(`container "${run.name}" in pod "${this.name}" is waiting to start: ${run.lifecycle.waitingReason ?? 'ContainerCreating'}`);
    }
    return run.log.read(opts, signal);
  }

  // ---- containers ---------------------------------------------------------------------------------

  private async startContainer(run: ContainerRun): Promise<void> {
    if (this.stopped) return;
    await run.stopping; // the previous instance must have let go of its ports
    if (this.stopped) return;
    // Another start got here first (a changed spec while an immediate restart waited for the stop above): that
    // instance already runs the current spec, and a second one would leak it.
    if (run.lifecycle.isRunning) return;
    const life = run.lifecycle;
    const image = this.images.pull(run);
    if (!image) return this.pullBackOff(run);
    run.backoff.resetPullBackoff();

    let env: Record<string, string>;
    try {
      env = resolveEnv(this.deps.api, this.pod, run.spec, this.podIP!, this.deps.config.hostIP);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      life.wait('CreateContainerConfigError', err.message);
      this.events.warning(run, 'Failed', `Error: ${err.message}`);
      this.writeStatus();
      this.retryAfter(run, run.backoff.nextPullRetryDelay());
      return;
    }

    const { restart } = life.create();
    const instance = ++run.instance;
    if (restart && run.log) run.previousLog = run.log;
    run.log = new ContainerLog();
    run.image = image;
    this.events.normal(run, 'Created', `Created container ${run.name}`);
    let workload: Workload;
    try {
      workload = createInstance(run, {
        api: this.deps.api,
        pod: this.pod,
        podIP: this.podIP!,
        image,
        serviceAccountToken: () => this.deps.serviceAccountToken?.(this.namespace, this.pod.spec.serviceAccountName ?? 'default'),
        disk: this.deps.disk?.quotaFor(this.namespace),
        context: () => this.context(run, instance, env),
      });
    } catch (err) {
      if (err instanceof ContainerStartError) {
        // As containerd reports a process that cannot start: the container ran and ended at once (StartError,
        // exit 128), then the restart policy applies (RunContainerError / CrashLoopBackOff, or Failed for Never).
        this.events.warning(run, 'Failed', `Error: ${err.message}`);
        life.run();
        return this.exited(run, instance, { exitCode: 128, reason: 'StartError', message: err.message });
      }
      const message = err instanceof FsError ? `failed to mount the pod's volumes: ${err.message}` : (err as Error).message;
      life.wait('CreateContainerError', message);
      this.events.warning(run, 'Failed', `Error: ${message}`);
      this.writeStatus();
      this.retryAfter(run, run.backoff.nextCreateRetryDelay());
      return;
    }
    run.workload = workload;
    life.run();
    ({ readiness: run.readiness, liveness: run.liveness } = probesFor(run.spec, life.runningSinceMs!));
    this.events.normal(run, 'Started', `Started container ${run.name}`);
    this.writeStatus();
    try {
      await (run.starting = workload.start());
    } catch (err) {
      return this.exited(run, instance, { exitCode: 1, reason: 'Error', message: (err as Error).message });
    }
    if (this.stopped || instance !== run.instance || !life.isRunning) return;
    life.markStarted();
    // An init container running a program completes when the program exits (its exit code decides, through the
    // context's exit); a built-in workload has nothing to run to completion, so having started is done.
    if (run.init && !(workload instanceof MainProcess)) return this.exited(run, instance, { exitCode: 0, reason: 'Completed' });
    this.tick();
    this.writeStatus();
  }

  /**
   * The app containers, after the mesh sidecar's first start has ended (listening, or failed): an app's first
   * outbound call would otherwise find nothing listening on the sidecar's port, where upstream it waits — Linkerd's
   * proxy-await (on by default), Istio's native sidecars / holdApplicationUntilProxyStarts. Capped, so a sidecar
   * that hangs does not hold the app for good.
   */
  private startAppContainers(): void {
    const sidecar = this.runs.find((r) => r.name === SIDECAR_CONTAINER_NAME);
    const apps = this.runs.filter((r) => r !== sidecar);
    const startApps = () => {
      for (const r of apps) void this.startContainer(r);
    };
    if (!sidecar) return startApps();
    let cap: NodeJS.Timeout | undefined;
    const capped = new Promise<void>((r) => (cap = setTimeout(r, SIDECAR_START_WAIT_MS)));
    void Promise.race([this.startContainer(sidecar), capped]).then(() => {
      clearTimeout(cap);
      startApps();
    });
  }

  /** ErrImagePull now, ImagePullBackOff shortly after, another pull when the back-off expires. */
  private pullBackOff(run: ContainerRun): void {
    this.writeStatus();
    const delay = run.backoff.nextPullRetryDelay();
    run.timers.after(
      Math.min(delay / 2, 1000),
      () => {
        if (run.lifecycle.isRunning) return;
        this.images.backOff(run);
        this.writeStatus();
      },
      () => this.stopped,
    );
    this.retryAfter(run, delay);
  }

  private retryAfter(run: ContainerRun, delay: number): void {
    run.timers.after(delay, () => void this.startContainer(run), () => this.stopped);
  }

  /** The container's process ended (exit, failed start, failed liveness): record it, maybe restart. */
  private exited(run: ContainerRun, instance: number, exit: ContainerExit, opts: { restartNow?: boolean } = {}): void {
    const life = run.lifecycle;
    if (this.stopped || instance !== run.instance || !life.isRunning) return;
    const runningSinceMs = life.runningSinceMs!;
    const workload = run.workload;
    run.workload = undefined;
    life.exit(exit);
    run.log?.close();
    // Exec'd processes die with their container.
    this.processes.killIn(run.name);
    if (workload) run.stopping = stopWorkload(workload, run.starting, this.deps.config.stopTimeoutMs).then(() => undefined);

    // Ephemeral containers are never restarted, whatever the pod's restartPolicy (upstream kubelet).
    if (run.ephemeral) {
      this.writeStatus();
      return;
    }

    if (run.init && exit.exitCode === 0) {
      run.completed = true;
      this.writeStatus();
      const next = this.initRuns.find((r) => !r.completed);
      if (next) void this.startContainer(next);
      else {
        this.initialized = true;
        this.startAppContainers();
      }
      return;
    }

    const policy = this.pod.spec.restartPolicy ?? 'Always';
    const restart = opts.restartNow || policy === 'Always' || (policy === 'OnFailure' && exit.exitCode !== 0);
    if (!restart) {
      this.stopSidecarWhenAppsEnded();
      this.writeStatus();
      return;
    }
    life.keepAsLastState();
    const delay = run.backoff.nextRestartDelay(runningSinceMs, { immediately: opts.restartNow });
    if (delay === 0) {
      this.writeStatus();
      void this.startContainer(run);
      return;
    }
    const podRef = `${this.name}_${this.namespace}(${this.uid})`;
    life.wait('CrashLoopBackOff', `back-off ${formatDuration(delay)} restarting failed container=${run.name} pod=${podRef}`);
    this.events.warning(run, 'BackOff', `Back-off restarting failed container ${run.name} in pod ${podRef}`);
    this.writeStatus();
    this.retryAfter(run, delay);
  }

  /**
   * Native sidecar semantics (Kubernetes sidecar containers): once every app container of a Never/OnFailure
   * pod has ended for good, the sidecar is stopped, so a Job-style pod completes instead of running forever.
   */
  private stopSidecarWhenAppsEnded(): void {
    const sidecar = this.runs.find((r) => r.name === SIDECAR_CONTAINER_NAME);
    if (!sidecar || this.runs.some((r) => r !== sidecar && !r.lifecycle.isTerminated)) return;
    sidecar.timers.clear();
    if (sidecar.lifecycle.isRunning) {
      this.events.normal(sidecar, 'Killing', `Stopping container ${sidecar.name}: the pod's app containers have completed`);
      this.exited(sidecar, sidecar.instance, { exitCode: 0, reason: 'Completed' });
    } else if (sidecar.lifecycle.isWaiting) {
      sidecar.lifecycle.endWithoutRunning();
    }
  }

  private probe(run: ContainerRun, instance: number, tracker: ProbeTracker, now: number): void {
    if (!tracker.begin(now)) return;
    const probe = tracker.probe;
    const attempt =
      probe.exec?.command?.length && run.image && run.fs && run.ctx
        ? runExecProbe({ programs: run.image.programs, fs: run.fs, container: run.ctx }, probe.exec.command, run.ctx.env, probe.timeoutSeconds)
        : runProbe(probe, this.network().listenHostOf(run.name), run.spec.ports ?? [], this.network().ownAddresses);
    void attempt.then((result) => {
      const outcome = tracker.record(result);
      if (this.stopped || instance !== run.instance) return;
      if (outcome.failed) this.events.warning(run, 'Unhealthy', `${tracker.kind} probe failed: ${result.message}`);
      if (tracker.kind === 'Liveness' && !outcome.passing) {
        this.events.normal(run, 'Killing', `Container ${run.name} failed liveness probe, will be restarted`);
        this.exited(run, instance, { exitCode: 137, reason: 'Error' });
        return;
      }
      this.tick();
    });
  }

  /** The context a container instance runs in; its log lines and exit count only while it is the current instance. */
  private context(run: ContainerRun, instance: number, env: Record<string, string>): WorkloadContext {
    return this.network().containerContext(this.pod, run.spec, env, {
      log: (line) => {
        if (instance === run.instance) run.log?.write(line);
      },
      exit: (code) => {
        setImmediate(() => this.exited(run, instance, { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' }));
      },
    });
  }

  private network(): PodNetworkContext {
    if (!this.net) throw new Error(`pod ${this.namespace}/${this.name} has no network yet`);
    return this.net;
  }

  // ---- status -------------------------------------------------------------------------------------

  private writeStatus(): void {
    this.status.schedule();
  }

  private computeStatus(terminal = false): PodStatus {
    return podStatus(
      {
        restartPolicy: this.pod.spec.restartPolicy ?? 'Always',
        initialized: this.initialized,
        containers: this.runs,
        initContainers: this.initRuns,
        ephemeralContainers: this.ephemeralRuns,
        hostIP: this.deps.config.hostIP,
        podIP: this.podIP,
        startTime: this.startTime,
        terminal,
      },
      this.conditions,
    );
  }
}
