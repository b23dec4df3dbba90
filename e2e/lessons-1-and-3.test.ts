// Lessons 1 and 3 completed by a fresh learner in a real browser against `playground up`: every runnable
// block is clicked, each check fails before its step and passes after. Lesson 3 runs its two short benchmarks
// (meshed generator pods against httpbin, unmeshed ones against httpbin-direct) and the benchmarks page then
// overlays them with their differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickCheck, freshPage, runBlock, screenshot, waitForSession, siteUnderTest } from './site-helpers.js';

const site = siteUnderTest();

test('a fresh browser completes lesson 1: Bookinfo is listed, pods carry sidecars, traffic shows in the golden metrics', { timeout: 240_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/lessons/01-meet-the-mesh/`);
  await waitForSession(page);

  const listed = await runBlock(page, 0);
  assert.ok(listed.ok, listed.output);
  assert.match(listed.output, /reviews-v3/);
  const ready = await clickCheck(page, 0);
  assert.equal(ready.passed, true, ready.text);

  const pods = await runBlock(page, 1);
  assert.ok(pods.ok, pods.output);
  assert.match(pods.output, /productpage-v1-\S+\s+2\/2\s+Running/);
  assert.match(pods.output, /productpage mesh-proxy/, 'the container names are the app and its proxy');

  // No request has reached productpage yet: the golden-metrics check fails and says what to do.
  const early = await clickCheck(page, 1);
  assert.equal(early.passed, false, `the traffic check passed before any request: ${early.text}`);
  assert.match(early.text, /counted 0 requests|answered the metrics scrape/);

  const curl = await runBlock(page, 2);
  assert.ok(curl.ok, curl.output);
  assert.match(curl.output, /"reviews"/);
  const stat = await runBlock(page, 3);
  assert.match(stat.output, /productpage-v1/);

  const done = await clickCheck(page, 1);
  assert.equal(done.passed, true, done.text);
  assert.match(done.text, /productpage-v1: \d+ requests/);
  await page.goto(`${site.pg.url}/lessons/`);
  await page.waitForFunction(() => /completed/.test(document.querySelector('[data-lesson="01-meet-the-mesh"] [data-progress]')?.textContent ?? ''), undefined, { timeout: 15_000, polling: 250 });
  // The lesson list names the session it read the progress from.
  assert.match((await page.textContent('#session-chip')) ?? '', /Sandbox: pg-/);
  await page.context().close();
});

test('a fresh browser completes lesson 3: a meshed and a direct benchmark, then the overlay on the benchmarks page', { timeout: 300_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/lessons/03-measuring-mesh-overhead/`);
  await waitForSession(page);

  const look = await runBlock(page, 0);
  assert.ok(look.ok, look.output);
  assert.match(look.output, /httpbin-direct-\S+\s+1\/1\s+Running/, 'httpbin-direct runs without a proxy');
  assert.match(look.output, /httpbin-[a-z0-9]+-\S+\s+2\/2\s+Running/, 'httpbin runs with its proxy');
  assert.match(look.output, /linkerd.io\/inject/);

  const before = await clickCheck(page, 0);
  assert.equal(before.passed, false, `the overhead check passed before any run: ${before.text}`);
  assert.match(before.text, /meshed run .* and a direct run/);

  const runs = await runBlock(page, 1, 150_000);
  assert.ok(runs.ok, runs.output);
  assert.equal(runs.output.match(/ completed: \d+ requests/g)?.length, 2, runs.output);

  const done = await clickCheck(page, 0);
  assert.equal(done.passed, true, done.text);
  assert.match(done.text, /meshed p50 [\d.]+ ms.*direct p50 [\d.]+ ms/);
  await screenshot(page, 'lesson-3-desktop');

  // The benchmarks page lists both runs (sidecar on / off); ticking both overlays them and shows b − a.
  await page.goto(`${site.pg.url}/benchmarks/`);
  await waitForSession(page);
  await page.waitForSelector('text=sidecar off', { timeout: 15_000 });
  const boxes = page.locator('[aria-labelledby=runs-h] input[type=checkbox]');
  assert.equal(await boxes.count(), 2);
  for (let i = 0; i < 2; i++) if (!(await boxes.nth(i).isChecked())) await boxes.nth(i).check();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=percentile-chart] polyline').length === 2, undefined, { timeout: 30_000, polling: 250 });
  await page.waitForSelector('[data-testid=bench-delta]', { timeout: 15_000 });
  assert.match((await page.textContent('[data-testid=bench-delta]')) ?? '', /meshed .*− direct/);
  // The form's sidecar checkbox and generators field drive the run and its terminal equivalent.
  await page.getByRole('button', { name: /direct: httpbin-direct/ }).click();
  assert.equal(await page.locator('#bench-sidecar').isChecked(), false);
  await page.locator('#bench-generators').fill('2');
  assert.match((await page.textContent('[data-testid=bench-command]')) ?? '', /bench -c 4 --rps 100 -t 5 -g 2 --no-sidecar http:\/\/httpbin-direct:8000\/get/);
  await screenshot(page, 'benchmarks-overlay');
  await page.context().close();
});
