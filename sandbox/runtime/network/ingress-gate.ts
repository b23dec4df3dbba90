// The one check every connection accepted on a pod's address goes through (the apps' listeners, the mesh
// sidecar's inbound, outbound and admin listeners): who is calling, by the address book, and whether the
// destination's ingress and the caller's egress NetworkPolicies admit it. A refused connection is reset at
// once — real CNIs usually drop the SYN so the caller times out; a reset gives the same "no connection"
// without making learners wait — and is counted and reported by the enforcer. Connections already open
// when a policy, a namespace's labels or a pod's labels change are judged again, and reset if now refused
// (sidecars keep pooled connections open for minutes; a new policy must not wait for them to close).
import type { Server, Socket } from 'node:net';
import { plainIPv4, type AddressBook } from './address-book.js';
import type { NetworkPolicyEnforcer } from './policy-enforcer.js';

/**
 * The node's own address: the API server's proxies and the kubelet's probes connect from it. Host traffic to
 * a pod is always allowed, as on a real cluster (NetworkPolicy does not apply to the pod's node).
 */
export const NODE_ADDRESS = '127.0.0.1';

export class IngressGate {
  /** Admitted pod-to-pod connections, judged again after a change. */
  private readonly live = new Set<Socket>();
  private recheckScheduled = false;

  constructor(
    private readonly book: AddressBook,
    private readonly policy: NetworkPolicyEnforcer,
  ) {
    const schedule = () => {
      if (this.recheckScheduled || this.live.size === 0) return;
      this.recheckScheduled = true;
      setImmediate(() => this.recheck());
    };
    policy.onChange(schedule);
    book.onChange(schedule);
  }

  /** True when the connection may proceed; otherwise it has been reset. */
  admit(socket: Socket): boolean {
    const verdict = this.judge(socket);
    if (verdict === 'allowed') return true;
    if (verdict === 'tracked') {
      this.live.add(socket);
      socket.once('close', () => this.live.delete(socket));
      return true;
    }
    socket.resetAndDestroy();
    return false;
  }

  /**
   * Put a listener (node:net or node:http) behind the gate: refused connections are reset before any other
   * 'connection' listener sees them (an http.Server then finds the socket already closed).
   */
  guard<S extends Server>(server: S): S {
    server.prependListener('connection', (socket: Socket) => void this.admit(socket));
    return server;
  }

  /** 'allowed' needs no watching (node traffic, a pod to itself); 'tracked' is a pod-to-pod connection policy allowed. */
  private judge(socket: Socket): 'allowed' | 'tracked' | 'refused' {
    const remote = plainIPv4(socket.remoteAddress);
    if (remote === NODE_ADDRESS) return 'allowed';
    const local = plainIPv4(socket.localAddress);
    const destination = this.book.podAt(local);
    const source = this.book.podAt(remote) ?? this.book.podWithLocalHost(remote);
    if (!destination) {
      // A pod's private localhost: only the pod itself reaches it. Any other address is no pod's (any more).
      const owner = this.book.podWithLocalHost(local);
      return owner && source === owner ? 'allowed' : 'refused';
    }
    if (source === destination) return 'allowed'; // a pod calling itself (hairpin through its Service too)
    const port = socket.localPort ?? 0;
    const verdict = this.policy.decide(remote, source, destination, port);
    if (verdict.allowed) return 'tracked';
    this.policy.recordDenial(remote, source, destination, port, verdict);
    return 'refused';
  }

  private recheck(): void {
    this.recheckScheduled = false;
    for (const socket of this.live) {
      if (this.judge(socket) !== 'refused') continue;
      this.live.delete(socket);
      socket.resetAndDestroy();
    }
  }
}
