// Types for the pieces of spdy-transport (no types of its own) the SPDY/3.1 session uses: the SPDY frame parser,
// the frame writer and the header-compression pool (zlib with SPDY's dictionary, one context per direction).
declare module 'spdy-transport' {
  import type { Transform, Readable } from 'node:stream';

  export interface SpdyWindowStub {
    send: { update(delta: number, callback?: () => void): void };
    recv: { update(delta: number, callback?: () => void): void };
  }

  /** What the parser emits: one object per frame. */
  export type SpdyFrame =
    | { type: 'HEADERS'; id: number; fin: boolean; writable: boolean; headers: Record<string, string>; priority?: unknown }
    | { type: 'DATA'; id: number; fin: boolean; data: Buffer }
    | { type: 'RST'; id: number; code: string }
    | { type: 'PING'; opaque: Buffer; ack: boolean }
    | { type: 'GOAWAY'; lastId: number; code: string }
    | { type: 'SETTINGS' | 'WINDOW_UPDATE' | 'X_FORWARDED_FOR' | 'PUSH_PROMISE' | 'PRIORITY'; id?: number };

  export interface SpdyParser extends Transform {
    setVersion(version: number): void;
    setCompression(pair: CompressionPair): void;
    /** Called for SYN_STREAM (type 1), SYN_REPLY (2) and HEADERS frames; replaced on an instance by the session. */
    onSynHeadFrame(type: number, flags: number, body: unknown, callback: (err: Error | null, frame?: unknown) => void): void;
    parseKVs(body: unknown, callback: (err: Error | null, headers: Record<string, string>) => void): void;
  }

  export interface SpdyFramer extends Readable {
    setVersion(version: number): void;
    setCompression(pair: CompressionPair): void;
    responseFrame(frame: { id: number; status: number; headers: Record<string, string> }, callback?: (err?: Error) => void): void;
    dataFrame(frame: { id: number; priority: number; fin: boolean; data: Buffer }, callback?: (err?: Error) => void): void;
    rstFrame(frame: { id: number; code: string }, callback?: (err?: Error) => void): void;
    pingFrame(frame: { opaque: Buffer; ack: boolean }, callback?: (err?: Error) => void): void;
    goawayFrame(frame: { lastId: number; code: string }, callback?: (err?: Error) => void): void;
  }

  export interface CompressionPair {
    version: number;
    compress: Transform;
    decompress: Transform;
  }

  interface SpdyProtocol {
    parser: { create(options: { window: SpdyWindowStub | null; isServer: boolean }): SpdyParser };
    framer: { create(options: { window: SpdyWindowStub | null; timeout: unknown }): SpdyFramer };
    compressionPool: { create(compression: boolean): { get(version: number): CompressionPair } };
    /** The zlib dictionary of SPDY header blocks, by version. */
    dictionary: Record<number, Buffer>;
  }

  const transport: { protocol: { spdy: SpdyProtocol } };
  export default transport;
}
