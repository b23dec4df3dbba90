// --h2 and --grpc on the builtin engine against real node:http2 servers on loopback: HTTP/2 sessions and
// streams per session, status classes (503 = error), and gRPC health checks counted by outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { resolveOptions, LoadOptionsError } from '../../playground-server/loadgen/options.js';
import { bench } from './run-bench.js';
import { toFortioJson } from '../../playground-server/loadgen/reports/fortio.js';
import { toText } from '../../playground-server/loadgen/reports/text.js';
import { grpcOutcomeName } from '../../playground-server/loadgen/grpc-client.js';
import { validateFortioResult } from '../../playground-server/loadgen/reports/validate.js';

async function listen(server: http2.Http2Server): Promise<{ url: string; sessions: () => number; maxConcurrent: () => number; close: () => Promise<void> }> {
  let sessions = 0;
  let open = 0;
  let max = 0;
  const live = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions++;
    live.add(s);
    s.on('close', () => live.delete(s));
  });
  server.on('stream', (st) => {
    open++;
    max = Math.max(max, open);
    st.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url,
    sessions: () => sessions,
    maxConcurrent: () => max,
    close: () => new Promise((r) => { for (const s of live) s.destroy(); server.close(() => r()); }),
  };
}

const SHORT = { durationMs: 800, warmupMs: 100, timeoutMs: 2000 };

test('--h2: h2c sessions carry the streams; every 4th request answered 503 is an error', async () => {
  let n = 0;
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    assert.equal(headers[':path'], '/x?y=1');
    const status = ++n % 4 === 0 ? 503 : 200;
    // A little latency so the streams of a session overlap.
    setTimeout(() => { if (!stream.closed) { stream.respond({ ':status': status }); stream.end('ok'); } }, 2);
  });
  const srv = await listen(server);
  try {
    const r = await runLoadTest({ url: `${srv.url}/x?y=1`, protocol: 'h2', connections: 2, streams: 4, ...SHORT });
    assert.ok(r.responses > 20, `responses ${r.responses}`);
    assert.equal(srv.sessions(), 2, 'one HTTP/2 session per connection');
    assert.ok(srv.maxConcurrent() > 2, `streams overlap on the sessions (max concurrent ${srv.maxConcurrent()})`);
    const codes = r.statusCodes as Record<string, number>;
    assert.ok(codes['200'] > 0 && codes['503'] > 0, JSON.stringify(codes));
    assert.equal(codes['200'] + codes['503'], r.responses);
    assert.deepEqual(r.errors, {}, 'no transport errors');
    assert.equal(r.latency.statusErrors.totalCount, codes['503'], '503s are errors (the errors histogram)');
  } finally {
    await srv.close();
  }
});

test('--h2 open model: the scheduled rate is sent as streams over the sessions', async () => {
  const server = http2.createServer();
  server.on('stream', (stream) => { stream.respond({ ':status': 200 }); stream.end(); });
  const srv = await listen(server);
  try {
    const r = await runLoadTest({ url: srv.url, protocol: 'h2', connections: 2, rps: 200, ...SHORT });
    assert.ok(r.responses > 100, `responses ${r.responses}`);
    assert.deepEqual(r.errors, {});
    assert.equal(srv.sessions(), 2);
  } finally {
    await srv.close();
  }
});

/** A gRPC health server: answers in trailers, or trailers-only for unknown methods (UNIMPLEMENTED). */
function grpcServer(servingFor: (n: number) => number) {
  let n = 0;
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    assert.equal(headers['content-type'], 'application/grpc');
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      assert.deepEqual([...body], [0, 0, 0, 0, 0], `an empty HealthCheckRequest, framed (got ${body.toString('hex')})`);
      if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
        return;
      }
      const status = servingFor(++n);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
    });
  });
  return server;
}

test('--grpc: health checks, SERVING counted ok, NOT_SERVING an error; unknown method UNIMPLEMENTED', async () => {
  const srv = await listen(grpcServer((n) => (n % 5 === 0 ? 2 : 1)));
  try {
    const r = await runLoadTest({ url: srv.url, protocol: 'grpc', connections: 1, streams: 2, ...SHORT });
    const codes = r.statusCodes as Record<string, number>;
    const names = Object.fromEntries(Object.entries(codes).map(([k, v]) => [grpcOutcomeName(Number(k), true), v]));
    assert.ok(names.SERVING > 0 && names.NOT_SERVING > 0, JSON.stringify(names));
    assert.equal(r.latency.statusErrors.totalCount, names.NOT_SERVING, 'NOT_SERVING is an error');
    assert.deepEqual(r.wire, { protocol: 'grpc', streamsPerConnection: 2, grpcMethod: '/grpc.health.v1.Health/Check' });
    const fortio = toFortioJson(r) as unknown as Record<string, unknown>;
    assert.equal(fortio.RunType, "GRPC Health for ''", "fortio's RunType for a health run of the empty (overall) service");
    assert.deepEqual(fortio.RetCodes, { SERVING: names.SERVING, NOT_SERVING: names.NOT_SERVING });
    assert.match(toText(r), /gRPC \/grpc\.health\.v1\.Health\/Check over HTTP\/2/);
    const u = await runLoadTest({ url: srv.url, protocol: 'grpc', grpcMethod: '/pkg.Svc/Nope', connections: 1, ...SHORT });
    const ucodes = Object.entries(u.statusCodes as Record<string, number>).map(([k, v]) => [grpcOutcomeName(Number(k), false), v]);
    assert.deepEqual(ucodes.map(([k]) => k), ['UNIMPLEMENTED']);
    assert.ok(u.responses > 0 && u.latency.statusErrors.totalCount === u.responses, 'UNIMPLEMENTED is an error');
    // fortio's gRPC runner keys every failed call "ERROR" (fgrpc's Error), whatever its code; an OK call without a
    // health status (its ping) "SERVING".
    const ufortio = toFortioJson(u) as unknown as { RetCodes: Record<string, number>; RunType: string };
    assert.deepEqual(ufortio.RetCodes, { ERROR: u.responses });
    assert.deepEqual([validateFortioResult(fortio).errors, validateFortioResult(ufortio).errors], [[], []], 'the fortio schema takes gRPC RetCodes');
    assert.equal(validateFortioResult({ ...ufortio, RetCodes: { UNIMPLEMENTED: 1 } }).valid, false, 'a code name is not a key fortio writes');
    assert.equal(ufortio.RunType, 'Custom GRPC Method /pkg.Svc/Nope and Payload ', "fortio's RunType for any other method (no payload)");
  } finally {
    await srv.close();
  }
});

test('--h2 with --transport process: the generator processes speak HTTP/2 too', async () => {
  const server = http2.createServer();
  server.on('stream', (stream) => { stream.respond({ ':status': 200 }); stream.end(); });
  const srv = await listen(server);
  try {
    const r = await runLoadTest({ url: srv.url, protocol: 'h2', connections: 2, workers: 2, transport: 'process', ...SHORT });
    assert.ok(r.responses > 10, `responses ${r.responses} ${JSON.stringify({ e: r.errors, s: r.statusCodes, n: r.notes, sent: r.sent })}`);
    assert.equal(r.generators, 2);
    assert.equal(srv.sessions(), 2, 'each generator opened its HTTP/2 session');
    assert.equal(r.wire?.protocol, 'h2');
  } finally {
    await srv.close();
  }
});

test('h2/grpc options are validated with the field and the limit', () => {
  assert.throws(() => resolveOptions({ url: 'http://x', protocol: 'h3' as never }), (e: Error) => e instanceof LoadOptionsError && /protocol must be http1, h2 or grpc/.test(e.message));
  assert.throws(() => resolveOptions({ url: 'http://x', streams: 2 }), /streams applies only to h2 and grpc/);
  assert.throws(() => resolveOptions({ url: 'http://x', protocol: 'h2', streams: 1001 }), /streams must be an integer from 1 to 1000/);
  assert.throws(() => resolveOptions({ url: 'http://x', protocol: 'grpc', grpcMethod: 'Check' }), /grpcMethod must be \/package.Service\/Method/);
  assert.throws(() => resolveOptions({ url: 'http://x', protocol: 'h2', grpcMethod: '/a.B/C' }), /grpcMethod applies only to grpc/);
});

test('playground bench --h2/--grpc flags: usage errors name the flag; a --grpc run prints the protocol', async () => {
  const cases: [string[], RegExp][] = [
    [['--h2', '--grpc'], /--h2 and --grpc are exclusive/],
    [['--h2', '--engine', 'wrk'], /--h2 needs the builtin engine/],
    [['--streams', '4'], /--streams applies only with --h2 or --grpc/],
    [['--h2', '--grpc-method', '/a.B/C'], /--grpc-method applies only with --grpc/],
    [['--grpc', '--grpc-method', 'nope'], /grpcMethod must be \/package.Service\/Method/],
    [['--h2', '--streams', '0'], /streams must be an integer from 1 to 1000/],
  ];
  for (const [flags, message] of cases) {
    const r = await bench([...flags, 'http://127.0.0.1:9/']);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const srv = await listen(grpcServer(() => 1));
  try {
    const r = await bench(['--grpc', '--streams', '2', '-c', '1', '--duration', '500ms', '--warmup', '0', srv.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /gRPC \/grpc\.health\.v1\.Health\/Check over HTTP\/2, 2 stream\(s\)\/session/);
  } finally {
    await srv.close();
  }
});
