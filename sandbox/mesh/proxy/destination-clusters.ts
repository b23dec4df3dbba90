// One client sidecar's Envoy-style clusters (`outbound|<port>|<subset>|<service fqdn>`) for destinations a
// DestinationRule gives a trafficPolicy: the policy (merged as Istio merges it), the load-balancer choice, outlier
// detection, and the connection-pool circuit breaker with its own upstream connections — a node Agent per cluster,
// so "connections" are exactly the cluster's sockets (one per in-flight HTTP/1 request, reused when idle).
// Destinations without a rule use the sidecar's shared pools and balancer, unchanged.
import type { Agent, ClientRequest, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { MeshEndpoint, MeshSnapshot, TrafficPolicy } from '../config/snapshot.js';
import { TRUST_DOMAIN } from '../constants.js';
import { AttemptError } from './attempt-error.js';
import type { PeakEwmaBalancer } from './balancer.js';
import { CircuitBreaker, OVERFLOW_BODY, OVERLOADED_HEADER, UNLIMITED, type BreakerLimits, type Dispatch } from './circuit-breaker.js';
import { destinationRuleFor, trafficPolicyFor } from './destination-rules.js';
import type { EnvoyClusterStats } from './envoy-cluster-stats.js';
import { LoadBalancerChoice } from './load-balancer-choice.js';
import { OutlierDetector } from './outlier-detector.js';
import { NO_HEALTHY_UPSTREAM } from './subset-endpoints.js';
import { retireOldConnections, type MeshRequestOptions, type MeshTlsAgent } from './upstream-pool.js';

/** Clusters with their own state one sidecar keeps; past it the least recently made is closed. */
export const MAX_POLICY_CLUSTERS = 200;
/** Istio's default connectTimeout (10 s) for a cluster's new connections. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout';

export interface AgentFactory {
  tls(): MeshTlsAgent;
  plain(): Agent;
}

/** A local reply's body and headers (Envoy's overflow answer). */
export class LocalReplyError extends AttemptError {
  constructor(
    status: number,
    message: string,
    body: string,
    readonly headers: Record<string, string>,
  ) {
    super(status, message, false, body);
  }
}

export function clusterName(namespace: string, service: string, port: number, subset: string | undefined): string {
  return `outbound|${port}|${subset ?? ''}|${service}.${namespace}.svc.${TRUST_DOMAIN}`;
}

function limitsOf(policy: TrafficPolicy): BreakerLimits {
  const p = policy.connectionPool ?? {};
  return {
    maxConnections: p.maxConnections ?? UNLIMITED,
    maxPendingRequests: p.maxPendingRequests ?? UNLIMITED,
    maxRequests: p.maxRequests ?? UNLIMITED,
    maxRetries: p.maxRetries ?? UNLIMITED,
  };
}

/** Whether a connectionPool sets anything the circuit breaker enforces (useClientProtocol alone does not). */
function hasLimits(pool: TrafficPolicy['connectionPool']): boolean {
  if (!pool) return false;
  for (const key in pool) if (key !== 'useClientProtocol') return true;
  return false;
}

const endpointKeyOf = (e: MeshEndpoint) => `${e.ip}:${e.port}`;

export class DestinationCluster {
  policy: TrafficPolicy;
  breaker?: CircuitBreaker;
  outlier?: OutlierDetector;
  private agents: { tls?: MeshTlsAgent; plain?: Agent } = {};
  /** Sockets this cluster opened (their close frees a connection slot) and requests served on each. */
  private readonly uses = new WeakMap<Socket, number>();

  constructor(
    readonly name: string,
    policy: TrafficPolicy,
    private readonly stats: EnvoyClusterStats,
    private readonly factory: AgentFactory,
    private readonly lb: LoadBalancerChoice,
  ) {
    this.policy = policy;
    this.update(policy);
  }

  update(policy: TrafficPolicy): void {
    this.policy = policy;
    const counters = this.stats.cluster(this.name);
    if (hasLimits(policy.connectionPool)) {
      if (this.breaker) this.breaker.setLimits(limitsOf(policy));
      else this.breaker = new CircuitBreaker(limitsOf(policy), counters, { hasIdle: (k) => this.hasIdle(k), evictIdleExcept: (k) => this.evictIdleExcept(k) });
    } else this.breaker = undefined;
    if (policy.outlierDetection) {
      if (this.outlier) this.outlier.setPolicy(policy.outlierDetection);
      else this.outlier = new OutlierDetector(policy.outlierDetection, counters);
    } else this.outlier = undefined;
  }

  /** A destination the fast relay path must leave to node:http (it keeps no per-cluster state). */
  get needsSlowPath(): boolean {
    return !!(this.breaker || this.outlier);
  }

  /** An endpoint by the policy's balancer among those outlier detection has not ejected. */
  pick(endpoints: MeshEndpoint[]): MeshEndpoint | AttemptError {
    const healthy = this.outlier ? this.outlier.healthy(endpoints, endpointKeyOf) : endpoints;
    if (healthy.length === 0) return new LocalReplyError(503, `${NO_HEALTHY_UPSTREAM} (every endpoint of ${this.name} is ejected)`, NO_HEALTHY_UPSTREAM, {});
    return this.lb.pick(healthy, this.policy.loadBalancer);
  }

  /** An answer (or a local failure as Envoy maps it: 503 connect failure or reset, 504 timeout) from an endpoint. */
  observe(endpoint: MeshEndpoint, status: number, clusterSize: number): void {
    this.outlier?.record(endpointKeyOf(endpoint), status, clusterSize);
  }

  /** Whether TLS is turned off towards this destination (`tls.mode: DISABLE`). */
  get tlsDisabled(): boolean {
    return this.policy.tls === 'DISABLE';
  }

  /**
   * Send one HTTP/1 request through the circuit breaker: `send(agent)` makes the ClientRequest on this cluster's
   * agent, now or when a connection frees up. Returns the overflow error when the request is not admitted, else a
   * function that withdraws it while it still waits (the caller gave up: timeout, client gone).
   */
  sendHttp1(options: RequestOptions & MeshRequestOptions, send: (agent: Agent) => ClientRequest): LocalReplyError | (() => void) {
    const breaker = this.breaker;
    if (!breaker) throw new Error('sendHttp1 without a connection pool policy');
    const tls = options.meshIdentity !== undefined;
    const agent = tls ? (this.agents.tls ??= this.watch(this.factory.tls())) : (this.agents.plain ??= this.watch(this.factory.plain()));
    const key = `${tls ? 'tls' : 'plain'}|${(agent as Agent).getName(options)}`;
    const admitted = breaker.admit(key, (how) => this.dispatch(breaker, how, agent, send));
    if (admitted === 'overflow') return new LocalReplyError(503, `circuit breaker of ${this.name}: pending requests overflow`, OVERFLOW_BODY, { [OVERLOADED_HEADER]: 'true' });
    return admitted;
  }

  private dispatch(breaker: CircuitBreaker, how: Dispatch, agent: Agent, send: (agent: Agent) => ClientRequest): void {
    const req = send(agent);
    const perConnection = this.policy.connectionPool?.maxRequestsPerConnection;
    let ready = how === 'reuse';
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (ready) breaker.finished();
      else breaker.connected(false);
    };
    req.once('close', settle);
    req.once('socket', (socket: Socket) => {
      const known = this.uses.has(socket);
      if (how === 'new' && known) {
        // Node reused a connection after all: give back the slot reserved for a new one.
        breaker.closed();
        breaker.connected(true);
        ready = true;
      } else if (how === 'new') {
        this.uses.set(socket, 0);
        socket.once('close', () => breaker.closed());
        const timeoutMs = this.policy.connectionPool?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
        // Envoy's local reply when connectTimeout passes: 503 `… reset reason: connection timeout` (a connect failure).
        const timer = setTimeout(() => req.destroy(new AttemptError(503, `connect timeout of ${timeoutMs}ms to ${this.name} exceeded`, true, CONNECT_TIMEOUT_BODY)), timeoutMs);
        timer.unref();
        const onReady = () => {
          clearTimeout(timer);
          if (settled) return;
          ready = true;
          breaker.connected(true);
        };
        if ('encrypted' in socket) socket.once('secureConnect', onReady);
        else if (socket.connecting) socket.once('connect', onReady);
        else onReady();
        socket.once('close', () => clearTimeout(timer));
      }
      const n = (this.uses.get(socket) ?? 0) + 1;
      this.uses.set(socket, n);
      // maxRequestsPerConnection: the connection closes after its last allowed response instead of going idle.
      if (perConnection && n >= perConnection) (req as ClientRequest & { shouldKeepAlive: boolean }).shouldKeepAlive = false;
    });
  }

  private watch<A extends Agent>(agent: A): A {
    agent.on('free', () => this.breaker?.freed());
    return agent;
  }

  private hasIdle(key: string): boolean {
    const bar = key.indexOf('|');
    const agent = key.slice(0, bar) === 'tls' ? this.agents.tls : this.agents.plain;
    return (agent?.freeSockets[key.slice(bar + 1)]?.length ?? 0) > 0;
  }

  private evictIdleExcept(key: string): boolean {
    const name = key.slice(key.indexOf('|') + 1);
    for (const agent of [this.agents.tls, this.agents.plain]) {
      for (const [other, list] of Object.entries(agent?.freeSockets ?? {})) {
        if (other !== name && list && list.length > 0) {
          list[0].destroy();
          return true;
        }
      }
    }
    return false;
  }

  onCertificateRotated(generation: number): void {
    if (this.agents.tls) retireOldConnections(this.agents.tls, generation);
  }

  close(): void {
    this.agents.tls?.destroy();
    this.agents.plain?.destroy();
  }
}

/** The clusters of one sidecar, made when a request first goes to a destination with a trafficPolicy. */
export class DestinationClusters {
  private clusters = new Map<string, DestinationCluster>();
  private readonly lbs = new Map<string, LoadBalancerChoice>();

  constructor(
    private readonly stats: EnvoyClusterStats,
    private readonly factory: AgentFactory,
    private readonly balancer: PeakEwmaBalancer,
  ) {}

  /** The cluster for a Service port (and subset) as seen from `clientNamespace`; undefined without a policy. */
  resolve(snap: MeshSnapshot, clientNamespace: string, namespace: string, service: string, port: number, subset: string | undefined): DestinationCluster | undefined {
    const policy = trafficPolicyFor(destinationRuleFor(snap, clientNamespace, namespace, service), port, subset);
    if (!policy) {
      // The rule is gone: its cluster's connections are closed (the common case, no cluster at all, costs nothing).
      if (this.clusters.size === 0) return undefined;
      const name = clusterName(namespace, service, port, subset);
      this.clusters.get(name)?.close();
      this.clusters.delete(name);
      return undefined;
    }
    const name = clusterName(namespace, service, port, subset);
    let cluster = this.clusters.get(name);
    if (!cluster) {
      if (this.clusters.size >= MAX_POLICY_CLUSTERS) {
        const [oldest, c] = this.clusters.entries().next().value as [string, DestinationCluster];
        c.close();
        this.clusters.delete(oldest);
      }
      let lb = this.lbs.get(name);
      if (!lb) {
        if (this.lbs.size >= MAX_POLICY_CLUSTERS) this.lbs.clear();
        this.lbs.set(name, (lb = new LoadBalancerChoice(this.balancer)));
      }
      this.clusters.set(name, (cluster = new DestinationCluster(name, policy, this.stats, this.factory, lb)));
    } else if (cluster.policy !== policy) cluster.update(policy);
    return cluster;
  }

  onCertificateRotated(generation: number): void {
    for (const c of this.clusters.values()) c.onCertificateRotated(generation);
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
  }
}
