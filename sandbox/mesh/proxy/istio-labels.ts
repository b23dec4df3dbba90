// The labels of Istio's standard metrics for one pair of workloads, as each side's sidecar knows them: the client's
// (reporter="source") from the route it chose and the endpoint it reached, the server's (reporter="destination") from
// the verified peer and the Host header it was sent — as Istio's stats filter derives them from its peer metadata.
import type { PodInfo } from '../config/snapshot.js';
import type { Destination } from './destination.js';
import { istioBaseLabels, type IstioPeer } from './istio-metrics.js';
import type { ProxyContext } from './proxy-context.js';
import type { Target } from './outbound/balance.js';

const CLUSTER_DOMAIN = 'svc.cluster.local';

function peerOf(pod: PodInfo | undefined): IstioPeer | undefined {
  if (!pod) return undefined;
  return { workload: pod.deployment ?? pod.name, namespace: pod.namespace, principal: pod.identity ?? '', labels: pod.labels };
}

function selfPeer(ctx: ProxyContext): IstioPeer {
  const self = ctx.snapshot().namespaces.get(ctx.namespace)?.pods.get(ctx.pod);
  return { workload: ctx.deployment() ?? ctx.pod, namespace: ctx.namespace, principal: ctx.identity()?.spiffeId ?? self?.identity ?? '', labels: self?.labels ?? {} };
}

/** `reviews:9080` or `reviews.ns.svc.cluster.local` → the Service it names (the server side has only the Host header). */
function serviceOfAuthority(authority: string, namespace: string): { fqdn: string; name: string; namespace: string } | undefined {
  const host = authority.replace(/:\d+$/, '').toLowerCase();
  if (!host || /^[\d.]+$/.test(host) || host.startsWith('[')) return undefined;
  const parts = host.split('.');
  const name = parts[0];
  const ns = parts.length > 1 && parts[1] !== 'svc' ? parts[1] : namespace;
  return { fqdn: `${name}.${ns}.${CLUSTER_DOMAIN}`, name, namespace: ns };
}

export function inboundIstioLabels(ctx: ProxyContext, authority: string, conn: { tls: boolean; peerIdentity?: string }, source: PodInfo | undefined): string {
  const service = serviceOfAuthority(authority, ctx.namespace);
  const client = peerOf(source);
  return istioBaseLabels({
    reporter: 'destination',
    // The principal is the one the TLS handshake proved, not the one the pod would have.
    source: client ? { ...client, principal: conn.peerIdentity ?? '' } : conn.peerIdentity ? { workload: '', namespace: '', principal: conn.peerIdentity, labels: {} } : undefined,
    destination: selfPeer(ctx),
    destinationService: service?.fqdn ?? authority,
    destinationServiceName: service?.name ?? authority,
    destinationServiceNamespace: service?.namespace ?? '',
    requestProtocol: 'http',
    mutualTls: conn.tls,
  });
}

export function outboundIstioLabels(ctx: ProxyContext, authority: string, dest: Destination | undefined, target: Target | undefined): string {
  const svc = dest?.kind === 'service' ? dest.service : undefined;
  const name = target?.service || svc?.name || '';
  const ns = target?.serviceNamespace || svc?.namespace || '';
  const server = peerOf(target?.endpoint.pod);
  return istioBaseLabels({
    reporter: 'source',
    source: selfPeer(ctx),
    destination: server ? { ...server, principal: target?.identity ?? '' } : undefined,
    destinationService: name ? `${name}.${ns}.${CLUSTER_DOMAIN}` : authority,
    destinationServiceName: name || authority,
    destinationServiceNamespace: ns,
    requestProtocol: 'http',
    mutualTls: !!target?.identity,
  });
}
