// A pod's status as the kubelet writes it, derived from its containers' lifecycles: phase (the kubelet's getPhase),
// conditions (PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled, each with the time it
// last changed) and one ContainerStatus per container. Pure but for the condition clock, so it is tested alone.
import type { ContainerStatus, PodCondition, PodStatus } from '../kinds.js';
import { timestamp } from '../kinds.js';
import type { ContainerLifecycle } from './container-state.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type PodPhase = NonNullable<PodStatus['phase']>;

/** What a container's status is made of. */
export interface ContainerStatusSource {
  readonly name: string;
  readonly lifecycle: ContainerLifecycle;
  /** The image the spec asks for (status.image). */
  readonly specImage: string;
  /** The resolved image's ID, once pulled (status.imageID). */
  readonly imageID?: string;
}

export interface InitContainerStatusSource extends ContainerStatusSource {
  /** Ran to completion (exit 0); never started again. */
  readonly completed: boolean;
}

export interface PodStatusInput {
  restartPolicy: RestartPolicy;
  /** Every init container has completed. */
  initialized: boolean;
  containers: readonly ContainerStatusSource[];
  initContainers: readonly InitContainerStatusSource[];
  ephemeralContainers: readonly ContainerStatusSource[];
  hostIP: string;
  podIP?: string;
  startTime?: string;
  /** The pod is being deleted and every container has stopped: the phase is terminal (Succeeded or Failed). */
  terminal?: boolean;
}

/** status.containerStatuses[i] (and init/ephemeral) as the API shows it. */
export function containerStatus(c: ContainerStatusSource): ContainerStatus {
  const life = c.lifecycle;
  const s: ContainerStatus = {
    name: c.name,
    state: life.state(),
    lastState: life.lastState(),
    ready: life.ready,
    restartCount: life.restartCount,
    image: c.specImage,
    imageID: c.imageID ?? '',
    started: life.started,
  };
  if (life.containerID) s.containerID = life.containerID;
  return s;
}

/**
 * The kubelet's getPhase: waiting-never-started → Pending; any running → Running; all ended → by policy, or
 * for a pod being deleted (`terminal`) Succeeded when every container exited 0, else Failed (kubelet_pods.go).
 */
export function podPhase(input: Pick<PodStatusInput, 'restartPolicy' | 'initialized' | 'containers' | 'terminal'>): PodPhase {
  if (!input.initialized) return 'Pending';
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const { lifecycle } of input.containers) {
    if (lifecycle.isRunning) running++;
    else if (lifecycle.terminated) {
      stopped++;
      if (lifecycle.terminated.exitCode === 0) succeeded++;
    } else if (lifecycle.lastTerminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (input.terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
  if (input.restartPolicy === 'Always') return 'Running';
  if (input.containers.some((c) => c.lifecycle.isWaiting)) return 'Running'; // about to restart (OnFailure)
  return stopped === succeeded ? 'Succeeded' : 'Failed';
}

/** Remembers when each condition last changed status (lastTransitionTime). */
export class PodConditionClock {
  private readonly seen = new Map<string, { status: PodCondition['status']; at: string }>();

  condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
    const status = ok ? 'True' : 'False';
    let seen = this.seen.get(type);
    if (!seen || seen.status !== status) {
      seen = { status, at: timestamp() };
      this.seen.set(type, seen);
    }
    const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: seen.at };
    if (!ok && reason) c.reason = reason;
    if (!ok && message) c.message = message;
    return c;
  }
}

/** The whole status the kubelet writes (pods/status). */
export function podStatus(input: PodStatusInput, clock: PodConditionClock): PodStatus {
  const phase = podPhase(input);
  const unready = input.containers.filter((c) => !c.lifecycle.ready).map((c) => c.name);
  const initPending = input.initContainers.filter((c) => !c.completed).map((c) => c.name);
  const completed = phase === 'Succeeded' || phase === 'Failed';
  const ready = unready.length === 0 && !completed;
  const notReadyReason = completed ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = completed ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const conditions: PodCondition[] = [
    clock.condition('PodReadyToStartContainers', true),
    clock.condition('Initialized', input.initialized, 'ContainersNotInitialized', `containers with incomplete status: [${initPending.join(' ')}]`),
    clock.condition('Ready', ready, notReadyReason, notReadyMessage),
    clock.condition('ContainersReady', ready, notReadyReason, notReadyMessage),
    clock.condition('PodScheduled', true),
  ];
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    podIP: input.podIP,
    podIPs: input.podIP ? [{ ip: input.podIP }] : [],
    startTime: input.startTime,
    containerStatuses: input.containers.map(containerStatus),
    qosClass: 'BestEffort',
  };
  if (input.initContainers.length) status.initContainerStatuses = input.initContainers.map(containerStatus);
  if (input.ephemeralContainers.length) status.ephemeralContainerStatuses = input.ephemeralContainers.map(containerStatus);
  return status;
}
