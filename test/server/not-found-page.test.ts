// What an unknown URL answers (playground-server/api/not-found-page.ts): a page path gets the built site's 404 page
// with status 404; API paths keep the JSON NotFound error a program switches on; without a built site, JSON everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { notFoundHandler } from '../../playground-server/api/not-found-page.js';

async function serve(siteDir: string, fn: (base: string) => Promise<void>): Promise<void> {
  const handler = notFoundHandler(siteDir);
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
  }
}

test('a page path answers the site\'s 404 page with status 404; API paths answer JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-404-'));
  writeFileSync(join(dir, '404.html'), '<!doctype html><title>Page not found</title>');
  await serve(dir, async (base) => {
    for (const path of ['/no-such-page/', '/lessons/99-nope/?x=1', '/apis']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.match(await res.text(), /Page not found/);
    }
    for (const path of ['/api/no-such-op', '/api', '/ws/x', '/healthz/x', '/metrics/x']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, path);
      assert.equal(((await res.json()) as { reason: string }).reason, 'NotFound');
    }
  });
});

test('without a built site every unknown URL answers the JSON error', async () => {
  await serve(mkdtempSync(join(tmpdir(), 'pg-404-empty-')), async (base) => {
    const res = await fetch(`${base}/no-such-page/`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { reason: string }).reason, 'NotFound');
  });
});
