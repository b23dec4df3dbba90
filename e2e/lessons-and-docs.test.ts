// The site in a real browser against `playground up` (lessons are walked in lesson-walkthroughs.test.ts): try-it returns live answers for a
// playground operation and a sample-app operation; API pages show the session, an example per response, deep
// links and samples per language; pages stay under the JS budget and free of serious
// accessibility violations, and screenshots of each page type are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec } from '../playground-server/api/spec.js';
import { DESKTOP, PHONE, freshPage, initialJsGzipBytes, recordJsFigures, screenshot, seriousA11yViolations, siteUnderTest } from './site-helpers.js';

const JS_BUDGET_BYTES = 100 * 1024;
/** API pages: the budget (try it, Monaco and React load on the first click). */
const API_JS_BUDGET_BYTES = 10 * 1024;

const site = siteUnderTest();

test('try it sends a playground operation over the WebSocket and shows the live answer', { timeout: 120_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/docs/api/playground/listResources/`);
  await page.getByRole('button', { name: 'Open try it' }).click();
  await page.locator('#tryit-path-resource').fill('deployments');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForSelector('[data-testid=try-it-status]', { timeout: 120_000 });
  assert.equal(await page.textContent('[data-testid=try-it-status]'), '200');
  // The example's labelSelector (app=reviews) went along: only the reviews Deployments came back.
  const body = (await page.textContent('[data-testid=try-it-body]')) ?? '';
  assert.match(body, /"name": "reviews-v1"/);
  assert.doesNotMatch(body, /"name": "productpage-v1"/);
  await screenshot(page, 'api-playground-op');
  // Another API page, try it not opened: the header and the session panel name the session's namespace (they
  // said "Sandbox: not connected" while a session existed).
  const namespace = ((await page.textContent('#session-chip')) ?? '').replace('Sandbox: ', '');
  assert.match(namespace, /^pg-/);
  await page.goto(`${site.pg.url}/docs/api/playground/getResource/`);
  await page.waitForFunction((ns) => document.querySelector('[data-session-namespace]')?.textContent === ns, namespace, { timeout: 30_000 });
  assert.equal(await page.textContent('#session-chip'), `Sandbox: ${namespace}`);
  assert.match((await page.textContent('[data-session-exports]')) ?? '', new RegExp(`^export PLAYGROUND=${site.pg.url}\nexport PG_TOKEN=pgs_`));
  await page.context().close();
});

test('API operation pages: an example for every response, fields and responses deep-linked, samples in each language', { timeout: 60_000 }, async () => {
  const spec = loadSpec().document as unknown as { paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>> };
  const create = Object.values(spec.paths['/api/sessions']).find((o) => o.operationId === 'createSession')!;
  const page = await freshPage(site.browser, PHONE);
  // A link to a field three levels down: its <details> ancestors open and it is on screen.
  await page.goto(`${site.pg.url}/docs/api/playground/createSession/#response-201.session.workloads[].available`);
  const field = page.locator('[id="response-201.session.workloads[].available"]');
  assert.ok(await field.isVisible(), 'the deep-linked field is shown');
  assert.ok(await field.evaluate((el) => el.getBoundingClientRect().top < innerHeight), 'and scrolled to');
  // No session in a fresh browser, and the header says so (not "not connected").
  await page.waitForFunction(() => document.getElementById('session-chip')?.textContent === 'Sandbox: none yet', undefined, { timeout: 30_000 });
  // Each status the spec lists is a section with its anchor and an example body inline.
  const statuses = await page.locator('section.response').evaluateAll((els) => els.map((el) => ({ id: el.id, example: el.querySelector('figure.example pre')?.textContent ?? '' })));
  assert.deepEqual(statuses.map((s) => s.id), Object.keys(create.responses!).map((s) => `response-${s}`));
  for (const s of statuses) assert.match(s.example, /"code"|"token"/, `${s.id} shows an example`);
  await page.locator('nav.on-page a', { hasText: '429' }).click();
  await page.waitForURL(/#response-429$/);
  // Samples: curl, fetch, Python, Go, WebSocket; the chosen language is kept on the next page.
  const tabs = await page.locator('[role=tab]').allTextContents();
  assert.deepEqual(tabs, ['curl', 'JavaScript fetch', 'Python', 'Go', 'WebSocket']);
  await page.getByRole('tab', { name: 'Python' }).click();
  assert.match((await page.locator('[role=tabpanel]:not([hidden])').textContent()) ?? '', /import requests/);
  await page.goto(`${site.pg.url}/docs/api/playground/listResources/`);
  assert.equal(await page.getByRole('tab', { name: 'Python' }).getAttribute('aria-selected'), 'true');
  await page.getByRole('tab', { name: 'kubectl' }).click();
  assert.match((await page.locator('[role=tabpanel]:not([hidden])').textContent()) ?? '', /kubectl get deployments -l 'app=reviews' -o json/);
  await screenshot(page, 'api-op-phone-deep-link');
  await page.context().close();
});

test('try it on a sample-app operation runs inside the mesh and shows the pod that served it', { timeout: 120_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/docs/api/bookinfo/getReviews/`);
  await page.getByRole('button', { name: 'Open try it' }).click();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForSelector('[data-testid=try-it-status]', { timeout: 120_000 });
  assert.equal(await page.textContent('[data-testid=try-it-status]'), '200');
  assert.match((await page.textContent('[data-testid=try-it-body]')) ?? '', /"reviews"/);
  const mesh = (await page.textContent('[data-testid=try-it-mesh]')) ?? '';
  assert.match(mesh, /curl-/, 'the sending pod is shown');
  assert.match(mesh, /served by\s*reviews-v[123]-/, `the serving pod is shown: ${mesh}`);
  await screenshot(page, 'api-sample-app-op');
  await page.context().close();
});

test('the API docs list the whole error catalogue: each reason with its status and meaning', { timeout: 60_000 }, async () => {
  const catalogue = (loadSpec().document.components.schemas.ErrorReason as { oneOf: { const: string; 'x-status'?: number; description: string }[] }).oneOf;
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/docs/api/`);
  await page.getByRole('link', { name: 'the error catalogue' }).click();
  await page.waitForURL(/\/docs\/api\/errors\/$/);
  const rows = await page.locator('#error-catalogue tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
  const shown = new Map(rows.map(([reason, status, meaning]) => [reason, { status, meaning }]));
  assert.equal(rows.length, catalogue.length, 'one row per reason');
  for (const e of catalogue) {
    const row = shown.get(e.const);
    assert.ok(row, `${e.const} is listed`);
    assert.equal(row.status, e['x-status'] === undefined ? 'browser' : String(e['x-status']), e.const);
    assert.ok(row.meaning.length > 20 && row.meaning.startsWith(e.description.replace(/`/g, '').slice(0, 15)), `${e.const}: ${row.meaning}`);
  }
  assert.deepEqual(await seriousA11yViolations(page), []);
  await page.context().close();
});

// A lesson page's budget (10 KB) is lesson-pages.test.ts's, which records its figure here too.
test('the lesson list ships at most 100 KB and API pages at most 10 KB of gzipped JS before interaction', { timeout: 60_000 }, async () => {
  const figures: Record<string, { total: number; files: Record<string, number> }> = {};
  for (const [kind, path] of [['api-operation', '/docs/api/playground/sendRequest/'], ['api-sample-app', '/docs/api/bookinfo/getReviews/'], ['api-index', '/docs/api/'], ['api-schema', '/docs/api/playground/schemas/Session/'], ['lesson-list', '/lessons/']] as const) {
    figures[kind] = await initialJsGzipBytes(site.browser, `${site.pg.url}${path}`);
  }
  recordJsFigures(figures);
  for (const [kind, f] of Object.entries(figures)) {
    const budget = kind.startsWith('api-') ? API_JS_BUDGET_BYTES : JS_BUDGET_BYTES;
    console.log(`JS before interaction, ${kind}: ${(f.total / 1024).toFixed(1)} KB gzipped (budget ${budget / 1024} KB)`);
    assert.ok(f.total > 0, `${kind}: no script measured — the measurement is broken`);
    assert.ok(f.total <= budget, `${kind} ships ${f.total} gzipped bytes of JS before interaction (budget ${budget}): ${JSON.stringify(f.files)}`);
  }
});

// Lesson pages are checked in lesson-pages.test.ts (axe at both widths on the lessons that cover every kind of markup);
// the playground at desktop in terminal.test.ts (axe with the session ready and the editor loaded; the desktop
// screenshot in playground-and-benchmarks.test.ts), here at 375 px.
test('no serious accessibility violations on API, playground, benchmarks and home pages, at desktop and 375 px', { timeout: 300_000 }, async () => {
  const pages = [['api', '/docs/api/playground/createSession/'], ['api-index', '/docs/api/'], ['playground', '/playground/'], ['benchmarks', '/benchmarks/'], ['home', '/']] as const;
  const problems: string[] = [];
  for (const [name, path] of pages) {
    for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      if (name === 'playground' && label === 'desktop') continue;
      const page = await freshPage(site.browser, viewport);
      await page.goto(`${site.pg.url}${path}`, { waitUntil: 'load' });
      if (name === 'playground') await page.waitForSelector('.xterm', { timeout: 30_000 });
      // Every nested schema open, so axe sees the whole field tree.
      if (name === 'api') await page.$$eval('details', (all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
      // The desktop layout in the light theme, the phone layout in the dark one: axe sees both layouts and both themes'
      // colours (the themes change colours only) at half the cost of every pair.
      for (const theme of label === 'desktop' ? ['light'] : ['dark']) {
        // As the theme toggle does: set the theme and tell the editors and the terminal.
        await page.evaluate((t) => {
          document.documentElement.dataset.theme = t;
          document.dispatchEvent(new CustomEvent('pg-theme', { detail: t }));
        }, theme);
        problems.push(...(await seriousA11yViolations(page)).map((v) => `${name} ${label} ${theme}: ${v}`));
      }
      // Nothing overflows sideways on a phone.
      if (label === 'phone') {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `${name} scrolls sideways by ${overflow}px at 375 px`);
      }
      await screenshot(page, `${name}-${label}`);
      await page.context().close();
    }
  }
  assert.deepEqual(problems, []);
});
