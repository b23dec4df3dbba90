// Outbound HTTP for a pod. Un-meshed: connect straight to what cluster DNS resolves (the Service's
// clusterIP, where the service proxy listens). Meshed: every connection goes to the sidecar's outbound
// port on the pod's private loopback address, with the Host header left as the original `host:port`,
// which is what iptables REDIRECT + Envoy's outbound listener give a real meshed pod. Either way the pod
// dials only cluster addresses (the egress allow-list, runtime/network/egress-guard.ts).
import { Agent, type AgentOptions } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { LookupFunction } from './dns.js';
import { refusedSocket } from './network/egress-guard.js';
import { SIDECAR_OUTBOUND_PORT, type ConnectTarget, type PodNetwork } from './workload.js';

/**
 * No keep-alive: each request opens its own connection, so the L4 service proxy balances requests across
 * endpoints (as kube-proxy balances connections) and a stopped pod holds no pooled sockets.
 */
const AGENT_OPTIONS: AgentOptions = { keepAlive: false, maxSockets: 256 };

/** Names go through `lookup` (which refuses non-cluster answers); IP literals skip lookup, so they are checked here. */
class PodDirectAgent extends Agent {
  constructor(
    lookup: LookupFunction,
    localAddress: string | undefined,
    private readonly checkDial: PodNetwork['checkDial'],
  ) {
    super({ ...AGENT_OPTIONS, lookup, localAddress } as AgentOptions);
  }

  override createConnection(options: Parameters<Agent['createConnection']>[0], callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const { host, port } = options as { host?: string; port?: number | string };
    const literal = (host ?? '').replace(/^\[|\]$/g, '');
    const refused = isIP(literal) ? this.checkDial(literal, Number(port)) : undefined;
    if (refused) return refusedSocket(refused);
    return super.createConnection(options, callback) as Duplex;
  }
}

export function directAgent(lookup: LookupFunction, localAddress: string | undefined, checkDial: PodNetwork['checkDial']): Agent {
  return new PodDirectAgent(lookup, localAddress, checkDial);
}

class SidecarRedirectAgent extends Agent {
  constructor(private readonly sidecarHost: string) {
    super(AGENT_OPTIONS);
  }

  override createConnection(): Socket {
    return connect({ host: this.sidecarHost, port: SIDECAR_OUTBOUND_PORT, localAddress: this.sidecarHost });
  }
}

export function meshedAgent(localHost: string): Agent {
  return new SidecarRedirectAgent(localHost);
}

/**
 * The raw-socket form of the agents above: where a connection to host:port from this pod is dialled.
 * Undefined when the name is unknown to cluster DNS; throws the dial's error (EHOSTUNREACH) when the
 * address is not a cluster address.
 */
export function connectTarget(
  pod: { meshed: boolean; podIP: string; localHost: string; resolve(host: string): string | undefined; checkDial: PodNetwork['checkDial'] },
  host: string,
  port: number,
): ConnectTarget | undefined {
  if (pod.meshed) return { host: pod.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: pod.localHost };
  const address = pod.resolve(host.replace(/^\[|\]$/g, ''));
  if (address === undefined) return undefined;
  const refused = pod.checkDial(address, port);
  if (refused) throw refused;
  return { host: address, port, localAddress: pod.podIP };
}
