// Shared e2e steps: a fresh page, waiting for the session, a lesson's blocks and checks, screenshots at desktop
// and phone width, axe, and the gzipped JS a page loads before any interaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { SCREENSHOT_DIR, launchChromium } from './browser.js';
import { startPlayground, type PlaygroundProcess } from './playground-process.js';

export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

/** What an e2e file drives: its own `playground up` and Chromium. `pg` is writable so a test can restart the server. */
export interface SiteUnderTest {
  pg: PlaygroundProcess;
  browser: Browser;
}

/** Starts the site under test before the file's tests and stops it after them (call once at module level). */
export function siteUnderTest(): SiteUnderTest {
  // Filled in by test.before; the tests only read it once it has run.
  const site = {} as Partial<SiteUnderTest>;
  test.before(async () => {
    site.pg = await startPlayground();
    site.browser = await launchChromium();
  });
  test.after(async () => {
    await site.browser?.close();
    await site.pg?.stop();
    // Every answer the server sent during the file matched the spec (it checks each one: PLAYGROUND_VALIDATE_RESPONSES).
    if (site.pg?.contractViolations.length) throw new Error(`answers that do not match openapi/playground.yaml:\n${site.pg.contractViolations.slice(0, 5).join('\n')}`);
  });
  return site as SiteUnderTest;
}

export async function freshPage(browser: Browser, viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport });
  return context.newPage();
}

export async function waitForSession(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(() => document.getElementById('session-chip')?.dataset.state === 'ready', undefined, { timeout, polling: 250 });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(fileURLToPath(SCREENSHOT_DIR), { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR)), fullPage: true });
}

/**
 * The axe rules (of the tags below) that judge colours. The themes change colours only, so a page checked in full in
 * one theme needs only these in the other.
 */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/** Violations axe rates serious or critical (the bar), as readable lines; `coloursOnly`: COLOUR_RULES alone. */
export async function seriousA11yViolations(page: Page, { coloursOnly = false } = {}): Promise<string[]> {
  const axe = new AxeBuilder({ page })
    // axe.run in the page itself. The default runs axe per frame and merges the results in a blank page it opens for
    // every call (a new renderer each time): twice the time for the same results, as the site has no iframes
    // (legacy mode skips only cross-origin ones).
    .setLegacyMode()
    // Monaco's own chrome (dimmed line numbers) is third-party UI we do not style.
    .exclude('.monaco-editor');
  const result = await (coloursOnly ? axe.withRules(COLOUR_RULES) : axe.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** How long no script may be requested or answered before the page counts as done loading its scripts by itself. */
const SCRIPTS_QUIET_MS = 500;

/** Sum of the gzipped sizes of every script the page loads up to the load event, before any interaction. */
export async function initialJsGzipBytes(browser: Browser, url: string): Promise<{ total: number; files: Record<string, number> }> {
  const page = await freshPage(browser);
  const files: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  // Scripts requested and not yet answered, and when a script was last requested or answered.
  let inFlight = 0;
  let lastActivity = Date.now();
  page.on('request', (req) => {
    if (req.resourceType() !== 'script') return;
    inFlight++;
    lastActivity = Date.now();
  });
  const settled = (req: { resourceType(): string }) => {
    if (req.resourceType() !== 'script') return;
    inFlight--;
    lastActivity = Date.now();
  };
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'script') return;
    pending.push(res.body().then((b) => void (files[new URL(res.url()).pathname] = gzipSync(b).length), () => undefined));
  });
  await page.goto(url, { waitUntil: 'load' });
  // Let module scripts the page starts by itself (islands on idle) finish loading, no clicks, no focus: until no script
  // has been requested or answered for SCRIPTS_QUIET_MS. Not the network at large: some pages poll the session.
  for (const deadline = Date.now() + 15_000; (inFlight > 0 || Date.now() - lastActivity < SCRIPTS_QUIET_MS) && Date.now() < deadline; ) await page.waitForTimeout(50);
  assert.equal(inFlight, 0, `${url}: scripts still loading 15 s after the load event`);
  await Promise.all(pending);
  // Inline module scripts count too.
  const inline = await page.$$eval('script:not([src])', (els) => els.map((e) => e.textContent ?? ''));
  files['(inline scripts)'] = inline.reduce((s, t) => s + gzipSync(Buffer.from(t)).length, 0);
  await page.context().close();
  return { total: Object.values(files).reduce((a, b) => a + b, 0), files };
}

/** Click a lesson's Check button (index among the page's checks) and wait for its verdict. */
type JsFigures = Awaited<ReturnType<typeof initialJsGzipBytes>>;

/** Adds pages' JS figures to test-results/js-budget.json (several test files write there; each keeps the others'). */
export function recordJsFigures(figures: Record<string, JsFigures>): void {
  const out = fileURLToPath(new URL('../test-results/js-budget.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('../test-results/', import.meta.url)), { recursive: true });
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, JsFigures>) : {};
  writeFileSync(out, JSON.stringify({ ...all, ...figures }, null, 2));
}

export async function clickCheck(page: Page, index: number, timeout = 30_000): Promise<{ passed: boolean; text: string }> {
  const box = page.locator('.check').nth(index);
  const result = box.locator('.check-result');
  await box.locator('button').click();
  await page.waitForFunction((i) => document.querySelectorAll('.check .check-result')[i]?.hasAttribute('data-passed'), index, { timeout, polling: 250 });
  return { passed: (await result.getAttribute('data-passed')) === 'true', text: (await result.textContent()) ?? '' };
}

/** Click a lesson's manifest block's Apply (index among apply blocks) and return its output once applied. */
export async function applyBlock(page: Page, index: number): Promise<string> {
  const block = page.locator('[data-kind=apply]').nth(index);
  await block.locator('button').click();
  await page.waitForFunction((i) => /applied/.test(document.querySelectorAll('[data-kind=apply] .runnable-state')[i]?.textContent ?? ''), index, { timeout: 30_000, polling: 250 });
  return (await block.locator('.runnable-output').textContent()) ?? '';
}

/** Click a lesson's runnable block's Run (index among run blocks); wait until every line ran; return state and output. */
export async function runBlock(page: Page, index: number, timeout = 60_000): Promise<{ ok: boolean; output: string }> {
  const block = page.locator('[data-kind=run]').nth(index);
  await block.locator('button').click();
  await page.waitForFunction((i) => /^(done|finished with errors)$/.test(document.querySelectorAll('[data-kind=run] .runnable-state')[i]?.textContent ?? ''), index, { timeout, polling: 250 });
  return { ok: (await block.getAttribute('data-ran')) === 'ok', output: (await block.locator('.runnable-output').textContent()) ?? '' };
}
