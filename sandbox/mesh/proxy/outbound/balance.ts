// Layer 2 of the outbound stack, balancing (linkerd2-proxy's backend and `balance` layers): for one attempt, the
// rule's weighted backendRef, that Service's ready endpoints (of a DestinationRule subset when named), and one of them
// by the destination cluster's policy (circuit breaker, outlier detection, LEAST_REQUEST / ROUND_ROBIN / RANDOM) or the
// sidecar's peak-EWMA balancer; with the identity the peer must prove over mTLS.
import type { CompiledBackend, CompiledRule, MeshEndpoint, MeshSnapshot, MirrorSpec, PodInfo, ServicePortEntry } from '../../config/snapshot.js';
import { AttemptError } from '../attempt-error.js';
import type { Destination } from '../destination.js';
import type { DestinationCluster, DestinationClusters } from '../destination-clusters.js';
import type { ProxyContext } from '../proxy-context.js';
import { pickBackend } from '../route-matcher.js';
import { NO_HEALTHY_UPSTREAM, subsetEndpoints } from '../subset-endpoints.js';

/** Where one attempt goes. */
export interface Target {
  endpoint: MeshEndpoint;
  serviceNamespace: string;
  service: string;
  identity?: string; // expected peer identity when mTLS is used
  /** The rule's backendRef chosen (absent for a direct pod address). */
  backend?: CompiledBackend;
  /** The backend Service's port (absent for a direct pod address): its name / appProtocol choose the upstream protocol. */
  servicePort?: ServicePortEntry;
  /** The destination's DestinationRule cluster (circuit breaker, outlier detection), and how many endpoints it has. */
  cluster?: DestinationCluster;
  endpointCount?: number;
}

export class BackendBalancer {
  constructor(
    private readonly ctx: ProxyContext,
    /** Destinations a DestinationRule gives a trafficPolicy (destination-clusters.ts). */
    readonly clusters: DestinationClusters,
  ) {}

  /** One endpoint for an attempt; an AttemptError when there is none (retryable when endpoints may come back). */
  pickTarget(snap: MeshSnapshot, dest: Destination, rule: CompiledRule): Target | AttemptError {
    if (dest.kind === 'endpoint') {
      const pod = dest.pod;
      return { endpoint: { ip: dest.ip, port: dest.port, pod }, serviceNamespace: pod?.namespace ?? '', service: '', identity: this.peerIdentity(pod, dest.port) };
    }
    const backend: CompiledBackend = pickBackend(rule);
    if (backend.invalid) return new AttemptError(500, backend.invalid, false);
    const svc = backend.namespace === dest.service.namespace && backend.service === dest.service.name ? dest.service : snap.namespaces.get(backend.namespace)?.services.get(backend.service);
    if (!svc) return new AttemptError(500, `backend Service ${backend.namespace}/${backend.service} not found`, false);
    const portNumber = backend.port || dest.port.port;
    const port = svc.ports.find((p) => p.port === portNumber);
    if (!port) return new AttemptError(500, `backend Service ${backend.namespace}/${backend.service} has no port ${portNumber}`, false);
    const endpoints = subsetEndpoints(snap, this.ctx.namespace, svc, port.endpoints, backend.subset);
    if (!endpoints) return new AttemptError(503, `no DestinationRule defines subset ${JSON.stringify(backend.subset)} of ${backend.namespace}/${backend.service}`, false, NO_HEALTHY_UPSTREAM);
    if (endpoints.length === 0) {
      return backend.subset === undefined
        ? new AttemptError(503, `no ready endpoints for ${backend.namespace}/${backend.service}:${portNumber}`, true)
        : new AttemptError(503, `no ready endpoints in subset ${JSON.stringify(backend.subset)} of ${backend.namespace}/${backend.service}:${portNumber}`, true, NO_HEALTHY_UPSTREAM);
    }
    // The DestinationRule's cluster for this port and subset: its balancer, outlier detection and circuit breaker.
    const cluster = this.clusters.resolve(snap, this.ctx.namespace, svc.namespace, svc.name, portNumber, backend.subset);
    const endpoint = cluster ? cluster.pick(endpoints) : this.ctx.balancer.pick(endpoints);
    if (endpoint instanceof AttemptError) return endpoint;
    // DestinationRule `tls.mode: DISABLE`: plaintext to the destination's sidecar, as the mTLS opt-out does.
    const identity = cluster?.tlsDisabled ? undefined : this.peerIdentity(endpoint.pod, endpoint.port);
    return { endpoint, serviceNamespace: svc.namespace, service: svc.name, identity, backend, servicePort: port, cluster, endpointCount: endpoints.length };
  }

  /** The endpoint a mirrored copy goes to: one ready endpoint of the mirror Service's port (and subset), by peak EWMA. */
  pickMirrorTarget(snap: MeshSnapshot, m: MirrorSpec): Target | undefined {
    const port = snap.namespaces.get(m.namespace)?.services.get(m.service)?.ports.find((p) => p.port === m.port);
    const endpoints = port && subsetEndpoints(snap, this.ctx.namespace, { namespace: m.namespace, name: m.service }, port.endpoints, m.subset);
    if (!endpoints?.length) return undefined;
    const endpoint = this.ctx.balancer.pick(endpoints);
    return { endpoint, serviceNamespace: m.namespace, service: m.service, servicePort: port, identity: this.peerIdentity(endpoint.pod, endpoint.port) };
  }

  /** Whether a backend of the rule has a circuit breaker or outlier detection (state the fast path does not keep). */
  needsSlowPath(snap: MeshSnapshot, dest: Extract<Destination, { kind: 'service' }>, rule: CompiledRule): boolean {
    if (rule.backends.length === 0) return !!this.clusters.resolve(snap, this.ctx.namespace, dest.service.namespace, dest.service.name, dest.port.port, undefined)?.needsSlowPath;
    for (const b of rule.backends) {
      if (this.clusters.resolve(snap, this.ctx.namespace, b.namespace, b.service, b.port || dest.port.port, b.subset)?.needsSlowPath) return true;
    }
    return false;
  }

  /** The identity to require over mTLS; undefined = plaintext (un-meshed peer, mTLS opted out, or no certificate yet). */
  peerIdentity(pod: PodInfo | undefined, port?: number): string | undefined {
    const disabled = (port !== undefined ? pod?.mtlsDisabledByPort?.get(port) : undefined) ?? pod?.mtlsDisabled;
    return pod?.meshed && pod.identity && !disabled && this.ctx.identity() ? pod.identity : undefined;
  }

  /**
   * After an attempt's answer (or failure, as Envoy maps them: 503 connect failure or reset, 504 timeout): the
   * destination cluster's outlier detection counts it.
   */
  observe(target: Target, status: number): void {
    target.cluster?.observe(target.endpoint, status, target.endpointCount ?? 1);
  }
}
