// Try it on a kind, in Chromium against `playground up`: on the HTTPRoute reference page a worked example with a
// weighted split opens in Monaco (loaded on the click, not before: the page ships only the loader), a weight set to
// -1 is refused by the sandbox's dry run with the error marked at that line, weights 100/0 apply, the route reports
// Accepted=True, every request sent through the mesh is served by the first backend's Deployment, and Undo puts the
// previous object back (a second apply undone) and then deletes the route (it did not exist before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { parseDocument } from 'yaml';
import { lineOfPath } from '../site/src/islands/kind-try-it-lines.ts';
import { DESKTOP, PHONE, freshPage, initialJsGzipBytes, recordJsFigures, screenshot, seriousA11yViolations, siteUnderTest, waitForSession } from './site-helpers.js';

const site = siteUnderTest();
const PAGE = '/docs/reference/gateway.networking.k8s.io/httproute/';
/** JS before interaction on a reference page (the budget). */
const JS_BUDGET_BYTES = 10 * 1024;
const REQUESTS = 6;

/** Replace line `n` (1-based) of the panel's editor, keeping its indentation, by typing like a person. */
async function replaceLine(panel: Locator, n: number, text: string): Promise<void> {
  const page = panel.page();
  await panel.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
}

/** Line numbers (as Monaco shows them) carrying an error squiggle in the panel's editor. */
function squiggleLines(panel: Locator): Promise<number[]> {
  return panel.locator('.monaco-editor').evaluate((editor) => {
    const numberAt = new Map<string, number>();
    for (const el of editor.querySelectorAll<HTMLElement>('.margin-view-overlays > div')) numberAt.set(el.style.top, Number(el.textContent?.trim()));
    const lines = new Set<number>();
    for (const el of editor.querySelectorAll<HTMLElement>('.view-overlays > div')) if (el.querySelector('.squiggly-error')) lines.add(numberAt.get(el.style.top) ?? -1);
    return [...lines].sort((a, b) => a - b);
  });
}

async function waitOutcome(panel: Locator, want: 'ok' | 'error'): Promise<string> {
  await panel.locator(`[data-testid=kind-try-it-outcome][data-outcome=${want}]`).waitFor({ timeout: 60_000 });
  return (await panel.locator('[data-testid=kind-try-it-outcome]').textContent()) ?? '';
}

const getRoute = (page: Page, name: string) =>
  page.evaluate(async (n) => {
    const r = await fetch(`/api/session/resources/httproutes/${n}`);
    return { status: r.status, body: (await r.json()) as { spec?: { rules?: { backendRefs?: { weight?: number }[] }[] } } };
  }, name);

test('the JS a reference page loads before interaction is the loader alone, within budget', { timeout: 60_000 }, async () => {
  const figures = await initialJsGzipBytes(site.browser, `${site.pg.url}${PAGE}`);
  console.log(`JS before interaction, reference page: ${(figures.total / 1024).toFixed(1)} KB gzipped (budget ${JS_BUDGET_BYTES / 1024} KB)`);
  recordJsFigures({ 'reference-page': figures });
  assert.ok(figures.total <= JS_BUDGET_BYTES, `the reference page ships ${figures.total} gzipped bytes before interaction: ${JSON.stringify(figures.files)}`);
  assert.ok(!Object.keys(figures.files).some((f) => /monaco|CodeEditor|KindTryIt|kind-try-it-mount|editor\.api/i.test(f)), `the editor loaded before any click: ${Object.keys(figures.files).join(', ')}`);
});

test('HTTPRoute: dry run marks the bad weight at its line, apply shows Accepted=True and the chosen backend serving, undo restores then deletes', { timeout: 300_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}${PAGE}`);
  // The first worked example that splits rule 0 between two weighted backends.
  const sections = page.locator('section[data-kind-example][data-kind="HTTPRoute"]');
  const texts = await sections.evaluateAll((els) => els.map((e) => e.querySelector('pre')?.textContent ?? ''));
  const index = texts.findIndex((t) => {
    const refs = (parseDocument(t).toJS() as { spec?: { rules?: { backendRefs?: { weight?: number }[] }[] } } | null)?.spec?.rules?.[0]?.backendRefs ?? [];
    return refs.length >= 2 && refs.slice(0, 2).every((r) => typeof r.weight === 'number');
  });
  assert.ok(index >= 0, `no HTTPRoute example splits rule 0 between two weighted backends (${texts.length} examples)`);
  const yamlText = texts[index];
  const doc = parseDocument(yamlText);
  const route = doc.toJS() as { metadata: { name: string }; spec: { rules: { backendRefs: { name: string }[] }[] } };
  const weightLine = (i: number) => lineOfPath(yamlText, doc, ['spec', 'rules', 0, 'backendRefs', i, 'weight'])!.line;
  const [first, second] = [weightLine(0), weightLine(1)];
  const chosen = route.spec.rules[0].backendRefs[0].name;

  const section = sections.nth(index);
  assert.equal(await section.locator('[data-testid=kind-try-it]').count(), 0, 'nothing is mounted before the click');
  await section.getByRole('button', { name: /^Try it/ }).click();
  const panel = section.locator('[data-testid=kind-try-it]');
  await panel.locator('.monaco-editor .view-lines').waitFor({ timeout: 60_000 });
  assert.equal(await section.locator('pre').first().isHidden(), true, 'the editor takes the static listing\'s place');
  await waitForSession(page);
  assert.equal((await getRoute(page, route.metadata.name)).status, 404, 'a fresh session has no such route');

  // An invalid weight: the sandbox's dry run refuses it, and the error sits on that line.
  await replaceLine(panel, first, 'weight: -1');
  await panel.getByRole('button', { name: 'Dry run' }).click();
  const refused = await waitOutcome(panel, 'error');
  assert.match(refused, /Invalid|invalid/, refused);
  const located = panel.locator(`[data-testid=kind-try-it-errors] li[data-line="${first}"]`);
  assert.equal(await located.count(), 1, `no error listed at line ${first}: ${refused}`);
  assert.match((await located.getAttribute('data-field')) ?? '', /^spec\.rules\[0\]\.backendRefs\[0\]\.weight$/);
  await page.waitForFunction(() => document.querySelector('[data-testid=kind-try-it] .squiggly-error') !== null, undefined, { timeout: 10_000, polling: 250 });
  assert.ok((await squiggleLines(panel)).includes(first), `no error marker on line ${first}`);
  // F8 from the top opens the first marker: the sandbox's own message (the editor's schema check sits further right).
  await panel.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('F8');
  await page.waitForFunction(() => /backendRefs\[0\]\.weight: Invalid value: -1/.test(document.querySelector('[data-testid=kind-try-it] .marker-widget')?.textContent ?? ''), undefined, { timeout: 10_000, polling: 250 });
  // The next marker is the editor's own, from the kind's schema (minimum 0), once its YAML worker has checked the text.
  let schemaMarker = '';
  for (let i = 0; i < 20 && !/minimum/i.test(schemaMarker); i++) {
    await page.keyboard.press('F8');
    await page.waitForTimeout(250);
    schemaMarker = (await panel.locator('.marker-widget').first().textContent().catch(() => '')) ?? '';
  }
  assert.match(schemaMarker, /minimum/i, 'the editor validates against the kind\'s schema');
  await page.keyboard.press('Escape');
  assert.equal((await getRoute(page, route.metadata.name)).status, 404, 'a dry run changes nothing');
  await screenshot(page, 'reference-try-it-dry-run');

  // A valid split, everything to the first backend: applied, accepted, and every request served by it.
  await replaceLine(panel, first, 'weight: 100');
  await replaceLine(panel, second, 'weight: 0');
  await panel.getByRole('button', { name: 'Apply', exact: true }).click();
  assert.match(await waitOutcome(panel, 'ok'), /Applied httproute\//);
  await panel.locator('[data-testid=kind-try-it-conditions] li[data-condition=Accepted][data-status=True]').first().waitFor({ timeout: 30_000 });
  assert.equal(await panel.locator('[data-testid=kind-try-it-conditions] li[data-condition=Accepted][data-status=False]').count(), 0);
  assert.match((await panel.getByRole('textbox', { name: /GET from the curl workload/ }).inputValue()), /^http:\/\/\S+/);
  await panel.getByRole('spinbutton', { name: 'requests' }).fill(String(REQUESTS));
  await panel.getByRole('button', { name: 'Send' }).click();
  await page.waitForFunction((n) => document.querySelector('[data-testid=kind-try-it-served] p')?.textContent?.startsWith(`${n} sent`) && !document.querySelector('[data-testid=kind-try-it] button[type=submit]')?.hasAttribute('disabled'), REQUESTS, { timeout: 90_000, polling: 250 });
  const served = await panel.locator('[data-testid=kind-try-it-served] li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-backend')}=${e.getAttribute('data-count')}`));
  assert.deepEqual(served, [`${chosen}=${REQUESTS}`], `every request should be served by ${chosen}`);
  assert.deepEqual((await getRoute(page, route.metadata.name)).body.spec?.rules?.[0].backendRefs?.slice(0, 2).map((r) => r.weight), [100, 0]);
  for (const [label, viewport] of [['desktop', null], ['phone', PHONE]] as const) {
    if (viewport) await page.setViewportSize(viewport);
    assert.deepEqual(await seriousA11yViolations(page), [], `${label}: serious accessibility violations with the try-it open`);
  }
  await screenshot(page, 'reference-try-it-applied');
  await page.setViewportSize(DESKTOP);

  // A second apply (the split reversed), undone: the first applied object is back.
  await replaceLine(panel, first, 'weight: 0');
  await replaceLine(panel, second, 'weight: 100');
  await panel.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForFunction(() => /Applied/.test(document.querySelector('[data-testid=kind-try-it-outcome]')?.textContent ?? '') && document.querySelector('[data-testid=kind-try-it] button[title^="Put back"]')?.textContent === 'Undo (2)', undefined, { timeout: 60_000, polling: 250 });
  assert.deepEqual((await getRoute(page, route.metadata.name)).body.spec?.rules?.[0].backendRefs?.slice(0, 2).map((r) => r.weight), [0, 100]);
  await panel.getByRole('button', { name: /^Undo/ }).click();
  await page.waitForFunction(() => /Undone/.test(document.querySelector('[data-testid=kind-try-it-outcome]')?.textContent ?? ''), undefined, { timeout: 30_000, polling: 250 });
  assert.match((await panel.locator('[data-testid=kind-try-it-outcome]').textContent()) ?? '', /restored as it was/);
  assert.deepEqual((await getRoute(page, route.metadata.name)).body.spec?.rules?.[0].backendRefs?.slice(0, 2).map((r) => r.weight), [100, 0], 'the previous object is back');

  // Undo again: the route did not exist before the first apply, so it is deleted.
  await panel.getByRole('button', { name: /^Undo/ }).click();
  await page.waitForFunction(() => /deleted \(it did not exist before\)/.test(document.querySelector('[data-testid=kind-try-it-outcome]')?.textContent ?? ''), undefined, { timeout: 30_000, polling: 250 });
  assert.equal((await getRoute(page, route.metadata.name)).status, 404, 'undo deleted the route it had created');
  assert.equal(await panel.getByRole('button', { name: /^Undo/ }).isDisabled(), true, 'nothing left to undo');
  await page.context().close();
});
