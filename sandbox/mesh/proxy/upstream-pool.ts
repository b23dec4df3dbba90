// Keep-alive connection pools to upstreams. Meshed peers get mTLS: the client presents its workload
// certificate, verifies the server's chain against the sandbox root, and checks the server's SPIFFE ID is
// the identity the destination should have (not just any mesh certificate). TLS sessions are cached per
// peer so a new pooled connection resumes instead of doing a full handshake. With a `checkDial` (the pod's
// egress allow-list), a connection to an address the node did not assign fails before it is attempted —
// checked per new connection, never per request.
import { Agent, type AgentOptions } from 'node:http';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { serverNameOf, spiffeIdOfSubjectAltName } from '../identity/spiffe.js';
import type { WorkloadIdentity } from '../identity/workload-identity.js';
import { refusedSocket } from '../../runtime/network/egress-guard.js';

/**
 * The pod's egress allow-list: undefined when `ip` may be dialled, else the error to fail with — at once (the runtime's
 * own check) or later (asked of the main thread from the data-plane worker).
 */
export type DialCheck = (ip: string, port?: number) => Error | undefined | Promise<Error | undefined>;

/**
 * Where to connect for a dial the allow-list must admit first, as connect options (`host` and, when the answer comes
 * later, a `lookup`), or the error to fail with. A later answer goes through the socket's own name lookup: the socket
 * is returned at once and is "connecting" (writes queue) until the check admits the address; a refusal fails the
 * socket as a refused connect does. Nothing is dialled before the answer.
 */
export function checkedDial(check: DialCheck | undefined, ip: string, port?: number): { host: string; lookup?: LookupFunction } | Error {
  const verdict = check?.(ip, port);
  if (!(verdict instanceof Promise)) return verdict ?? { host: ip };
  const family = isIP(ip) || 4;
  const lookup = ((_host: string, options: { all?: boolean }, callback: (err: Error | null, address: unknown, family?: number) => void) => {
    verdict.then(
      (refused) => {
        if (refused) callback(refused, undefined);
        else if (options.all) callback(null, [{ address: ip, family }]);
        else callback(null, ip, family);
      },
      (err: Error) => callback(err, undefined),
    );
  }) as unknown as LookupFunction;
  // Not an IP literal, so node:net asks the lookup; the name is never resolved anywhere else.
  return { host: `dial-check.invalid`, lookup };
}

/** Extra request option read by the TLS agent: the SPIFFE ID the server must present. */
export interface MeshRequestOptions {
  meshIdentity?: string;
  /** ALPN protocols to offer (the HTTP/2 path offers ['h2']); none for HTTP/1.1, as before. */
  meshAlpn?: string[];
}

const POOL: AgentOptions = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: Infinity, maxFreeSockets: 256, scheduling: 'lifo', timeout: 60_000 };
const MAX_SESSIONS = 1000;

export class MeshTlsAgent extends Agent {
  private sessions = new Map<string, Buffer>();

  constructor(
    private readonly identity: () => WorkloadIdentity | undefined,
    private readonly localAddress?: string,
    private readonly checkDial?: DialCheck,
  ) {
    super(POOL);
  }

  override getName(options: { host?: string; port?: number | string; meshIdentity?: string } = {}): string {
    return `${options.host}:${options.port}:${options.meshIdentity ?? ''}`;
  }

  // Node's Agent returns a boolean here (false = close instead of pooling); @types/node says void.
  override keepSocketAlive(socket: Duplex): void {
    const gen = (socket as Duplex & { meshGeneration?: number }).meshGeneration;
    if (gen !== undefined && gen !== this.identity()?.generation) return false as unknown as void;
    return super.keepSocketAlive(socket);
  }

  override createConnection(args: Parameters<Agent['createConnection']>[0], callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const options = args as { host?: string; port?: number; meshIdentity?: string; meshAlpn?: string[] };
    const expected = options.meshIdentity;
    const id = this.identity();
    const key = `${options.host}:${options.port}:${expected}${options.meshAlpn ? `:${options.meshAlpn.join(',')}` : ''}`;
    // The proxies only choose mTLS once their identity exists; reaching this is a bug, reported to the caller.
    if (!id || !expected) throw new Error('mTLS requested without a workload identity or an expected peer identity');
    void callback;
    const target = checkedDial(this.checkDial, options.host ?? '', options.port);
    if (target instanceof Error) return refusedSocket(target);
    const socket: TLSSocket = tlsConnect({
      ...target,
      port: options.port,
      localAddress: this.localAddress,
      secureContext: id.secureContext,
      servername: serverNameOf(expected),
      session: this.sessions.get(key),
      minVersion: 'TLSv1.3',
      ALPNProtocols: options.meshAlpn,
      checkServerIdentity: (_name: string, cert: PeerCertificate) => {
        const got = spiffeIdOfSubjectAltName(cert.subjectaltname);
        return got === expected ? undefined : new Error(`peer identity mismatch: expected ${expected}, server presented ${got ?? 'no SPIFFE ID'}`);
      },
    } as ConnectionOptions & { localAddress?: string });
    socket.setNoDelay(true);
    (socket as TLSSocket & { meshGeneration?: number }).meshGeneration = id.generation;
    socket.on('session', (s: Buffer) => {
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.clear();
      this.sessions.set(key, s);
    });
    return socket;
  }
}

// After a certificate rotation, connections made with the old certificate finish their current request
// and are then closed instead of going back to the pool: rotation never interrupts a request.
export function retireOldConnections(agent: MeshTlsAgent, generation: number): void {
  for (const list of Object.values(agent.freeSockets)) {
    for (const s of list ?? []) if ((s as Socket & { meshGeneration?: number }).meshGeneration !== generation) s.destroy();
  }
}

class CheckedAgent extends Agent {
  constructor(
    localAddress: string | undefined,
    private readonly checkDial: DialCheck,
  ) {
    super({ ...POOL, localAddress });
  }

  override createConnection(options: Parameters<Agent['createConnection']>[0], callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const { host, port } = options as { host?: string; port?: number };
    const target = checkedDial(this.checkDial, host ?? '', port);
    if (target instanceof Error) return refusedSocket(target);
    return super.createConnection({ ...options, ...target } as typeof options, callback) as Duplex;
  }
}

export function plainAgent(localAddress?: string, checkDial?: DialCheck): Agent {
  return checkDial ? new CheckedAgent(localAddress, checkDial) : new Agent({ ...POOL, localAddress });
}
