// The playground terminal in Chromium against `playground up`, driven by the keyboard and the clipboard as a
// learner would: a paste of three lines runs three commands with their outputs in order; Tab completes; the left
// arrow moves the cursor and text typed there lands mid-line; Esc then Tab leaves the terminal and the manifest
// editor for the next focusable element; a keyboard-only walk of the page meets no trap, and axe finds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { freshPage, screenshot, seriousA11yViolations, waitForSession, siteUnderTest } from './site-helpers.js';

const site = siteUnderTest();

/** The terminal's visible rows, one line each (xterm's DOM renderer). */
const screenText = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll('[data-testid=terminal] .xterm-rows > div')].map((d) => (d.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n'));

async function waitForScreen(page: Page, expect: RegExp, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    (src) => new RegExp(src, 'm').test([...document.querySelectorAll('[data-testid=terminal] .xterm-rows > div')].map((d) => (d.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n')),
    expect.source,
    { timeout, polling: 200 },
  ).catch(() => undefined);
  const text = await screenText(page);
  assert.match(text, new RegExp(expect.source, 'm'), text);
  return text;
}

/** A paste, as the browser delivers Ctrl-V: a paste event with the text on the clipboard, at xterm's textarea. */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const target = document.querySelector('[data-testid=terminal] textarea')!;
    const data = new DataTransfer();
    data.setData('text/plain', t);
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

async function openTerminal(page: Page): Promise<void> {
  await page.goto(`${site.pg.url}/playground/`);
  await waitForSession(page);
  await page.waitForSelector('[data-testid=terminal][data-ready=true]', { timeout: 30_000 });
  await page.locator('[data-testid=terminal]').click();
}

/** Where focus is, as a short description (for the walk's log and its assertions). */
const focusedIn = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    if (el.closest('[data-testid=terminal]')) return 'terminal';
    if (el.closest('[data-testid=manifest-editor] .monaco-editor')) return 'editor';
    const text = (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()}:${text}`;
  });

test('a paste of three lines runs all three, outputs in order; Tab completes; the left arrow edits mid-line', { timeout: 240_000 }, async () => {
  const page = await freshPage(site.browser);
  await openTerminal(page);
  await page.keyboard.press('Control+L');
  await paste(page, 'kubectl get svc ratings\nkubectl get svc details\nkubectl get deploy productpage-v1\n');
  const text = await waitForScreen(page, /^productpage-v1\s+\d\/\d/);
  const at = ['$ kubectl get svc ratings', /^ratings\s+ClusterIP/m, '$ kubectl get svc details', /^details\s+ClusterIP/m, '$ kubectl get deploy productpage-v1', /^productpage-v1\s+\d\/\d/m].map((s) => (typeof s === 'string' ? text.indexOf(s) : text.search(s)));
  assert.ok(at.every((pos, i) => pos >= 0 && (i === 0 || pos > at[i - 1])), `each line echoed, then its output, in order: ${at}\n${text}`);
  await waitForScreen(page, /^\$$/);
  await screenshot(page, 'terminal-paste-three-lines');

  // Tab: a kubectl subcommand (what the server completes on any branch) …
  await page.keyboard.press('Control+L');
  await page.keyboard.type('kubectl ge');
  await page.keyboard.press('Tab');
  await waitForScreen(page, /^\$ kubectl get$/, 10_000);
  // … a resource kind from the session's discovery: several kinds start with "depl", so Tab completes their common
  // prefix and a second Tab lists them, as bash does …
  await page.keyboard.type('depl');
  await page.keyboard.press('Tab');
  await waitForScreen(page, /^\$ kubectl get deploy$/, 10_000);
  await page.keyboard.press('Tab');
  await waitForScreen(page, /\bdeployments\b/, 10_000);
  await page.keyboard.press('Control+U');
  // … and an object's name from the session's namespace.
  await page.keyboard.type('kubectl logs deploy/productp');
  await page.keyboard.press('Tab');
  await waitForScreen(page, /^\$ kubectl logs deploy\/productpage-v1\s*$/, 10_000);
  await page.keyboard.press('Control+U');

  // Left arrow, then typing: the text goes in at the cursor and the edited command is the one that runs.
  await page.keyboard.type('kubectl get ratings');
  for (let i = 0; i < 'ratings'.length; i++) await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('svc ');
  await waitForScreen(page, /^\$ kubectl get svc ratings$/, 10_000);
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^ratings\s+ClusterIP/);
  // Up recalls it; Ctrl-R finds an older line.
  await page.keyboard.press('ArrowUp');
  await waitForScreen(page, /^\$ kubectl get svc ratings$/, 10_000);
  await page.keyboard.press('Control+U');
  await page.keyboard.press('Control+R');
  await page.keyboard.type('productpage');
  await waitForScreen(page, /\(reverse-i-search\)`productpage': kubectl get deploy productpage-v1$/, 10_000);
  await page.keyboard.press('Control+G');
  await page.context().close();
});

test('a pasted heredoc is sent as the stdin of kubectl apply -f -, its body never run as commands', { timeout: 120_000 }, async () => {
  const page = await freshPage(site.browser);
  const sent: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => typeof f.payload === 'string' && sent.push(f.payload)));
  await openTerminal(page);
  await page.keyboard.press('Control+L');
  await paste(page, 'kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pasted-heredoc\ndata:\n  a: "1"\nEOF\n');
  await waitForScreen(page, /^> EOF$/, 10_000);
  const text = await waitForScreen(page, /^\$$/, 60_000);
  assert.doesNotMatch(text, /^\$ apiVersion|unknown command|not found/m, 'body lines are not run as commands');
  const runs = sent.map((f) => JSON.parse(f) as { op?: string; params?: { line?: string; stdin?: string } }).filter((m) => m.op === 'runTerminal');
  assert.deepEqual(
    runs.map((m) => m.params),
    [{ line: 'kubectl apply -f -', stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pasted-heredoc\ndata:\n  a: "1"\n' }],
  );
  // What the real kubectl made of it, behind the server's stdin.
  assert.match(text, /^configmap\/pasted-heredoc created$/m, 'kubectl applied the pasted manifest');
  await page.context().close();
});

test('Esc then Tab leaves the terminal and the editor for the next focusable element; plain Tab stays', { timeout: 180_000 }, async () => {
  const page = await freshPage(site.browser);
  await openTerminal(page);
  await page.waitForSelector('[data-testid=manifest-editor] .monaco-editor textarea', { timeout: 60_000 });
  assert.match((await page.textContent('[data-testid=terminal-keys-hint]')) ?? '', /Press Esc then Tab to leave the terminal/);
  assert.match((await page.textContent('[data-testid=editor-keys-hint]')) ?? '', /Press Esc then Tab to leave the editor/);

  assert.equal(await focusedIn(page), 'terminal');
  await page.keyboard.press('Tab');
  assert.equal(await focusedIn(page), 'terminal', 'Tab alone completes, it does not leave');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.equal(await focusedIn(page), 'editor', 'Esc then Tab: the next focusable element, the manifest editor');

  await page.keyboard.press('Tab');
  assert.equal(await focusedIn(page), 'editor', 'Tab alone indents');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.equal(await focusedIn(page), 'button:Apply', 'Esc then Tab: the Apply button after the editor');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusedIn(page), 'editor');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusedIn(page), 'terminal', 'Esc then Shift-Tab goes back');
  await page.context().close();
});

test('a keyboard-only walk through the playground meets no trap, and axe finds no violations', { timeout: 180_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/playground/`);
  await waitForSession(page);
  await page.waitForSelector('[data-testid=terminal][data-ready=true]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=manifest-editor] .monaco-editor textarea', { timeout: 60_000 });
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const walk: string[] = [];
  let repeats = 0;
  for (let i = 0; i < 150; i++) {
    const here = await focusedIn(page);
    // The two widgets that keep Tab are left the way their hints say.
    if (here === 'terminal' || here === 'editor') await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    const next = await focusedIn(page);
    repeats = next === walk.at(-1) ? repeats + 1 : 0;
    assert.ok(repeats < 3, `focus is stuck on ${next}: ${walk.join(' → ')}`);
    walk.push(next);
    // Round the whole page (past its end, where focus leaves the document, twice): nothing held it.
    if (walk.filter((w) => w === 'body').length === 2) break;
  }
  const seen = walk.join(' → ');
  assert.ok(walk.includes('terminal') && walk.includes('editor') && walk.includes('button:Apply'), seen);
  const round = walk.slice(walk.indexOf('body'));
  assert.ok(['terminal', 'editor', 'button:Apply'].every((w) => round.includes(w)), `one whole round: ${seen}`);
  assert.ok(round.indexOf('terminal') < round.indexOf('editor') && round.indexOf('editor') < round.indexOf('button:Apply'), seen);
  assert.equal(walk.at(-1), 'body', `the walk never came round: ${seen}`);
  assert.deepEqual(await seriousA11yViolations(page), []);
  await page.context().close();
});
