// Layer 4 of the outbound stack, the endpoint call (linkerd2-proxy's `endpoint` stack): one try sent to the chosen
// endpoint from the pod's IP — over mTLS requiring the peer's identity to a meshed sidecar, plaintext to the rest — with
// the pod's egress allow-list checked on every new connection. HTTP/1 through node:http agents (and a DestinationRule's
// circuit breaker when the destination has one); raw sockets for the fast path and HTTP/2 sessions come from dial().
import { request as httpRequest, type Agent, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import { refusedSocket } from '../../../runtime/network/egress-guard.js';
import { AttemptError } from '../attempt-error.js';
import { LocalReplyError } from '../destination-clusters.js';
import type { ProxyContext } from '../proxy-context.js';
import { checkedDial, MeshTlsAgent, plainAgent, retireOldConnections, type MeshRequestOptions } from '../upstream-pool.js';
import type { Target } from './balance.js';

/** A request body as the HTTP/1 pipeline holds it: buffered (replayable), streamed from the caller, or none. */
export type Http1Body = Buffer | 'stream' | undefined;

/** What a try's request is made from: its method, and the body to stream when it is not buffered (IncomingMessage, or an HTTP/2 stream's adapter). */
export type Http1Source = Pick<IncomingMessage, 'method' | 'pipe'>;

/** The upstream request of a try in flight (destroyed by a request timeout or a caller that went away). */
export type InFlight = Pick<ReturnType<typeof httpRequest>, 'destroy'>;

export class EndpointClient {
  /** mTLS connections to meshed peers (also the fast path's and HTTP/2's, through dial()). */
  readonly tlsAgent: MeshTlsAgent;
  private readonly agent: Agent;

  constructor(private readonly ctx: ProxyContext) {
    // Outbound connections leave from the pod IP so the peer's proxy knows which pod is calling.
    // Upstreams are checked against the pod's egress allow-list per new connection (pooled ones are reused).
    this.tlsAgent = new MeshTlsAgent(ctx.identity, ctx.podIP, ctx.network.checkDial);
    this.agent = plainAgent(ctx.podIP, ctx.network.checkDial);
  }

  close(): void {
    this.tlsAgent.destroy();
    this.agent.destroy();
  }

  /** After a certificate rotation: idle connections made with the old certificate are closed. */
  onCertificateRotated(generation: number): void {
    retireOldConnections(this.tlsAgent, generation);
  }

  /**
   * A new connection to an endpoint for the fast path or an HTTP/2 session: mTLS (offering `alpn`) to a meshed peer,
   * else plaintext; the egress allow-list applies to both (the TLS agent checks its own).
   */
  dial(ip: string, port: number, identity: string | undefined, alpn?: string[]): Socket {
    if (identity) return this.tlsAgent.createConnection({ host: ip, port, meshIdentity: identity, meshAlpn: alpn } as Parameters<MeshTlsAgent['createConnection']>[0]) as Socket;
    const target = checkedDial(this.ctx.network.checkDial, ip, port);
    if (target instanceof Error) return refusedSocket(target);
    return tcpConnect({ ...target, port, localAddress: this.ctx.podIP, noDelay: true });
  }

  /**
   * One HTTP/1 try: the response head, or the failure (an AttemptError for a per-try timeout, a LocalReplyError for the
   * circuit breaker's overflow). `onRequest` gets what a request timeout or a gone caller destroys.
   */
  call(
    req: Http1Source,
    target: Target,
    path: string,
    headers: OutgoingHttpHeaders | string[],
    body: Http1Body,
    timeoutMs: number | undefined,
    onRequest: (r: InFlight) => void,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const options: RequestOptions & MeshRequestOptions = {
        host: target.endpoint.ip,
        port: target.endpoint.port,
        method: req.method,
        path,
        headers,
        agent: target.identity ? this.tlsAgent : this.agent,
        meshIdentity: target.identity,
      };
      const breaker = target.cluster?.breaker ? target.cluster : undefined;
      if (breaker) {
        // Through the destination's circuit breaker: sent now, later (queued for a connection), or refused.
        let dispatched = false;
        const sent = breaker.sendHttp1(options, (agent) => {
          dispatched = true;
          return send({ ...options, agent }, req, body, timeoutMs, onRequest, resolve, reject);
        });
        if (sent instanceof LocalReplyError) return reject(sent);
        // Still waiting for a connection: a timeout or a gone caller (they destroy the in-flight request) withdraws it.
        if (!dispatched) onRequest({ destroy: (err?: Error) => (sent(), reject(err ?? new Error('request withdrawn while waiting for a connection'))) } as InFlight);
        return;
      }
      send(options, req, body, timeoutMs, onRequest, resolve, reject);
    });
  }

  /** Plain requests of the mesh's own making (mirrored copies): the agent for the peer. */
  agentFor(identity: string | undefined): Agent {
    return identity ? this.tlsAgent : this.agent;
  }
}

function send(
  options: RequestOptions & MeshRequestOptions,
  req: Http1Source,
  body: Http1Body,
  timeoutMs: number | undefined,
  onRequest: (r: InFlight) => void,
  resolve: (r: IncomingMessage) => void,
  reject: (err: Error) => void,
): ReturnType<typeof httpRequest> {
  const upstream = httpRequest(options);
  onRequest(upstream);
  let timer: NodeJS.Timeout | undefined;
  if (timeoutMs) {
    timer = setTimeout(() => upstream.destroy(new AttemptError(504, `backend request timeout of ${timeoutMs}ms exceeded`, true)), timeoutMs);
  }
  upstream.once('response', (r) => {
    clearTimeout(timer);
    resolve(r);
  });
  upstream.once('error', (err) => {
    clearTimeout(timer);
    reject(err);
  });
  if (body === 'stream') req.pipe(upstream);
  else upstream.end(body);
  return upstream;
}
