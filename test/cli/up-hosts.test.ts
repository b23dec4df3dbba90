// `playground up` and the Host allow-list: the default flags serve the site on the loopback names (with the
// security headers) and refuse any other Host; a wildcard bind without --allowed-host is refused with a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));

function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
  });
}

function get(url: string, host: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/', headers: { host }, timeout: 15_000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('a wildcard bind needs --allowed-host; a malformed host name or per-client session limit is a usage error', { timeout: 60_000 }, async () => {
  const wild = await runCli(['up', '--host', '0.0.0.0', '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'pg-wild-'))]);
  assert.equal(wild.code, 2, wild.out);
  assert.match(wild.out, /--allowed-host/);
  const bad = await runCli(['up', '--allowed-host', 'evil.example/path']);
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /--allowed-host takes a host name/);
  for (const value of ['0', '2.5', 'many', '100000']) {
    const perClient = await runCli(['up', '--sessions-per-client', value]);
    assert.equal(perClient.code, 2, perClient.out);
    assert.match(perClient.out, /--sessions-per-client must be a whole number from 1 to 1000/);
  }
});

test('playground up with the default flags serves the site on the loopback names only', { timeout: 180_000 }, async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pg-up-hosts-')), 'data');
  const child: ChildProcess = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  }));
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 90 s:\n${out}`)), 90_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/is up at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  const port = new URL(url).port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const page = await get(url, host);
    assert.equal(page.status, 200, host);
    assert.match(page.text, /<html/i);
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  }
  const evil = await get(url, `evil.example:${port}`);
  assert.equal(evil.status, 421);
  assert.match(evil.text, /HostNotAllowed/);
  assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data dir is private');
  assert.equal(statSync(join(dataDir, 'playground.db')).mode & 0o777, 0o600);
  assert.match(out, /terminal isolation|isolation/i, 'the startup log says how the terminal is isolated');
});
