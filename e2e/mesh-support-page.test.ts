// The mesh support page in Chromium, from the site `npm run build` made (scripts/test.sh builds it before the tests;
// PLAYGROUND_SITE_DIR names another build), served with the real server's security headers: every kind of the data
// file has its section and field table, known rows show the registry's level and note, the navigation links the page,
// it ships no island, and axe finds nothing serious at desktop in both themes and at 375 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { DESKTOP, PHONE, freshPage, screenshot, seriousA11yViolations } from './site-helpers.js';
import { serveBuiltSite, type StaticSite } from './static-site.js';
import { parseMeshSupportData } from '../site/src/lib/mesh-support/data-contract.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SITE = resolve(process.env.PLAYGROUND_SITE_DIR ?? join(ROOT, 'dist/site'));
const DATA = join(ROOT, 'site/src/data/mesh-support.json');
const PAGE = '/docs/mesh-support/';

const data = parseMeshSupportData(JSON.parse(readFileSync(DATA, 'utf8')), DATA);
let server: StaticSite | undefined;
let base = '';
let browser: Browser | undefined;

test.before(async () => {
  assert.ok(existsSync(join(SITE, 'docs/mesh-support/index.html')), `no built mesh support page in ${SITE}: run \`npm run build\` first (or set PLAYGROUND_SITE_DIR to a build)`);
  server = await serveBuiltSite(SITE);
  base = server.base;
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

test('every kind has its section and field table; known rows show the registry\'s level and note', { timeout: 60_000 }, async () => {
  const page = await freshPage(browser!);
  await page.goto(`${base}${PAGE}`);
  assert.equal(await page.getAttribute('.site-nav a[href="/docs/mesh-support/"]', 'aria-current'), 'page', 'the navigation links the page and marks it current');
  const kinds = data.apis.flatMap((a) => a.kinds);
  assert.deepEqual(
    await page.locator('article[data-kind]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-group')}/${e.getAttribute('data-kind')} ${e.querySelectorAll('tbody tr').length}`)),
    kinds.map((k) => `${k.group}/${k.kind} ${k.fields.length}`),
  );
  assert.deepEqual(await page.locator('section[data-api] > h2').allTextContents(), data.apis.map((a) => a.api));

  // A kind served but not honoured: one `spec` row marked none, with the reason applying it warns with.
  const envoyFilter = page.locator('table[data-fields="networking.istio.io/EnvoyFilter"] tr[data-field="spec"]');
  assert.equal(await envoyFilter.getAttribute('data-support'), 'none');
  assert.equal((await envoyFilter.locator('.badge').textContent())?.trim(), 'none');
  assert.match((await envoyFilter.locator('td.support-note').textContent()) ?? '', /the sandbox proxy is not Envoy/);
  assert.equal(await page.locator('article[data-kind="EnvoyFilter"] [data-versions]').textContent(), 'networking.istio.io/v1alpha3');

  // A supported kind: its partial and none rows, and its upstream reference.
  const httpRoute = page.locator('article[data-kind="HTTPRoute"][data-group="gateway.networking.k8s.io"]');
  assert.equal(await httpRoute.locator('tr[data-field="spec.rules[].sessionPersistence"] .badge').textContent(), 'none');
  assert.equal(await httpRoute.locator('tr[data-field="spec.rules[].timeouts"] .badge').textContent(), 'full');
  assert.equal(await httpRoute.locator('dd a').getAttribute('href'), 'https://gateway-api.sigs.k8s.io/reference/spec/#httproute');
  // The summary table links each kind to its section.
  await page.locator('tr[data-kind-summary="EnvoyFilter"] a').click();
  await page.waitForURL(/#kind-networking-istio-io-envoyfilter$/, { timeout: 15_000 });
  // Static: no island and no script beyond the layout's one module.
  assert.equal(await page.locator('astro-island').count(), 0);
  assert.equal(await page.locator('script[type=module]').count(), 1);
  await screenshot(page, 'mesh-support-desktop');
  await page.context().close();
});

test('no serious accessibility violations at desktop (both themes) and 375 px, and nothing scrolls sideways on a phone', { timeout: 120_000 }, async () => {
  const problems: string[] = [];
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    const page = await freshPage(browser!, viewport);
    await page.goto(`${base}${PAGE}`, { waitUntil: 'load' });
    // Both themes at desktop; at 375 px the layout, not the colours, changes: one theme keeps axe's cost down on a long
    // page. The second theme at desktop needs only the colour rules (the themes change colours only).
    for (const theme of label === 'desktop' ? ['light', 'dark'] : ['dark']) {
      await page.evaluate((t) => void (document.documentElement.dataset.theme = t), theme);
      problems.push(...(await seriousA11yViolations(page, { coloursOnly: theme === 'dark' && label === 'desktop' })).map((v) => `${label} ${theme}: ${v}`));
    }
    if (label === 'phone') {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at 375 px`);
      await page.evaluate(() => void (document.documentElement.dataset.theme = 'light'));
      await screenshot(page, 'mesh-support-phone');
    }
    await page.context().close();
  }
  assert.deepEqual(problems, []);
});
