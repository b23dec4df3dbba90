// What a container's workload sees of its pod: the pod's addresses, where the container listens (in a meshed pod
// the apps on the pod's private loopback address, the sidecar on the pod IP), how it dials out (an app through
// the sidecar, the sidecar straight to the destination), cluster DNS, and the pod's metadata. One per running pod;
// the outbound agents are made on first use and destroyed with the pod.
import type { Agent } from 'node:http';
import { connectTarget, dialFromPod, directAgent, meshedAgent, type PodDialContext } from '../agent.js';
import type { ClusterDns } from '../dns.js';
import type { Container, Pod } from '../kinds.js';
import { SIDECAR_CONTAINER_NAME, type PodNetwork, type WorkloadContext } from '../workload.js';

export interface PodAddressing {
  namespace: string;
  podIP: string;
  /** The pod's private loopback address (its "localhost"). */
  localHost: string;
  /** The pod's network rules (NetworkPolicy, the egress allow-list). */
  network: PodNetwork;
  dns: ClusterDns;
  /** The pod runs the mesh sidecar. */
  meshed: boolean;
}

/** What one container instance reports back to its pod: log lines and its exit. */
export interface InstanceCallbacks {
  log(line: string): void;
  exit(code: number): void;
}

export class PodNetworkContext {
  private agents?: { app: Agent; direct: Agent };

  constructor(private readonly pod: PodAddressing) {}

  get podIP(): string {
    return this.pod.podIP;
  }

  get localHost(): string {
    return this.pod.localHost;
  }

  /** The addresses the pod's probes may target: the pod's own. */
  get ownAddresses(): string[] {
    return [this.pod.podIP, this.pod.localHost];
  }

  /** Where a container's servers listen. */
  listenHostOf(containerName: string): string {
    return this.pod.meshed && containerName !== SIDECAR_CONTAINER_NAME ? this.pod.localHost : this.pod.podIP;
  }

  /** The pod's outbound HTTP agent for its app containers (through the sidecar in a meshed pod). */
  appAgent(): Agent {
    return this.ensureAgents().app;
  }

  /** The context a container's workload runs in. */
  containerContext(pod: Pod, container: Container, env: Record<string, string>, callbacks: InstanceCallbacks): WorkloadContext {
    const agents = this.ensureAgents();
    const sidecar = container.name === SIDECAR_CONTAINER_NAME;
    // The sidecar dials destinations itself; an app's dials in a meshed pod go through the sidecar.
    const dialContext = sidecar ? { ...this.dialContext(), meshed: false } : this.dialContext();
    return {
      namespace: this.pod.namespace,
      podName: pod.metadata.name,
      podUid: pod.metadata.uid,
      serviceAccount: pod.spec.serviceAccountName ?? 'default',
      containerName: container.name,
      labels: { ...(pod.metadata.labels ?? {}) },
      annotations: { ...(pod.metadata.annotations ?? {}) },
      podIP: this.pod.podIP,
      listenHost: this.listenHostOf(container.name),
      localHost: this.pod.localHost,
      ports: (container.ports ?? []).map((p) => ({ ...p })),
      env,
      command: [...(container.command ?? [])],
      args: [...(container.args ?? [])],
      agent: sidecar ? agents.direct : agents.app,
      resolve: (host) => this.pod.dns.resolve(host, this.pod.namespace),
      dial: (host, port) => dialFromPod(dialContext, host, port),
      connectAddress: (host, port) => connectTarget(dialContext, host, port),
      network: this.pod.network,
      log: callbacks.log,
      exit: callbacks.exit,
    };
  }

  /** The pod stops: its agents close their sockets. */
  destroy(): void {
    this.agents?.app.destroy();
    this.agents?.direct.destroy();
  }

  private dialContext(): PodDialContext {
    return {
      meshed: this.pod.meshed,
      podIP: this.pod.podIP,
      localHost: this.pod.localHost,
      resolve: (h) => this.pod.dns.resolve(h, this.pod.namespace),
      checkDial: this.pod.network.checkDial,
    };
  }

  private ensureAgents(): { app: Agent; direct: Agent } {
    if (!this.agents) {
      const checkDial = this.pod.network.checkDial;
      const direct = directAgent(this.pod.dns.lookupFor(this.pod.namespace, checkDial, this.pod.localHost), this.pod.podIP, checkDial);
      this.agents = { direct, app: this.pod.meshed ? meshedAgent(this.dialContext()) : direct };
    }
    return this.agents;
  }
}
