// An HTTP/2 or gRPC run against a target that does not speak it says so in words (the summary's warnings and the
// text report), against real servers on loopback: an HTTP/1.1-only server, an h2c server that is not gRPC, a gRPC
// server whose calls fail, and a healthy gRPC server (no warning).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { toText } from '../../playground-server/loadgen/reports/text.js';
import { wireWarnings } from '../../playground-server/loadgen/reports/wire-warnings.js';
import { outcomeOf } from '../../playground-server/loadgen/result.js';
import { toResultDocument } from '../../playground-server/loadgen/reports/smp.js';
import { toFortioJson } from '../../playground-server/loadgen/reports/fortio.js';
import { validateFortioResult, validateResultDocument } from '../../playground-server/loadgen/reports/validate.js';
import { summaryOf } from '../../playground-server/benchmarks/session-benchmark.js';

const SHORT = { connections: 1, rps: 20, durationMs: 500, warmupMs: 0, timeoutMs: 2000 };

async function serve(server: http.Server | http2.Http2Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const sessions = new Set<{ destroy(): void }>();
  server.on(server instanceof http.Server ? 'connection' : 'session', (s: { destroy(): void }) => sessions.add(s));
  return { url, close: () => new Promise((r) => { for (const s of sessions) s.destroy(); server.close(() => r()); }) };
}

/** An h2c server: the health check answers SERVING; any other method grpc-status 12 (UNIMPLEMENTED); `/plain` is not gRPC. */
function h2Server(): http2.Http2Server {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.resume();
    stream.on('end', () => {
      if (headers[':path'] === '/plain.Http/Get') return void stream.respond({ ':status': 404, 'content-type': 'text/plain' }, { endStream: true });
      if (headers[':path'] === '/plain.Http/Ok') return void stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { endStream: true });
      if (headers[':path'] !== '/grpc.health.v1.Health/Check') return void stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]));
    });
  });
  return server;
}

test('an HTTP/1.1-only server: h2 and gRPC runs get no answer, and the warning asks whether the target speaks h2c', async () => {
  const srv = await serve(http.createServer((_req, res) => res.end('http/1.1 only')));
  try {
    for (const protocol of ['h2', 'grpc'] as const) {
      const r = await runLoadTest({ url: srv.url, protocol, ...SHORT });
      assert.equal(r.responses, 0, JSON.stringify(r.statusCodes));
      const w = wireWarnings(r);
      assert.equal(w.length, 1, JSON.stringify(w));
      assert.match(w[0], /^no answer over HTTP\/2 \((reset|closed|protocol) ×\d+/);
      assert.match(w[0], /speak HTTP\/2 without TLS \(h2c\)/);
      assert.ok(toText(r).includes(`warning: ${w[0]}`), 'the text report carries it');
    }
    assert.deepEqual(wireWarnings(await runLoadTest({ url: srv.url, ...SHORT })), [], 'HTTP/1.1 to an HTTP/1.1 server: nothing to say');
  } finally {
    await srv.close();
  }
});

test('gRPC against an h2c server that is not gRPC: a plain HTTP status, or a 200 without grpc-status, is named as not gRPC', async () => {
  const srv = await serve(h2Server());
  try {
    const notFound = wireWarnings(await runLoadTest({ url: srv.url, protocol: 'grpc', grpcMethod: '/plain.Http/Get', ...SHORT }));
    assert.equal(notFound.length, 1, JSON.stringify(notFound));
    assert.match(notFound[0], /^not gRPC: \d+ call\(s\) got a plain HTTP status \(HTTP 404 ×\d+\) and no grpc-status/);
    const noStatus = wireWarnings(await runLoadTest({ url: srv.url, protocol: 'grpc', grpcMethod: '/plain.Http/Ok', ...SHORT }));
    assert.equal(noStatus.length, 1, JSON.stringify(noStatus));
    assert.match(noStatus[0], /^not gRPC: \d+ answer\(s\) had no grpc-status — the target speaks HTTP\/2/);
    const unimplemented = wireWarnings(await runLoadTest({ url: srv.url, protocol: 'grpc', grpcMethod: '/pkg.Svc/Nope', ...SHORT }));
    assert.deepEqual(unimplemented.map((w) => w.replace(/×\d+/, '×N')), ['gRPC calls failed with UNIMPLEMENTED ×N (/pkg.Svc/Nope)']);
    assert.deepEqual(wireWarnings(await runLoadTest({ url: srv.url, protocol: 'grpc', ...SHORT })), [], 'a healthy gRPC server: nothing to say');
    assert.deepEqual(wireWarnings(await runLoadTest({ url: srv.url, protocol: 'h2', ...SHORT })), [], 'h2 is HTTP: a 404 or 200 is its own answer');
  } finally {
    await srv.close();
  }
});

test('gRPC failures are classed by gRPC status name, the same in the summary, the text report and both exports, which carry the wire warnings', async () => {
  const srv = await serve(h2Server());
  try {
    const unimplemented = await runLoadTest({ url: srv.url, protocol: 'grpc', grpcMethod: '/pkg.Svc/Nope', ...SHORT });
    const n = unimplemented.statusCodes['1012'];
    assert.ok(n > 0, JSON.stringify(unimplemented.statusCodes));
    assert.deepEqual(outcomeOf(unimplemented).byClass, { UNIMPLEMENTED: n });
    assert.deepEqual(summaryOf(unimplemented).errorsByClass, { UNIMPLEMENTED: n });
    assert.match(toText(unimplemented), new RegExp(`^Errors {6}${n}: ${n} non-OK answers? \\(UNIMPLEMENTED: ${n}\\)`, 'm'));
    assert.match(toText(unimplemented), new RegExp(`^Success {5}0% \\(0 of ${n} calls got OK\\)$`, 'm'), 'a gRPC run speaks of calls and OK, not of 2xx');
    const doc = toResultDocument(unimplemented);
    assert.deepEqual(doc.playground.outcome?.byClass, { UNIMPLEMENTED: n });
    const warning = `gRPC calls failed with UNIMPLEMENTED ×${n} (/pkg.Svc/Nope)`;
    assert.ok(doc.playground.warnings?.includes(warning), JSON.stringify(doc.playground.warnings));
    assert.deepEqual(validateResultDocument(JSON.parse(JSON.stringify(doc))).errors, []);
    const fortio = toFortioJson(unimplemented);
    assert.ok(fortio.Warnings?.includes(warning), JSON.stringify(fortio.Warnings));
    assert.deepEqual(validateFortioResult(JSON.parse(JSON.stringify(fortio))).errors, []);

    const healthy = await runLoadTest({ url: srv.url, protocol: 'grpc', ...SHORT });
    assert.deepEqual(Object.keys(outcomeOf(healthy).byClass), ['SERVING'], 'an OK health check is SERVING');
    assert.doesNotMatch(toText(healthy), /^Errors .*\(SERVING/m, 'a success class is not listed as an error');
    assert.match(toText(healthy), /^Success {5}100% \(\d+ of \d+ calls got SERVING\)$/m, 'the health check succeeds as SERVING');
    assert.match(toText(healthy), /^Errors {6}0: 0 non-SERVING answers;/m);

    const notGrpc = await runLoadTest({ url: srv.url, protocol: 'grpc', grpcMethod: '/plain.Http/Get', ...SHORT });
    assert.deepEqual(Object.keys(outcomeOf(notGrpc).byClass), ['HTTP_404']);
    assert.ok(toResultDocument(notGrpc).playground.warnings?.some((w) => /^not gRPC: /.test(w)), 'the "not gRPC" warning is exported');

    const h2 = await runLoadTest({ url: `${srv.url}/plain.Http/Get`, protocol: 'h2', ...SHORT });
    assert.deepEqual(Object.keys(outcomeOf(h2).byClass), ['4xx'], 'HTTP runs keep their status classes');
  } finally {
    await srv.close();
  }
});

test('an h2 run against an HTTP/1.1-only server: the "no answer over HTTP/2" warning is in the playground and fortio exports', async () => {
  const srv = await serve(http.createServer((_req, res) => res.end('http/1.1 only')));
  try {
    const r = await runLoadTest({ url: srv.url, protocol: 'h2', ...SHORT });
    const [warning] = wireWarnings(r);
    assert.match(warning, /^no answer over HTTP\/2/);
    assert.ok(toResultDocument(r).playground.warnings?.includes(warning), 'playground export');
    assert.ok(toFortioJson(r).Warnings?.includes(warning), 'fortio export');
    assert.equal((toFortioJson(r) as unknown as { H2?: boolean }).H2, true, "fortio's H2 says the run spoke HTTP/2");
  } finally {
    await srv.close();
  }
});
