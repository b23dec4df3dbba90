// The fast relay over real loopback sockets: bodies by length both ways, chunked responses, pipelined
// requests served in turn, pooled upstream connections, a dead upstream answered 502, and every request
// the parser declines handed with its bytes to node:http (the slow path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request, Agent, type Server } from 'node:http';
import { createServer as createNetServer, connect, type Socket, type Server as NetServer } from 'node:net';
import { serveFast, UpstreamPool, type RelayPlan } from '../../sandbox/mesh/proxy/fast-relay.js';
import { PROXY_ERROR_HEADER } from '../../sandbox/mesh/constants.js';

const listen = (s: Server | NetServer) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
const close = (s: Server | NetServer) => new Promise<void>((r) => s.close(() => r()));

interface Rig {
  port: number;
  done: number[];
  upstreamConnections(): number;
  slowRequests(): number;
  stop(): Promise<void>;
}

/** app ← fast relay (with node:http as its slow path) ← test client. */
async function rig(appPortOverride?: number): Promise<Rig> {
  let conns = 0;
  const app = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/chunked') {
        res.writeHead(200, { 'x-app': 'chunked' });
        res.write('part-1;');
        setImmediate(() => res.end('part-2'));
        return;
      }
      res.writeHead(201, { 'x-seen-client-id': String(req.headers['l5d-client-id']), 'x-len': String(body.length), 'content-type': 'application/octet-stream' });
      res.end(req.url === '/echo' ? body : `${req.method} ${req.url}`);
    });
  });
  app.on('connection', () => conns++);
  const appPort = await listen(app);
  const done: number[] = [];
  const pool = new UpstreamPool();
  let slow = 0;
  const slowServer = createHttpServer((_req, res) => {
    slow++;
    res.end('slow path');
  });
  const target = appPortOverride ?? appPort;
  const sockets = new Set<Socket>();
  const relay = createNetServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    serveFast(
      s,
      pool,
      (): RelayPlan => ({
        upstreamKey: `127.0.0.1:${target}`,
        connect: () => connect({ host: '127.0.0.1', port: target }),
        dropRequestHeader: 'l5d-client-id',
        addRequestHeaders: ['l5d-client-id', 'trusted'],
        onResponseHead: () => ['x-relayed', 'fast'],
        done: (status) => void done.push(status),
        cancelled: () => undefined,
      }),
      (c) => slowServer.emit('connection', c),
    );
  });
  const port = await listen(relay);
  return {
    port,
    done,
    upstreamConnections: () => conns,
    slowRequests: () => slow,
    async stop() {
      for (const s of sockets) s.destroy();
      pool.destroy();
      slowServer.closeAllConnections();
      app.closeAllConnections();
      await close(relay);
      await close(app);
    },
  };
}

function call(port: number, agent: Agent, opts: { method?: string; path: string; body?: Buffer; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes in, everything until the server closes or `until` matches out. */
function raw(port: number, bytes: string, until: (text: string) => boolean, untilClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no complete answer; got ${JSON.stringify(text)}`));
    }, 5000);
    s.on('data', (c) => {
      text += c.toString('latin1');
      if (until(text)) {
        clearTimeout(timer);
        s.destroy();
        resolve(text);
      }
    });
    s.on('error', reject);
    if (untilClose) {
      s.on('end', () => {
        clearTimeout(timer);
        resolve(text);
      });
    }
    s.write(bytes);
  });
}

test('bodies relay both ways by length, headers are rewritten, and upstream connections are reused', async () => {
  const r = await rig();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const echo = await call(r.port, agent, { method: 'POST', path: '/echo', body: big, headers: { 'l5d-client-id': 'forged' } });
    assert.equal(echo.status, 201);
    assert.equal(echo.headers['x-len'], String(big.length));
    assert.equal(echo.headers['x-seen-client-id'], 'trusted');
    assert.equal(echo.headers['x-relayed'], 'fast');
    assert.ok(echo.body.equals(big));
    for (let i = 0; i < 20; i++) {
      const res = await call(r.port, agent, { path: `/n/${i}` });
      assert.equal(res.body.toString(), `GET /n/${i}`);
    }
    const chunked = await call(r.port, agent, { path: '/chunked' });
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    assert.equal(chunked.body.toString(), 'part-1;part-2');
    assert.equal(r.upstreamConnections(), 1); // one client connection, one pooled upstream connection
    assert.equal(r.slowRequests(), 0);
    assert.deepEqual(r.done.length, 22);
    // Connection: close is relayed on the fast path too, and the connection ends after the response.
    const closing = await raw(r.port, 'GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', () => false, true);
    assert.match(closing, /^HTTP\/1\.1 201[^]*connection: close\r\n\r\n8\r\nGET \/bye\r\n0\r\n\r\n$/i);
    assert.equal(r.slowRequests(), 0);
  } finally {
    agent.destroy();
    await r.stop();
  }
});

test('pipelined requests are answered in order on one connection', async () => {
  const r = await rig();
  try {
    const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const text = await raw(r.port, req('/one') + req('/two') + req('/three'), (t) => t.includes('GET /three'));
    const order = ['GET /one', 'GET /two', 'GET /three'].map((s) => text.indexOf(s));
    assert.ok(order[0] > 0 && order[0] < order[1] && order[1] < order[2], text);
    // All three were relayed by the fast path: three finished plans, three fast-path response headers, nothing
    // handed to node:http, and one pooled upstream connection for the three.
    assert.deepEqual(r.done, [201, 201, 201]);
    assert.equal(text.match(/\r\nx-relayed: fast\r\n/gi)?.length, 3, text);
    assert.equal(r.slowRequests(), 0);
    assert.equal(r.upstreamConnections(), 1);
  } finally {
    await r.stop();
  }
});

test('requests the fast path declines reach node:http with all their bytes; garbage gets node:http\'s 400', async () => {
  const r = await rig();
  try {
    const http10 = await raw(r.port, 'GET /x HTTP/1.0\r\nHost: a\r\n\r\n', (t) => t.endsWith('slow path'));
    assert.match(http10, /^HTTP\/1\.1 200/);
    const chunkedReq = await raw(r.port, 'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', (t) => t.endsWith('slow path'));
    assert.match(chunkedReq, /^HTTP\/1\.1 200/);
    // A fast request first, then one for the slow path on the same connection.
    const mixed = await raw(r.port, 'GET /fast HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n', (t) => t.endsWith('slow path'));
    assert.ok(mixed.indexOf('GET /fast') < mixed.indexOf('slow path'), mixed);
    const garbage = await raw(r.port, '\x00\x01 nonsense\r\n\r\n', (t) => /^HTTP\/1\.1 400/.test(t));
    assert.match(garbage, /^HTTP\/1\.1 400/);
    assert.equal(r.slowRequests(), 3);
  } finally {
    await r.stop();
  }
});

test('an upstream that drops the connection is answered 502 with the proxy error header', async () => {
  const dead = createNetServer((s) => s.destroy()); // accepts, then hangs up without answering
  const deadPort = await listen(dead);
  const r = await rig(deadPort);
  const agent = new Agent({ keepAlive: true });
  try {
    const res = await call(r.port, agent, { path: '/' });
    assert.equal(res.status, 502);
    assert.match(String(res.headers[PROXY_ERROR_HEADER]), /upstream (failed|closed the connection)/);
    assert.deepEqual(r.done, [502]);
  } finally {
    agent.destroy();
    await r.stop();
    await close(dead);
  }
});
