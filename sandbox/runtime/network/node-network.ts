// The node's network, assembled: the address book, NetworkPolicy enforcement, and the per-pod view the runtime
// hands each container (WorkloadContext.network).
import type { Server, Socket } from 'node:net';
import type { ClusterApi } from '../../apiserver/api.js';
import type { EventRecorder } from '../../controllers/event-recorder.js';
import type { AddressPool } from '../addresses.js';
import type { PodNetwork } from '../workload.js';
import { AddressBook } from './address-book.js';
import { EgressGuard } from './egress-guard.js';
import { IngressGate } from './ingress-gate.js';
import { AppListeners } from './app-listeners.js';
import { NetworkPolicyEnforcer } from './policy-enforcer.js';

export class NodeNetwork {
  readonly book = new AddressBook();
  readonly policy: NetworkPolicyEnforcer;
  readonly gate: IngressGate;

  constructor(
    private readonly api: ClusterApi,
    private readonly servicePool: AddressPool,
    events?: EventRecorder,
  ) {
    this.policy = new NetworkPolicyEnforcer(api, this.book, events);
    this.gate = new IngressGate(this.book, this.policy);
  }

  /** Start before the service proxy and the runtime, so both find Services' addresses already recorded. */
  start(): void {
    this.book.watchServices(this.api, this.servicePool);
    this.policy.start();
  }

  stop(): void {
    this.policy.stop();
    this.book.stop();
  }

  /** What one pod's containers get: the ingress check for their listeners and the egress allow-list. */
  forPod(localHost: string): PodNetwork {
    const egress = new EgressGuard(this.book, localHost);
    const gate = this.gate;
    const appListeners = new AppListeners(localHost);
    return {
      admit: (socket: Socket) => gate.admit(socket),
      guard: <S extends Server>(server: S) => {
        appListeners.track(server);
        return gate.guard(server);
      },
      appListeners,
      checkDial: (ip: string, port?: number) => egress.check(ip, port),
    };
  }
}
