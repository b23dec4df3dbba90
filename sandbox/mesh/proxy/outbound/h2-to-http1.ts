// An HTTP/2 client's stream sent upstream as HTTP/1.1 (when upstream-protocol.ts says the destination speaks it) and the
// HTTP/1.1 answer relayed back on the stream, as Envoy's codecs translate between a downstream h2 stream and an
// HTTP/1.1 cluster: the pseudo-headers become the request line and Host, fields HTTP/1.1 must not carry (`te`) or
// HTTP/2 must not carry (connection-specific ones) are dropped, bodies stream, chunked trailers become HTTP/2 trailers.
import type { IncomingMessage, OutgoingHttpHeaders as Http1Headers } from 'node:http';
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { forwardableH2Headers, watchDownstream } from '../h2-common.js';

/** An HTTP/1.1 upstream's response head, in HTTP/2's shape (`:status` plus the fields fit to forward). */
export interface Http1ResponseHead {
  kind: 'http1';
  upstream: IncomingMessage;
  headers: IncomingHttpHeaders;
}

/** The HTTP/1.1 request line and header fields for an HTTP/2 request's (already filtered) header object. */
export function http1RequestOf(headers: OutgoingHttpHeaders): { method: string; path: string; headers: Http1Headers } {
  const out: Http1Headers = {};
  const authority = headers[':authority'];
  if (authority !== undefined) out.host = String(authority);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || name === 'te') continue; // HTTP/1.1 `te` needs `Connection: te`
    if (name === 'host' && out.host !== undefined) continue;
    out[name] = value as Http1Headers[string];
  }
  return { method: String(headers[':method'] ?? 'GET'), path: String(headers[':path'] ?? '/'), headers: out };
}

export function http1ResponseHead(upstream: IncomingMessage): Http1ResponseHead {
  return { kind: 'http1', upstream, headers: { ...(forwardableH2Headers(upstream.headers) as IncomingHttpHeaders), ':status': String(upstream.statusCode ?? 502) } };
}

/**
 * Relays an HTTP/1.1 response on the downstream stream: `out` (the head to send), the body, then the chunked trailers
 * if any. `done` is called once, when the stream closes, with an error text if it did not end cleanly.
 */
export function relayHttp1Response(head: Http1ResponseHead, out: OutgoingHttpHeaders, down: ServerHttp2Stream, done: (error?: string) => void): void {
  const { upstream } = head;
  const finish = watchDownstream(down, () => !upstream.complete && upstream.destroy(), done);
  if (!finish) return;
  down.respond(out, { waitForTrailers: true });
  down.once('wantTrailers', () => {
    if (!down.destroyed) down.sendTrailers(forwardableH2Headers(upstream.trailers ?? {}));
  });
  upstream.once('error', (err) => {
    if (!down.destroyed) down.close(constants.NGHTTP2_INTERNAL_ERROR);
    finish(err.message);
  });
  upstream.once('aborted', () => {
    if (!down.destroyed) down.close(constants.NGHTTP2_INTERNAL_ERROR);
    finish('upstream connection closed mid-response');
  });
  upstream.pipe(down);
}
