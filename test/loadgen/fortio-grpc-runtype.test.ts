// The RunType of a gRPC run's fortio JSON export, as fortio's gRPC runner writes it (fgrpc/grpcrunner.go
// RunGRPCTest): "GRPC Health for '<service>'", "GRPC Ping" (+ " Delay=<Go duration>"), "Custom GRPC Method <m> and
// Payload <p>", then " PayloadLength=<n>" when there is a payload — read from the run's request message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fortioGrpcRunType, goDurationString } from '../../playground-server/loadgen/reports/fortio-grpc-run-type.js';
import { toFortioJson } from '../../playground-server/loadgen/reports/fortio.js';
import { createLatencyHistogram } from '../../playground-server/loadgen/histogram.js';
import { validateFortioResult } from '../../playground-server/loadgen/reports/validate.js';
import type { LoadResult } from '../../playground-server/loadgen/result.js';

const b64 = (bytes: number[] | Buffer) => Buffer.from(bytes).toString('base64');
/** PingMessage{seq: 1, payload, delayNanos} by hand (fortio's ping.proto fields 1, 3, 4; delay as a 1-byte..n varint). */
function ping(payload: string, delayVarint: number[] = []): string {
  const p = Buffer.from(payload);
  return b64(Buffer.concat([Buffer.from([0x08, 0x01]), p.length ? Buffer.from([0x1a, p.length]) : Buffer.alloc(0), p, delayVarint.length ? Buffer.from([0x20, ...delayVarint]) : Buffer.alloc(0)]));
}

test('Go duration strings as fortio prints -grpc-ping-delay (time.Duration.String)', () => {
  assert.equal(goDurationString(0n), '0s');
  assert.equal(goDurationString(999n), '999ns');
  assert.equal(goDurationString(1500n), '1.5µs');
  assert.equal(goDurationString(1_000_000n), '1ms');
  assert.equal(goDurationString(250_000_000n), '250ms');
  assert.equal(goDurationString(1_500_000_000n), '1.5s');
  assert.equal(goDurationString(120_000_000_000n), '2m0s');
  assert.equal(goDurationString(3_600_000_000_000n), '1h0m0s');
  assert.equal(goDurationString(3_723_500_000_000n), '1h2m3.5s');
});

test("fortio's RunType for health, ping and custom methods", () => {
  assert.equal(fortioGrpcRunType('/grpc.health.v1.Health/Check'), "GRPC Health for ''");
  assert.equal(fortioGrpcRunType('/grpc.health.v1.Health/Check', b64([0x0a, 0x04, ...Buffer.from('ping')])), "GRPC Health for 'ping'");
  assert.equal(fortioGrpcRunType('/fgrpc.PingServer/Ping'), 'GRPC Ping');
  assert.equal(fortioGrpcRunType('/fgrpc.PingServer/Ping', ping('héllo')), 'GRPC Ping PayloadLength=6', 'the payload length in bytes, as Go len() counts');
  // 1000000 ns = varint c0 84 3d.
  assert.equal(fortioGrpcRunType('/fgrpc.PingServer/Ping', ping('', [0xc0, 0x84, 0x3d])), 'GRPC Ping Delay=1ms');
  assert.equal(fortioGrpcRunType('/fgrpc.PingServer/Ping', ping('ab', [0xc0, 0x84, 0x3d])), 'GRPC Ping Delay=1ms PayloadLength=2');
  assert.equal(fortioGrpcRunType('/pkg.Svc/Call'), 'Custom GRPC Method /pkg.Svc/Call and Payload ');
  assert.equal(fortioGrpcRunType('/pkg.Svc/Call', 'CgJoaQ=='), 'Custom GRPC Method /pkg.Svc/Call and Payload CgJoaQ== PayloadLength=8');
  // A request that is not a protobuf message names no service (fortio could not have sent it).
  assert.equal(fortioGrpcRunType('/grpc.health.v1.Health/Check', b64([0x0a, 0x09, 0x41])), "GRPC Health for ''");
});

test('the fortio JSON export of a gRPC ping run carries that RunType, beside ERROR/SERVING RetCodes', () => {
  const empty = () => createLatencyHistogram();
  const r = {
    engine: 'builtin', url: 'http://fortio:8079', method: 'POST', model: 'closed', requestedRps: null, actualRps: 10, connections: 1, generators: 1,
    startTime: new Date('2026-11-28T10:00:00Z'), actualDurationMs: 1000, requestedDurationMs: 1000, warmupMs: 0, timeoutMs: 1000,
    sent: 3, responses: 3, errors: 0, statusCodes: { '200': 2, '1012': 1 }, errorsByKind: {},
    latency: { corrected: empty(), uncorrected: empty(), errors: empty(), statusErrors: empty(), transportErrors: empty() },
    wire: { protocol: 'grpc', streamsPerConnection: 1, grpcMethod: '/fgrpc.PingServer/Ping', grpcMessage: ping('xyz', [0xc0, 0x84, 0x3d]) },
  } as unknown as LoadResult;
  const doc = toFortioJson(r) as unknown as { RunType: string; RetCodes: Record<string, number> };
  assert.equal(doc.RunType, 'GRPC Ping Delay=1ms PayloadLength=3');
  assert.deepEqual(doc.RetCodes, { SERVING: 2, ERROR: 1 });
  assert.deepEqual(validateFortioResult(doc).errors, []);
});
