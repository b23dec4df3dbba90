// The server end of a SPDY/3.1 session (what kubectl's port-forward speaks, over a WebSocket tunnel or a plain
// `Upgrade: SPDY/3.1` connection). Parsing comes from spdy-transport's parser, RST/PING/GOAWAY from its framer; the
// frames on the hot path (SYN_REPLY, DATA) we write ourselves, synchronously and straight onto the socket;
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
export const MAX_PENDING_BYTES = 1024 * 1024;
/**
 * Largest DATA frame we send: a pod connection's reads (64 KiB) go out whole. spdystream takes frames of any length
 * (24-bit length) and client-go's WebSocket tunnel reads messages of any size (TunnelingConnection.Read).
 */
const MAX_FRAME_DATA = 64 * 1024;
/**
 * Largest control frame accepted. The parser buffers a control frame whole and inflates its header block without
 * limit; a client's SYN_STREAM is ~100 bytes, so this bounds both (a deflate bomb of 8 KiB stays a few MiB).
 */
const MAX_CONTROL_FRAME = 8 * 1024;
const RESOLVED = Promise.resolve();
const EMPTY = Buffer.alloc(0);

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

/**
 * SYN_REPLY frames, built synchronously. spdy-transport's framer compresses header blocks on zlib's thread pool, a
 * hop per stream while kubectl waits for each reply (client-go's CreateStream does, twice per forwarded
 * connection). Our header blocks are a few constant bytes, so this direction's zlib stream (RFC 1950, with SPDY's
 * dictionary) is written by hand as stored deflate blocks: valid for any inflater, and nothing to compute.
 */
export class SynReplyWriter {
  private started = false;
  /** `:status` and `:version`, as spdy-transport's responseFrame wrote them for a 200, as one stored block. */
  private readonly block: Buffer;

  constructor() {
    const pairs: Array<[string, string]> = [[':status', '200 OK'], [':version', 'HTTP/1.1']];
    const parts: Buffer[] = [u32(pairs.length)];
    for (const [name, value] of pairs) parts.push(u32(name.length), Buffer.from(name), u32(value.length), Buffer.from(value));
    const raw = Buffer.concat(parts);
    const stored = Buffer.alloc(5);
    stored[0] = 0x00; // BFINAL 0, BTYPE 00 (stored); the rest of the byte is padding
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    // zlib's Z_SYNC_FLUSH marker (an empty stored block) closes each block, as spdy-transport's zlib stream did;
    // kubectl drops the connection without it (Go's flate reader reads on to the next block header).
    this.block = Buffer.concat([stored, raw, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])]);
  }

  frame(id: number): Buffer {
    const headers = this.started ? this.block : Buffer.concat([zlibHeaderWithDictionary(spdy.dictionary[3]), this.block]);
    this.started = true;
    const frame = Buffer.allocUnsafe(12 + headers.length);
    frame.writeUInt32BE(0x80030002, 0); // control, version 3, SYN_REPLY
    frame.writeUInt32BE(4 + headers.length, 4); // flags 0, length
    frame.writeUInt32BE(id & 0x7fffffff, 8);
    headers.copy(frame, 12);
    return frame;
  }
}

/** RFC 1950 stream header: deflate with a 32 KiB window, FDICT set, then the dictionary's Adler-32. */
function zlibHeaderWithDictionary(dictionary: Buffer): Buffer {
  const cmf = 0x78;
  let flg = 0x20;
  flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
  let a = 1;
  let b = 0;
  for (const byte of dictionary) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const header = Buffer.alloc(6);
  header[0] = cmf;
  header[1] = flg;
  header.writeUInt32BE(((b << 16) | a) >>> 0, 2);
  return header;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

export interface SpdyStream {
  readonly id: number;
  /** The SYN_STREAM's headers, names lower-cased. */
  readonly headers: Record<string, string>;
  /** What the client sends on this stream; ends at its FIN, is destroyed at a reset. */
  readonly incoming: PassThrough;
  /** Sends data: framed and copied before it returns (the caller may reuse `data`). Resolves when the session can take more. */
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
  private readonly replies = new SynReplyWriter();
  private lastId = 0;
  private readonly drainWaiters: Array<() => void> = [];
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
    // Control frames are few and small: written as the framer produces them, so they keep their order with DATA.
    this.framer.on('data', (chunk: Buffer) => { if (!this.closed) socket.write(chunk); });
    this.parser.on('data', (frame: SpdyFrame) => this.handle(frame));
    this.parser.on('error', () => this.close());
    this.framer.on('error', () => this.close());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('end', () => this.close());
    socket.on('drain', () => { this.wakeDrainWaiters(); this.emit('drain'); });
  }

  /** Bytes written towards the client that the socket has not taken yet; bounded by MAX_PENDING_BYTES plus a frame. */
  get pendingBytes(): number {
    return this.framer.readableLength + this.socket.writableLength;
  }

  /** True while what we sent has not reached the socket beyond MAX_PENDING_BYTES. */
  get congested(): boolean {
    return this.pendingBytes > MAX_PENDING_BYTES;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const state of [...this.streams.values()]) this.finish(state);
    this.streams.clear();
    this.socket.unpipe();
    this.socket.destroy();
    this.wakeDrainWaiters();
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
        // A client that pings but does not read would grow our output without end: stop reading it meanwhile.
        if (this.congested && !this.guard.gate) this.guard.gate = this.drained().then(() => { this.guard.gate = null; });
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
    const session = this;
    const endNow = (): void => {
      if (state.closed || state.localDone) return;
      state.localDone = true;
      session.writeData(id, EMPTY, true);
      if (state.remoteDone) session.finish(state);
    };
    const state: StreamState = {
      localDone: false,
      remoteDone: false,
      closed: false,
      closeListeners: [],
      stream: {
        id,
        headers,
        incoming,
        write(data: Buffer): Promise<void> {
          for (let offset = 0; offset < data.length && !state.closed && !state.localDone; offset += MAX_FRAME_DATA) {
            session.writeData(id, data.subarray(offset, offset + MAX_FRAME_DATA), false);
          }
          return session.drained();
        },
        end: endNow,
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
    // The reply goes out now, so everything written on the stream afterwards follows it on the socket.
    this.socket.write(this.replies.frame(id));
    if (frame.fin) {
      state.remoteDone = true;
      incoming.end();
    }
    this.streams.set(id, state);
    this.onStream(state.stream);
  }

  /** One DATA frame, straight onto the socket: 8 header bytes and the payload in one buffer (one WebSocket message when tunnelled). */
  private writeData(id: number, data: Buffer, fin: boolean): void {
    if (this.closed) return;
    const frame = Buffer.allocUnsafe(8 + data.length);
    frame.writeUInt32BE(id & 0x7fffffff, 0);
    frame.writeUInt32BE(((fin ? 0x01 : 0) << 24) | data.length, 4);
    data.copy(frame, 8);
    this.socket.write(frame);
  }

  /** Resolves at once unless congested, then at the socket's next `drain` (or when the session ends). */
  private drained(): Promise<void> {
    if (this.closed || !this.congested) return RESOLVED;
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    if (!this.closed && this.congested) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private finish(state: StreamState, reset = false): void {
    if (state.closed) return;
    state.closed = true;
    this.streams.delete(state.stream.id);
    if (reset || !state.remoteDone) state.stream.incoming.destroy();
    for (const listener of state.closeListeners.splice(0)) listener();
  }
}
