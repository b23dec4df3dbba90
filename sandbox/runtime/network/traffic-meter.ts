// Bytes through each pod's sockets: every connection a pod's listeners accept (its apps' and its sidecar's)
// is counted, live ones as they go and closed ones once. The metrics API uses the counts to share the
// node's measured CPU among pods (runtime/resource-metrics.ts). Counting reads socket.bytesRead/bytesWritten
// (kept by node:net anyway): no listener is added to the data path.
import type { Socket } from 'node:net';

/** One pod's count: a fresh one per pod start, so a reused address does not inherit an earlier pod's bytes. */
export class PodTraffic {
  private closedBytes = 0;
  private readonly live = new Set<Socket>();

  track(socket: Socket): void {
    if (socket.destroyed || this.live.has(socket)) return;
    this.live.add(socket);
    socket.once('close', () => {
      this.live.delete(socket);
      this.closedBytes += socket.bytesRead + socket.bytesWritten;
    });
  }

  /** All bytes so far, those of open connections included. */
  total(): number {
    let bytes = this.closedBytes;
    for (const s of this.live) bytes += s.bytesRead + s.bytesWritten;
    return bytes;
  }
}

export class TrafficMeter {
  private readonly byLocalHost = new Map<string, PodTraffic>();

  /** A new count for the pod whose private loopback address is `localHost` (called once per pod start). */
  start(localHost: string): PodTraffic {
    const traffic = new PodTraffic();
    this.byLocalHost.set(localHost, traffic);
    return traffic;
  }

  of(localHost: string): PodTraffic | undefined {
    return this.byLocalHost.get(localHost);
  }

  forget(localHost: string, traffic: PodTraffic): void {
    if (this.byLocalHost.get(localHost) === traffic) this.byLocalHost.delete(localHost);
  }
}
