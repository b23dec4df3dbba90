// The server end of a SPDY/3.1 session (what kubectl's port-forward speaks, over a WebSocket tunnel or a plain
// `Upgrade: SPDY/3.1` connection). Framing and header compression come from spdy-transport's parser and framer;
// the session logic is ours because client-go's spdystream differs from what spdy-transport's Connection expects:
// its SYN_STREAMs carry no `:method`/`:path`, and it never sends WINDOW_UPDATE (it does no flow control), so
// frames are written as SPDY/3 (same wire format, no send window) and we bound our own buffers instead.
import { EventEmitter } from 'node:events';
import { PassThrough, Transform, type Duplex, type TransformCallback } from 'node:stream';
import transport, { type SpdyFrame, type SpdyWindowStub } from 'spdy-transport';

const spdy = transport.protocol.spdy;
/** The framer and parser account flow-control windows; spdystream has none, so nothing is accounted. */
const NO_WINDOW: SpdyWindowStub = { send: { update() {} }, recv: { update() {} } };
/** Bytes written to the client but not yet on the socket before a producer is asked to wait. */
const MAX_PENDING_BYTES = 1024 * 1024;
/** Largest DATA frame we send (client-go reads 32 KiB at a time too). */
const MAX_FRAME_DATA = 32 * 1024;
/**
 * Largest control frame accepted. The parser buffers a control frame whole and inflates its header block without
 * limit; a client's SYN_STREAM is ~100 bytes, so this bounds both (a deflate bomb of 8 KiB stays a few MiB).
 */
const MAX_CONTROL_FRAME = 8 * 1024;

/** Passes SPDY bytes through, refusing a control frame longer than MAX_CONTROL_FRAME before the parser buffers it. */
class ControlFrameGuard extends Transform {
  private header = Buffer.alloc(0);
  private skip = 0;
  /** While set, input waits (a stream's consumer is slow): backpressure reaches the socket through the pipe. */
  gate: Promise<void> | null = null;

  override _transform(chunk: Buffer, enc: BufferEncoding, callback: TransformCallback): void {
    if (this.gate) {
      void this.gate.then(() => this._transform(chunk, enc, callback));
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      const need = 8 - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (this.header.length < 8) break;
      const control = (this.header[0] & 0x80) !== 0;
      const length = this.header.readUIntBE(5, 3);
      this.header = Buffer.alloc(0);
      if (control && length > MAX_CONTROL_FRAME) return callback(new Error(`SPDY control frame of ${length} bytes refused`));
      this.skip = length;
    }
    callback(null, chunk);
  }
}

export interface SpdyStream {
  readonly id: number;
  /** The SYN_STREAM's headers, names lower-cased. */
  readonly headers: Record<string, string>;
  /** What the client sends on this stream; ends at its FIN, is destroyed at a reset. */
  readonly incoming: PassThrough;
  /** Sends data (after the SYN_REPLY). Resolves when the session can take more. */
  write(data: Buffer): Promise<void>;
  /** Our half-close (FIN). */
  end(): void;
  /** RST_STREAM (CANCEL) and forget the stream. */
  reset(): void;
  /** Called once when the stream is finished both ways, reset, or the session ends. */
  onClose(listener: () => void): void;
}

interface StreamState {
  stream: SpdyStream;
  replied: Promise<void>;
  localDone: boolean;
  remoteDone: boolean;
  closed: boolean;
  closeListeners: Array<() => void>;
}

export class SpdyServerSession extends EventEmitter {
  private readonly parser = spdy.parser.create({ window: NO_WINDOW, isServer: true });
  private readonly framer = spdy.framer.create({ window: NO_WINDOW, timeout: null });
  private readonly streams = new Map<number, StreamState>();
  private readonly guard: ControlFrameGuard;
  private lastId = 0;
  private pending = 0;
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly onStream: (stream: SpdyStream) => void,
    private readonly maxStreams = 128,
  ) {
    super();
    const pool = spdy.compressionPool.create(false);
    this.parser.setVersion(3);
    this.framer.setVersion(3);
    this.parser.setCompression(pool.get(3));
    this.framer.setCompression(pool.get(3));
    this.acceptStreamsWithoutRequestLine();
    const guard = new ControlFrameGuard();
    this.guard = guard;
    guard.on('error', () => this.close());
    socket.pipe(guard).pipe(this.parser);
    this.framer.pipe(socket);
    this.parser.on('data', (frame: SpdyFrame) => this.handle(frame));
    this.parser.on('error', () => this.close());
    this.framer.on('error', () => this.close());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('end', () => this.close());
    socket.on('drain', () => this.emit('drain'));
  }

  /** True while what we sent has not reached the socket beyond MAX_PENDING_BYTES. */
  get congested(): boolean {
    return this.pending + this.framer.readableLength + this.socket.writableLength > MAX_PENDING_BYTES;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const state of [...this.streams.values()]) this.finish(state);
    this.streams.clear();
    this.socket.unpipe();
    this.framer.unpipe(this.socket);
    this.socket.destroy();
    this.emit('close');
  }

  /** spdy-transport insists on an HTTP request line in every SYN_STREAM; spdystream sends only its own headers. */
  private acceptStreamsWithoutRequestLine(): void {
    const parser = this.parser;
    const parseKVs = parser.parseKVs.bind(parser);
    const original = Object.getPrototypeOf(parser).onSynHeadFrame as typeof parser.onSynHeadFrame;
    parser.onSynHeadFrame = function onSynHeadFrame(type, flags, body, callback) {
      if (type !== 1) return original.call(this, type, flags, body, callback);
      this.parseKVs = (kvs, done) => parseKVs(kvs, (err, headers) => {
        if (!err) {
          headers[':method'] ??= 'POST';
          headers[':path'] ??= '/';
        }
        done(err, headers);
      });
      try {
        return original.call(this, type, flags, body, callback);
      } finally {
        this.parseKVs = parseKVs;
      }
    };
  }

  private handle(frame: SpdyFrame): void {
    if (this.closed) return;
    switch (frame.type) {
      case 'HEADERS': return this.openStream(frame);
      case 'DATA': {
        const state = this.streams.get(frame.id);
        if (!state || state.remoteDone) return;
        if (frame.data.length && !state.stream.incoming.write(frame.data) && !this.guard.gate) {
          // The consumer is slow: stop reading the whole session until it catches up (spdystream has no windows).
          this.guard.gate = new Promise<void>((resolve) => {
            const open = () => { this.guard.gate = null; resolve(); };
            state.stream.incoming.once('drain', open);
            state.stream.incoming.once('close', open);
          });
        }
        if (frame.fin) {
          state.remoteDone = true;
          state.stream.incoming.end();
          if (state.localDone) this.finish(state);
        }
        return;
      }
      case 'RST': {
        const state = this.streams.get(frame.id);
        if (state) this.finish(state, true);
        return;
      }
      case 'PING':
        if (!frame.ack) this.framer.pingFrame({ opaque: frame.opaque, ack: true });
        return;
      case 'GOAWAY': return this.close();
      default: return; // SETTINGS, WINDOW_UPDATE: nothing to do without flow control
    }
  }

  private openStream(frame: Extract<SpdyFrame, { type: 'HEADERS' }>): void {
    const { id } = frame;
    if (this.streams.has(id)) return; // a HEADERS frame on an open stream: nothing we use
    if (id % 2 === 0 || id <= this.lastId) {
      this.framer.rstFrame({ id, code: 'PROTOCOL_ERROR' });
      return;
    }
    this.lastId = id;
    if (this.streams.size >= this.maxStreams) {
      this.framer.rstFrame({ id, code: 'REFUSED_STREAM' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(frame.headers)) if (!k.startsWith(':')) headers[k.toLowerCase()] = String(v);
    const incoming = new PassThrough({ highWaterMark: 64 * 1024 });
    incoming.on('error', () => {});
    let chain: Promise<void>;
    const session = this;
    const state: StreamState = {
      replied: new Promise<void>((resolve) => this.framer.responseFrame({ id, status: 200, headers: {} }, () => resolve())),
      localDone: false,
      remoteDone: false,
      closed: false,
      closeListeners: [],
      stream: {
        id,
        headers,
        incoming,
        write(data: Buffer): Promise<void> {
          chain = chain.then(async () => {
            for (let offset = 0; offset < data.length && !state.closed && !state.localDone; offset += MAX_FRAME_DATA) {
              const piece = data.subarray(offset, offset + MAX_FRAME_DATA);
              session.pending += piece.length;
              session.framer.dataFrame({ id, priority: 0, fin: false, data: piece }, () => { session.pending -= piece.length; });
              if (session.congested) await session.drained();
            }
          });
          return chain;
        },
        end(): void {
          chain = chain.then(() => {
            if (state.closed || state.localDone) return;
            state.localDone = true;
            session.framer.dataFrame({ id, priority: 0, fin: true, data: Buffer.alloc(0) });
            if (state.remoteDone) session.finish(state);
          });
        },
        reset(): void {
          if (state.closed) return;
          session.framer.rstFrame({ id, code: 'CANCEL' });
          session.finish(state, true);
        },
        onClose(listener: () => void): void {
          if (state.closed) listener();
          else state.closeListeners.push(listener);
        },
      },
    };
    chain = state.replied;
    if (frame.fin) {
      state.remoteDone = true;
      incoming.end();
    }
    this.streams.set(id, state);
    this.onStream(state.stream);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.closed || !this.congested) {
          clearInterval(timer);
          this.off('drain', check);
          this.off('close', check);
          resolve();
        }
      };
      // `pending` shrinks as the framer hands frames on, which fires no event: look again now and then.
      const timer = setInterval(check, 10);
      this.on('drain', check);
      this.on('close', check);
    });
  }

  private finish(state: StreamState, reset = false): void {
    if (state.closed) return;
    state.closed = true;
    this.streams.delete(state.stream.id);
    if (reset || !state.remoteDone) state.stream.incoming.destroy();
    for (const listener of state.closeListeners.splice(0)) listener();
  }
}
