// Opaque TCP through the sidecars, as Envoy's tcp_proxy carries it for a Service port Istio reads as TCP (a port
// named `tcp` or `tcp-…`): the client sidecar picks one destination per connection — the Service's Istio `tcp` route
// (weighted destinations, DestinationRule subsets) or, without one, any ready endpoint — dials the peer's sidecar
// over mTLS offering the ALPN protocol MESH_TCP_ALPN, and relays bytes both ways; the server sidecar, seeing that
// protocol, relays the bytes to the app untouched instead of parsing HTTP.
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CompiledRule, MeshEndpoint, MeshSnapshot, ServicePortEntry, TcpRouteEntry } from '../config/snapshot.js';
import { AttemptError } from './attempt-error.js';
import type { Destination } from './destination.js';
import type { BackendBalancer, Target } from './outbound/balance.js';
import type { ProxyContext } from './proxy-context.js';
import { defaultRule } from './route-matcher.js';
import { subsetEndpoints } from './subset-endpoints.js';
import { checkedDial, type MeshTlsAgent } from './upstream-pool.js';

/** The ALPN protocol a client sidecar offers for an opaque TCP connection (Istio's sidecars negotiate `istio-peer-exchange`/`istio`). */
export const MESH_TCP_ALPN = 'mesh-tcp';

/** Whether Istio's protocol selection makes this Service port TCP: its name is `tcp` or starts with `tcp-`. */
export function isTcpServicePort(port: ServicePortEntry): boolean {
  const name = port.name?.toLowerCase() ?? '';
  return name === 'tcp' || name.startsWith('tcp-');
}

/** The TCP route of a connection: the client namespace's VirtualService for the host first, then the Service's own. */
export function tcpRuleFor(snap: MeshSnapshot, clientNs: string, dest: Extract<Destination, { kind: 'service' }>): CompiledRule {
  const svc = dest.service;
  const pick = (entries: TcpRouteEntry[] | undefined) => entries?.find((e) => e.port === undefined || e.port === dest.port.port)?.rule;
  const consumer = clientNs !== svc.namespace ? snap.namespaces.get(clientNs)?.consumerRoutes.get(`${svc.namespace}/${svc.name}`)?.tcp : undefined;
  return pick(consumer) ?? pick(snap.namespaces.get(svc.namespace)?.producerRoutes.get(svc.name)?.tcp) ?? defaultRule(svc);
}

/** Relays two streams until either ends or fails; both are closed then. */
export function relay(a: Duplex, b: Duplex): void {
  const closeBoth = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', closeBoth);
  b.on('error', closeBoth);
  a.on('close', () => b.end());
  b.on('close', () => a.end());
  a.pipe(b);
  b.pipe(a);
}

export class OutboundTcp {
  /** Open connections per endpoint (`ip:port`), for the least-connections pick. */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly ctx: ProxyContext,
    private readonly balance: BackendBalancer,
    private readonly tls: MeshTlsAgent,
  ) {}

  /** Carries one app connection to a TCP Service port (its first bytes are still buffered on the socket). */
  serve(client: Socket, dest: Extract<Destination, { kind: 'service' }>): void {
    const snap = this.ctx.snapshot();
    const rule = tcpRuleFor(snap, this.ctx.namespace, dest);
    const target = rule.reject ? new AttemptError(500, rule.reject.reason, false) : this.balance.pickTarget(snap, dest, rule);
    if (target instanceof AttemptError) {
      this.ctx.log(`mesh-proxy outbound tcp: ${dest.authority}: ${target.message}; connection closed`);
      client.destroy();
      return;
    }
    // Without a DestinationRule load balancer, Envoy's default (LEAST_REQUEST) counts a tcp_proxy connection as a
    // request: two endpoints at random, the one with fewer open connections.
    const endpoint = target.cluster || !target.backend ? target.endpoint : this.leastConnections(snap, target) ?? target.endpoint;
    const identity = endpoint === target.endpoint ? target.identity : this.balance.peerIdentity(endpoint.pod, endpoint.port);
    const { ip, port } = endpoint;
    const key = `${ip}:${port}`;
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
    let upstream: Duplex;
    client.once('close', () => {
      const n = (this.open.get(key) ?? 1) - 1;
      if (n > 0) this.open.set(key, n);
      else this.open.delete(key);
    });
    if (identity) {
      upstream = this.tls.createConnection({ host: ip, port, meshIdentity: identity, meshAlpn: [MESH_TCP_ALPN] } as Parameters<MeshTlsAgent['createConnection']>[0]);
    } else {
      const target = checkedDial(this.ctx.network.checkDial, ip, port);
      if (target instanceof Error) {
        client.destroy();
        return;
      }
      upstream = connect({ ...target, port, localAddress: this.ctx.podIP, noDelay: true });
    }
    relay(client, upstream);
  }

  /** Power of two choices over open connections, among the endpoints the target's backend (and subset) has. */
  private leastConnections(snap: MeshSnapshot, target: Target): MeshEndpoint | undefined {
    const b = target.backend!;
    const svc = snap.namespaces.get(target.serviceNamespace)?.services.get(target.service);
    const port = svc?.ports.find((p) => p.endpoints.includes(target.endpoint));
    const endpoints = svc && port ? subsetEndpoints(snap, this.ctx.namespace, svc, port.endpoints, b.subset) : undefined;
    if (!endpoints?.length) return undefined;
    const i = Math.floor(Math.random() * endpoints.length);
    if (endpoints.length === 1) return endpoints[i];
    let j = Math.floor(Math.random() * (endpoints.length - 1));
    if (j >= i) j++;
    const load = (e: MeshEndpoint) => this.open.get(`${e.ip}:${e.port}`) ?? 0;
    return load(endpoints[j]) < load(endpoints[i]) ? endpoints[j] : endpoints[i];
  }
}

/** The server side: an mTLS connection that negotiated MESH_TCP_ALPN goes to the app's port as it is. */
export function relayToApp(ctx: ProxyContext, socket: Duplex, port: number): void {
  relay(socket, connect({ host: ctx.localHost, port, noDelay: true }));
}
