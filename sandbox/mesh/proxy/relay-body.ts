// Relays an upstream response body to the client. Small bodies with a known length are collected and
// written together with the headers in one write: one TLS record and one syscall per hop instead of
// three (headers, body, end), which is most of a proxy's cost on loopback. Large or streamed bodies pipe.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rawHeader } from './raw-headers.js';

const COALESCE_LIMIT_BYTES = 16 * 1024;

export function relayBody(upstream: IncomingMessage, res: ServerResponse): void {
  upstream.once('error', () => res.destroy());
  const length = Number(rawHeader(upstream.rawHeaders, 'content-length'));
  if (!(length >= 0 && length <= COALESCE_LIMIT_BYTES)) {
    upstream.pipe(res);
    return;
  }
  const chunks: Buffer[] = [];
  upstream.on('data', (c: Buffer) => chunks.push(c));
  upstream.once('end', () => res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}
