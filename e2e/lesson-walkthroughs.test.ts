// The first lesson (lowest order) of each topic in site/lessons, walked by a fresh learner in Chromium against
// `playground up` (e2e/lesson-walk.ts): each Check says ✘ before its step and ✔ after it, every block clicked in
// order. Lessons other helpers add are picked up by their front matter's topic. Some lessons get extra
// assertions on what the learner saw (lesson 1: sidecars, the lesson list's progress; lesson 3: both runs, then the
// benchmarks page overlays them) — these replace e2e/lessons-1-and-3.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { lessonFiles } from '../test/lessons/lesson-api.js';
import { firstLessonOfEachTopic, walkLesson, type LessonWalk } from './lesson-walk.js';
import { freshPage, screenshot, siteUnderTest, waitForSession } from './site-helpers.js';

const site = siteUnderTest();
// LESSONS=01-meet-the-mesh,… walks only those of the chosen first lessons (while debugging one).
const only = process.env.LESSONS?.split(',').map((s) => s.trim()).filter(Boolean);
const lessons = firstLessonOfEachTopic(lessonFiles()).filter((l) => !only || only.includes(l.id));

/** What a walk of a particular lesson must also have shown, beyond every check's ✘ then ✔. */
const EXTRA: Record<string, (page: Page, walk: LessonWalk) => Promise<void>> = {
  '01-meet-the-mesh': async (page, walk) => {
    const out = walk.blocks.map((b) => b.output);
    assert.match(out[0], /reviews-v3/, 'the sample app lists reviews-v3');
    assert.match(out[1], /productpage-v1-\S+\s+2\/2\s+Running/, 'pods carry their sidecar (2/2)');
    assert.match(out[1], /productpage mesh-proxy/, 'the container names are the app and its proxy');
    assert.equal(out[2].match(/productpage-v1-\S+\s+2\/2\s+Running/g)?.length, 2, `two productpage pods after scaling, both 2/2:\n${out[2]}`);
    assert.match(out[3], /"reviews"/);
    assert.match(out[4], /productpage-v1/, 'stat lists productpage');
    const traffic = walk.checks.find((c) => c.check === 'mesh-traffic')!;
    assert.match(traffic.before, /counted \d+ requests?|answered the metrics scrape/, 'before any request the check says what to do');
    assert.match(walk.checks.at(-1)!.after, /productpage-v1: \d+ requests/);
    await page.goto(`${site.pg.url}/lessons/`);
    await page.waitForFunction(() => /completed/.test(document.querySelector('[data-lesson="01-meet-the-mesh"] [data-progress]')?.textContent ?? ''), undefined, { timeout: 15_000, polling: 250 });
    // The lesson list names the session it read the progress from.
    assert.match((await page.textContent('#session-chip')) ?? '', /Sandbox: pg-/);
  },
  '03-measuring-mesh-overhead': async (page, walk) => {
    const [look, runs, repeat] = walk.blocks.map((b) => b.output);
    assert.match(look, /httpbin-direct-\S+\s+1\/1\s+Running/, 'httpbin-direct runs without a proxy');
    assert.match(look, /httpbin-[a-z0-9]+-\S+\s+2\/2\s+Running/, 'httpbin runs with its proxy');
    assert.match(look, /linkerd.io\/inject/);
    assert.equal(runs.match(/ completed: \d+ requests/g)?.length, 2, runs);
    assert.match(repeat, / completed: \d+ requests/);
    const overhead = walk.checks.find((c) => c.check === 'mesh-overhead-measured')!;
    assert.match(overhead.before, /meshed run .* and a direct run/);
    assert.match(overhead.after, /meshed p50 [\d.]+ ms.*direct p50 [\d.]+ ms/);
    await screenshot(page, 'lesson-3-desktop');
    // The benchmarks page lists the runs (sidecar on / off); ticking two overlays them and shows b − a.
    await page.goto(`${site.pg.url}/benchmarks/`);
    await waitForSession(page);
    // The runs list loads after the form (whose presets say "sidecar off" too): wait for its three runs, then count.
    const boxes = page.locator('[aria-labelledby=runs-h] input[type=checkbox]');
    await page.waitForFunction(() => document.querySelectorAll('[aria-labelledby=runs-h] input[type=checkbox]').length >= 3, undefined, { timeout: 15_000, polling: 250 }).catch(() => undefined);
    assert.equal(await boxes.count(), 3, 'the meshed run, the direct run and the repeat');
    for (let i = 0; i < 3; i++) if (await boxes.nth(i).isChecked()) await boxes.nth(i).uncheck();
    // The direct run first, then a meshed one: the comparison reads meshed − direct.
    const runLabels = page.locator('[aria-labelledby=runs-h] label');
    await runLabels.filter({ hasText: 'sidecar off' }).locator('input').check();
    await runLabels.filter({ hasText: 'sidecar on' }).first().locator('input').check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=percentile-chart] polyline').length === 2, undefined, { timeout: 30_000, polling: 250 });
    await page.waitForSelector('[data-testid=bench-delta]', { timeout: 15_000 });
    assert.match((await page.textContent('[data-testid=bench-delta]')) ?? '', /meshed .*− direct/);
    // The form's sidecar checkbox and generators field drive the run and its terminal equivalent.
    await page.getByRole('button', { name: /direct: httpbin-direct/ }).click();
    assert.equal(await page.locator('#bench-sidecar').isChecked(), false);
    await page.locator('#bench-generators').fill('2');
    assert.match((await page.textContent('[data-testid=bench-command]')) ?? '', /bench -c 4 --rps 100 -t 5 -g 2 --no-sidecar http:\/\/httpbin-direct:8000\/get/);
    await screenshot(page, 'benchmarks-overlay');
  },
};

test('every topic has a first lesson to walk', () => {
  assert.ok(lessons.length >= (only ? 1 : 3), `topics found: ${lessons.map((l) => l.frontMatter.topic).join(', ')}`);
});

// Two learners at a time: a walk mostly waits (sessions starting, benchmark runs, checks retried), and the whole
// file has to stay within a few minutes as topics are added.
describe('the first lesson of each topic, walked in Chromium', { concurrency: 2 }, () => {
  for (const lesson of lessons) {
    test(`${lesson.frontMatter.topic}: a fresh browser walks ${lesson.id} — each check ✘ before its step, ✔ after`, { timeout: 240_000 }, async (t) => {
      const page = await freshPage(site.browser);
      const lines: string[] = [];
      const started = Date.now();
      const log = (l: string) => lines.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s ${l}`);
      try {
        await page.goto(`${site.pg.url}/lessons/${lesson.id}/`);
        await waitForSession(page);
        log('session ready');
        const walk = await walkLesson(page, lesson, { log });
        t.diagnostic(`${lesson.id}: walked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        assert.ok(walk.checks.length > 0);
        await EXTRA[lesson.id]?.(page, walk);
      } catch (err) {
        await screenshot(page, `walk-failed-${lesson.id}`).catch(() => undefined);
        throw new Error(`${(err as Error).name === 'Error' ? '' : `${(err as Error).name}: `}${(err as Error).message}\n--- what ran ---\n${lines.slice(-30).join('\n')}`, { cause: err });
      } finally {
        await page.context().close();
      }
    });
  }
});
