// The echo server's gRPC ports (`--grpc=7070`), as Istio's echo serves them (pkg/test/echo/server/endpoint/grpc.go):
// h2c with prior knowledge, the unary `proto.EchoTestService/Echo` answering EchoResponse{message} whose text is the
// echo protocol — one `RequestHeader=<key>:<value>` line per metadata value (with `Host=` for :authority), then
// StatusCode=200, ServiceVersion, ServicePort, Cluster, Namespace, IP, IstioVersion, Proto=GRPC, Echo=<the request's
// message> and Hostname. Other methods get grpc-status 12 (Unimplemented), as grpc-go answers them.
import { constants, createServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { listeningWorkload } from '../http-workload.js';
import { Field, line } from './echo-protocol.js';
import { decodeMessageField, ECHO_METHOD_PATH, ECHO_SERVICE, encodeGrpcMessage, encodeMessageField, frameMessage, GRPC_MAX_MESSAGE_BYTES, isMetadataHeader, parseFrames } from './grpc-wire.js';

export interface GrpcEchoConfig {
  port: number;
  version: string;
  cluster: string;
  istioVersion: string;
  namespace: string;
  hostname: string;
}

/** Metadata as grpc-go's server builds it from the header fields, in a stable order (Go's map order is random). */
function metadataOf(rawHeaders: string[]): [string, string[]][] {
  const md = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (!isMetadataHeader(name, true) || name.endsWith('-bin')) continue; // the handler skips binary headers
    const list = md.get(name) ?? [];
    list.push(rawHeaders[i + 1]);
    md.set(name, list);
  }
  return [...md.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The EchoResponse text for one call (endpoint/grpc.go's Echo). */
export function echoResponseText(cfg: GrpcEchoConfig, rawHeaders: string[], message: string, ip: string): string {
  let body = '';
  for (const [key, values] of metadataOf(rawHeaders)) {
    if (key === ':authority') for (const v of values) body += line(Field.Host, v);
    for (const v of values) body += line(Field.RequestHeader, `${key}:${v}`);
  }
  body += line(Field.StatusCode, '200') + line(Field.ServiceVersion, cfg.version) + line(Field.ServicePort, String(cfg.port));
  if (cfg.cluster) body += line(Field.Cluster, cfg.cluster);
  if (cfg.namespace) body += line(Field.Namespace, cfg.namespace);
  body += line(Field.IP, ip);
  if (cfg.istioVersion) body += line(Field.IstioVersion, cfg.istioVersion);
  body += line(Field.Proto, 'GRPC') + line('Echo', message) + line(Field.Hostname, cfg.hostname);
  return body;
}

function trailersOnly(stream: ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) }, { endStream: true });
}

function serveCall(cfg: GrpcEchoConfig, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]): void {
  stream.on('error', () => {});
  const contentType = String(headers['content-type'] ?? '');
  if (headers[':method'] !== 'POST' || !/^application\/grpc(?:$|[+;])/.test(contentType)) {
    // grpc-go's transport answers a non-gRPC request with HTTP 415 and the reason as text.
    stream.respond({ ':status': 415, 'content-type': 'text/plain' });
    stream.end(`invalid gRPC request content-type "${contentType}"\n`);
    return;
  }
  const path = String(headers[':path'] ?? '');
  if (path !== ECHO_METHOD_PATH) {
    const [, service = '', method = ''] = path.split('/');
    return trailersOnly(stream, 12, service === ECHO_SERVICE ? `unknown method ${method} for service ${service}` : `unknown service ${service}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (c: Buffer) => {
    size += c.length;
    if (size > GRPC_MAX_MESSAGE_BYTES + 5) {
      trailersOnly(stream, 8, `grpc: received message larger than max (${size} vs. ${GRPC_MAX_MESSAGE_BYTES})`);
      stream.close(constants.NGHTTP2_NO_ERROR);
      return;
    }
    chunks.push(c);
  });
  stream.once('end', () => {
    if (stream.headersSent || stream.destroyed) return;
    const frames = parseFrames(Buffer.concat(chunks));
    if (typeof frames === 'string') return trailersOnly(stream, 13, `grpc: ${frames}`);
    if (frames.length !== 1) return trailersOnly(stream, 13, `grpc: unary call got ${frames.length} request messages, want 1`);
    let message: string;
    try {
      message = decodeMessageField(frames[0]);
    } catch (err) {
      return trailersOnly(stream, 13, `grpc: error unmarshalling request: ${(err as Error).message}`);
    }
    const remote = (stream.session?.socket as Socket | undefined)?.remoteAddress ?? '0.0.0.0';
    const ip = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
    const reply = frameMessage(encodeMessageField(echoResponseText(cfg, rawHeaders, message, ip)));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
    stream.end(reply);
  });
}

/** One gRPC port of the echo server on the container's listen address (guarded like every listener of the pod). */
export function grpcEchoWorkload(ctx: WorkloadContext, cfg: GrpcEchoConfig): Pick<Workload, 'start' | 'stop'> {
  const server = createServer();
  // node passes the header fields as received as a 4th argument (its typings stop at 3): repeated metadata keys
  // stay separate values, as grpc-go's metadata keeps them.
  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders?: string[]) => serveCall(cfg, stream, headers, rawHeaders ?? []);
  server.on('stream', onStream as (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number) => void);
  server.on('sessionError', () => {});
  return listeningWorkload(ctx, server, cfg.port, () => null);
}
