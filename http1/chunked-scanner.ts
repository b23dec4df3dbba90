// Where a chunked HTTP/1.1 body ends (RFC 9112 §7.1), found while its bytes pass through unchanged: one
// byte-level state machine for the sidecars' fast relay (which forwards the framing as is) and the load
// generator (which only needs to know where a response ends and how much data it carried). Strict: CRLF line
// ends, hex sizes of at most 12 digits; anything else is malformed framing. Imports nothing, so the sandbox and
// the server's load generator may both use it.

/**
 * Tracks where a chunked body ends while its bytes pass through unchanged. Returns how many bytes of
 * `chunk` (from `pos`) belong to the body, or -1 on malformed framing.
 */
export class ChunkedScanner {
  private state: 'size' | 'ext' | 'sizeLf' | 'data' | 'dataCr' | 'dataLf' | 'trailerStart' | 'trailer' | 'trailerLf' | 'endLf' | 'done' = 'size';
  private size = 0;
  private digits = 0;
  private remaining = 0;
  /** Bytes of chunk data seen so far (the body without its framing). */
  dataBytes = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  scan(chunk: Buffer, pos: number): number {
    let i = pos;
    while (i < chunk.length && this.state !== 'done') {
      const c = chunk[i];
      switch (this.state) {
        case 'size': {
          const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : -1;
          if (d >= 0) {
            if (++this.digits > 12) return -1;
            this.size = this.size * 16 + d;
          } else if (this.digits === 0) return -1;
          else if (c === 0x0d) this.state = 'sizeLf';
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = 'ext';
          else return -1;
          i++;
          break;
        }
        case 'ext':
          if (c === 0x0d) this.state = 'sizeLf';
          else if (c === 0x0a) return -1;
          i++;
          break;
        case 'sizeLf':
          if (c !== 0x0a) return -1;
          i++;
          if (this.size === 0) this.state = 'trailerStart';
          else {
            this.remaining = this.size;
            this.state = 'data';
          }
          this.size = 0;
          this.digits = 0;
          break;
        case 'data': {
          const take = Math.min(this.remaining, chunk.length - i);
          this.remaining -= take;
          this.dataBytes += take;
          i += take;
          if (this.remaining === 0) this.state = 'dataCr';
          break;
        }
        case 'dataCr':
          if (c !== 0x0d) return -1;
          this.state = 'dataLf';
          i++;
          break;
        case 'dataLf':
          if (c !== 0x0a) return -1;
          this.state = 'size';
          i++;
          break;
        case 'trailerStart':
          this.state = c === 0x0d ? 'endLf' : 'trailer';
          i++;
          break;
        case 'trailer':
          if (c === 0x0d) this.state = 'trailerLf';
          i++;
          break;
        case 'trailerLf':
          if (c !== 0x0a) return -1;
          this.state = 'trailerStart';
          i++;
          break;
        case 'endLf':
          if (c !== 0x0a) return -1;
          this.state = 'done';
          i++;
          break;
      }
    }
    return i - pos;
  }
}
