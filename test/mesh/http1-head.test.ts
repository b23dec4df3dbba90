// The fast relay's strict head parsers: the common case parses; anything odd is 'unsupported' (the slow
// path decides), never a throw; framing of chunked bodies is tracked byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestHead, parseResponseHead, serializeHead } from '../../sandbox/mesh/proxy/http1-head.js';
import { ChunkedScanner } from '../../http1/chunked-scanner.js';

const b = (s: string) => Buffer.from(s, 'latin1');

test('a plain request head parses with its headers, length and head size', () => {
  const text = 'POST /a/b?x=1 HTTP/1.1\r\nHost: web:80\r\nContent-Length: 5\r\nX-A:  v 1 \r\n\r\nhello';
  const head = parseRequestHead(b(text));
  assert.ok(typeof head === 'object');
  assert.equal(head.method, 'POST');
  assert.equal(head.url, '/a/b?x=1');
  assert.deepEqual(head.rawHeaders, ['Host', 'web:80', 'Content-Length', '5', 'X-A', 'v 1']);
  assert.equal(head.contentLength, 5);
  assert.equal(head.headBytes, text.length - 5);
  assert.equal(head.close, false);
  const closing = parseRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'));
  assert.ok(typeof closing === 'object' && closing.close);
});

test('a head split across reads is incomplete until its blank line arrives', () => {
  assert.equal(parseRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\n')), 'incomplete');
  assert.equal(parseResponseHead(b('HTTP/1.1 200 OK\r\n')), 'incomplete');
});

test('odd or malformed requests go to the slow path, never throw', () => {
  const odd = [
    'GET / HTTP/1.0\r\nHost: a\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n', // no Host
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nConnection: close, x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
    'GET / HTTP/1.1\r\nBad Name: x\r\nHost: a\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n',
    'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n',
    'CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n',
    'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n',
    'get / HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET  / HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET / HTTP/1.1\nHost: a\n\n', // bare LF
    '\x00\x01\x02\x03',
    `GET /${'x'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: a\r\nX: ${'y'.repeat(20_000)}`, // huge, never-ending head
  ];
  for (const text of odd) assert.equal(parseRequestHead(b(text)), 'unsupported', JSON.stringify(text.slice(0, 60)));
});

test('header values: whitespace around them trimmed (SP and HTAB only), obs-text kept, controls and DEL refused', () => {
  const head = parseRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\nX-Tabs:\t v\tw \t\r\nX-Empty:\r\nX-Blank:   \r\nX-Latin: caf\xe9\xa0\r\n\r\n'));
  assert.ok(typeof head === 'object');
  assert.deepEqual(head.rawHeaders, ['Host', 'a', 'X-Tabs', 'v\tw', 'X-Empty', '', 'X-Blank', '', 'X-Latin', 'caf\xe9\xa0']);
  for (const bad of ['x\x7f', 'x\ry', 'x\x00', 'x\x1f']) assert.equal(parseRequestHead(b(`GET / HTTP/1.1\r\nHost: a\r\nX: ${bad}\r\n\r\n`)), 'unsupported', JSON.stringify(bad));
  // Long runs of whitespace before a bad character are refused like any other bad line (the line regex cannot
  // backtrack over them quadratically: a 15 KiB head of spaces is parsed in one pass).
  const spaces = ' '.repeat(15_000);
  assert.equal(parseRequestHead(b(`GET / HTTP/1.1\r\nHost: a\r\nX:${spaces}\x01\r\n\r\n`)), 'unsupported');
  assert.equal(parseRequestHead(b(`GET / HTTP/1.1\r\nHost: a\r\nX: v${spaces}\x01\r\n\r\n`)), 'unsupported');
  const trimmed = parseRequestHead(b(`GET / HTTP/1.1\r\nHost: a\r\nX: v${spaces}\r\n\r\n`));
  assert.ok(typeof trimmed === 'object' && trimmed.rawHeaders[3] === 'v');
});

test('random bytes never make the request parser throw', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
  for (let i = 0; i < 2000; i++) {
    const buf = Buffer.from(Array.from({ length: 1 + (i % 200) }, () => (i % 3 === 0 ? rnd() : b('GET / HTTP/1.1\r\nHost: :\r\n')[rnd() % 26])));
    const r = parseRequestHead(buf);
    assert.ok(r === 'incomplete' || r === 'unsupported' || typeof r === 'object');
  }
});

test('response heads: framing by length, chunked, no body and close', () => {
  const len = parseResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'));
  assert.ok(typeof len === 'object');
  assert.equal(len.framing, 3);
  assert.equal(len.close, false);
  const ch = parseResponseHead(b('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n'));
  assert.ok(typeof ch === 'object' && ch.framing === 'chunked');
  const nc = parseResponseHead(b('HTTP/1.1 204 No Content\r\n\r\n'));
  assert.ok(typeof nc === 'object' && nc.framing === 0);
  const eof = parseResponseHead(b('HTTP/1.1 200 OK\r\n\r\n'));
  assert.ok(typeof eof === 'object' && eof.framing === 'close' && eof.close);
  for (const odd of ['HTTP/1.0 200 OK\r\n\r\n', 'HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 2x0 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n']) {
    assert.equal(parseResponseHead(b(odd)), 'unsupported', odd);
  }
});

test('serializeHead drops hop-by-hop headers and the named one, and appends extras', () => {
  const out = serializeHead('GET / HTTP/1.1', ['Host', 'a', 'Connection', 'keep-alive', 'L5d-Client-Id', 'forged', 'X', '1'], 'l5d-client-id', ['l5d-client-id', 'real']);
  assert.equal(out, 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nl5d-client-id: real\r\n\r\n');
});

test('the chunked scanner finds the end of a body fed byte by byte, with trailers, and rejects bad framing', () => {
  const body = b('5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n');
  const s = new ChunkedScanner();
  for (let i = 0; i < body.length; i++) {
    assert.equal(s.done, false);
    assert.equal(s.scan(body.subarray(i, i + 1), 0), 1); // every byte belongs to the body
  }
  assert.equal(s.done, true);
  assert.equal(s.dataBytes, 5 + 16); // the data without its framing (the load generator's body bytes)
  const whole = new ChunkedScanner();
  assert.equal(whole.scan(Buffer.concat([body, b('EXTRA')]), 0), body.length); // stops at the end
  for (const bad of ['x\r\n', '5\r\nhelloX', '5\nhello', '\r\n']) assert.equal(new ChunkedScanner().scan(b(bad), 0), -1, bad);
});
