// The Content-Security-Policy in a real browser: every kind of page (home, lesson, API docs with try-it,
// playground with Monaco and xterm, benchmarks) loads and works with no CSP violation, and a page on another
// origin cannot frame the playground.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { freshPage, waitForSession, siteUnderTest } from './site-helpers.js';

const site = siteUnderTest();

/** CSP violations the page reports (securitypolicyviolation events and the console's CSP errors). */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) consoleErrors.push(m.text());
  });
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [...consoleErrors, ...((await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])) as string[])];
}

test('every kind of page runs under the CSP with no violation; the terminal and the editor work', { timeout: 240_000 }, async () => {
  const page = await freshPage(site.browser);
  const violations = await watchViolations(page);
  const res = await page.goto(`${site.pg.url}/playground/`);
  assert.match(res!.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  await waitForSession(page);
  await page.waitForSelector('.xterm-rows');
  await page.locator('[data-testid=terminal]').click();
  await page.keyboard.type('kubectl get deployments -o name');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /deployment\.apps\/productpage-v1|kubectl is not installed/.test(document.querySelector('.xterm-rows')?.textContent ?? ''), undefined, { timeout: 60_000, polling: 250 });
  await page.waitForSelector('[data-testid=manifest-editor] .monaco-editor', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=topology]', { timeout: 30_000 });
  assert.deepEqual(await violations(), [], 'playground page');

  for (const path of ['/', '/lessons/', '/lessons/01-meet-the-mesh/', '/docs/api/', '/docs/api/playground/applyResources/', '/benchmarks/']) {
    const p = await freshPage(site.browser);
    const seen = await watchViolations(p);
    const r = await p.goto(`${site.pg.url}${path}`, { waitUntil: 'load' });
    assert.equal(r!.status(), 200, path);
    // Islands that hydrate on load/idle ran their (inline and module) scripts: a blocked script leaves `ssr` set.
    await p.waitForFunction(() => [...document.querySelectorAll('astro-island')].every((el) => !['load', 'idle'].includes(el.getAttribute('client') ?? '') || !el.hasAttribute('ssr')), undefined, { timeout: 30_000, polling: 250 });
    assert.equal(r!.headers()['x-content-type-options'], 'nosniff');
    assert.deepEqual(await seen(), [], path);
    await p.context().close();
  }
  await page.context().close();
});

test('another origin cannot frame the playground', { timeout: 60_000 }, async () => {
  const page = await freshPage(site.browser);
  const refusals: string[] = [];
  page.on('console', (m) => {
    if (/frame-ancestors|X-Frame-Options/i.test(m.text())) refusals.push(m.text());
  });
  // A page of another origin (about:blank) embedding the playground; the iframe's load event fires either way.
  await page.setContent(`<iframe id="f" width="400" height="300"></iframe>`);
  await page.evaluate((src) => new Promise<void>((resolve) => {
    const f = document.getElementById('f') as HTMLIFrameElement;
    f.addEventListener('load', () => resolve(), { once: true });
    f.src = src;
  }), `${site.pg.url}/playground/`);
  const frame = await (await page.$('#f'))!.contentFrame();
  assert.ok(frame);
  assert.doesNotMatch(frame.url(), /\/playground\//, `the frame shows an error page, not the playground: ${frame.url()}`);
  const content = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
  assert.doesNotMatch(content, /Terminal|Manifest/i, 'the framed page did not render');
  await page.waitForFunction(() => true); // let the console event arrive
  assert.ok(refusals.length > 0 || /chrome-error/.test(frame.url()), `Chromium refused the frame: ${refusals.join(' | ')} ${frame.url()}`);
  await page.context().close();
});
