// The mesh reference pages (and the scale-test results page) in Chromium, from the site `npm run build` made (PLAYGROUND_SITE_DIR names another build),
// served with the real server's security headers: the navigation reaches the index, the index links every kind, a
// deep link to a nested field opens its ancestors and shows it, the tree expands with no script, the page ships at
// most 10 KB of JS before interaction, and axe finds nothing serious at desktop (both themes) and at 375 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { DESKTOP, PHONE, freshPage, initialJsGzipBytes, screenshot, seriousA11yViolations } from './site-helpers.js';
import { serveBuiltSite, type StaticSite } from './static-site.js';
import type { MeshReferenceData } from '../site/src/lib/reference/reference-model.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SITE = resolve(process.env.PLAYGROUND_SITE_DIR ?? join(ROOT, 'dist/site'));
const HTTPROUTE = '/docs/reference/gateway.networking.k8s.io/httproute/';
const JS_BUDGET_BYTES = 10 * 1024;
const data = JSON.parse(readFileSync(join(ROOT, 'site/src/data/mesh-reference.json'), 'utf8')) as MeshReferenceData;

let server: StaticSite | undefined;
let base = '';
let browser: Browser | undefined;

test.before(async () => {
  assert.ok(existsSync(join(SITE, 'docs/reference/index.html')), `no built reference in ${SITE}: run \`npm run build\` first (or set PLAYGROUND_SITE_DIR to a build)`);
  server = await serveBuiltSite(SITE);
  base = server.base;
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

test('the nav reaches the index, which links every kind; a deep link opens a nested field and its ancestors', { timeout: 60_000 }, async () => {
  const page = await freshPage(browser!);
  await page.goto(`${base}/`);
  await page.locator('.site-nav a[href="/docs/reference/"]').click();
  await page.waitForURL(/\/docs\/reference\/$/);
  assert.equal(await page.getAttribute('.site-nav a[href="/docs/reference/"]', 'aria-current'), 'page');
  assert.deepEqual(
    (await page.locator('tr[data-reference-kind]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-reference-kind')))).sort(),
    data.kinds.map((k) => `${k.group}/${k.kind}`).sort(),
  );
  await page.locator('tr[data-reference-kind="gateway.networking.k8s.io/HTTPRoute"] a').click();
  await page.waitForURL(new RegExp(`${HTTPROUTE}$`));

  // A fragment naming a field three levels down: the field and every ancestor are open, the field is on screen.
  const target = 'spec.rules.backendRefs.weight';
  await page.goto(`${base}${HTTPROUTE}#${target}`);
  const field = page.locator(`[id="${target}"]`);
  await field.locator('> details > .sf-body').waitFor({ state: 'visible', timeout: 10_000 });
  const chain = await field.evaluate((el) => {
    const out: string[] = [`${el.id}:${(el.querySelector(':scope > details') as HTMLDetailsElement).open}`];
    for (let n: Element | null = el.parentElement; n; n = n.parentElement) if (n.tagName === 'DETAILS') out.push(`${n.parentElement?.id}:${(n as HTMLDetailsElement).open}`);
    return out;
  });
  assert.deepEqual(chain, ['spec.rules.backendRefs.weight:true', 'spec.rules.backendRefs:true', 'spec.rules:true', 'spec:true']);
  assert.ok(await field.locator('> details > summary').isVisible());
  assert.match((await field.locator('.sf-facts').textContent()) ?? '', /default\s*1[\s\S]*maximum\s*1000000/);
  // A link to another field works on the same page (hash change): status.parents opens.
  await page.evaluate(() => void (location.hash = '#status.parents.conditions'));
  await page.locator('[id="status.parents.conditions"] > details > .sf-body').waitFor({ state: 'visible', timeout: 10_000 });
  // Expanding needs no script: a closed field opens on click of its summary.
  const closed = page.locator('[id="spec.rules.matches"] > details');
  assert.equal(await closed.evaluate((d) => (d as HTMLDetailsElement).open), false);
  await closed.locator('> summary').click();
  assert.equal(await closed.evaluate((d) => (d as HTMLDetailsElement).open), true);
  // The worked example sections follow the try-it DOM contract.
  const example = page.locator('#example-split-reviews');
  assert.equal(await example.getAttribute('data-kind'), 'HTTPRoute');
  assert.equal(await example.getAttribute('data-plural'), 'httproutes');
  assert.match((await example.locator('pre code.language-yaml').textContent()) ?? '', /weight: 90/);
  await page.context().close();
});

test('the scale-test page draws its charts from the committed run and says where it stopped and why; axe-clean at desktop and 375 px', { timeout: 60_000 }, async () => {
  // The same static-page checks as the reference's, on /benchmarks/scale/ (site data from `playground scale-test --site-data`).
  const scale = JSON.parse(readFileSync(join(ROOT, 'site/src/data/scale-test.json'), 'utf8')) as { report: { verdict: { summary: string }; steps: unknown[] } };
  const problems: string[] = [];
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    const page = await freshPage(browser!, viewport);
    await page.goto(`${base}/benchmarks/scale/`, { waitUntil: 'load' });
    assert.equal((await page.locator('[data-verdict]').textContent())?.replace(/\s+/g, ' ').trim(), `Stopped scaling: ${scale.report.verdict.summary}`);
    for (const chart of ['load', 'api', 'data-plane', 'timeline']) {
      const svg = page.locator(`[data-chart=${chart}] svg[role=img]`);
      assert.equal(await svg.count(), 1, `chart ${chart}`);
      assert.ok((await svg.locator('polyline, path, circle, rect').count()) > 0, `chart ${chart} draws something`);
    }
    assert.equal(await page.locator('#steps ~ * tbody tr, section[aria-labelledby=steps] tbody tr').count() > 0, true, 'the steps table has rows');
    problems.push(...(await seriousA11yViolations(page)).map((v) => `scale ${label}: ${v}`));
    if (label === 'phone') {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `/benchmarks/scale/ scrolls sideways by ${overflow}px at 375 px`);
    }
    await screenshot(page, `scale-test-${label}`);
    await page.context().close();
  }
  assert.ok(scale.report.steps.length > 0);
  assert.deepEqual(problems, []);
});

test('a reference page ships at most 10 KB of gzipped JS before interaction', { timeout: 60_000 }, async () => {
  const figures = await initialJsGzipBytes(browser!, `${base}${HTTPROUTE}`);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results/js-budget-reference.json'), JSON.stringify({ 'reference-httproute': figures }, null, 2));
  console.log(`JS before interaction, reference page: ${(figures.total / 1024).toFixed(1)} KB gzipped (budget ${JS_BUDGET_BYTES / 1024} KB)`);
  assert.ok(figures.total > 0, 'no script measured — the measurement is broken');
  assert.ok(figures.total <= JS_BUDGET_BYTES, `${figures.total} gzipped bytes: ${JSON.stringify(figures.files)}`);
});

test('no serious accessibility violations on the index and a kind page at desktop (both themes) and 375 px; nothing scrolls sideways', { timeout: 180_000 }, async () => {
  const problems: string[] = [];
  // A small kind page (the tree's markup is the same on every page; axe over HTTPRoute's 200 fields takes minutes),
  // with a nested field opened by its link so the open markup is checked too.
  for (const path of ['/docs/reference/', '/docs/reference/security.istio.io/peerauthentication/#spec.mtls.mode']) {
    for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const page = await freshPage(browser!, viewport);
      await page.goto(`${base}${path}`, { waitUntil: 'load' });
      // Both themes on the kind page at desktop; one elsewhere (the colours are the layout's and the tree's, checked there).
      // The dark theme there needs only the colour rules (the themes change colours only).
      const kindAtDesktop = label === 'desktop' && path !== '/docs/reference/';
      for (const theme of kindAtDesktop ? ['light', 'dark'] : ['dark']) {
        await page.evaluate((t) => void (document.documentElement.dataset.theme = t), theme);
        problems.push(...(await seriousA11yViolations(page, { coloursOnly: kindAtDesktop && theme === 'dark' })).map((v) => `${path} ${label} ${theme}: ${v}`));
      }
      if (label === 'desktop' && path !== '/docs/reference/') await screenshot(page, 'reference-kind-desktop');
      if (label === 'phone') {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `${path} scrolls sideways by ${overflow}px at 375 px`);
        if (path !== '/docs/reference/') await screenshot(page, 'reference-kind-phone');
      }
      await page.context().close();
    }
  }
  assert.deepEqual(problems, []);
});
