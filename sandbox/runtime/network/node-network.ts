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
import { TrafficMeter } from './traffic-meter.js';
import { AppListeners } from './app-listeners.js';
import { NetworkPolicyEnforcer } from './policy-enforcer.js';

export class NodeNetwork {
  readonly book = new AddressBook();
  readonly policy: NetworkPolicyEnforcer;
  readonly gate: IngressGate;
  /** Bytes through each pod's accepted connections (the metrics API's per-pod share). */
  readonly traffic = new TrafficMeter();

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
    const traffic = this.traffic.start(localHost);
    const appListeners = new AppListeners(localHost);
    return {
      admit: (socket: Socket) => {
        const admitted = gate.admit(socket);
        if (admitted) traffic.track(socket);
        return admitted;
      },
      guard: <S extends Server>(server: S) => {
        appListeners.track(server);
        gate.guard(server);
        // After the gate's own (prepended) listener: a refused socket is already destroyed and not counted.
        server.on('connection', (socket: Socket) => traffic.track(socket));
        return server;
      },
      appListeners,
      checkDial: (ip: string, port?: number) => egress.check(ip, port),
    };
  }
}
