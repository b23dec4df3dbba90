// What the inbound and outbound halves of one sidecar share.
import type { MeshSnapshot } from '../config/snapshot.js';
import type { WorkloadIdentity } from '../identity/workload-identity.js';
import type { TapHub } from '../tap.js';
import type { PeakEwmaBalancer } from './balancer.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AppListeners } from '../../runtime/network/app-listeners.js';
import { PROXY_ERROR_HEADER } from '../constants.js';

export interface ProxyContext {
  namespace: string;
  pod: string;
  serviceAccount: string;
  podIP: string;
  localHost: string;
  snapshot(): MeshSnapshot;
  identity(): WorkloadIdentity | undefined;
  deployment(): string | undefined;
  metrics: ProxyMetrics;
  tap: TapHub;
  balancer: PeakEwmaBalancer;
  /** The node's network rules for this pod: inbound connections are admitted, upstream dials checked, here. */
  network: ProxyNetwork;
  log(line: string): void;
}

/**
 * The node's network rules as a sidecar sees them: the runtime's PodNetwork on the main thread (answers at once), or
 * the data-plane worker's view of it (proxy-worker.ts), which asks the main thread and answers later. Either way the
 * runtime decides; the proxy only waits for the answer (per connection, never per request).
 */
export interface ProxyNetwork {
  /** Per accepted connection: whether it may proceed; a refused one is (or will be) reset by the node. */
  admit(socket: Socket): boolean | Promise<boolean>;
  /** Undefined when the pod may dial `ip`, else the error the dial fails with. */
  checkDial(ip: string, port?: number): NodeJS.ErrnoException | undefined | Promise<NodeJS.ErrnoException | undefined>;
  /** Ports the pod's apps listen on at its private localHost (captured on the pod IP). */
  appListeners?: Pick<AppListeners, 'current' | 'subscribe'>;
}

/**
 * Runs `then` once the node admits the connection: at once when the answer is synchronous, else when it arrives. The
 * socket is not read before (no 'data' listener is attached until `then`), so no byte of a refused client is seen.
 */
export function whenAdmitted(network: ProxyNetwork, socket: Socket, then: () => void): void {
  const verdict = network.admit(socket);
  if (verdict === true) return then();
  if (verdict === false) return;
  verdict.then(
    (ok) => {
      if (ok && !socket.destroyed) then();
      else if (!socket.destroyed) socket.resetAndDestroy();
    },
    () => socket.destroy(),
  );
}

/**
 * A response the proxy makes itself: the status, a header saying why, and the reason as text — or, where a mesh's
 * tutorials read the body (Istio's `RBAC: access denied`), the body upstream sends.
 */
export function proxyError(res: ServerResponse, status: number, reason: string, upstreamBody?: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = upstreamBody ?? `${reason}\n`;
  // Header values must be visible ASCII; the reason can quote user input.
  const header = reason.replace(/[^\x20-\x7e]/g, ' ').slice(0, 512);
  // extraHeaders may set the content-type upstream sends (Envoy's local replies are `text/plain`).
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extraHeaders, 'content-length': Buffer.byteLength(body), [PROXY_ERROR_HEADER]: header });
  res.end(body);
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) never forwarded. */
export function stripHopByHop(headers: Record<string, unknown>): void {
  delete headers.connection;
  delete headers['keep-alive'];
  delete headers['proxy-connection'];
  delete headers.upgrade;
  delete headers.te;
  delete headers.trailer;
}
