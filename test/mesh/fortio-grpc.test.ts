// The fortio image's gRPC port (sandbox/apps/fortio/grpc-ping-server.ts) behind real sidecars: a meshed client pod
// calls the `fortio` Service's `grpc-ping` port 8079 (h2c prior knowledge to its sidecar, as a gRPC client sends), the
// client sidecar keeps HTTP/2 upstream for a `grpc-*` port name (Istio's protocol selection), and grpc-go's health
// server and fortio's fgrpc.PingServer answer over mTLS: Check SERVING for "" and fortio's "ping", NOT_SERVING for
// "ping_down", NOT_FOUND for an unknown service; Ping echoes seq and payload with a server timestamp; Watch streams
// the status and stays open; an unknown service or method is Unimplemented and bad frames get an error status while
// the server keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MeshHarness, type TestPod } from './harness.js';
import { SIDECAR_OUTBOUND_PORT } from '../../sandbox/mesh/constants.js';
import type { WorkloadContext } from '../../sandbox/runtime/workload.js';
import { FORTIO_GRPC_PORT, fortioGrpcWorkload, fortioProtos } from '../../sandbox/apps/fortio/grpc-ping-server.js';

let h: MeshHarness;
let client: TestPod;
let fortio: { stop(): Promise<void> } | undefined;
const AUTHORITY = `fortio:${FORTIO_GRPC_PORT}`;

interface GrpcReply {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  /** The response messages, unframed (and gunzipped when the flag says so). */
  messages: Buffer[];
  /** grpc-status / grpc-message from the trailers, or from the headers of a trailers-only answer. */
  status: number;
  message: string;
}

function frame(message: Buffer, compressed = false): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

function unframe(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; ) {
    const n = body.readUInt32BE(i + 1);
    const raw = body.subarray(i + 5, i + 5 + n);
    out.push(body[i] === 1 ? gunzipSync(raw) : raw);
    i += 5 + n;
  }
  return out;
}

/** An h2c session from the client pod's app to its sidecar's outbound listener (what iptables would capture). */
function session(): ClientHttp2Session {
  const s = h2connect(`http://${AUTHORITY}`, { createConnection: () => tcpConnect({ host: client.localHost, port: SIDECAR_OUTBOUND_PORT, localAddress: client.localHost }) });
  s.on('error', () => {});
  return s;
}

/** One gRPC call through the sidecars; `body` is sent as is (already framed). */
function call(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<GrpcReply> {
  const s = session();
  return new Promise<GrpcReply>((resolve, reject) => {
    const req = s.request({ ':method': 'POST', ':path': path, ':authority': AUTHORITY, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const chunks: Buffer[] = [];
    let head: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    req.on('response', (hd) => (head = hd));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const st = trailers['grpc-status'] ?? head['grpc-status'];
      const msg = trailers['grpc-message'] ?? head['grpc-message'] ?? '';
      resolve({ headers: head, trailers, messages: unframe(Buffer.concat(chunks)), status: Number(st), message: decodeURIComponent(String(msg)) });
    });
    req.on('error', reject);
    req.end(body);
  }).finally(() => s.close());
}

/** HealthCheckRequest{service} encoded by hand (field 1, length-delimited), independent of the server's protobufjs. */
const healthRequest = (service: string) => (service ? Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]) : Buffer.alloc(0));
const servingStatus = (m: Buffer) => fortioProtos().lookupType('grpc.health.v1.HealthCheckResponse').toObject(fortioProtos().lookupType('grpc.health.v1.HealthCheckResponse').decode(m), { enums: String, defaults: true }).status as string;

before(async () => {
  h = await MeshHarness.start();
  // The Service port as the fortio manifests name the container port: `grpc-ping` (Istio reads the protocol from the prefix).
  h.service('fortio', FORTIO_GRPC_PORT, { app: 'fortio' }, 'default', { name: 'grpc-ping' });
  client = await h.pod({ name: 'client-1', app: 'client', port: 7001 });
  const pod = await h.pod({ name: 'fortio-1', app: 'fortio', port: FORTIO_GRPC_PORT });
  // The harness pod's stand-in HTTP/1 app makes way for the fortio image's gRPC listener on the pod's localhost.
  pod.app.closeAllConnections();
  await new Promise((r) => pod.app.close(r));
  const ctx = { listenHost: pod.localHost, network: { guard: <S>(s: S) => s, admit: () => true, checkDial: () => undefined }, log: () => {} } as unknown as WorkloadContext;
  const w = fortioGrpcWorkload(ctx);
  await w.start();
  fortio = w;
});

after(async () => {
  await fortio?.stop();
  await h.stop();
});

test('grpc.health.v1.Health/Check through the sidecars: "" and "ping" SERVING, "ping_down" NOT_SERVING, unknown NOT_FOUND', async () => {
  const overall = await call('/grpc.health.v1.Health/Check', frame(healthRequest('')));
  assert.equal(overall.headers[':status'], 200);
  assert.equal(overall.headers['content-type'], 'application/grpc');
  assert.equal(overall.status, 0, overall.message);
  assert.equal(overall.messages.length, 1);
  assert.equal(servingStatus(overall.messages[0]), 'SERVING');
  assert.equal(servingStatus((await call('/grpc.health.v1.Health/Check', frame(healthRequest('ping')))).messages[0]), 'SERVING');
  assert.equal(servingStatus((await call('/grpc.health.v1.Health/Check', frame(healthRequest('ping_down')))).messages[0]), 'NOT_SERVING');
  const unknown = await call('/grpc.health.v1.Health/Check', frame(healthRequest('nope')));
  assert.equal(unknown.status, 5);
  assert.equal(unknown.message, 'unknown service');
  assert.equal(unknown.messages.length, 0);
});

test('fgrpc.PingServer/Ping echoes seq, payload and delayNanos with the server\'s timestamp', async () => {
  // PingMessage{seq: 7, ts: 1, payload: "héllo", delayNanos: 1000000} by hand: fields 1, 2, 3, 4 of fortio's ping.proto.
  const payload = Buffer.from('héllo');
  const request = Buffer.concat([Buffer.from([0x08, 0x07, 0x10, 0x01, 0x1a, payload.length]), payload, Buffer.from([0x20, 0xc0, 0x84, 0x3d])]);
  const r = await call('/fgrpc.PingServer/Ping', frame(request));
  assert.equal(r.status, 0, r.message);
  assert.equal(r.messages.length, 1);
  const type = fortioProtos().lookupType('fgrpc.PingMessage');
  const out = type.toObject(type.decode(r.messages[0]), { longs: String, defaults: true }) as { seq: string; ts: string; payload: string; delayNanos: string };
  assert.equal(out.seq, '7');
  assert.equal(out.payload, 'héllo');
  assert.equal(out.delayNanos, '1000000');
  assert.notEqual(out.ts, '1', 'ts is replaced by the server\'s receive time');
  assert.ok(BigInt(out.ts) > 1_600_000_000_000_000_000n, `ts is Unix nanoseconds (got ${out.ts})`);
});

test('Health/Watch sends the status at once and keeps the stream open; List names every status', async () => {
  const s = session();
  try {
    const first = await new Promise<{ headers: IncomingHttpHeaders; message: Buffer; ended: boolean }>((resolve, reject) => {
      const req = s.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Watch', ':authority': AUTHORITY, 'content-type': 'application/grpc', te: 'trailers' });
      let head: IncomingHttpHeaders = {};
      let ended = false;
      req.on('response', (hd) => (head = hd));
      req.on('end', () => (ended = true));
      req.on('error', reject);
      req.once('data', (d: Buffer) => {
        // Give an early end a chance to show before the client cancels the watch.
        setImmediate(() => {
          resolve({ headers: head, message: unframe(d)[0], ended });
          req.close();
        });
      });
      req.end(frame(healthRequest('nope')));
    });
    assert.equal(first.headers[':status'], 200);
    assert.equal(servingStatus(first.message), 'SERVICE_UNKNOWN', 'grpc-go\'s Watch answers an unknown service with SERVICE_UNKNOWN, not an error');
    assert.equal(first.ended, false, 'the watch stays open');
  } finally {
    s.close();
  }
  const list = await call('/grpc.health.v1.Health/List', frame(Buffer.alloc(0)));
  assert.equal(list.status, 0, list.message);
  const type = fortioProtos().lookupType('grpc.health.v1.HealthListResponse');
  const statuses = (type.toObject(type.decode(list.messages[0]), { enums: String }) as { statuses: Record<string, { status?: string }> }).statuses;
  assert.deepEqual(Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, v.status ?? 'UNKNOWN'])), { '': 'SERVING', ping: 'SERVING', ping_down: 'NOT_SERVING' });
});

test('unknown services and methods are Unimplemented as grpc-go answers them (trailers-only)', async () => {
  const svc = await call('/fortio.PingServer/Ping', frame(Buffer.alloc(0)));
  assert.equal(svc.headers[':status'], 200);
  assert.equal(svc.status, 12);
  assert.equal(svc.message, 'unknown service fortio.PingServer');
  const method = await call('/fgrpc.PingServer/Pong', frame(Buffer.alloc(0)));
  assert.equal(method.status, 12);
  assert.equal(method.message, 'unknown method Pong for service fgrpc.PingServer');
  const reflection = await call('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', frame(Buffer.alloc(0)));
  assert.equal(reflection.status, 12, 'reflection is not served (a documented gap)');
});

test('bad frames and bad messages get an error status, never a crash; gzip requests are answered gzipped', async () => {
  const truncated = await call('/grpc.health.v1.Health/Check', Buffer.from([0, 0, 0, 0, 9, 1, 2]));
  assert.equal(truncated.status, 13);
  assert.match(truncated.message, /truncated/);
  const noMessage = await call('/grpc.health.v1.Health/Check', Buffer.alloc(0));
  assert.equal(noMessage.status, 13);
  const twoMessages = await call('/fgrpc.PingServer/Ping', Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0))]));
  assert.equal(twoMessages.status, 13);
  const garbage = await call('/fgrpc.PingServer/Ping', frame(Buffer.from([0x0a, 0xff, 0xff])));
  assert.equal(garbage.status, 13);
  assert.match(garbage.message, /^grpc: error unmarshalling request/);
  const compressedWithoutEncoding = await call('/grpc.health.v1.Health/Check', frame(Buffer.alloc(0), true));
  assert.equal(compressedWithoutEncoding.status, 13);
  const unknownEncoding = await call('/grpc.health.v1.Health/Check', frame(Buffer.alloc(0)), { 'grpc-encoding': 'snappy' });
  assert.equal(unknownEncoding.status, 12);
  const tooLong = await call('/fgrpc.PingServer/Ping', frame(Buffer.from([0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])));
  assert.equal(tooLong.status, 3, 'a delay over the sandbox\'s limit is refused, naming the limit');
  assert.match(tooLong.message, /limit/);

  const gz = await call('/grpc.health.v1.Health/Check', frame(gzipSync(healthRequest('ping')), true), { 'grpc-encoding': 'gzip' });
  assert.equal(gz.status, 0, gz.message);
  assert.equal(gz.headers['grpc-encoding'], 'gzip');
  assert.equal(servingStatus(gz.messages[0]), 'SERVING');
  // The server still serves after every bad call.
  assert.equal(servingStatus((await call('/grpc.health.v1.Health/Check', frame(healthRequest('')))).messages[0]), 'SERVING');
});
