// Which ports a pod's containers listen on at its private localHost (a meshed pod's app binds there), as the
// kernel knows a pod's sockets. The mesh sidecar captures these ports on the pod IP, the way Istio's and
// Linkerd's iptables rules send traffic to any port of the pod through the proxy, declared containerPort or not.
import type { Server } from 'node:net';

export type ListeningChange = (port: number, listening: boolean) => void;

export class AppListeners {
  /** Port → how many servers listen on it (a restarted container may bind before the old one is closed). */
  private readonly ports = new Map<number, number>();
  private readonly subscribers = new Set<ListeningChange>();

  constructor(private readonly localHost: string) {}

  /** Follows a server the pod's containers create: its 'listening' and 'close'. */
  track(server: Server): void {
    let bound: number | undefined;
    const onListening = () => {
      const address = server.address();
      if (bound !== undefined || !address || typeof address !== 'object' || address.address !== this.localHost) return;
      bound = address.port;
      this.change(bound, +1);
    };
    server.on('listening', onListening);
    server.on('close', () => {
      if (bound === undefined) return;
      const port = bound;
      bound = undefined;
      this.change(port, -1);
    });
    if (server.listening) onListening();
  }

  current(): number[] {
    return [...this.ports.keys()];
  }

  subscribe(listener: ListeningChange): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  private change(port: number, delta: number): void {
    const before = this.ports.get(port) ?? 0;
    const after = Math.max(0, before + delta);
    if (after) this.ports.set(port, after);
    else this.ports.delete(port);
    if ((before === 0) !== (after === 0)) for (const s of [...this.subscribers]) s(port, after > 0);
  }
}
