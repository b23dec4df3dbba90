// The channel.k8s.io WebSocket framing (k8s.io/apimachinery wsstream): every message starts with a channel
// number — a byte in binary protocols, an ASCII digit followed by base64 in the base64 ones. v5 adds a close
// signal: a message on channel 255 whose byte names the channel the peer closed (stdin).
import { Writable } from 'node:stream';
import WebSocket from 'ws';

/** Exec/attach protocols the kubelet serves over WebSocket (remotecommand/websocket.go), in no preference order. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];
/** Port-forward protocols over WebSocket (portforward/websocket.go). */
export const PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];
const CLOSE_CHANNEL = 255;

/** The first protocol the client offered that we serve (wsstream's handshake honours the client's order). */
export function pickProtocol(offered: string[], supported: string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

export class ChannelConnection {
  readonly base64: boolean;
  /** 5 for v5.channel.k8s.io, 4 for v4.*, 1 for the original protocols. */
  readonly version: number;
  private readonly handlers = new Map<number, (data: Buffer) => void>();
  private readonly closeHandlers = new Map<number, () => void>();

  constructor(readonly ws: WebSocket, readonly protocol: string) {
    this.base64 = protocol.includes('base64');
    this.version = protocol.startsWith('v5.') ? 5 : protocol.startsWith('v4.') ? 4 : 1;
    ws.on('message', (raw: WebSocket.RawData, isBinary: boolean) => this.receive(toBuffer(raw), isBinary));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  onData(channel: number, handler: (data: Buffer) => void): void {
    this.handlers.set(channel, handler);
  }

  /** The peer closed its side of `channel` (v5 only). */
  onRemoteClose(channel: number, handler: () => void): void {
    this.closeHandlers.set(channel, handler);
  }

  /** Sends on a channel; resolves once written to the socket (or dropped because the connection is gone). */
  send(channel: number, data: Buffer): Promise<void> {
    if (!this.open) return Promise.resolve();
    const message = this.base64 ? String.fromCharCode(48 + channel) + data.toString('base64') : Buffer.concat([Buffer.from([channel]), data]);
    return new Promise((resolve) => this.ws.send(message, { binary: !this.base64 }, () => resolve()));
  }

  /** A Writable whose chunks go out on `channel`; one message in flight at a time bounds what we buffer. */
  writable(channel: number): Writable {
    const w = new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _enc, callback) => { void this.send(channel, Buffer.from(chunk)).then(() => callback()); },
    });
    w.on('error', () => {});
    return w;
  }

  close(code = 1000): void {
    // Reading may be paused (a command that never read its stdin): the peer's close frame must still be read.
    if (this.ws.isPaused) this.ws.resume();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
  }

  private receive(raw: Buffer, isBinary: boolean): void {
    let channel: number;
    let data: Buffer;
    if (this.base64 && !isBinary) {
      if (raw.length < 1) return;
      channel = raw[0] - 48;
      data = Buffer.from(raw.subarray(1).toString('latin1'), 'base64');
    } else {
      if (raw.length < 1) return;
      channel = raw[0];
      data = raw.subarray(1);
    }
    if (channel === CLOSE_CHANNEL && this.version >= 5) {
      if (data.length >= 1) this.closeHandlers.get(data[0])?.();
      return;
    }
    this.handlers.get(channel)?.(data);
  }
}

function toBuffer(raw: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}
