// Outbound connections of a pod. Un-meshed: connect straight to what cluster DNS resolves (the Service's
// clusterIP, where the service proxy listens). Meshed: every connection goes to the sidecar's outbound
// port on the pod's private loopback address, preceded by the original destination (a PROXY line), which is
// what iptables REDIRECT + SO_ORIGINAL_DST give a real meshed pod's proxy. Either way the pod
// dials only cluster addresses (the egress allow-list, runtime/network/egress-guard.ts).
import { Agent, type AgentOptions } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { LookupFunction } from './dns.js';
import { refusedSocket } from './network/egress-guard.js';
import { SIDECAR_OUTBOUND_PORT, type ConnectTarget, type PodNetwork } from './workload.js';
import { proxyProtocolHeader } from './network/original-destination.js';

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

/** What a pod's dialler needs: whether a sidecar captures its traffic, its addresses, DNS and egress rules. */
export interface PodDialContext {
  meshed: boolean;
  podIP: string;
  localHost: string;
  resolve(host: string): string | undefined;
  checkDial: PodNetwork['checkDial'];
}

function notFound(host: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
  err.code = 'ENOTFOUND';
  err.syscall = 'getaddrinfo';
  return err;
}

/**
 * Where a connection to `host:port` from the pod goes: cluster DNS resolves the name, the egress allow-list checks
 * the address, and in a meshed pod the sidecar's outbound port captures it, told the original destination first
 * (`preamble`, a PROXY line: runtime/network/original-destination.ts) — so the sidecar routes by the Service the app
 * dialled, as iptables + SO_ORIGINAL_DST give a real proxy. Undefined for a name cluster DNS does not know; throws
 * the dial's error (EHOSTUNREACH) for an address outside the cluster.
 */
export function connectTarget(pod: PodDialContext, host: string, port: number): ConnectTarget | undefined {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost') return { host: pod.localHost, port, localAddress: pod.localHost };
  const address = isIP(name) ? name : pod.resolve(name);
  if (address === undefined) return undefined;
  if (address === pod.localHost) return { host: address, port, localAddress: pod.localHost };
  const refused = pod.checkDial(address, port);
  if (refused) throw refused;
  if (!pod.meshed) return { host: address, port, localAddress: pod.podIP };
  const preamble = proxyProtocolHeader({ ip: pod.localHost, port: 0 }, { ip: address, port }).toString('latin1');
  return { host: pod.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: pod.localHost, preamble };
}

/** A TCP connection to `host:port` as a process in the pod opens it (see connectTarget); failures arrive as 'error'. */
export function dialFromPod(pod: PodDialContext, host: string, port: number): Socket {
  let target: ConnectTarget | undefined;
  try {
    target = connectTarget(pod, host, port);
  } catch (err) {
    return refusedSocket(err as Error);
  }
  if (!target) return refusedSocket(notFound(host));
  const socket = connect({ host: target.host, port: target.port, localAddress: target.localAddress, noDelay: true });
  if (target.preamble) socket.write(target.preamble, 'latin1'); // queued ahead of the app's bytes
  return socket;
}

/** A meshed pod's HTTP agent: every connection is dialled as above (captured by the sidecar). */
class SidecarRedirectAgent extends Agent {
  constructor(private readonly pod: PodDialContext) {
    super(AGENT_OPTIONS);
  }

  override createConnection(options: Parameters<Agent['createConnection']>[0]): Socket {
    const { host, port } = options as { host?: string; port?: number | string };
    return dialFromPod(this.pod, host ?? 'localhost', Number(port ?? 80));
  }
}

export function meshedAgent(pod: PodDialContext): Agent {
  return new SidecarRedirectAgent(pod);
}
