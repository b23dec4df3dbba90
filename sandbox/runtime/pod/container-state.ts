// One container's lifecycle as the kubelet reports it: Waiting{reason} → Running{startedAt} → Terminated{exitCode,
// reason}, with restartCount, lastState and the container ID of the current instance. Transitions are methods; one
// the kubelet never makes (a second start of a running container, an exit of one that is not running) throws, so a
// runner bug shows up as an error instead of a status that no real cluster would print.
import { randomBytes } from 'node:crypto';
import type { ContainerState, ContainerStateTerminated } from '../kinds.js';
import { timestamp } from '../kinds.js';

/** Why a container waits (the kubelet's reasons, pkg/kubelet/container/sync_result.go and images/types.go). */
export type WaitingReason =
  | 'ContainerCreating'
  | 'PodInitializing'
  | 'ErrImagePull'
  | 'ImagePullBackOff'
  | 'CrashLoopBackOff'
  | 'CreateContainerConfigError'
  | 'CreateContainerError';

/** How a container ended, as containerd and the kubelet word it. */
export type TerminatedReason = 'Completed' | 'Error' | 'StartError' | 'OOMKilled';

export interface ContainerExit {
  exitCode: number;
  reason: TerminatedReason;
  message?: string;
}

type Phase =
  | { kind: 'waiting'; reason: WaitingReason; message?: string }
  | { kind: 'running'; startedAt: string; sinceMs: number; started: boolean; ready: boolean }
  | { kind: 'terminated'; terminated: ContainerStateTerminated };

export type LifecyclePhase = Phase['kind'];

/** A transition the kubelet never makes; thrown so the bug is seen where it happens. */
export class IllegalContainerTransition extends Error {
  constructor(
    readonly container: string,
    readonly from: LifecyclePhase,
    readonly transition: string,
  ) {
    super(`container ${container}: cannot ${transition} while ${from}`);
    this.name = 'IllegalContainerTransition';
  }
}

export class ContainerLifecycle {
  private phase: Phase;
  private last: ContainerState = {};
  private restarts = 0;
  private everRan = false;
  private id?: string;

  constructor(
    readonly name: string,
    /** PodInitializing in a pod with init containers, else ContainerCreating (kubelet convertToAPIContainerStatuses). */
    initial: WaitingReason = 'ContainerCreating',
  ) {
    this.phase = { kind: 'waiting', reason: initial };
  }

  get current(): LifecyclePhase {
    return this.phase.kind;
  }

  get isWaiting(): boolean {
    return this.phase.kind === 'waiting';
  }

  get isRunning(): boolean {
    return this.phase.kind === 'running';
  }

  get isTerminated(): boolean {
    return this.phase.kind === 'terminated';
  }

  /** The waiting reason, while waiting. */
  get waitingReason(): WaitingReason | undefined {
    return this.phase.kind === 'waiting' ? this.phase.reason : undefined;
  }

  /** The current instance's exit, once it has ended. */
  get terminated(): Readonly<ContainerStateTerminated> | undefined {
    return this.phase.kind === 'terminated' ? this.phase.terminated : undefined;
  }

  /** The previous instance's end, kept once the container is restarted (status.lastState.terminated). */
  get lastTerminated(): Readonly<ContainerStateTerminated> | undefined {
    return this.last.terminated;
  }

  get restartCount(): number {
    return this.restarts;
  }

  get containerID(): string | undefined {
    return this.id;
  }

  /** When the running instance started (ms since the epoch), for back-off reset and probe delays. */
  get runningSinceMs(): number | undefined {
    return this.phase.kind === 'running' ? this.phase.sinceMs : undefined;
  }

  /** status.started: the running instance's start finished (a startup gate passed). */
  get started(): boolean {
    return this.phase.kind === 'running' && this.phase.started;
  }

  /** status.ready: the running instance serves (readiness). */
  get ready(): boolean {
    return this.phase.kind === 'running' && this.phase.ready;
  }

  /** Waiting (again) for a reason: image pull, config error, back-off. Never while running. */
  wait(reason: WaitingReason, message?: string): void {
    this.expect(['waiting', 'terminated'], `wait (${reason})`);
    this.phase = { kind: 'waiting', reason, ...(message !== undefined ? { message } : {}) };
  }

  /**
   * A new instance is being created: it gets a fresh container ID, and counts as a restart when an earlier
   * instance ever ran (the kubelet counts restarts per created container, failed creations included).
   */
  create(): { containerID: string; restart: boolean } {
    this.expect(['waiting', 'terminated'], 'create a new instance');
    const restart = this.everRan;
    if (restart) this.restarts++;
    this.id = `sandbox://${randomBytes(32).toString('hex')}`;
    return { containerID: this.id, restart };
  }

  /** The instance's process runs: Running{startedAt}, not yet started or ready. */
  run(now = Date.now()): void {
    this.expect(['waiting', 'terminated'], 'run');
    this.everRan = true;
    this.phase = { kind: 'running', startedAt: timestamp(new Date(now)), sinceMs: now, started: false, ready: false };
  }

  /** The running instance finished starting (status.started = true). */
  markStarted(): void {
    const running = this.running('mark started');
    running.started = true;
  }

  /** Readiness changed; true when it did change (the status must be written again). */
  setReady(ready: boolean): boolean {
    const running = this.running('set ready');
    if (running.ready === ready) return false;
    running.ready = ready;
    return true;
  }

  /** The running instance ended: Terminated{exitCode, reason, startedAt, finishedAt, containerID}. */
  exit(exit: ContainerExit, finishedAt = timestamp()): Readonly<ContainerStateTerminated> {
    const running = this.running(`exit (${exit.reason})`);
    const terminated: ContainerStateTerminated = {
      exitCode: exit.exitCode,
      reason: exit.reason,
      ...(exit.message ? { message: exit.message } : {}),
      startedAt: running.startedAt,
      finishedAt,
      ...(this.id ? { containerID: this.id } : {}),
    };
    this.phase = { kind: 'terminated', terminated };
    return terminated;
  }

  /**
   * A container stopped before it ever ran (a waiting sidecar once the pod's apps have completed): Terminated,
   * Completed, with no start time.
   */
  endWithoutRunning(finishedAt = timestamp()): void {
    this.expect(['waiting'], 'end without running');
    this.phase = { kind: 'terminated', terminated: { exitCode: 0, reason: 'Completed', finishedAt } };
  }

  /** The ended instance will be replaced: its end becomes lastState (what `kubectl describe` shows as Last State). */
  keepAsLastState(): void {
    if (this.phase.kind !== 'terminated') throw new IllegalContainerTransition(this.name, this.phase.kind, 'keep as last state');
    this.last = { terminated: this.phase.terminated };
  }

  /** status.state as the API shows it. */
  state(): ContainerState {
    switch (this.phase.kind) {
      case 'waiting':
        return { waiting: { reason: this.phase.reason, ...(this.phase.message !== undefined ? { message: this.phase.message } : {}) } };
      case 'running':
        return { running: { startedAt: this.phase.startedAt } };
      case 'terminated':
        return { terminated: { ...this.phase.terminated } };
    }
  }

  /** status.lastState as the API shows it. */
  lastState(): ContainerState {
    return structuredClone(this.last);
  }

  private running(transition: string): Extract<Phase, { kind: 'running' }> {
    if (this.phase.kind !== 'running') throw new IllegalContainerTransition(this.name, this.phase.kind, transition);
    return this.phase;
  }

  private expect(from: LifecyclePhase[], transition: string): void {
    if (!from.includes(this.phase.kind)) throw new IllegalContainerTransition(this.name, this.phase.kind, transition);
  }
}
