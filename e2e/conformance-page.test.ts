// The conformance page in Chromium, built from the test fixture's data (not the shipped placeholder) and served
// with the real server's security headers: every test row matches the data (link, result, checks, reason), the
// profile summaries and SMI grades match the report, the page is axe-clean at desktop and 375 px in both themes,
// the search finds a test, and the report download parses back to the data's ConformanceReport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { DESKTOP, PHONE, freshPage, screenshot, seriousA11yViolations } from './site-helpers.js';
import { serveBuiltSite, type StaticSite } from './static-site.js';
import { parseConformanceData, type ConformanceSiteData } from '../site/src/lib/conformance/data-contract.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE = join(ROOT, 'test/fixtures/conformance-sample.json');
const BUILD_TIMEOUT_MS = 240_000;
const PAGE = '/conformance/';

const sample: ConformanceSiteData = parseConformanceData(readFileSync(SAMPLE, 'utf8'), SAMPLE);
let outDir = '';
let srcDir = '';
let server: StaticSite | undefined;
let base = '';
let browser: Browser | undefined;

/** The pages this file visits: the conformance page and its report, the home page (the search starts there), the search index. */
const PAGES = ['conformance', 'index.astro', '404.astro', 'search-index.json.ts'];

/**
 * The site as `npm run build` makes it (the same config, components, layout and styles), but from the fixture's data
 * (astro.config.mjs reads the variable) and with only the pages above: Astro builds the pages of its srcDir, so the
 * build gets one (inside site/, where Astro wants it) that links everything in site/src but holds copies of those
 * pages. The rest of the site (Monaco, the API docs) made this build take most of the file's time.
 */
function buildSite(dir: string, srcDir: string): Promise<void> {
  for (const entry of readdirSync(join(ROOT, 'site/src'))) if (entry !== 'pages') symlinkSync(join(ROOT, 'site/src', entry), join(srcDir, entry));
  for (const page of PAGES) cpSync(join(ROOT, 'site/src/pages', page), join(srcDir, 'pages', page), { recursive: true });
  const script = `import { build } from 'astro'; await build({ root: 'site', srcDir: ${JSON.stringify(srcDir)}, outDir: ${JSON.stringify(dir)}, logLevel: 'warn' });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, PLAYGROUND_CONFORMANCE_DATA: SAMPLE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`astro build ${signal ? `killed (${signal}) after ${BUILD_TIMEOUT_MS / 1000} s` : `exited with ${code}`}:\n${output}`));
    });
  });
}

test.before(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'pg-conformance-site-'));
  srcDir = mkdtempSync(join(ROOT, 'site/.e2e-src-'));
  await buildSite(outDir, srcDir);
  assert.ok(existsSync(join(outDir, 'conformance/index.html')) && existsSync(join(outDir, 'search-index.json')), `the build made the pages: ${readdirSync(outDir).join(' ')}`);
  server = await serveBuiltSite(outDir);
  base = server.base;
  browser = await launchChromium();
});

test.after(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (srcDir) rmSync(srcDir, { recursive: true, force: true });
});

test('every test row shows the data: link to the upstream source, result, what it checks, and the reason when not passed', { timeout: 60_000 }, async () => {
  const page = await freshPage(browser!);
  await page.goto(`${base}${PAGE}`);
  assert.equal(await page.getAttribute('.site-nav a[href="/conformance/"]', 'aria-current'), 'page', 'the navigation links the page and marks it current');
  assert.equal(await page.locator('[data-no-run]').count(), 0, 'a run with results does not say no run is recorded');
  for (const profile of sample.report.profiles) {
    const expected = sample.tests.filter((t) => t.profile === profile.name);
    const rows = await page.locator(`table[data-tests="${profile.name}"] tbody tr`).evaluateAll((trs) =>
      trs.map((tr) => ({
        name: tr.getAttribute('data-test'),
        href: tr.querySelector('th a')?.getAttribute('href'),
        linkText: tr.querySelector('th a')?.textContent?.trim(),
        badge: tr.querySelector('td .badge')?.textContent?.trim(),
        provisional: tr.querySelector('th .badge')?.textContent?.trim() === 'provisional',
        description: tr.querySelector('.test-description')?.textContent?.trim(),
        checks: [...tr.querySelectorAll('.checks li')].map((li) => li.textContent?.trim()),
        reason: tr.querySelector('td.reason')?.textContent?.trim(),
      })),
    );
    assert.equal(rows.length, expected.length, `${profile.name}: ${rows.length} rows for ${expected.length} tests`);
    rows.forEach((row, i) => {
      const t = expected[i];
      assert.deepEqual(row, {
        name: t.name,
        href: t.source,
        linkText: t.name,
        badge: t.result,
        provisional: t.provisional,
        description: t.description,
        checks: t.checks,
        reason: t.result === 'passed' ? '' : t.reason,
      });
    });
    // The summary states the report's own numbers.
    const summary = page.locator(`[data-profile-summary="${profile.name}"]`);
    const s = profile.core.statistics;
    assert.equal(await summary.locator('[data-counts=core]').textContent(), `${s.Passed} passed, ${s.Failed} failed, ${s.Skipped} skipped`);
    assert.equal(await summary.locator('[data-level-result=core]').textContent(), profile.core.result);
    if (profile.extended) {
      const e = profile.extended.statistics;
      assert.equal(await summary.locator('[data-counts=extended]').textContent(), `${e.Passed} passed, ${e.Failed} failed, ${e.Skipped} skipped`);
      for (const f of profile.extended.supportedFeatures ?? []) assert.ok(await summary.getByText(f, { exact: true }).count(), `${profile.name} lists supported feature ${f}`);
    }
  }
  // Failed and skipped tests in the fixture are really shown as such (the sample has all three kinds).
  assert.ok(sample.tests.some((t) => t.result === 'failed') && sample.tests.some((t) => t.result === 'skipped'), 'the fixture covers failed and skipped tests');
  for (const c of sample.smi) {
    const row = page.locator(`tr[data-capability="${c.capability}"]`);
    assert.equal(await row.getAttribute('data-grade'), c.grade);
    assert.equal((await row.locator('td .badge').first().textContent())?.trim(), c.grade);
    const scenarios = await row.locator('li[data-scenario]').evaluateAll((lis) => lis.map((li) => ({ name: li.getAttribute('data-scenario'), result: li.getAttribute('data-result'), text: li.textContent ?? '' })));
    assert.deepEqual(scenarios.map((s) => [s.name, s.result]), c.scenarios.map((s) => [s.name, s.result]));
    c.scenarios.forEach((s, i) => s.reason && assert.ok(scenarios[i].text.includes(s.reason), `${c.capability}: the reason "${s.reason}" is shown`));
  }
  for (const command of ['npx playground conformance', '--kubeconfig', '--only', '--report']) {
    assert.ok(((await page.locator('#run-it-yourself ~ pre, section[aria-labelledby=run-it-yourself] pre').allTextContents()).join('\n')).includes(command), `how to run it shows ${command}`);
  }
  // Static: no island and no script beyond the layout's one module (theme, search, session chip).
  assert.equal(await page.locator('astro-island').count(), 0);
  assert.equal(await page.locator('script[type=module]').count(), 1);
  await screenshot(page, 'conformance-desktop');
  await page.context().close();
});

test('no serious accessibility violations at desktop and 375 px in both themes, and nothing scrolls sideways on a phone', { timeout: 90_000 }, async () => {
  const problems: string[] = [];
  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    const page = await freshPage(browser!, viewport);
    await page.goto(`${base}${PAGE}`, { waitUntil: 'load' });
    // Every rule in one theme per width (light at desktop, dark at 375 px), the colour rules in the other: the themes
    // change colours only.
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => void (document.documentElement.dataset.theme = t), theme);
      problems.push(...(await seriousA11yViolations(page, { coloursOnly: theme !== (label === 'desktop' ? 'light' : 'dark') })).map((v) => `${label} ${theme}: ${v}`));
    }
    if (label === 'phone') {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at 375 px`);
      await page.evaluate(() => void (document.documentElement.dataset.theme = 'light'));
      await screenshot(page, 'conformance-phone');
    }
    await page.context().close();
  }
  assert.deepEqual(problems, []);
});

test('the report download is the data\'s ConformanceReport as YAML', { timeout: 60_000 }, async () => {
  const page = await freshPage(browser!);
  await page.goto(`${base}${PAGE}`);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByRole('link', { name: 'Download the report (YAML)' }).click()]);
  assert.equal(download.suggestedFilename(), 'conformance-report.yaml');
  const path = await download.path();
  const text = readFileSync(path, 'utf8');
  assert.deepEqual(parseYaml(text), sample.report);
  // As the upstream suite writes it: sorted keys, the kind and version a report reader checks.
  assert.match(text, /^apiVersion: gateway\.networking\.k8s\.io\/v1\ndate: "/);
  assert.match(text, /\nkind: ConformanceReport\n/);
  await page.context().close();
});

test('the site search finds a conformance test and links to its row', { timeout: 60_000 }, async () => {
  const failed = sample.tests.find((t) => t.result === 'failed')!;
  const page = await freshPage(browser!);
  await page.goto(`${base}/`);
  await page.locator('#site-search').fill(failed.name);
  const hit = page.locator(`#search-results a[href="/conformance/#test-${failed.profile.toLowerCase()}-${failed.name.toLowerCase()}"]`);
  await hit.first().waitFor({ timeout: 15_000 });
  await hit.first().click();
  await page.waitForURL(/\/conformance\/#/, { timeout: 15_000 });
  assert.equal(await page.locator(':target').getAttribute('data-test'), failed.name);
  await page.context().close();
});
