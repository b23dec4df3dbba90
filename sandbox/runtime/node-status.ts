// The kubelet's node registration and status: the sandbox's one Node (named by the runtime's nodeName),
// with capacity and allocatable from the capacity guard's limits (pods, memory budget) and the machine's
// CPUs, the Ready / MemoryPressure / DiskPressure / PIDPressure conditions with heartbeat times, nodeInfo
// (Kubernetes version, OS, kernel, architecture from node:os) and the node's address. Labelled as a
// kind / minikube node is: one control-plane node that also runs workloads.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, release, type as osType } from 'node:os';
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import { KUBERNETES_VERSION } from '../apiserver/discovery.js';
import { MEMORY_MARGIN_BYTES } from './capacity-guard.js';
import { timestamp } from './kinds.js';

/** How often the node's status is posted (kubelet nodeStatusUpdateFrequency). */
export const NODE_STATUS_UPDATE_MS = 10_000;

export interface NodeFacts {
  nodeName: string;
  hostIP: string;
  capacity: { maxPods: number; memoryBudgetBytes: number };
}

/** Go's GOARCH names, as nodeInfo.architecture and the kubernetes.io/arch label use them. */
export function goArch(nodeArch = arch()): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch {
    // Not Linux, or no os-release: the kernel's name will do.
  }
  return `${osType()} ${release()}`;
}

export class NodeStatusReporter {
  private timer?: NodeJS.Timeout;
  private readonly bootID = randomUUID();
  private readonly machineID = randomUUID().replace(/-/g, '');
  private readonly image = osImage();

  constructor(
    private readonly api: ClusterApi,
    private readonly facts: NodeFacts,
  ) {}

  start(): void {
    this.post();
    this.timer = setInterval(() => this.post(), NODE_STATUS_UPDATE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Registers the node (once) and writes its status with a fresh heartbeat. */
  post(): void {
    const nodeType = this.api.type('', 'nodes');
    let node = this.api.tryGet(nodeType, undefined, this.facts.nodeName);
    if (!node) node = this.api.create(nodeType, this.registration());
    const prev = (node.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions ?? [];
    node.status = this.status(prev);
    try {
      this.api.update(nodeType, node, { subresource: 'status' });
    } catch {
      // Deleted meanwhile: registered again at the next post.
    }
  }

  private registration(): KubeObject {
    const a = goArch();
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.facts.nodeName,
        labels: {
          'beta.kubernetes.io/arch': a,
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': a,
          'kubernetes.io/hostname': this.facts.nodeName,
          'kubernetes.io/os': 'linux',
          'node-role.kubernetes.io/control-plane': '',
          'node.kubernetes.io/exclude-from-external-load-balancers': '',
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    };
  }

  private status(prev: { type: string; status: string; lastTransitionTime?: string }[]): Record<string, unknown> {
    const now = timestamp();
    const { maxPods, memoryBudgetBytes } = this.facts.capacity;
    const resources = { cpu: String(availableParallelism()), memory: `${Math.floor(memoryBudgetBytes / 1024)}Ki`, pods: String(maxPods) };
    // Memory pressure as the capacity guard judges it: new pods wait once RSS comes within the margin of the budget.
    const pressure = process.memoryUsage().rss + MEMORY_MARGIN_BYTES >= memoryBudgetBytes;
    const condition = (type: string, status: 'True' | 'False', reason: string, message: string) => {
      const old = prev.find((c) => c.type === type);
      return { type, status, lastHeartbeatTime: now, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now, reason, message };
    };
    return {
      capacity: resources,
      allocatable: resources,
      conditions: [
        pressure
          ? condition('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
          : condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: this.facts.hostIP },
        { type: 'Hostname', address: this.facts.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: this.machineID,
        systemUUID: this.machineID,
        bootID: this.bootID,
        kernelVersion: release(),
        osImage: this.image,
        // The "container runtime" is this Node.js process: pods are in-process workloads.
        containerRuntimeVersion: `nodejs://${process.versions.node}`,
        kubeletVersion: KUBERNETES_VERSION.gitVersion,
        kubeProxyVersion: KUBERNETES_VERSION.gitVersion,
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    };
  }
}
