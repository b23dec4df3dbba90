// The raw keep-alive client against real servers: framing (Content-Length split across packets, chunked,
// 204, close-delimited), keep-alive reuse, and the failure kinds (refused, timeout, protocol).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { HttpParseError, ResponseParser } from '../../playground-server/loadgen/http-response-parser.js';

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

function close(server: net.Server): Promise<void> {
  return new Promise((r) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => r());
  });
}

/** A raw server answering every request with `reply` written in `pieces` separate writes. */
function rawServer(reply: string, pieces = 1): { server: net.Server; connections: () => number } {
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        const size = Math.ceil(reply.length / pieces);
        // Each piece 2 ms after the one before it: timers of different delays may fire out of order on a busy loop.
        const writeFrom = (i: number) => {
          if (i >= reply.length || !s.writable) return;
          s.write(reply.slice(i, i + size), 'latin1');
          setTimeout(() => writeFrom(i + size), 2);
        };
        writeFrom(0);
      }
    });
    s.on('error', () => s.destroy());
  });
  return { server, connections: () => connections };
}

const closedRun = (url: string, extra: object = {}) => runLoadTest({ url, durationMs: 400, warmupMs: 0, connections: 2, timeoutMs: 2000, ...extra });

test('Content-Length bodies split across packets, on reused keep-alive connections', async () => {
  const body = 'x'.repeat(5000);
  const { server, connections } = rawServer(`HTTP/1.1 201 Created\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 4);
  const url = await listen(server);
  try {
    const r = await closedRun(url);
    assert.ok(r.responses > 10, `responses: ${r.responses}`);
    assert.deepEqual(r.statusCodes, { '201': r.responses });
    assert.deepEqual(r.errors, {});
    assert.ok(r.bytesRead >= r.responses * body.length);
    assert.equal(connections(), 2, 'keep-alive: one TCP connection per pool slot');
  } finally {
    await close(server);
  }
});

test('chunked, empty (204) and close-delimited responses', async () => {
  const server = http.createServer((req, res) => {
    if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('hello ');
      setTimeout(() => res.end('world'), 1);
    } else if (req.url === '/empty') {
      res.writeHead(204).end();
    } else {
      res.writeHead(503, { connection: 'close' });
      res.end('busy');
    }
  });
  const url = await listen(server);
  try {
    const chunked = await closedRun(`${url}/chunked`);
    assert.ok(chunked.responses > 5);
    assert.deepEqual(chunked.statusCodes, { '200': chunked.responses });
    assert.deepEqual(chunked.errors, {});
    const empty = await closedRun(`${url}/empty`);
    assert.deepEqual(empty.statusCodes, { '204': empty.responses });
    assert.deepEqual(empty.errors, {});
    const closing = await closedRun(`${url}/close`);
    assert.ok(closing.responses > 5, 'reconnects after Connection: close');
    assert.deepEqual(closing.statusCodes, { '503': closing.responses });
  } finally {
    await close(server);
  }
});

test('a server that never answers: requests time out and are counted, not hidden', async () => {
  const server = net.createServer((s) => s.on('data', () => undefined));
  const url = await listen(server);
  try {
    const r = await runLoadTest({ url, rps: 50, durationMs: 600, warmupMs: 0, connections: 2, timeoutMs: 150 });
    assert.equal(r.responses, 0);
    assert.ok((r.errors.timeout ?? 0) >= 4, `timeouts: ${JSON.stringify(r.errors)}`);
    assert.ok(r.latency.errors.totalCount === r.errors.timeout);
    assert.ok(r.latency.errors.getValueAtPercentile(50) >= 150_000, 'time to failure ≥ the timeout');
    assert.equal(r.sent + r.droppedSends, r.scheduled, 'every scheduled send is either sent or counted as dropped');
  } finally {
    await close(server);
  }
});

test('garbage instead of HTTP is a protocol error', async () => {
  const { server } = rawServer('SSH-2.0-OpenSSH_9.2\r\n\r\n');
  const url = await listen(server);
  try {
    const r = await closedRun(url);
    assert.equal(r.responses, 0);
    assert.ok((r.errors.protocol ?? 0) > 0, JSON.stringify(r.errors));
  } finally {
    await close(server);
  }
});

test('a target that goes away mid-run: refused reconnects are connect errors', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  const url = await listen(server);
  setTimeout(() => void close(server), 300);
  const r = await runLoadTest({ url, rps: 100, durationMs: 900, warmupMs: 0, connections: 2, timeoutMs: 1000 });
  assert.ok(r.responses > 5 && r.responses < 90, `responses before the stop: ${r.responses}`);
  const failures = (r.errors.connect ?? 0) + (r.errors.reset ?? 0) + (r.errors.closed ?? 0);
  assert.ok((r.errors.connect ?? 0) > 10, `errors: ${JSON.stringify(r.errors)}`);
  assert.equal(r.responses + failures + r.droppedSends + r.cancelledRequests, r.scheduled, 'every scheduled request accounted for');
});

test('the response parser frames a chunked body fed byte by byte (trailers too) and refuses bad chunk framing', () => {
  const raw = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n');
  const parser = new ResponseParser();
  let done = false;
  for (let i = 0; i < raw.length; i++) {
    assert.equal(done, false, `complete before byte ${i}`);
    done = parser.feed(raw.subarray(i, i + 1));
  }
  assert.equal(done, true);
  assert.equal(parser.status, 200);
  assert.equal(parser.bodyBytes, 5 + 16);
  assert.equal(parser.keepAlive, true);
  const bad = new ResponseParser();
  assert.throws(() => bad.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), HttpParseError);
});
