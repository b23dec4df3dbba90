// A running container's readiness and liveness probes, as the kubelet's prober workers keep them: when the next
// attempt is due (initialDelaySeconds, periodSeconds), one attempt at a time, and whether the probe passes after
// successThreshold successes or fails after failureThreshold failures. One attempt itself is ../probes.ts (HTTP,
// TCP) or ../process/exec-probe.ts. The sandbox has no startup probes: a container counts as started once its
// workload's start() resolved.
import type { Probe } from '../kinds.js';
import type { ProbeResult } from '../probes.js';

export type ProbeKind = 'Readiness' | 'Liveness';

/** What one attempt's result changed. */
export interface ProbeOutcome {
  /** The attempt failed (the kubelet records an Unhealthy event for each). */
  failed: boolean;
  /** Whether the probe passes now. */
  passing: boolean;
}

export class ProbeTracker {
  private successes = 0;
  private failures = 0;
  private nextAt: number;
  private inFlight = false;
  private isPassing: boolean;

  constructor(
    readonly probe: Probe,
    readonly kind: ProbeKind,
    /** When the container started running (ms since the epoch). */
    sinceMs: number,
  ) {
    this.nextAt = sinceMs + (probe.initialDelaySeconds ?? 0) * 1000;
    // Not ready until a readiness probe passes; alive until a liveness probe fails often enough.
    this.isPassing = kind === 'Liveness';
  }

  get passing(): boolean {
    return this.isPassing;
  }

  /** True when an attempt should start now; the caller then makes it and hands its result to record(). */
  begin(now: number): boolean {
    if (this.inFlight || now < this.nextAt) return false;
    this.inFlight = true;
    this.nextAt = now + Math.max(1, this.probe.periodSeconds ?? 10) * 1000;
    return true;
  }

  record(result: ProbeResult): ProbeOutcome {
    this.inFlight = false;
    if (result.ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= Math.max(1, this.probe.successThreshold ?? 1)) this.isPassing = true;
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= Math.max(1, this.probe.failureThreshold ?? 3)) this.isPassing = false;
    }
    return { failed: !result.ok, passing: this.isPassing };
  }
}

/** The probes of a container instance that just started running. */
export function probesFor(spec: { readinessProbe?: Probe; livenessProbe?: Probe }, sinceMs: number): { readiness?: ProbeTracker; liveness?: ProbeTracker } {
  return {
    readiness: spec.readinessProbe ? new ProbeTracker(spec.readinessProbe, 'Readiness', sinceMs) : undefined,
    liveness: spec.livenessProbe ? new ProbeTracker(spec.livenessProbe, 'Liveness', sinceMs) : undefined,
  };
}
