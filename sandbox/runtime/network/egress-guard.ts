// Where a pod may connect: cluster addresses only — Service clusterIPs and pod IPs the node assigned, and the
// pod's own private localhost. Never the node (127.0.0.1: the API server, the playground server, anything else
// on the host), never another pod's private localhost, never an address outside the cluster. Every place a pod
// dials asks here (cluster DNS, the pod's HTTP agent and raw-socket target, the mesh sidecar's upstream
// connections); a refused dial fails as an unreachable host would.
import { Socket } from 'node:net';
import type { AddressBook } from './address-book.js';

/** The error of a refused dial: what connect() gives for a host with no route (EHOSTUNREACH). */
export function notAClusterAddress(ip: string, port?: number): NodeJS.ErrnoException {
  const target = port === undefined ? ip : `${ip}:${port}`;
  const err: NodeJS.ErrnoException & { address?: string; port?: number } = new Error(`connect EHOSTUNREACH ${target} - ${target} is not a cluster address`);
  err.code = 'EHOSTUNREACH';
  err.errno = -113;
  err.syscall = 'connect';
  err.address = ip;
  if (port !== undefined) err.port = port;
  return err;
}

export class EgressGuard {
  constructor(
    private readonly book: AddressBook,
    /** The dialling pod's private localhost (the only localhost it may reach). */
    private readonly ownLocalHost?: string,
  ) {}

  /** Undefined when the pod may dial `ip`, else the error to fail the dial with. */
  check(ip: string, port?: number): NodeJS.ErrnoException | undefined {
    if (this.book.serviceAt(ip) || this.book.podAt(ip) || (this.ownLocalHost !== undefined && ip === this.ownLocalHost)) return undefined;
    return notAClusterAddress(ip, port);
  }
}

/** A socket that fails with `err` as soon as the caller has attached its listeners (as a refused connect does). */
export function refusedSocket(err: Error): Socket {
  const socket = new Socket();
  process.nextTick(() => socket.destroy(err));
  return socket;
}
