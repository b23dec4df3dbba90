// Outbound HTTP for a pod. Un-meshed: connect straight to what cluster DNS resolves (the Service's
// clusterIP, where the service proxy listens). Meshed: every connection goes to the sidecar's outbound
// port on the pod's private loopback address, with the Host header left as the original `host:port`,
// which is what iptables REDIRECT + Envoy's outbound listener give a real meshed pod.
import { Agent, type AgentOptions } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { LookupFunction } from './dns.js';
import { SIDECAR_OUTBOUND_PORT } from './workload.js';

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
