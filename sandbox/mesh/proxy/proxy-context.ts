// What the inbound and outbound halves of one sidecar share.
import type { MeshSnapshot } from '../config/snapshot.js';
import type { WorkloadIdentity } from '../identity/workload-identity.js';
import type { TapHub } from '../tap.js';
import type { PeakEwmaBalancer } from './balancer.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import type { ServerResponse } from 'node:http';
import type { PodNetwork } from '../../runtime/workload.js';
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
  network: PodNetwork;
  log(line: string): void;
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
