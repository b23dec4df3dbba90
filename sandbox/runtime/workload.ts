// The contract between the runtime and what runs in a container: built-in sample apps and the mesh sidecar.
// A container is a Workload started in-process with the pod's own addresses; it talks to the world only
// through what its WorkloadContext gives it, the way a real container only has its network namespace.
import type { Agent } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { AppListeners } from './network/app-listeners.js';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

/** Where a TCP connection goes: the address to dial and the local address to dial from. */
/** Where a pod's connection to some `host:port` is dialled (see runtime/agent.ts). */
export interface ConnectTarget {
  host: string;
  port: number;
  localAddress?: string;
  /** Bytes to send before the client's own (latin1): the original destination, for the sidecar that captures it. */
  preamble?: string;
}

export interface WorkloadContext {
  namespace: string;
  podName: string;
  podUid: string;
  serviceAccount: string;
  containerName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pod's IP: what Endpoints point at and what other pods connect to. */
  podIP: string;
  /**
   * Where this container binds its listeners. Without a sidecar it is the pod IP; in a meshed pod the
   * app binds the pod's private loopback address and the sidecar owns the pod IP (see sandbox/mesh).
   */
  listenHost: string;
  /** The pod's private loopback address (its "localhost", shared by the containers of the pod). */
  localHost: string;
  /** Declared container ports. */
  ports: ContainerPort[];
  env: Record<string, string>;
  /** The container's `command` as the pod spec gives it (empty: the image's entrypoint); images with several programs pick by it. */
  command?: string[];
  args: string[];
  /** An HTTP agent for outbound calls: resolves cluster DNS names and, in a meshed pod, goes through the sidecar. */
  agent: Agent;
  /** Resolve a cluster DNS name (`reviews`, `reviews.ns`, `reviews.ns.svc.cluster.local`) to an address. */
  resolve(host: string): string | undefined;
  /**
   * A TCP connection to `host:port` as this container opens it, for clients that dial sockets themselves (curl,
   * gRPC, the echo client): cluster DNS, the egress allow-list and, in a meshed pod, capture by the sidecar with the
   * original destination (runtime/agent.ts). Failures (ENOTFOUND, EHOSTUNREACH, ECONNREFUSED) arrive as the
   * socket's 'error'.
   */
  dial(host: string, port: number): Socket;
  /**
   * The same decision as `dial` as data, for clients that dial from another thread (the load generator): connect to
   * `host:port` from `localAddress` and send `preamble` first. Undefined for a name cluster DNS does not know; throws
   * (EHOSTUNREACH) for an address outside the cluster.
   */
  connectAddress(host: string, port: number): ConnectTarget | undefined;
  /** The pod's network rules: every listener and every raw dial of the container goes through them. */
  network: PodNetwork;
  /** One line of the container's stdout (what `kubectl logs` shows). */
  log(line: string): void;
  /** The process "exits": the runtime restarts it per the pod's restartPolicy, with back-off. */
  exit(code: number): void;
}

/** What the node's network enforces for one pod (see runtime/network). */
export interface PodNetwork {
  /** Each listener on the pod's addresses calls this per accepted connection: false = refused (already reset). */
  admit(socket: Socket): boolean;
  /** Puts a node:net or node:http server behind admit(). */
  guard<S extends Server>(server: S): S;
  /** Undefined when the pod may dial `ip` (a cluster address), else the error the dial fails with. */
  checkDial(ip: string, port?: number): NodeJS.ErrnoException | undefined;
  /** Ports the pod's guarded listeners bind on its private localHost (what a meshed pod's sidecar captures). */
  appListeners?: AppListeners;
}

export interface Workload {
  /** Resolves once the workload is listening; rejects if it cannot start (the container then fails). */
  start(): Promise<void>;
  /** Stops listening and closes connections; must resolve promptly. */
  stop(): Promise<void>;
  /** Readiness as a probe would see it; absent means ready once started. */
  ready?(): boolean;
}

export type WorkloadFactory = (ctx: WorkloadContext) => Workload;

/** The name of the injected mesh sidecar container: a pod with it is "meshed" (see sandbox/mesh). */
export const SIDECAR_CONTAINER_NAME = 'mesh-proxy';

/**
 * Where a meshed pod's app traffic goes: the sidecar's outbound listener on the pod's private loopback
 * address, as iptables REDIRECT sends it to Envoy's 15001.
 */
export const SIDECAR_OUTBOUND_PORT = 15001;
