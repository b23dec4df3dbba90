// Outbound HTTP for a pod. Un-meshed: connect straight to what cluster DNS resolves (the Service's
// clusterIP, where the service proxy listens). Meshed: every connection goes to the sidecar's outbound
// port on the pod's private loopback address, with the Host header left as the original `host:port`,
// which is what iptables REDIRECT + Envoy's outbound listener give a real meshed pod.
import { Agent, type AgentOptions } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { LookupFunction } from './dns.js';
import { SIDECAR_OUTBOUND_PORT, type ConnectTarget } from './workload.js';

/**
 * No keep-alive: each request opens its own connection, so the L4 service proxy balances requests across
 * endpoints (as kube-proxy balances connections) and a stopped pod holds no pooled sockets.
 */
const AGENT_OPTIONS: AgentOptions = { keepAlive: false, maxSockets: 256 };

export function directAgent(lookup: LookupFunction, localAddress?: string): Agent {
  return new Agent({ ...AGENT_OPTIONS, lookup, localAddress } as AgentOptions);
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

/** The raw-socket form of the agents above: where a connection to host:port from this pod is dialled. */
export function connectTarget(
  pod: { meshed: boolean; podIP: string; localHost: string; resolve(host: string): string | undefined },
  host: string,
  port: number,
): ConnectTarget | undefined {
  if (pod.meshed) return { host: pod.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: pod.localHost };
  const address = pod.resolve(host.replace(/^\[|\]$/g, ''));
  return address === undefined ? undefined : { host: address, port, localAddress: pod.podIP };
}
