// One pod on the sandbox node, as the kubelet runs it: addresses, init containers, containers started
// from the image registry, restarts with back-off, image-pull back-off, probes, logs, and the pod's
// status written back through the API. Containers are in-process Workloads: no process per pod.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterApi } from '../apiserver/api.js';
import { badRequest } from '../apiserver/errors.js';
import type { AttachOptions, ExecOptions, PodStreamIO } from '../apiserver/pod-streams.js';
import type { EventRecorder } from '../controllers/event-recorder.js';
import type { AddressPool } from './addresses.js';
import { connectTarget, dialFromPod, directAgent, meshedAgent, type PodDialContext } from './agent.js';
import { ContainerConfigError, resolveEnv } from './container-env.js';
import type { ClusterDns } from './dns.js';
import type { NodeNetwork } from './network/node-network.js';
import { pullFailureReason, resolveImage, type ResolvedImage } from './images.js';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus, Probe } from './kinds.js';
import { timestamp } from './kinds.js';
import { ContainerLog, type LogReadOptions } from './logs.js';
import { runProbe } from './probes.js';
import { ContainerStartError, mainCommand } from './process/container-command.js';
import { runExecProbe } from './process/exec-probe.js';
import { FsError, type MemoryFilesystem } from './process/filesystem.js';
import { MainProcess } from './process/main-process.js';
import { containerFilesystem } from './process/pod-files.js';
import type { NodeDisk } from './process/node-disk.js';
import { PodProcesses, type RunningContainer } from './process/pod-processes.js';
import { SIDECAR_CONTAINER_NAME, type PodNetwork, type Workload, type WorkloadContext } from './workload.js';

export interface RuntimeConfig {
  nodeName: string;
  hostIP: string;
  /** First restart back-off after the immediate first restart (kubelet: 10 s). */
  restartBackoffBaseMs: number;
  /** Restart and image-pull back-off cap (kubelet: 300 s). */
  backoffCapMs: number;
  /** First image-pull back-off (kubelet: 10 s). */
  imagePullBackoffBaseMs: number;
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

/** A container that ran this long is healthy again: its back-off starts over (kubelet: 2 × cap). */
const BACKOFF_RESET_AFTER_MS = 10 * 60 * 1000;
const KUBELET = 'kubelet';

interface ProbeState {
  successes: number;
  failures: number;
  nextAt: number;
  inFlight: boolean;
  passing: boolean;
}

class ContainerRun {
  instance = 0;
  state: ContainerState;
  lastState: ContainerState = {};
  restartCount = 0;
  everStarted = false;
  started = false;
  ready = false;
  completed = false; // init containers: ran to completion
  containerID?: string;
  image?: ResolvedImage;
  workload?: Workload;
  /** The running instance's start(): a stop must wait for it, or listeners bound after the stop would leak. */
  starting: Promise<void> = Promise.resolve();
  stopping: Promise<void> = Promise.resolve();
  log?: ContainerLog;
  previousLog?: ContainerLog;
  pullFailures = 0;
  crashes = 0;
  runningSinceMs = 0;
  readiness?: ProbeState;
  liveness?: ProbeState;
  /** Pending back-off timers of this container. */
  timers = new Set<NodeJS.Timeout>();
  /** The running instance's filesystem and context: what `kubectl exec` runs in. */
  fs?: MemoryFilesystem;
  ctx?: WorkloadContext;

  constructor(
    public spec: Container,
    readonly init: boolean,
    /** An ephemeral container (kubectl debug): started once in the running pod, never restarted. */
    readonly ephemeral = false,
  ) {
    this.state = { waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' } };
  }

  get name(): string {
    return this.spec.name;
  }
}

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
  private startTime?: string;
  private stopped = false;
  private conditionTimes = new Map<string, { status: string; at: string }>();
  private statusScheduled = false;
  private lastWritten?: PodStatus;
  private agents?: { app: Agent; direct: Agent };
  private podNetwork?: PodNetwork;
  /** exec / attach / port-forward into this pod (the kubelet's streaming side). */
  private readonly processes = new PodProcesses(this);

  constructor(
    pod: Pod,
    private readonly deps: PodRunnerDeps,
  ) {
    this.pod = structuredClone(pod);
    this.namespace = pod.metadata.namespace;
    this.name = pod.metadata.name;
    this.uid = pod.metadata.uid;
    this.runs = pod.spec.containers.map((c) => new ContainerRun(c, false));
    this.initRuns = (pod.spec.initContainers ?? []).map((c) => new ContainerRun(c, true));
    this.initialized = this.initRuns.length === 0;
    this.ephemeralRuns = (pod.spec.ephemeralContainers ?? []).map((c) => new ContainerRun(c, false, true));
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
    this.podNetwork = this.deps.network.forPod(localHost);
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
    events.record(this.pod, 'Normal', 'Scheduled', `Successfully assigned ${this.namespace}/${this.name} to ${config.nodeName}`, 'default-scheduler');
    this.writeStatus();
    if (this.initialized) for (const run of this.runs) void this.startContainer(run);
    else void this.startContainer(this.initRuns[0]);
    for (const run of this.ephemeralRuns) void this.startContainer(run);
  }

  /** The pod's outbound HTTP agent for its app containers (through the sidecar in a meshed pod). */
  appAgent(): Agent {
    return this.ensureAgents().app;
  }

  /** React to a changed pod spec: a container whose image changed is restarted with the new image. */
  updateSpec(pod: Pod): void {
    this.pod = structuredClone(pod);
    if (this.podIP && !this.stopped) this.deps.network.book.relabelPod(this.podIP, pod.metadata.labels ?? {});
    // A new ephemeral container (pods/ephemeralcontainers) starts in the running pod; existing ones never change.
    for (const spec of pod.spec.ephemeralContainers ?? []) {
      if (this.ephemeralRuns.some((r) => r.name === spec.name)) continue;
      const run = new ContainerRun(spec, false, true);
      this.ephemeralRuns.push(run);
      if (this.podIP && !this.stopped) void this.startContainer(run);
    }
    for (const run of this.runs) {
      const next = pod.spec.containers.find((c) => c.name === run.name);
      if (!next || next.image === run.spec.image) continue;
      run.spec = next;
      if (this.stopped) continue;
      this.deps.events.record(this.pod, 'Normal', 'Killing', `Container ${run.name} definition changed, will be restarted`, KUBELET, this.fieldPath(run));
      if (run.workload) this.exited(run, run.instance, 137, 'Error', undefined, { restartNow: true });
      else {
        this.clearTimers(run);
        run.pullFailures = 0;
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
    for (const run of [...this.initRuns, ...this.runs, ...this.ephemeralRuns]) {
      this.clearTimers(run);
      run.fs?.dispose();
      const log = run.log;
      if (run.workload) {
        this.deps.events.record(this.pod, 'Normal', 'Killing', `Stopping container ${run.name}`, KUBELET, this.fieldPath(run));
        const startedAt = run.state.running?.startedAt;
        // Like SIGTERM with a grace period: what the container writes while stopping still reaches its log.
        // A container that stops in time exits 0; one that does not is killed (137), as after SIGKILL.
        const stopped = this.stopWorkload(run.workload, run.starting, Math.min(graceMs, this.deps.config.stopTimeoutMs)).then((clean) => {
          run.state = {
            terminated: {
              exitCode: clean ? 0 : 137,
              reason: clean ? 'Completed' : 'Error',
              ...(startedAt ? { startedAt } : {}),
              finishedAt: timestamp(),
              ...(run.containerID ? { containerID: run.containerID } : {}),
            },
          };
        });
        stops.push(stopped.finally(() => log?.close()));
        run.workload = undefined;
        run.started = false;
        run.ready = false;
      } else log?.close();
      stops.push(run.stopping);
    }
    await Promise.all(stops);
    this.agents?.app.destroy();
    this.agents?.direct.destroy();
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
    const pods = this.deps.api.type('', 'pods');
    const current = this.deps.api.tryGet(pods, this.namespace, this.name);
    if (!current || current.metadata.uid !== this.uid) return;
    current.status = this.computeStatus(true);
    delete current.metadata.resourceVersion;
    try {
      this.deps.api.update(pods, current, { subresource: 'status' });
    } catch {
      // Gone meanwhile (a forced delete); nothing left to finish.
    }
    try {
      this.deps.api.delete(pods, this.namespace, this.name, { gracePeriodSeconds: 0, uid: this.uid });
    } catch {
      // Already gone.
    }
  }

  /** One readiness/liveness pass: called periodically by the runtime. */
  tick(now = Date.now()): void {
    if (this.stopped) return;
    for (const run of this.runs) {
      if (!run.state.running || !run.started || !run.workload) continue;
      const instance = run.instance;
      if (run.spec.livenessProbe && run.liveness) this.probe(run, instance, run.spec.livenessProbe, run.liveness, 'Liveness', now);
      if (run.spec.readinessProbe && run.readiness) this.probe(run, instance, run.spec.readinessProbe, run.readiness, 'Readiness', now);
      const ready = (run.workload.ready?.() ?? true) && (run.readiness?.passing ?? true);
      if (ready !== run.ready) {
        run.ready = ready;
        this.writeStatus();
      }
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
    if (!run || this.stopped || !run.state.running || !run.fs || !run.ctx || !run.image) return undefined;
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
      throw badRequest(`container "${run.name}" in pod "${this.name}" is waiting to start: ${run.state.waiting?.reason ?? 'ContainerCreating'}`);
    }
    return run.log.read(opts, signal);
  }

  // ---- containers ---------------------------------------------------------------------------------

  private async startContainer(run: ContainerRun): Promise<void> {
    if (this.stopped) return;
    await run.stopping; // the previous instance must have let go of its ports
    if (this.stopped) return;
    const { events } = this.deps;
    const image = resolveImage(run.spec.image ?? '');
    if (!image) return this.pullFailed(run);
    run.pullFailures = 0;
    this.pulled(run, image);

    let env: Record<string, string>;
    try {
      env = resolveEnv(this.deps.api, this.pod, run.spec, this.podIP!, this.deps.config.hostIP);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      run.state = { waiting: { reason: 'CreateContainerConfigError', message: err.message } };
      events.record(this.pod, 'Warning', 'Failed', `Error: ${err.message}`, KUBELET, this.fieldPath(run));
      this.writeStatus();
      this.after(run, this.backoff(++run.pullFailures, this.deps.config.imagePullBackoffBaseMs), () => void this.startContainer(run));
      return;
    }

    const instance = ++run.instance;
    if (run.everStarted) {
      run.restartCount++;
      if (run.log) run.previousLog = run.log;
    }
    run.log = new ContainerLog();
    run.image = image;
    run.containerID = `sandbox://${randomBytes(32).toString('hex')}`;
    run.started = false;
    run.ready = false;
    events.record(this.pod, 'Normal', 'Created', `Created container ${run.name}`, KUBELET, this.fieldPath(run));
    let workload: Workload;
    try {
      run.fs?.dispose(); // the previous instance's writable layer goes with it
      run.fs = containerFilesystem({
        api: this.deps.api,
        pod: this.pod,
        container: run.spec,
        podIP: this.podIP!,
        imageFiles: image.files,
        serviceAccountToken: () => this.deps.serviceAccountToken?.(this.namespace, this.pod.spec.serviceAccountName ?? 'default'),
        disk: this.deps.disk?.quotaFor(this.namespace),
      });
      const ctx = this.context(run, instance, env);
      run.ctx = ctx;
      const main = mainCommand(run.spec, image);
      if (main.kind === 'program') {
        workload = new MainProcess({
          argv: main.argv,
          programs: image.programs,
          fs: run.fs,
          ctx: { ...ctx, env: this.processes.envOf(ctx) },
          cwd: typeof run.spec.workingDir === 'string' ? run.spec.workingDir : '/',
          stdin: run.spec.stdin === true,
          stdinOnce: run.spec.stdinOnce === true,
          tty: run.spec.tty === true,
        });
      } else if (image.factory) workload = image.factory(ctx, image.tag);
      else throw new ContainerStartError('no command specified');
    } catch (err) {
      if (err instanceof ContainerStartError) {
        // As containerd reports a process that cannot start: the container ran and ended at once (StartError,
        // exit 128), then the restart policy applies (RunContainerError / CrashLoopBackOff, or Failed for Never).
        events.record(this.pod, 'Warning', 'Failed', `Error: ${err.message}`, KUBELET, this.fieldPath(run));
        run.everStarted = true;
        run.runningSinceMs = Date.now();
        run.state = { running: { startedAt: timestamp() } };
        return this.exited(run, instance, 128, 'StartError', err.message);
      }
      const message = err instanceof FsError ? `failed to mount the pod's volumes: ${err.message}` : (err as Error).message;
      run.state = { waiting: { reason: 'CreateContainerError', message } };
      events.record(this.pod, 'Warning', 'Failed', `Error: ${message}`, KUBELET, this.fieldPath(run));
      this.writeStatus();
      this.after(run, this.backoff(++run.crashes, this.deps.config.restartBackoffBaseMs), () => void this.startContainer(run));
      return;
    }
    run.workload = workload;
    run.everStarted = true;
    run.runningSinceMs = Date.now();
    run.state = { running: { startedAt: timestamp() } };
    // Not ready until a readiness probe passes; alive until a liveness probe fails often enough.
    run.readiness = run.spec.readinessProbe ? newProbeState(run.spec.readinessProbe, run.runningSinceMs, false) : undefined;
    run.liveness = run.spec.livenessProbe ? newProbeState(run.spec.livenessProbe, run.runningSinceMs, true) : undefined;
    events.record(this.pod, 'Normal', 'Started', `Started container ${run.name}`, KUBELET, this.fieldPath(run));
    this.writeStatus();
    try {
      await (run.starting = workload.start());
    } catch (err) {
      return this.exited(run, instance, 1, 'Error', (err as Error).message);
    }
    if (this.stopped || instance !== run.instance || !run.state.running) return;
    run.started = true;
    if (run.init) return this.exited(run, instance, 0, 'Completed');
    this.tick();
    this.writeStatus();
  }

  private pulled(run: ContainerRun, image: ResolvedImage): void {
    const { events, pulledImages } = this.deps;
    const policy = run.spec.imagePullPolicy ?? (image.tag === 'latest' ? 'Always' : 'IfNotPresent');
    if (policy !== 'Always' && pulledImages.has(image.reference)) {
      events.record(this.pod, 'Normal', 'Pulled', `Container image "${run.spec.image}" already present on machine`, KUBELET, this.fieldPath(run));
      return;
    }
    events.record(this.pod, 'Normal', 'Pulling', `Pulling image "${run.spec.image}"`, KUBELET, this.fieldPath(run));
    events.record(this.pod, 'Normal', 'Pulled', `Successfully pulled image "${run.spec.image}" in 0s (0s including waiting). Image size: 0 bytes.`, KUBELET, this.fieldPath(run));
    pulledImages.add(image.reference);
  }

  /** ErrImagePull now, ImagePullBackOff shortly after, another pull when the back-off expires. */
  private pullFailed(run: ContainerRun): void {
    const { events, config } = this.deps;
    const image = run.spec.image ?? '';
    const reason = pullFailureReason(image);
    events.record(this.pod, 'Normal', 'Pulling', `Pulling image "${image}"`, KUBELET, this.fieldPath(run));
    events.record(this.pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${reason}`, KUBELET, this.fieldPath(run));
    events.record(this.pod, 'Warning', 'Failed', 'Error: ErrImagePull', KUBELET, this.fieldPath(run));
    run.state = { waiting: { reason: 'ErrImagePull', message: `Failed to pull image "${image}": ${reason}` } };
    this.writeStatus();
    const delay = this.backoff(++run.pullFailures, config.imagePullBackoffBaseMs);
    this.after(run, Math.min(delay / 2, 1000), () => {
      run.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } };
      events.record(this.pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, KUBELET, this.fieldPath(run));
      events.record(this.pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', KUBELET, this.fieldPath(run));
      this.writeStatus();
    });
    this.after(run, delay, () => void this.startContainer(run));
  }

  /** The container's process ended (exit, failed start, failed liveness): record it, maybe restart. */
  private exited(run: ContainerRun, instance: number, exitCode: number, reason: string, message?: string, opts: { restartNow?: boolean } = {}): void {
    if (this.stopped || instance !== run.instance || !run.state.running) return;
    const workload = run.workload;
    run.workload = undefined;
    run.started = false;
    run.ready = false;
    const terminated = {
      exitCode,
      reason,
      ...(message ? { message } : {}),
      startedAt: run.state.running.startedAt,
      finishedAt: timestamp(),
      containerID: run.containerID,
    };
    run.state = { terminated };
    run.log?.close();
    // Exec'd processes die with their container.
    this.processes.killIn(run.name);
    if (workload) run.stopping = this.stopWorkload(workload, run.starting).then(() => undefined);

    // Ephemeral containers are never restarted, whatever the pod's restartPolicy (upstream kubelet).
    if (run.ephemeral) {
      this.writeStatus();
      return;
    }

    if (run.init && exitCode === 0) {
      run.completed = true;
      this.writeStatus();
      const next = this.initRuns.find((r) => !r.completed);
      if (next) void this.startContainer(next);
      else {
        this.initialized = true;
        for (const r of this.runs) void this.startContainer(r);
      }
      return;
    }

    const policy = this.pod.spec.restartPolicy ?? 'Always';
    const restart = opts.restartNow || policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      this.stopSidecarWhenAppsEnded();
      this.writeStatus();
      return;
    }
    run.lastState = { terminated };
    if (Date.now() - run.runningSinceMs > BACKOFF_RESET_AFTER_MS) run.crashes = 0;
    run.crashes++;
    const delay = opts.restartNow || run.crashes === 1 ? 0 : this.backoff(run.crashes - 1, this.deps.config.restartBackoffBaseMs);
    if (delay === 0) {
      this.writeStatus();
      void this.startContainer(run);
      return;
    }
    const podRef = `${this.name}_${this.namespace}(${this.uid})`;
    run.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${formatDuration(delay)} restarting failed container=${run.name} pod=${podRef}` } };
    this.deps.events.record(this.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${run.name} in pod ${podRef}`, KUBELET, this.fieldPath(run));
    this.writeStatus();
    this.after(run, delay, () => void this.startContainer(run));
  }

  /**
   * Native sidecar semantics (Kubernetes sidecar containers): once every app container of a Never/OnFailure
   * pod has ended for good, the sidecar is stopped, so a Job-style pod completes instead of running forever.
   */
  private stopSidecarWhenAppsEnded(): void {
    const sidecar = this.runs.find((r) => r.name === SIDECAR_CONTAINER_NAME);
    if (!sidecar || this.runs.some((r) => r !== sidecar && !r.state.terminated)) return;
    this.clearTimers(sidecar);
    if (sidecar.state.running) {
      this.deps.events.record(this.pod, 'Normal', 'Killing', `Stopping container ${sidecar.name}: the pod's app containers have completed`, KUBELET, this.fieldPath(sidecar));
      this.exited(sidecar, sidecar.instance, 0, 'Completed');
    } else if (!sidecar.state.terminated) {
      sidecar.state = { terminated: { exitCode: 0, reason: 'Completed', finishedAt: timestamp() } };
    }
  }

  private probe(run: ContainerRun, instance: number, probe: Probe, state: ProbeState, kind: 'Readiness' | 'Liveness', now: number): void {
    if (state.inFlight || now < state.nextAt) return;
    state.inFlight = true;
    state.nextAt = now + Math.max(1, probe.periodSeconds ?? 10) * 1000;
    const attempt =
      probe.exec?.command?.length && run.image && run.fs && run.ctx
        ? runExecProbe({ programs: run.image.programs, fs: run.fs, container: run.ctx }, probe.exec.command, run.ctx.env, probe.timeoutSeconds)
        : runProbe(probe, this.listenHostOf(run), run.spec.ports ?? [], [this.podIP!, this.localHost!]);
    void attempt.then((result) => {
      state.inFlight = false;
      if (this.stopped || instance !== run.instance) return;
      if (result.ok) {
        state.failures = 0;
        state.successes++;
        if (state.successes >= Math.max(1, probe.successThreshold ?? 1)) state.passing = true;
      } else {
        state.successes = 0;
        state.failures++;
        this.deps.events.record(this.pod, 'Warning', 'Unhealthy', `${kind} probe failed: ${result.message}`, KUBELET, this.fieldPath(run));
        if (state.failures >= Math.max(1, probe.failureThreshold ?? 3)) state.passing = false;
      }
      if (kind === 'Liveness' && !state.passing) {
        this.deps.events.record(this.pod, 'Normal', 'Killing', `Container ${run.name} failed liveness probe, will be restarted`, KUBELET, this.fieldPath(run));
        this.exited(run, instance, 137, 'Error');
        return;
      }
      this.tick();
    });
  }

  private context(run: ContainerRun, instance: number, env: Record<string, string>): WorkloadContext {
    const agents = this.ensureAgents();
    const sidecar = run.name === SIDECAR_CONTAINER_NAME;
    return {
      namespace: this.namespace,
      podName: this.name,
      podUid: this.uid,
      serviceAccount: this.pod.spec.serviceAccountName ?? 'default',
      containerName: run.name,
      labels: { ...(this.pod.metadata.labels ?? {}) },
      annotations: { ...(this.pod.metadata.annotations ?? {}) },
      podIP: this.podIP!,
      listenHost: this.listenHostOf(run),
      localHost: this.localHost!,
      ports: (run.spec.ports ?? []).map((p) => ({ ...p })),
      env,
      command: [...(run.spec.command ?? [])],
      args: [...(run.spec.args ?? [])],
      agent: sidecar ? agents.direct : agents.app,
      resolve: (host) => this.deps.dns.resolve(host, this.namespace),
      dial: (host, port) => dialFromPod(sidecar ? { ...this.dialContext(), meshed: false } : this.dialContext(), host, port),
      connectAddress: (host, port) => connectTarget(sidecar ? { ...this.dialContext(), meshed: false } : this.dialContext(), host, port),
      network: this.podNetwork!,
      log: (line) => {
        if (instance === run.instance) run.log?.write(line);
      },
      exit: (code) => {
        setImmediate(() => this.exited(run, instance, code, code === 0 ? 'Completed' : 'Error'));
      },
    };
  }

  private listenHostOf(run: ContainerRun): string {
    return this.meshed && run.name !== SIDECAR_CONTAINER_NAME ? this.localHost! : this.podIP!;
  }

  private dialContext(): PodDialContext {
    return {
      meshed: this.meshed,
      podIP: this.podIP!,
      localHost: this.localHost!,
      resolve: (h) => this.deps.dns.resolve(h, this.namespace),
      checkDial: this.podNetwork!.checkDial,
    };
  }

  private ensureAgents(): { app: Agent; direct: Agent } {
    if (!this.agents) {
      const checkDial = this.podNetwork!.checkDial;
      const direct = directAgent(this.deps.dns.lookupFor(this.namespace, checkDial, this.localHost), this.podIP, checkDial);
      this.agents = { direct, app: this.meshed ? meshedAgent(this.dialContext()) : direct };
    }
    return this.agents;
  }

  /** Stops a workload; resolves true when it stopped within `timeoutMs`, false when it was abandoned. */
  private stopWorkload(workload: Workload, starting: Promise<void>, timeoutMs = this.deps.config.stopTimeoutMs): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const stop = starting
      .catch(() => undefined)
      .then(() => workload.stop())
      .then(
        () => true,
        () => true,
      );
    return Promise.race([stop, timeout]).finally(() => clearTimeout(timer));
  }

  private backoff(n: number, base: number): number {
    return Math.min(base * 2 ** Math.max(0, n - 1), this.deps.config.backoffCapMs);
  }

  private after(run: ContainerRun, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      run.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    run.timers.add(timer);
  }

  private clearTimers(run: ContainerRun): void {
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
  }

  private fieldPath(run: ContainerRun): string {
    const list = run.ephemeral ? 'ephemeralContainers' : run.init ? 'initContainers' : 'containers';
    return `spec.${list}{${run.name}}`;
  }

  // ---- status -------------------------------------------------------------------------------------

  /** Status writes are coalesced and made outside any caller's store write. */
  private writeStatus(): void {
    if (this.statusScheduled) return;
    this.statusScheduled = true;
    setImmediate(() => {
      this.statusScheduled = false;
      if (this.stopped) return;
      const status = this.computeStatus();
      if (isDeepStrictEqual(status, this.lastWritten)) return;
      const pods = this.deps.api.type('', 'pods');
      const current = this.deps.api.tryGet(pods, this.namespace, this.name);
      if (!current || current.metadata.uid !== this.uid) return;
      current.status = status;
      delete current.metadata.resourceVersion;
      try {
        this.deps.api.update(pods, current, { subresource: 'status' });
        this.lastWritten = status;
      } catch {
        // The pod went away meanwhile; nothing to report.
      }
    });
  }

  private computeStatus(terminal = false): PodStatus {
    const statusOf = (run: ContainerRun): ContainerStatus => {
      const s: ContainerStatus = {
        name: run.name,
        state: structuredClone(run.state),
        lastState: structuredClone(run.lastState),
        ready: run.ready,
        restartCount: run.restartCount,
        image: run.spec.image,
        imageID: run.image?.imageID ?? '',
        started: run.started,
      };
      if (run.containerID) s.containerID = run.containerID;
      return s;
    };
    const containerStatuses = this.runs.map(statusOf);
    const phase = this.phase(terminal);
    const unready = this.runs.filter((r) => !r.ready).map((r) => r.name);
    const initPending = this.initRuns.filter((r) => !r.completed).map((r) => r.name);
    const completed = phase === 'Succeeded' || phase === 'Failed';
    const ready = unready.length === 0 && !completed;
    const notReadyReason = completed ? 'PodCompleted' : 'ContainersNotReady';
    const notReadyMessage = completed ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    const conditions: PodCondition[] = [
      this.condition('PodReadyToStartContainers', true),
      this.condition('Initialized', this.initialized, 'ContainersNotInitialized', `containers with incomplete status: [${initPending.join(' ')}]`),
      this.condition('Ready', ready, notReadyReason, notReadyMessage),
      this.condition('ContainersReady', ready, notReadyReason, notReadyMessage),
      this.condition('PodScheduled', true),
    ];
    const status: PodStatus = {
      phase,
      conditions,
      hostIP: this.deps.config.hostIP,
      hostIPs: [{ ip: this.deps.config.hostIP }],
      podIP: this.podIP,
      podIPs: this.podIP ? [{ ip: this.podIP }] : [],
      startTime: this.startTime,
      containerStatuses,
      qosClass: 'BestEffort',
    };
    if (this.initRuns.length) status.initContainerStatuses = this.initRuns.map(statusOf);
    if (this.ephemeralRuns.length) status.ephemeralContainerStatuses = this.ephemeralRuns.map(statusOf);
    return status;
  }

  /**
   * The kubelet's getPhase: waiting-never-started → Pending; any running → Running; all ended → by policy, or
   * for a pod being deleted (`terminal`) Succeeded when every container exited 0, else Failed (kubelet_pods.go).
   */
  private phase(terminal = false): NonNullable<PodStatus['phase']> {
    if (!this.initialized) return 'Pending';
    let waiting = 0;
    let running = 0;
    let stopped = 0;
    let succeeded = 0;
    for (const run of this.runs) {
      if (run.state.running) running++;
      else if (run.state.terminated) {
        stopped++;
        if (run.state.terminated.exitCode === 0) succeeded++;
      } else if (run.lastState.terminated) stopped++;
      else waiting++;
    }
    if (waiting > 0) return 'Pending';
    if (running > 0) return 'Running';
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if ((this.pod.spec.restartPolicy ?? 'Always') === 'Always') return 'Running';
    if (this.runs.some((r) => r.state.waiting)) return 'Running'; // about to restart (OnFailure)
    return stopped === succeeded ? 'Succeeded' : 'Failed';
  }

  private condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
    const status = ok ? 'True' : 'False';
    let seen = this.conditionTimes.get(type);
    if (!seen || seen.status !== status) {
      seen = { status, at: timestamp() };
      this.conditionTimes.set(type, seen);
    }
    const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: seen.at };
    if (!ok && reason) c.reason = reason;
    if (!ok && message) c.message = message;
    return c;
  }
}

function newProbeState(probe: Probe, since: number, passing: boolean): ProbeState {
  return { successes: 0, failures: 0, nextAt: since + (probe.initialDelaySeconds ?? 0) * 1000, inFlight: false, passing };
}

/** Go's time.Duration form, as kubelet messages print it: 10s, 2m40s, 5m0s. */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 ? `${ms}ms` : `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60}s`;
}
