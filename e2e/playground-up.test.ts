// `playground up` end to end: the real CLI boots the sandbox and the server; a real browser shows the live pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, SCREENSHOT_DIR } from './browser.js';

const BIN = fileURLToPath(new URL('../bin/playground.js', import.meta.url));

test('playground up serves the site, which starts a session and lists its sample app pods from the live sandbox', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'playground-up-'));
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    child.kill('SIGTERM');
  });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "up" line within 60 s; output:\n${output}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d;
      const m = output.match(/is up at (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => reject(new Error(`playground up exited with ${code}:\n${output}`)));
  });

  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(url);
  // Every Bookinfo workload appears, Running, in the page's live table.
  await page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('#pods tr')].map((r) => r.textContent ?? '');
      return ['productpage', 'details', 'ratings', 'reviews-v1', 'reviews-v2', 'reviews-v3'].every((app) =>
        rows.some((row) => row.startsWith(app) && row.includes('Running')),
      );
    },
    undefined,
    { timeout: 60_000, polling: 500 },
  );
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL('home.png', SCREENSHOT_DIR)), fullPage: true });
  const status = await page.textContent('#cluster-state');
  assert.match(status ?? '', /\d+ pods in namespace pg-[a-z0-9]+/);
});
