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

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** The position just past CRLFCRLF, or -1. */
function headEnd(buf: Buffer): number {
  const end = buf.indexOf(HEAD_END);
  return end === -1 ? -1 : end + 4;
}

/**
 * One header line, `token ":" OWS value OWS CRLF` (RFC 9110 §5.1, RFC 9112 §5): a token name, then a value of visible
 * characters, spaces, tabs and obs-text that starts with a visible character (no controls, no DEL, no bare CR or LF).
 * Sticky, so each match starts where the last ended. Built so a failing line is rejected in linear time: the leading
 * whitespace and the value's first character cannot overlap, and trailing whitespace is trimmed outside the regex.
 */
const HEADER_LINE = /([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*((?:[\x21-\x7e\x80-\xff][\t\x20-\x7e\x80-\xff]*)?)\r\n/y;

/** Splits header lines into raw pairs; undefined when any line is not a plain `token: value`. */
function parseHeaderLines(text: string, from: number): string[] | undefined {
  const raw: string[] = [];
  const stop = text.length - 2; // the final CRLF of the blank line
  HEADER_LINE.lastIndex = from;
  while (HEADER_LINE.lastIndex < stop) {
    const m = HEADER_LINE.exec(text);
    if (m === null) return undefined;
    let value = m[2];
    let end = value.length;
    while (end > 0 && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
    if (end !== value.length) value = value.slice(0, end);
    raw.push(m[1], value);
  }
  return HEADER_LINE.lastIndex === stop ? raw : undefined;
}

const DIGITS = /^\d{1,15}$/;

/** The lengths of the header names the parsers look at (host, expect, upgrade, connection, content-length,
 * http2-settings, transfer-encoding): any other name is skipped without lower-casing it. */
const NAME_LENGTHS_OF_INTEREST: boolean[] = [];
for (const n of ['host', 'expect', 'upgrade', 'connection', 'content-length', 'http2-settings', 'transfer-encoding']) NAME_LENGTHS_OF_INTEREST[n.length] = true;

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
    const raw = rawHeaders[i];
    if (!NAME_LENGTHS_OF_INTEREST[raw.length]) continue; // most headers: no lower-casing
    const value = rawHeaders[i + 1];
    switch (raw.toLowerCase()) {
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
    const raw = rawHeaders[i];
    if (!NAME_LENGTHS_OF_INTEREST[raw.length]) continue;
    const name = raw.toLowerCase();
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
