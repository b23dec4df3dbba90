// The echo image's hand-written gRPC pieces against bytes protoc/grpc-go produce: EchoRequest/EchoResponse field 1,
// unknown fields skipped, length-prefixed framing, grpc-message percent-encoding, and the HTTP → gRPC status mapping the
// sidecar uses for its own answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGrpcMessage, decodeMessageField, encodeGrpcMessage, encodeMessageField, frameMessage, parseFrames } from '../../sandbox/apps/gateway-echo/grpc-wire.js';
import { encodeGrpcMessage as meshEncode, grpcStatusForHttp, isGrpc } from '../../sandbox/mesh/proxy/h2-common.js';

test('EchoRequest{message:"HelloWorld"} is the bytes protoc writes; a long message gets a two-byte varint length', () => {
  assert.deepEqual(encodeMessageField('HelloWorld'), Buffer.from('0a0a48656c6c6f576f726c64', 'hex'));
  assert.deepEqual(encodeMessageField(''), Buffer.alloc(0), 'proto3 omits an empty string');
  const long = 'x'.repeat(300);
  const bytes = encodeMessageField(long);
  assert.deepEqual(bytes.subarray(0, 3), Buffer.from([0x0a, 0xac, 0x02]));
  assert.equal(decodeMessageField(bytes), long);
});

test('decoding skips fields it does not know (varint, fixed64, fixed32, bytes) and refuses truncated input', () => {
  // field 2 varint 150, field 3 fixed64, field 4 fixed32, field 5 bytes "ab", then field 1 "hi"
  const msg = Buffer.from('10960119' + '0102030405060708' + '25' + '01020304' + '2a026162' + '0a026869', 'hex');
  assert.equal(decodeMessageField(msg), 'hi');
  assert.throws(() => decodeMessageField(Buffer.from('0a05686921', 'hex')), /truncated/);
  assert.throws(() => decodeMessageField(Buffer.from('0b', 'hex')), /wire type 3/);
});

test('gRPC framing: a 5-byte prefix per message; compressed or truncated frames are refused', () => {
  const framed = frameMessage(Buffer.from('abc'));
  assert.deepEqual(framed, Buffer.from('0000000003616263', 'hex'));
  assert.deepEqual(parseFrames(Buffer.concat([framed, frameMessage(Buffer.alloc(0))])), [Buffer.from('abc'), Buffer.alloc(0)]);
  assert.match(String(parseFrames(Buffer.from('0100000000', 'hex'))), /compressed/);
  assert.match(String(parseFrames(framed.subarray(0, 6))), /truncated/);
});

test('grpc-message percent-encoding round-trips; the sidecar maps HTTP statuses as Envoy does', () => {
  const text = 'no route: 100% über';
  assert.equal(encodeGrpcMessage(text), 'no route: 100%25 %C3%BCber');
  assert.equal(meshEncode(text), encodeGrpcMessage(text));
  assert.equal(decodeGrpcMessage(encodeGrpcMessage(text)), text);
  assert.deepEqual([400, 401, 403, 404, 429, 500, 502, 503, 504].map(grpcStatusForHttp), [13, 16, 7, 12, 14, 2, 14, 14, 14]);
  assert.equal(isGrpc({ 'content-type': 'application/grpc+proto' }), true);
  assert.equal(isGrpc({ 'content-type': 'application/grpc-web' }), false);
  assert.equal(isGrpc({ 'content-type': 'text/plain' }), false);
});
