// Strict, minimal HTTP/1.1 head parsers for the sidecars' fast relay. They accept only the plain common
// case (HTTP/1.1, CRLF line ends, token names, one Content-Length or none, no Transfer-Encoding on
// requests, no Expect/Upgrade, small heads) and answer 'unsupported' for everything else, so node:http —
// the slow path — sees every odd request and behaves exactly as before.

export const MAX_FAST_HEAD_BYTES = 16 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);

export interface RequestHead {
  method: string;
  url: string;
  /** Raw [name, value, …] pairs as sent (hop-by-hop headers included). */
  rawHeaders: string[];
  /** Bytes of the head including the final CRLFCRLF. */
  headBytes: number;
  contentLength: number;
  /** The client sent `Connection: close`: the connection ends after this response. */
  close: boolean;
}

export interface ResponseHead {
  status: number;
  rawHeaders: string[];
  headBytes: number;
  /** 'chunked', a byte count, or 'close' (body ends when the connection does). */
  framing: number | 'chunked' | 'close';
  /** The server asked to close the connection after this response. */
  close: boolean;
}

export type Parsed<T> = T | 'incomplete' | 'unsupported';

const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;
const isTokenChar = (c: number) => c < 128 && TOKEN[c] === 1;

/** The position just past CRLFCRLF, or -1 (with 'unsupported' for a bare LF found before it). */
function headEnd(buf: Buffer): number {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  return end === -1 ? -1 : end + 4;
}

/** Splits header lines into raw pairs; undefined when any line is not a plain `token: value`. */
function parseHeaderLines(text: string, from: number): string[] | undefined {
  const raw: string[] = [];
  let pos = from;
  const stop = text.length - 2; // the final CRLF of the blank line
  while (pos < stop) {
    const eol = text.indexOf('\r\n', pos);
    if (eol === -1 || eol > stop) return undefined;
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon > eol) return undefined;
    for (let i = pos; i < colon; i++) if (!isTokenChar(text.charCodeAt(i))) return undefined;
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
    for (let i = vs; i < ve; i++) {
      const c = text.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return undefined;
    }
    raw.push(text.slice(pos, colon), text.slice(vs, ve));
    pos = eol + 2;
  }
  return raw;
}

const DIGITS = /^\d{1,15}$/;

/** Parses a request head at the start of `buf`. */
export function parseRequestHead(buf: Buffer): Parsed<RequestHead> {
  const end = headEnd(buf);
  if (end === -1) {
    // A bare LF or a NUL before the end means an odd client: let node:http judge it.
    const scanned = Math.min(buf.length, MAX_FAST_HEAD_BYTES);
    if (scanned >= MAX_FAST_HEAD_BYTES) return 'unsupported';
    for (let i = 0; i < scanned; i++) {
      const c = buf[i];
      if ((c === 0x0a && (i === 0 || buf[i - 1] !== 0x0d)) || c === 0) return 'unsupported';
    }
    return 'incomplete';
  }
  if (end > MAX_FAST_HEAD_BYTES) return 'unsupported';
  const text = buf.toString('latin1', 0, end);
  const lineEnd = text.indexOf('\r\n');
  const sp1 = text.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || sp2 > lineEnd || text.slice(sp2 + 1, lineEnd) !== 'HTTP/1.1') return 'unsupported';
  const method = text.slice(0, sp1);
  if (!/^[A-Z]{3,7}$/.test(method) || method === 'CONNECT' || method === 'HEAD') return 'unsupported';
  const url = text.slice(sp1 + 1, sp2);
  if (url.length === 0 || url.charCodeAt(0) !== 0x2f || !/^[\x21-\x7e]+$/.test(url)) return 'unsupported';
  const rawHeaders = parseHeaderLines(text, lineEnd + 2);
  if (!rawHeaders) return 'unsupported';
  let contentLength = -1;
  let hosts = 0;
  let close = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    switch (name) {
      case 'host':
        hosts++;
        break;
      case 'content-length':
        if (contentLength !== -1 || !DIGITS.test(value)) return 'unsupported';
        contentLength = Number(value);
        break;
      case 'connection': {
        const v = value.toLowerCase();
        if (v === 'close') close = true;
        else if (v !== 'keep-alive') return 'unsupported';
        break;
      }
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
      case 'http2-settings':
        return 'unsupported';
    }
  }
  if (hosts !== 1) return 'unsupported';
  return { method, url, rawHeaders, headBytes: end, contentLength: Math.max(0, contentLength), close };
}

/** Parses a response head at the start of `buf` (to a request that was not HEAD). */
export function parseResponseHead(buf: Buffer): Parsed<ResponseHead> {
  const end = headEnd(buf);
  if (end === -1) return buf.length >= MAX_FAST_HEAD_BYTES ? 'unsupported' : 'incomplete';
  if (end > MAX_FAST_HEAD_BYTES) return 'unsupported';
  const text = buf.toString('latin1', 0, end);
  const lineEnd = text.indexOf('\r\n');
  if (!text.startsWith('HTTP/1.1 ') || lineEnd < 12) return 'unsupported';
  const code = text.slice(9, 12);
  if (!/^[1-5]\d\d$/.test(code) || (lineEnd > 12 && text.charCodeAt(12) !== 0x20)) return 'unsupported';
  const status = Number(code);
  if (status < 200) return 'unsupported'; // 1xx (continue, switching protocols) never expected here
  const rawHeaders = parseHeaderLines(text, lineEnd + 2);
  if (!rawHeaders) return 'unsupported';
  let length = -1;
  let chunked = false;
  let close = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === 'content-length') {
      if (length !== -1 || !DIGITS.test(value)) return 'unsupported';
      length = Number(value);
    } else if (name === 'transfer-encoding') {
      if (chunked || value.toLowerCase() !== 'chunked') return 'unsupported';
      chunked = true;
    } else if (name === 'connection') {
      const v = value.toLowerCase();
      if (v === 'close') close = true;
      else if (v !== 'keep-alive') return 'unsupported';
    }
  }
  if (chunked && length !== -1) return 'unsupported';
  const framing: ResponseHead['framing'] = status === 204 || status === 304 ? 0 : chunked ? 'chunked' : length >= 0 ? length : 'close';
  return { status, rawHeaders, headBytes: end, framing, close: close || framing === 'close' };
}

/** Serialises a head: the start line, then the forwardable pairs of `raw` (minus `drop`), then `extra`. */
export function serializeHead(startLine: string, raw: string[], drop: string | undefined, extra: string[]): string {
  let out = startLine + '\r\n';
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === drop) continue;
    out += raw[i] + ': ' + raw[i + 1] + '\r\n';
  }
  for (let i = 0; i < extra.length; i += 2) out += extra[i] + ': ' + extra[i + 1] + '\r\n';
  return out + '\r\n';
}
