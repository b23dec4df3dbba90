// What the outbound listener learns from a connection's first bytes before any HTTP is parsed: the original
// destination the app dialled (a PROXY v1 line written by the pod's dialler, see runtime/network/original-destination.ts)
// and the protocol — HTTP/2 with prior knowledge (h2c: gRPC and `curl --http2-prior-knowledge`) or HTTP/1.x.
// The bytes after the PROXY line are put back on the socket, so the next reader sees the stream as the app sent it.
import type { Socket } from 'node:net';
import { parseProxyProtocolHeader, type SocketAddress } from '../../runtime/network/original-destination.js';

/** HTTP/2's connection preface (RFC 9113 §3.4); its first bytes never start an HTTP/1 request line we accept. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type WireProtocol = 'http1' | 'h2';

export interface Prelude {
  /** Where the app's connection was going; absent when it connected to the sidecar directly. */
  originalDestination?: SocketAddress;
  protocol: WireProtocol;
}

/** A client that sends nothing this long after connecting is closed. */
export const PRELUDE_TIMEOUT_MS = 10_000;

const originalDestinations = new WeakMap<Socket, SocketAddress>();

/** The original destination the prelude read for this client connection (fast path, slow path and h2 alike). */
export function originalDestinationOf(socket: Socket | undefined | null): SocketAddress | undefined {
  return socket ? originalDestinations.get(socket) : undefined;
}

/**
 * Resolves once the first bytes tell the protocol; rejects (the caller destroys the socket) on a malformed PROXY
 * line, a timeout or a close. Data read past the prelude is unshifted, and the socket left paused.
 */
export function readPrelude(socket: Socket, timeoutMs = PRELUDE_TIMEOUT_MS): Promise<Prelude> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let destination: SocketAddress | undefined;
    let proxyLineDone = false;
    const timer = setTimeout(() => finish(new Error(`no request within ${timeoutMs / 1000}s`)), timeoutMs);
    timer.unref();
    const finish = (err?: Error, protocol?: WireProtocol) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.pause();
      if (err) return reject(err);
      if (buf.length) socket.unshift(buf);
      if (destination) originalDestinations.set(socket, destination);
      resolve({ originalDestination: destination, protocol: protocol! });
    };
    const onClose = () => finish(new Error('closed before a request'));
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!proxyLineDone) {
        const p = parseProxyProtocolHeader(buf);
        if (p.kind === 'incomplete') return;
        if (p.kind === 'invalid') return finish(new Error(`invalid PROXY protocol header: ${p.reason}`));
        if (p.kind === 'header') {
          destination = p.destination;
          buf = buf.subarray(p.bytes);
        }
        proxyLineDone = true;
      }
      // Decide as soon as the bytes seen can only be one of the two (a PROXY-only first chunk waits for more).
      const n = Math.min(buf.length, H2_PREFACE.length);
      if (n === 0) return;
      if (buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
        if (n === H2_PREFACE.length) finish(undefined, 'h2');
        return;
      }
      finish(undefined, 'http1');
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
