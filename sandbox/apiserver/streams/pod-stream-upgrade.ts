// Upgraded connections for pods/exec, pods/attach and pods/portforward: checks the request (query, pod, container)
// while a plain HTTP Status can still be answered, then upgrades — WebSocket (channel.k8s.io, or kubectl's
// `SPDY/3.1+portforward.k8s.io` tunnel) or `Upgrade: SPDY/3.1` for port-forward — and hands the streams to the
// PodStreamSource. Authentication and RBAC happened before (http-server.ts), as for every request.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import type { ClusterApi } from '../api.js';
import { badRequest, StatusError } from '../errors.js';
import type { PodStreamSource } from '../pod-streams.js';
import type { ResourceTarget } from '../routing.js';
import { ChannelConnection, EXEC_PROTOCOLS, offeredProtocols, pickProtocol, PORTFORWARD_PROTOCOLS } from './channel-websocket.js';
import { serveRemoteCommand } from './exec-websocket.js';
import { serveRemoteCommandOverSpdy, SPDY_EXEC_PROTOCOLS } from './exec-spdy.js';
import { servePortForwardOverSpdy } from './portforward-spdy.js';
import { servePortForwardOverWebSocket } from './portforward-websocket.js';
import { SpdyServerSession } from './spdy-session.js';
import { containerNotRunning, parsePorts, parseStreamRequest, resolveContainer } from './stream-options.js';

/** kubectl's port-forward tunnel: a SPDY session carried in WebSocket binary messages (client-go tunneling_dialer). */
const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
const PORTFORWARD_SPDY_PROTOCOL = 'portforward.k8s.io';
/** Largest WebSocket message accepted (stdin chunks and tunnelled SPDY frames are at most tens of KiB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

export interface PodStreamUpgrader {
  /** Serves an upgrade for a stream subresource; throws a StatusError before upgrading when it cannot. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ResourceTarget, query: URLSearchParams): void;
}

/** A failed upgrade is an ordinary HTTP response carrying the Status (client-go decodes it), then the socket ends. */
export function refuseUpgrade(socket: Duplex, status: StatusError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(status.toStatus());
  const reason = STATUS_CODES[status.code] ?? 'Error';
  socket.end(`HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * A stream subresource asked for without an upgrade: the same checks of query and pod, then upstream's 400
 * (UpgradeAwareHandler: "Upgrade request required").
 */
export function refuseWithoutUpgrade(api: ClusterApi, source: PodStreamSource | undefined, target: ResourceTarget, query: URLSearchParams): never {
  const kind = target.subresource as 'exec' | 'attach' | 'portforward';
  if (!source) throw new StatusError(404, 'NotFound', `${kind} is not available in this cluster (pod "${target.name}")`);
  const pod = api.get(api.type('', 'pods'), target.namespace, target.name!);
  if (kind !== 'portforward') resolveContainer(pod, parseStreamRequest(query, kind).container);
  throw badRequest('Upgrade request required');
}

/** `track` registers how to end a connection when the server closes and returns how to forget it. */
export function createPodStreamUpgrader(api: ClusterApi, source: PodStreamSource | undefined, trackStream: (stop: () => void) => () => void): PodStreamUpgrader {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  const track = (socket: Duplex, stop: () => void) => {
    const untrack = trackStream(stop);
    socket.once('close', untrack);
  };

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ResourceTarget, query: URLSearchParams): void {
    const kind = target.subresource as 'exec' | 'attach' | 'portforward';
    if (!source) throw new StatusError(404, 'NotFound', `${kind} is not available in this cluster (pod "${target.name}")`);
    const namespace = target.namespace;
    if (!namespace) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const pod = api.get(api.type('', 'pods'), namespace, target.name!); // 404 pods "x" not found
    const upgradeTo = String(req.headers.upgrade ?? '').toLowerCase();
    const offered = offeredProtocols(req.headers['sec-websocket-protocol'] as string | undefined);

    if (kind === 'portforward') {
      if (upgradeTo === 'websocket') {
        const tunnel = offered.find((p) => p === SPDY_TUNNEL_PREFIX + PORTFORWARD_SPDY_PROTOCOL);
        if (tunnel) {
          return accept(req, socket, head, tunnel, (ws) => {
            const stream = createWebSocketStream(ws);
            stream.on('error', () => {});
            startSpdyPortForward(stream, namespace, target.name!);
          });
        }
        const ports = parsePorts(query);
        const protocol = pickProtocol(offered, PORTFORWARD_PROTOCOLS) ?? '';
        if (offered.length && !protocol) throw badRequest(`requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${PORTFORWARD_PROTOCOLS.join(' ')}]`);
        return accept(req, socket, head, protocol, (ws) => {
          void servePortForwardOverWebSocket(new ChannelConnection(ws, protocol), source, namespace, target.name!, ports);
        });
      }
      if (upgradeTo === 'spdy/3.1') {
        switchToSpdy(req, socket, head, [PORTFORWARD_SPDY_PROTOCOL]);
        startSpdyPortForward(socket, namespace, target.name!);
        return;
      }
      throw badRequest('unable to upgrade: missing upgrade headers in request');
    }

    // exec / attach
    const request = parseStreamRequest(query, kind);
    const container = resolveContainer(pod, request.container);
    // Not running is the kubelet's answer, given after the upgrade (as the API server's stream translator does).
    const refusal = containerNotRunning(pod, container);
    const run = kind === 'exec'
      ? (io: Parameters<PodStreamSource['exec']>[3]) => source.exec(namespace, target.name!, { container, command: request.command }, io)
      : (io: Parameters<PodStreamSource['attach']>[3]) => source.attach(namespace, target.name!, { container }, io);
    if (upgradeTo === 'spdy/3.1') {
      if (refusal) {
        // Over SPDY the API server passes the kubelet's refusal through as it came: a 500 with the text.
        const text = `container not found (${JSON.stringify(container)})`;
        socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
        return;
      }
      const negotiated = switchToSpdy(req, socket, head, SPDY_EXEC_PROTOCOLS);
      serveRemoteCommandOverSpdy(socket, negotiated, request, run, refusal);
      return;
    }
    if (upgradeTo !== 'websocket') throw badRequest('unable to upgrade: missing upgrade headers in request');
    // No Sec-WebSocket-Protocol at all is wsstream's "" protocol: the original binary channel protocol.
    const protocol = offered.length ? pickProtocol(offered, EXEC_PROTOCOLS) : '';
    if (protocol === undefined) throw badRequest(`requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${EXEC_PROTOCOLS.join(' ')}]`);
    return accept(req, socket, head, protocol, (ws) => {
      void serveRemoteCommand(new ChannelConnection(ws, protocol), request, run, refusal);
    });
  }

  /** httpstream.Handshake: the first of the client's X-Stream-Protocol-Version values we serve, then 101. */
  function switchToSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, supported: string[]): string {
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    if (!offered.length) throw badRequest('unable to upgrade: X-Stream-Protocol-Version is required');
    const negotiated = offered.find((p) => supported.includes(p));
    if (!negotiated) throw new StatusError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${negotiated}\r\n\r\n`);
    if (head.length) socket.unshift(head);
    track(socket, () => socket.destroy());
    return negotiated;
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, serve: (ws: WebSocket) => void): void {
    chosen.set(req, protocol);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      track(socket, () => ws.terminate());
      serve(ws);
    });
  }

  function startSpdyPortForward(transport: Duplex, namespace: string, pod: string): void {
    let handler: ReturnType<typeof servePortForwardOverSpdy> | undefined;
    const session = new SpdyServerSession(transport, (stream) => handler?.(stream));
    handler = servePortForwardOverSpdy(session, source!, namespace, pod);
  }

  return { upgrade };
}
