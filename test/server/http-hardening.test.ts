// The server's HTTP edge against a hostile client: DNS rebinding (Host spoofing over REST, the site and the
// WebSocket), security headers on every answer, Secure cookies only over TLS or a trusted proxy, session
// floods from one address, nesting and alias bombs, and no internal addresses in error messages — while
// /healthz and a second session keep answering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSession, rest, startFixture, SITE_DIR, WsClient, type ServerFixture } from './fixture.js';
import { MAX_JSON_DEPTH } from '../../playground-server/api/json-limits.js';

let fx: ServerFixture;
let second: { token: string; namespace: string };

before(async () => {
  fx = await startFixture();
  second = await createSession(fx.url);
});
after(() => fx?.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP request with any Host header (fetch cannot set it), bounded in time. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket upgrade with any Host/Origin: the status line the server answers. */
function rawUpgrade(base: string, host: string, origin?: string): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: '/ws',
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...(origin ? { origin } : {}) },
      timeout: 10_000,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, text: '' });
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function stillServing(base = fx.url): Promise<void> {
  assert.equal((await rest(base, 'GET', '/healthz')).status, 200, '/healthz answers');
  const other = await rest(fx.url, 'GET', '/api/session', { token: second.token });
  assert.equal(other.status, 200, `the second session still answers: ${other.text}`);
}

// Live namespaces only: one an earlier test deleted may still be terminating (its pods stopping) and vanish mid-count.
const namespaces = () => fx.sandbox.api.list(fx.sandbox.api.type('', 'namespaces')).items.filter((n) => !n.metadata.deletionTimestamp).length;

test('DNS rebinding: a foreign Host is refused on REST, the site and the WebSocket; own names work', { timeout: 60_000 }, async () => {
  const port = new URL(fx.url).port;
  const before = namespaces();
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`, `127.0.0.2:${port}`]) {
    const create = await raw(fx.url, 'POST', '/api/sessions', { host, origin: `http://${host}`, 'content-type': 'application/json' }, JSON.stringify({ apps: ['httpbin'] }));
    assert.equal(create.status, 421, `${host}: ${create.status} ${create.text}`);
    const body = JSON.parse(create.text);
    assert.equal(body.reason, 'HostNotAllowed');
    assert.match(body.message, /--allowed-host/);
    const terminal = await raw(fx.url, 'POST', '/api/session/terminal', { host, origin: `http://${host}`, cookie: `pg_session=${second.token}`, 'content-type': 'application/json' }, JSON.stringify({ line: 'kubectl get pods' }));
    assert.equal(terminal.status, 421, `${host} terminal`);
    const read = await raw(fx.url, 'GET', '/api/session', { host, cookie: `pg_session=${second.token}` });
    assert.equal(read.status, 421, `${host} read`);
    const page = await raw(fx.url, 'GET', '/', { host });
    assert.equal(page.status, 421, `${host} site`);
    assert.doesNotMatch(page.text, /<html/i);
    const upgrade = await rawUpgrade(fx.url, host, `http://${host}`);
    assert.equal(upgrade.status, 421, `${host} WebSocket`);
    assert.match(upgrade.text, /HostNotAllowed/);
  }
  assert.equal(namespaces(), before, 'no session was created through a foreign Host');
  // The loopback names, with and without the port, are the defaults.
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
    assert.equal((await raw(fx.url, 'GET', '/api/checks', { host })).status, 200, host);
    assert.equal((await rawUpgrade(fx.url, host, `http://${host}`)).status, 101, `${host} WebSocket`);
  }
  // Probes by address (a kubelet) still get /healthz.
  assert.equal((await raw(fx.url, 'GET', '/healthz', { host: `10.1.2.3:${port}` })).status, 200);
  // Named hosts replace the defaults.
  const named = await fx.startServer({ allowedHosts: ['play.example.test'], dataDir: join(fx.dir, 'named') });
  assert.equal((await raw(named.url, 'GET', '/api/checks', { host: `play.example.test:${new URL(named.url).port}` })).status, 200);
  assert.equal((await raw(named.url, 'GET', '/api/checks', { host: 'play.example.test' })).status, 200);
  assert.equal((await raw(named.url, 'GET', '/api/checks', { host: `localhost:${new URL(named.url).port}` })).status, 421);
  await assert.rejects(fx.startServer({ host: '0.0.0.0', dataDir: join(fx.dir, 'wild') }), /--allowed-host/);
  await stillServing();
});

test('every page and API answer carries CSP (hashes of the inline scripts), nosniff, frame and referrer policies', { timeout: 60_000 }, async () => {
  const answers = [
    await rest(fx.url, 'GET', '/'),
    await rest(fx.url, 'GET', '/playground/'),
    await rest(fx.url, 'GET', '/api/checks'),
    await rest(fx.url, 'GET', '/api/session'),
    await rest(fx.url, 'GET', '/no-such-page'),
    await rest(fx.url, 'POST', '/api/session/terminal', { token: second.token, body: { line: 'kubectl get pods' } }),
  ];
  for (const a of answers) {
    const csp = a.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(a.headers.get('x-frame-options'), 'DENY');
    assert.equal(a.headers.get('referrer-policy'), 'same-origin');
  }
  // The page's own inline scripts are allowed by hash (so it runs), nothing else inline is.
  const page = readFileSync(join(SITE_DIR, 'playground', 'index.html'), 'utf8');
  const csp = answers[1].headers.get('content-security-policy')!;
  const { createHash } = await import('node:crypto');
  let inline = 0;
  for (const m of page.matchAll(/<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    inline++;
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`), 'inline script hash in the CSP');
  }
  assert.ok(inline > 0, 'the page has inline scripts to check');
});

test('the session cookie is Secure only over TLS or a trusted proxy; X-Forwarded-* is ignored otherwise', { timeout: 120_000 }, async () => {
  const spoofed = await rest(fx.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] }, headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(spoofed.status, 201, spoofed.text);
  assert.doesNotMatch(spoofed.headers.get('set-cookie') ?? '', /Secure/, 'X-Forwarded-Proto from an untrusted client is ignored');
  const proxied = await fx.startServer({ trustProxy: true, dataDir: join(fx.dir, 'proxied') });
  const viaProxy = await rest(proxied.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] }, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' } });
  assert.equal(viaProxy.status, 201, viaProxy.text);
  assert.match(viaProxy.headers.get('set-cookie') ?? '', /; Secure/);
  assert.match(viaProxy.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
  const plain = await rest(proxied.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] } });
  assert.doesNotMatch(plain.headers.get('set-cookie') ?? '', /Secure/, 'plain HTTP behind the proxy: no Secure');
  // Behind the proxy the own origin is https://<host>: a same-site POST from the https page is allowed.
  const host = new URL(proxied.url).host;
  const sameSite = await rest(proxied.url, 'DELETE', '/api/session', { token: viaProxy.body.token, headers: { origin: `https://${host}`, 'x-forwarded-proto': 'https' } });
  assert.equal(sameSite.status, 200, sameSite.text);
});

test('a session flood from one address gets 429 with Retry-After; other addresses and sessions are unaffected', { timeout: 240_000 }, async () => {
  const limits = { createBurst: 3, createPerMinute: 1, maxLivePerClient: 5 };
  const srv = await fx.startServer({ trustProxy: true, sessionClientLimits: limits, dataDir: join(fx.dir, 'flood') });
  const before = namespaces();
  const flood = await Promise.all(Array.from({ length: 12 }, () => rest(srv.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] }, headers: { 'x-forwarded-for': '198.51.100.7' } })));
  const ok = flood.filter((r) => r.status === 201);
  const limited = flood.filter((r) => r.status === 429);
  assert.equal(ok.length, 3, flood.map((r) => r.status).join(','));
  assert.equal(limited.length, 9);
  for (const r of limited) {
    assert.equal(r.body.details.limit, 'sessionCreationsPerClient');
    assert.match(r.body.message, /sessionCreationsPerClient/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
  }
  assert.equal(namespaces(), before + 3, 'refused creations made no namespace');
  // Another client (address) still gets a session; a client spoofing X-Forwarded-For on an untrusted server cannot dodge its limit.
  const other = await rest(srv.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] }, headers: { 'x-forwarded-for': '198.51.100.8' } });
  assert.equal(other.status, 201, other.text);
  // Live sessions per client: a server with a cap of 2.
  const capped = await fx.startServer({ sessionClientLimits: { createBurst: 10, createPerMinute: 60, maxLivePerClient: 2 }, dataDir: join(fx.dir, 'capped') });
  const s1 = await createSession(capped.url);
  await createSession(capped.url);
  const third = await rest(capped.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] }, headers: { 'x-forwarded-for': '192.0.2.1' } });
  assert.equal(third.status, 429, 'X-Forwarded-For is not trusted without --trust-proxy');
  assert.equal(third.body.details.limit, 'maxLiveSessionsPerClient');
  assert.ok(third.headers.get('retry-after'));
  assert.equal((await rest(capped.url, 'DELETE', '/api/session', { token: s1.token })).status, 200);
  assert.equal((await rest(capped.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] } })).status, 201, 'ending one frees a slot');
  await stillServing();
});

test('nesting and alias bombs answer 400 naming the limit, over REST and the WebSocket', { timeout: 60_000 }, async () => {
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  const viaRest = await rest(fx.url, 'POST', '/api/session/resources', { token: second.token, raw: `{"manifest": ${deep}}`, headers: { 'content-type': 'application/json' } });
  assert.equal(viaRest.status, 400, viaRest.text);
  assert.equal(viaRest.body.reason, 'NestingTooDeep');
  assert.match(viaRest.body.message, new RegExp(`${MAX_JSON_DEPTH} levels`));
  const anonymous = await rest(fx.url, 'POST', '/api/sessions', { raw: `{"apps": ${deep}}`, headers: { 'content-type': 'application/json' } });
  assert.equal(anonymous.status, 400);
  const ws = await WsClient.connect(fx.url, { token: second.token });
  ws.sendRaw(`{"id": "deep", "op": "describeSession", "params": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`);
  assert.equal(await ws.answerCount(1), 1);
  const frame = ws.orphans.at(-1);
  assert.equal(frame.error.code, 400, JSON.stringify(frame).slice(0, 300));
  assert.equal(frame.error.reason, 'NestingTooDeep');
  assert.equal(frame.error.details.limit, 'maxJsonDepth');

  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const x of 'bcdefghi') laughs.push(`${x}: &${x} [${Array(9).fill('*' + String.fromCharCode(x.charCodeAt(0) - 1)).join(',')}]`);
  const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  x: "1"\nextra:\n${laughs.map((l) => '  ' + l).join('\n')}\n`;
  const manifests = {
    AliasLimit: bomb,
    NestingTooDeep: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
  } as const;
  for (const [reason, manifest] of Object.entries(manifests)) {
    const r = await rest(fx.url, 'POST', '/api/session/resources', { token: second.token, body: { manifest } });
    assert.equal(r.status, 400, `${reason}: ${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(r.body.reason, reason);
    assert.match(r.body.message, /limit/);
    const w = await ws.call('applyResources', { manifest });
    assert.equal(w.error?.reason, reason);
  }
  const blockDeep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nextra: ${'- '.repeat(20_000)}x\n`;
  const block = await rest(fx.url, 'POST', '/api/session/resources', { token: second.token, body: { manifest: blockDeep } });
  assert.equal(block.status, 400, block.text.slice(0, 300));
  await ws.close();
  await stillServing();
});

test("error messages never show the cluster's internal address", { timeout: 60_000 }, async () => {
  // A server whose cluster is gone: a port that was just closed.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const text = readFileSync(fx.kubeconfig, 'utf8').replace(/server: https:\/\/[^\s]+/, `server: https://127.0.0.1:${port}`);
  const kubeconfig = join(fx.dir, 'gone.kubeconfig');
  writeFileSync(kubeconfig, text);
  assert.match(text, new RegExp(`127\\.0\\.0\\.1:${port}`));
  const srv = await fx.startServer({ kubeconfigPath: kubeconfig, dataDir: join(fx.dir, 'gone') });
  const create = await rest(srv.url, 'POST', '/api/sessions', { body: { apps: ['httpbin'] } });
  assert.equal(create.status, 503, create.text);
  assert.equal(create.body.reason, 'ClusterUnavailable');
  assert.match(create.body.message, /cluster/);
  const ready = await rest(srv.url, 'GET', '/readyz');
  assert.equal(ready.status, 503);
  for (const answer of [create.text, ready.text]) {
    assert.doesNotMatch(answer, new RegExp(String(port)), answer);
    assert.doesNotMatch(answer, /127\.0\.0\.1|https:\/\//, answer);
  }
});
