// Everything the node keeps about one container of a pod: its spec, its lifecycle (container-state.ts), back-off
// (restart-backoff.ts) and probes (container-probes.ts), and the running instance's pieces (workload, log,
// filesystem, context). The instance number tells a late callback of an earlier instance from the current one.
import type { ResolvedImage } from '../images.js';
import type { Container } from '../kinds.js';
import type { ContainerLog } from '../logs.js';
import type { MemoryFilesystem } from '../process/filesystem.js';
import type { Workload, WorkloadContext } from '../workload.js';
import { ContainerLifecycle, type WaitingReason } from './container-state.js';
import type { ProbeTracker } from './container-probes.js';
import type { ContainerKind, ContainerRef } from './kubelet-events.js';
import type { InitContainerStatusSource } from './pod-status.js';
import { BackoffTimers, RestartBackoff, type BackoffConfig } from './restart-backoff.js';

export class ContainerRun implements ContainerRef, InitContainerStatusSource {
  readonly lifecycle: ContainerLifecycle;
  readonly backoff: RestartBackoff;
  /** Pending back-off timers of this container. */
  readonly timers = new BackoffTimers();
  /** Counts created instances; callbacks carry the number they were made for. */
  instance = 0;
  /** Init containers: ran to completion (exit 0). */
  completed = false;
  image?: ResolvedImage;
  workload?: Workload;
  /** The running instance's start(): a stop must wait for it, or listeners bound after the stop would leak. */
  starting: Promise<void> = Promise.resolve();
  stopping: Promise<void> = Promise.resolve();
  log?: ContainerLog;
  previousLog?: ContainerLog;
  readiness?: ProbeTracker;
  liveness?: ProbeTracker;
  /** The running instance's filesystem and context: what `kubectl exec` runs in. */
  fs?: MemoryFilesystem;
  ctx?: WorkloadContext;

  constructor(
    public spec: Container,
    /** Which list of the pod spec it is in; an ephemeral container (kubectl debug) is started once, never restarted. */
    readonly kind: ContainerKind,
    backoff: BackoffConfig,
    /** How it waits before its first instance: see initialWaitingReason. */
    initialWait: WaitingReason,
  ) {
    this.lifecycle = new ContainerLifecycle(spec.name, initialWait);
    this.backoff = new RestartBackoff(backoff);
  }

  get name(): string {
    return this.spec.name;
  }

  get init(): boolean {
    return this.kind === 'init';
  }

  get ephemeral(): boolean {
    return this.kind === 'ephemeral';
  }

  get specImage(): string {
    return this.spec.image;
  }

  get imageID(): string | undefined {
    return this.image?.imageID;
  }
}

/**
 * How every container of a pod waits before its first instance: PodInitializing in a pod with init containers,
 * else ContainerCreating (kubelet_pods.go convertToAPIContainerStatuses, defaultWaitingState).
 */
export function initialWaitingReason(hasInitContainers: boolean): WaitingReason {
  return hasInitContainers ? 'PodInitializing' : 'ContainerCreating';
}

/**
 * Stops a workload once its start() has settled; resolves true when it stopped within `timeoutMs`, false when
 * it was abandoned (as a container killed after its grace period).
 */
export function stopWorkload(workload: Workload, starting: Promise<void>, timeoutMs: number): Promise<boolean> {
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
