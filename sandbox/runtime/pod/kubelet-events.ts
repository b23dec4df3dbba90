// The kubelet's Events about one pod's containers, as `kubectl describe pod` lists them: source component
// "kubelet", involvedObject the pod, fieldPath naming the container (spec.containers{name},
// spec.initContainers{name}, spec.ephemeralContainers{name}). Reasons are pkg/kubelet/events/event.go's.
import type { EventRecorder, EventType } from '../../controllers/event-recorder.js';
import type { Pod } from '../kinds.js';

const KUBELET = 'kubelet';

/**
 * Reasons the sandbox's kubelet records: Created/Started/Killing/BackOff (containers), Pulling/Pulled/Failed/BackOff
 * (images; Failed also for create and start errors), Unhealthy (probes).
 */
export type KubeletEventReason = 'Pulling' | 'Pulled' | 'Failed' | 'BackOff' | 'Created' | 'Started' | 'Killing' | 'Unhealthy';

/** Reasons about the pod as a whole (no container field path). */
export type KubeletPodEventReason = 'FailedCreatePodSandBox';

/** Which list of the pod spec a container is in. */
export type ContainerKind = 'container' | 'init' | 'ephemeral';

export interface ContainerRef {
  readonly name: string;
  readonly kind: ContainerKind;
}

/** The involvedObject.fieldPath of an event about a container (kubelet's container reference). */
export function containerFieldPath(ref: ContainerRef): string {
  const list = ref.kind === 'ephemeral' ? 'ephemeralContainers' : ref.kind === 'init' ? 'initContainers' : 'containers';
  return `spec.${list}{${ref.name}}`;
}

export class KubeletEvents {
  constructor(
    private readonly recorder: EventRecorder,
    /** The pod as last seen: events name its current object (uid, resourceVersion). */
    private readonly pod: () => Pod,
  ) {}

  /** Normal event about one container. */
  normal(container: ContainerRef, reason: KubeletEventReason, message: string): void {
    this.record(container, 'Normal', reason, message);
  }

  /** Warning event about one container. */
  warning(container: ContainerRef, reason: KubeletEventReason, message: string): void {
    this.record(container, 'Warning', reason, message);
  }

  record(container: ContainerRef, type: EventType, reason: KubeletEventReason, message: string): void {
    this.recorder.record(this.pod(), type, reason, message, KUBELET, containerFieldPath(container));
  }

  /** An event about the pod itself, as a failed pod sandbox. */
  forPod(type: EventType, reason: KubeletPodEventReason, message: string): void {
    this.recorder.record(this.pod(), type, reason, message, KUBELET);
  }
}
