// The echo `client`'s grpc:// requests, as Istio's forwarder sends them (pkg/test/echo/server/forwarder/grpc.go): one
// h2c connection for the whole run (dialled from the pod, so a meshed pod's sidecar captures it), a unary
// proto.EchoTestService/Echo per request with the -H headers as metadata (Host becomes the :authority), and per reply
// `[n] Latency=…`, `[n] ActiveRequests=…`, the server's lines as `[n body] …`, then `[n] ResponseHeader=k:v` for the
// response metadata. A failed call is grpc-go's error text, `rpc error: code = Unavailable desc = …`.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { STATUS_CODES } from 'node:http';
import type { ProcessContext } from '../../runtime/process/program.js';
import { bodyLine, Field, goDuration, lineForRequest } from './echo-protocol.js';
import { decodeGrpcMessage, decodeMessageField, ECHO_METHOD_PATH, encodeMessageField, frameMessage, grpcCodeName, GRPC_MAX_MESSAGE_BYTES, isMetadataHeader, parseFrames } from './grpc-wire.js';

/** grpc-go's user-agent prefix, as Istio's (Go) client sends it. */
export const GRPC_USER_AGENT = 'grpc-go/1.65.0';
/** grpc-go's default port for a target without one. */
const GRPC_DEFAULT_PORT = 443;

export interface GrpcTarget {
  host: string;
  port: number;
  authority: string;
  /** Metadata from -H (lower-case keys; Host excluded, it is the authority). */
  metadata: [string, string][];
  message: string;
  timeoutMs: number;
}

/** A failed call, with the text grpc-go's error prints. */
class RpcError extends Error {
  constructor(code: number, desc: string) {
    super(`rpc error: code = ${grpcCodeName(code)} desc = ${desc}`);
  }
}

/** HTTP status → gRPC code when a response is not gRPC (grpc-go's HTTPStatusConvTab; everything else Unknown). */
function codeForHttpStatus(status: number): number {
  return ({ 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 } as Record<number, number>)[status] ?? 2;
}

export function grpcTarget(url: URL, headers: [string, string][], message: string, timeoutMs: number): GrpcTarget {
  const port = url.port ? Number(url.port) : GRPC_DEFAULT_PORT;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const authority = headers.find(([k]) => k.toLowerCase() === 'host')?.[1] ?? (url.port ? url.host : `${url.host}:${port}`);
  const metadata = headers.filter(([k]) => k.toLowerCase() !== 'host').map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
  return { host, port, authority, metadata, message, timeoutMs };
}

/** The one connection of a run: h2c over a socket the pod dials. */
export function openGrpcSession(p: ProcessContext, t: GrpcTarget): ClientHttp2Session {
  const session = connect(`http://${t.authority}`, { createConnection: () => p.container.dial(t.host, t.port) });
  session.on('error', () => {}); // each call reports it
  return session;
}

/** One unary Echo call; resolves with its output lines, rejects with an RpcError. */
export function grpcEcho(session: ClientHttp2Session, t: GrpcTarget, id: number, active: { n: number }, signal: AbortSignal): Promise<string> {
  const started = process.hrtime.bigint();
  const headers: OutgoingHttpHeaders = {
    ':method': 'POST',
    ':scheme': 'http',
    ':path': ECHO_METHOD_PATH,
    ':authority': t.authority,
    'content-type': 'application/grpc',
    'user-agent': GRPC_USER_AGENT,
    te: 'trailers',
  };
  for (const [k, v] of t.metadata) {
    const prev = headers[k];
    headers[k] = prev === undefined ? v : ([] as string[]).concat(prev as string | string[], v);
  }
  return new Promise((resolve, reject) => {
    active.n++;
    let settled = false;
    const done = (err: Error | undefined, out?: string) => {
      if (settled) return;
      settled = true;
      active.n--;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(out!);
    };
    const onAbort = () => {
      stream?.close(constants.NGHTTP2_CANCEL);
      done(new RpcError(4, 'context deadline exceeded'));
    };
    let stream: ClientHttp2Stream | undefined;
    try {
      stream = session.request(headers);
    } catch (err) {
      done(new RpcError(14, `connection error: desc = "transport: ${(err as Error).message}"`));
      return;
    }
    const timer = setTimeout(onAbort, t.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    let responseHeaders: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= GRPC_MAX_MESSAGE_BYTES + 5) chunks.push(c);
    });
    stream.on('error', (err: Error & { code?: string }) => {
      const dialError = session.destroyed && !session.remoteSettings;
      done(new RpcError(14, dialError ? `connection error: desc = "transport: Error while dialing: ${err.message}"` : `error reading from server: ${err.message}`));
    });
    stream.on('end', () => {
      const status = Number(responseHeaders[':status'] ?? 0);
      const contentType = String(responseHeaders['content-type'] ?? '');
      const final = trailers ?? responseHeaders; // trailers-only answers carry grpc-status in the headers
      if (status !== 200 || !/^application\/grpc/.test(contentType)) {
        const ct = contentType === '' || /^application\/grpc/.test(contentType) ? '' : `; transport: received unexpected content-type "${contentType}"`;
        return done(new RpcError(codeForHttpStatus(status), `unexpected HTTP status code received from server: ${status} (${STATUS_CODES[status] ?? ''})${ct}`));
      }
      const code = Number(final['grpc-status'] ?? NaN);
      if (!Number.isInteger(code)) return done(new RpcError(13, 'server closed the stream without sending trailers'));
      if (code !== 0) return done(new RpcError(code, decodeGrpcMessage(String(final['grpc-message'] ?? ''))));
      if (size > GRPC_MAX_MESSAGE_BYTES + 5) return done(new RpcError(8, `grpc: received message larger than max (${size - 5} vs. ${GRPC_MAX_MESSAGE_BYTES})`));
      const frames = parseFrames(Buffer.concat(chunks));
      if (typeof frames === 'string' || frames.length !== 1) return done(new RpcError(13, typeof frames === 'string' ? `grpc: ${frames}` : 'cardinality violation: expected one response message'));
      let message: string;
      try {
        message = decodeMessageField(frames[0]);
      } catch (err) {
        return done(new RpcError(13, `grpc: failed to unmarshal the received message: ${(err as Error).message}`));
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let out = lineForRequest(id, Field.Latency, goDuration(ms));
      out += lineForRequest(id, Field.ActiveRequests, String(active.n)); // counted before this one is done, as upstream
      for (const text of message.split('\n')) if (text) out += bodyLine(id, text);
      const md = Object.entries(responseHeaders)
        .filter(([k, v]) => v !== undefined && isMetadataHeader(k, false))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, v] of md) for (const value of ([] as string[]).concat(v as string | string[])) out += lineForRequest(id, Field.ResponseHeader, `${k}:${value}`);
      done(undefined, out);
    });
    stream.end(frameMessage(encodeMessageField(t.message)));
  });
}
