// A minimal incremental HTTP/1.1 response parser for the benchmark's hot path. node:http's client costs
// several µs per request in agent/stream bookkeeping; a load generator only needs the status code, the
// framing (Content-Length / chunked / until-close) and keep-alive, so it reads exactly that and skips
// the body without copying it. One response at a time per connection (no pipelining). Chunked bodies are
// scanned by the same ChunkedScanner the sidecars' fast relay uses (http1/chunked-scanner.ts).
import { ChunkedScanner } from '../../http1/chunked-scanner.js';

export class HttpParseError extends Error {}

const MAX_HEAD_BYTES = 64 * 1024;

// Parser modes.
const HEAD = 0;
const BODY_LENGTH = 1;
const CHUNKED = 2;
const UNTIL_CLOSE = 3;
const DONE = 4;

const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n)/i;
const TRANSFER_CHUNKED = /\r\ntransfer-encoding:[^\r\n]*chunked/i;
const CONNECTION_CLOSE = /\r\nconnection:[^\r\n]*close/i;

export class ResponseParser {
  /** Status code of the response being (or last) parsed. */
  status = 0;
  headerBytes = 0;
  bodyBytes = 0;
  /** False when the server asked to close, or the response is framed by the close. */
  keepAlive = true;
  /** Set for HEAD requests: the response never has a body whatever its headers say. */
  noBody = false;

  private mode = HEAD;
  private pendingHead: Buffer | null = null;
  private remaining = 0;
  private chunked: ChunkedScanner | null = null;

  reset(): void {
    this.status = 0;
    this.headerBytes = 0;
    this.bodyBytes = 0;
    this.keepAlive = true;
    this.mode = HEAD;
    this.pendingHead = null;
    this.remaining = 0;
    this.chunked = null;
  }

  /** True while a response has started but not finished: a close now is an error unless framed by close. */
  get inBody(): boolean {
    return this.mode !== HEAD || this.pendingHead !== null;
  }

  /** The server closed the connection: completes a response framed by the close. */
  finishOnClose(): boolean {
    if (this.mode === UNTIL_CLOSE) {
      this.mode = DONE;
      return true;
    }
    return false;
  }

  /**
   * Feed bytes from the socket. Returns true when the response is complete (call reset() before the next).
   * Bytes after a complete response are a protocol error, since the client never pipelines.
   */
  feed(chunk: Buffer): boolean {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.mode) {
        case HEAD: {
          pos = this.readHead(chunk, pos);
          if (pos < 0) return false; // head not complete yet
          break;
        }
        case BODY_LENGTH: {
          const take = Math.min(this.remaining, len - pos);
          this.remaining -= take;
          this.bodyBytes += take;
          pos += take;
          if (this.remaining === 0) this.mode = DONE;
          break;
        }
        case UNTIL_CLOSE: {
          this.bodyBytes += len - pos;
          pos = len;
          break;
        }
        case CHUNKED: {
          const scanner = this.chunked!;
          const before = scanner.dataBytes;
          const used = scanner.scan(chunk, pos);
          if (used < 0) throw new HttpParseError('malformed chunked framing');
          this.bodyBytes += scanner.dataBytes - before;
          pos += used;
          if (scanner.done) this.mode = DONE;
          break;
        }
        case DONE:
          throw new HttpParseError(`unexpected ${len - pos} bytes after a complete response`);
      }
      if (this.mode === DONE) {
        if (pos < len) throw new HttpParseError(`unexpected ${len - pos} bytes after a complete response`);
        return true;
      }
    }
    return this.mode === DONE;
  }

  /** Returns the position after the head, or -1 when more bytes are needed. */
  private readHead(chunk: Buffer, pos: number): number {
    let buf = chunk;
    let start = pos;
    if (this.pendingHead) {
      buf = Buffer.concat([this.pendingHead, chunk.subarray(pos)]);
      start = 0;
    }
    const end = buf.indexOf('\r\n\r\n', start, 'latin1');
    if (end < 0) {
      if (buf.length - start > MAX_HEAD_BYTES) throw new HttpParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      this.pendingHead = Buffer.from(buf.subarray(start));
      return -1;
    }
    const headLen = end + 4 - start;
    // Status line: "HTTP/1.x NNN ..." — digits at fixed offsets.
    if (headLen < 12 || buf[start] !== 0x48 || buf[start + 4] !== 0x2f || buf[start + 8] !== 0x20) {
      throw new HttpParseError(`not an HTTP/1.x response: ${JSON.stringify(buf.toString('latin1', start, Math.min(start + 20, end)))}`);
    }
    const d0 = buf[start + 9] - 48;
    const d1 = buf[start + 10] - 48;
    const d2 = buf[start + 11] - 48;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw new HttpParseError('bad status code in response');
    const status = d0 * 100 + d1 * 10 + d2;
    const http10 = buf[start + 7] === 0x30;
    // Headers as latin1 (one small allocation): the three framing headers are all we need.
    const head = buf.toString('latin1', start + 8, end + 2);
    this.headerBytes += headLen;
    // In the pending case `buf` starts at the old head; map back to a position in `chunk`.
    const consumedOfChunk = this.pendingHead ? headLen - this.pendingHead.length + pos : end + 4;
    this.pendingHead = null;

    if (status >= 100 && status < 200 && status !== 101) return consumedOfChunk; // interim response: next head follows
    this.status = status;
    this.keepAlive = !http10 && !CONNECTION_CLOSE.test(head);
    if (this.noBody || status === 204 || status === 304) {
      this.mode = DONE;
    } else if (TRANSFER_CHUNKED.test(head)) {
      this.chunked = new ChunkedScanner();
      this.mode = CHUNKED;
    } else {
      const m = CONTENT_LENGTH.exec(head);
      if (m) {
        this.remaining = Number(m[1]);
        this.mode = this.remaining === 0 ? DONE : BODY_LENGTH;
      } else {
        this.mode = UNTIL_CLOSE;
        this.keepAlive = false;
      }
    }
    return consumedOfChunk;
  }
}
