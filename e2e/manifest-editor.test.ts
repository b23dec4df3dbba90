// The playground's Monaco manifest editor in a real browser against `playground up`: a manifest the server
// rejects (HTTPRoute weight -1) gets the server's error as a marker on the offending line, the fixed manifest
// applies, and typing in an HTTPRoute offers completions from the generated schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { freshPage, screenshot, waitForSession, siteUnderTest } from './site-helpers.js';

const site = siteUnderTest();

/** Replace line `n` (1-based) of the editor's text, keeping its indentation, by typing like a person. */
async function replaceLine(page: Page, n: number, text: string): Promise<void> {
  await page.locator('[data-testid=manifest-editor] .monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type(text);
}

/** The text of line `n` (1-based) as rendered: Monaco reuses line elements, so find it by its line number's position. */
function lineText(page: Page, n: number): Promise<string> {
  return page.evaluate((i) => {
    const editor = document.querySelector('[data-testid=manifest-editor] .monaco-editor')!;
    const margin = [...editor.querySelectorAll<HTMLElement>('.margin-view-overlays > div')].find((el) => el.textContent?.trim() === String(i));
    const line = [...editor.querySelectorAll<HTMLElement>('.view-line')].find((el) => margin && el.style.top === margin.style.top);
    return (line?.textContent ?? '').replace(/\s+/g, ' ').trim();
  }, n);
}

/** Line numbers (as Monaco shows them) that carry an error squiggle. */
function squiggleLines(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const editor = document.querySelector('[data-testid=manifest-editor] .monaco-editor')!;
    const numberAt = new Map<string, number>();
    for (const el of editor.querySelectorAll<HTMLElement>('.margin-view-overlays > div')) numberAt.set(el.style.top, Number(el.textContent?.trim()));
    const lines = new Set<number>();
    for (const el of editor.querySelectorAll<HTMLElement>('.view-overlays > div')) {
      if (el.querySelector('.squiggly-error')) lines.add(numberAt.get(el.style.top) ?? -1);
    }
    return [...lines].sort((a, b) => a - b);
  });
}

test('the manifest editor marks the server\'s error at its line, applies a valid manifest and completes from the schema', { timeout: 180_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/playground/`);
  await waitForSession(page);
  await page.waitForSelector('[data-testid=manifest-editor] .monaco-editor .view-lines', { timeout: 60_000 });
  const status = page.locator('[data-testid=apply-status]');

  // The starter route has reviews-v1's weight on line 15; make it invalid.
  assert.equal(await lineText(page, 15), 'weight: 90');
  assert.deepEqual(await squiggleLines(page), [], 'the starter manifest is valid');
  await replaceLine(page, 15, 'weight: -1');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=apply-status]')?.classList.contains('fail'), undefined, { timeout: 30_000, polling: 250 });
  const failure = (await status.textContent()) ?? '';
  assert.match(failure, /line 15: .*backendRefs\[0\]\.weight/, failure);
  await page.waitForFunction(() => document.querySelector('[data-testid=manifest-editor] .squiggly-error') !== null, undefined, { timeout: 10_000, polling: 250 });
  assert.ok((await squiggleLines(page)).includes(15), `no error marker on line 15: ${await squiggleLines(page)}`);
  // F8 (go to next problem) opens Monaco's marker widget: it shows the server's message, field path included.
  await page.locator('[data-testid=manifest-editor] .monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('F8');
  await page.waitForFunction(() => /backendRefs\[0\]\.weight/.test(document.querySelector('.marker-widget')?.textContent ?? ''), undefined, { timeout: 10_000, polling: 250 });
  await screenshot(page, 'manifest-editor-error');

  // Nothing was half-applied: the route does not exist yet. Fix the line and apply.
  const listed = await page.evaluate(() => fetch('/api/session/resources/httproutes').then((r) => r.json()));
  assert.deepEqual((listed as { items: unknown[] }).items, []);
  await replaceLine(page, 15, 'weight: 90');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=apply-status]')?.classList.contains('pass'), undefined, { timeout: 30_000, polling: 250 });
  assert.match((await status.textContent()) ?? '', /httproute\/reviews applied/);
  await page.waitForFunction(() => document.querySelector('[data-testid=manifest-editor] .squiggly-error') === null, undefined, { timeout: 10_000, polling: 250 });

  // Completion from the schema: a new key under the route's spec offers HTTPRoute's own fields.
  await page.keyboard.press('Escape');
  await page.locator('[data-testid=manifest-editor] .monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < 5; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  assert.equal(await lineText(page, 5), 'spec:');
  await page.keyboard.press('Enter');
  await page.keyboard.type('host');
  await page.keyboard.press('Control+Space');
  await page.waitForFunction(() => /hostnames/.test(document.querySelector('.suggest-widget')?.textContent ?? ''), undefined, { timeout: 20_000, polling: 250 });
  await screenshot(page, 'manifest-editor-completion');
  await page.context().close();
});
