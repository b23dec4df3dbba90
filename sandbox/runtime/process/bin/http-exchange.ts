// One HTTP/1.1 exchange over a socket a program dialled from its container, written and parsed here rather
// than with node:http so the bytes are exactly the client's (curl sends no `Connection` header, prints the
// status line and headers as received). Dialling goes through the pod's network: cluster DNS, the egress
// allow-list (checkDial), the sidecar in a meshed pod; `localhost` is the pod's own loopback.
import { connect, isIP, type Socket } from 'node:net';
import type { WorkloadContext } from '../../workload.js';

/** Most response bytes held for headers (a server sending endless headers is cut off). */
const MAX_HEADER_BYTES = 64 * 1024;

export class DialError extends Error {
  constructor(
    readonly kind: 'resolve' | 'connect' | 'timeout',
    message: string,
    readonly address?: string,
  ) {
    super(message);
  }
}

export interface Dialled {
  socket: Socket;
  /** The address the client believes it connected to (what curl prints as the remote IP). */
  address: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', 'localhost.localdomain']);

/** The address `host` resolves to inside the container (undefined: cluster DNS does not know it). */
export function resolveInPod(container: WorkloadContext, host: string, pinned?: string): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (pinned) return pinned;
  if (LOOPBACK_NAMES.has(bare)) return '127.0.0.1';
  if (isIP(bare)) return bare;
  return container.resolve(bare);
}

function once(socket: Socket, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError('timeout', 'timeout'));
    }, timeoutMs);
    const onAbort = () => {
      socket.destroy();
      reject(new DialError('timeout', 'aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(new DialError('connect', e.message));
    });
  });
}

/**
 * Connect to `host:port` as the container would. `address` is what resolveInPod gave. The pod's loopback is its
 * private localhost (where a meshed app listens) and then its pod IP (where an un-meshed app listens), as both
 * are "localhost" to a process in the pod's network namespace.
 */
export async function dialFromPod(container: WorkloadContext, host: string, address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<Dialled> {
  if (address === '127.0.0.1' || address === '::1') {
    let last: unknown;
    for (const target of [container.localHost, container.podIP]) {
      const socket = connect({ host: target, port, localAddress: target });
      try {
        await once(socket, timeoutMs, signal);
        return { socket, address };
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
  const refused = container.network.checkDial(address, port);
  if (refused) throw new DialError('connect', refused.message, address);
  // In a meshed pod the connection goes to the sidecar (iptables REDIRECT), told the address curl resolved.
  const socket = container.dial(address, port);
  await once(socket, timeoutMs, signal);
  return { socket, address };
}

export interface ParsedResponse {
  httpVersion: string;
  status: number;
  statusText: string;
  /** Header lines as received, in order, without their CRLF. */
  headerLines: string[];
  headers: Map<string, string>;
  /** The status line and headers exactly as received (CRLFs included), for `curl -i`. */
  rawHead: Buffer;
}

export interface ExchangeEvents {
  onHead(head: ParsedResponse): void;
  onBody(chunk: Buffer): void;
}

/** Sends `request` and parses the response; resolves when the body is complete (or the connection closed). */
export function exchange(socket: Socket, request: Buffer, headRequest: boolean, events: ExchangeEvents, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let head: ParsedResponse | undefined;
    let remaining: number | undefined; // content-length left; undefined = until close
    let chunked = false;
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (e) reject(e);
      else resolve();
    };
    const onAbort = () => finish(new DialError('timeout', 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });

    const body = (): void => {
      if (!head) return;
      if (chunked) {
        for (;;) {
          const eol = buf.indexOf('\r\n');
          if (eol < 0) return;
          const size = parseInt(buf.subarray(0, eol).toString().split(';')[0], 16);
          if (!Number.isFinite(size)) return finish(new Error('invalid chunk size'));
          if (size === 0) return finish();
          if (buf.length < eol + 2 + size + 2) return;
          events.onBody(buf.subarray(eol + 2, eol + 2 + size));
          buf = buf.subarray(eol + 2 + size + 2);
        }
      }
      if (remaining === undefined) {
        if (buf.length) events.onBody(buf);
        buf = Buffer.alloc(0);
        return;
      }
      const take = buf.subarray(0, remaining);
      if (take.length) events.onBody(take);
      remaining -= take.length;
      buf = buf.subarray(take.length);
      if (remaining === 0) finish();
    };

    socket.on('data', (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      if (!head) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES) finish(new Error('response headers too large'));
          return;
        }
        const rawHead = buf.subarray(0, end + 4);
        const lines = rawHead.toString('latin1').split('\r\n').slice(0, -2);
        const m = lines[0].match(/^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/);
        if (!m) return finish(new Error('weird server reply'));
        const headers = new Map<string, string>();
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        head = { httpVersion: m[1], status: Number(m[2]), statusText: m[3] ?? '', headerLines: lines.slice(1), headers, rawHead: Buffer.from(rawHead) };
        buf = buf.subarray(end + 4);
        events.onHead(head);
        const status = head.status;
        if (headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) return finish();
        chunked = /chunked/i.test(headers.get('transfer-encoding') ?? '');
        const length = headers.get('content-length');
        remaining = chunked ? undefined : length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        if (remaining === 0) return finish();
      }
      body();
    });
    socket.on('end', () => (head ? finish() : finish(new Error('Empty reply from server'))));
    socket.on('close', () => (head ? finish() : finish(new Error('Empty reply from server'))));
    socket.on('error', (e) => finish(e));
    socket.write(request);
  });
}
