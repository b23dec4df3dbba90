// Every lesson page (the lessons in site/lessons/, found at run time) over HTTP: its title, step headings and blocks as
// its Markdown has them. In Chromium against `playground up`: the lessons that together hold every kind of markup any
// lesson has (every lesson with PLAYGROUND_SCREENSHOTS=all), the lesson index and the 404 page axe clean at 1366 px and
// 375 px, with screenshots (test-results/screenshots/lessons/); no lesson page scrolling sideways on a phone; lesson
// pages under 10 KB of gzipped JS before interaction. Then what a learner sees
// across a reload (blocks' output and passed checks come back, the sidebar marks the step done, the index names the
// step reached by its title), the search (synonyms, whole words, deep links to steps), the server's 404 answers and
// the topology at 375 px with call edges from live traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { readLessonSource, type LessonStep } from '../site/src/lib/lessons/lesson-source.ts';
import { searchEntries, type SearchEntry } from '../site/src/client/search-match.ts';
import { PHONE, applyBlock, clickCheck, freshPage, initialJsGzipBytes, recordJsFigures, runBlock, seriousA11yViolations, siteUnderTest, waitForSession } from './site-helpers.js';

const WIDE = { width: 1366, height: 900 };
const LESSON_JS_BUDGET_BYTES = 10 * 1024;
const LESSON_DIR = new URL('../site/lessons/', import.meta.url);
const SHOTS = fileURLToPath(new URL('../test-results/screenshots/lessons/', import.meta.url));

interface LessonFile {
  id: string;
  order: number;
  title: string;
  steps: LessonStep[];
}

const LESSONS: LessonFile[] = readdirSync(LESSON_DIR)
  .filter((f) => /^\d\d-[a-z0-9-]+\.md$/.test(f))
  .map((f) => {
    const { frontMatter, steps } = readLessonSource(readFileSync(new URL(f, LESSON_DIR), 'utf8'), f);
    return { id: f.slice(0, -3), order: Number(frontMatter.order), title: String(frontMatter.title), steps };
  })
  .sort((a, b) => a.order - b.order);

const site = siteUnderTest();

/** Text from HTML source: tags dropped, character references decoded. */
const htmlText = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|apos|amp);/g, (_, n: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[n]!)
    .trim();

/** Elements wider than the viewport that are not inside a box that scrolls them (what makes a phone page scroll sideways). */
async function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    // No named inner functions: tsx would wrap them in a __name() helper the page does not have.
    return [...document.querySelectorAll('body *')]
      .filter((el) => {
        if (el.getBoundingClientRect().right <= width + 1) return false;
        for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) if (/(auto|scroll|hidden)/.test(getComputedStyle(e).overflowX)) return false;
        return true;
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} (right edge ${Math.round(el.getBoundingClientRect().right)} px > ${width} px)`);
  });
}

/**
 * Full-page shots are for a person to look at, not an assertion: the first lessons, the index and the 404 page by
 * default; every page with PLAYGROUND_SCREENSHOTS=all (they cost CI about a second each).
 */
const SHOOT_ALL = process.env.PLAYGROUND_SCREENSHOTS === 'all';
const SHOT_LESSONS = 3;

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

/**
 * What a lesson's content is made of, for axe: every element in <main> as tag, classes and inline style (Shiki's
 * token colours are inline styles). Lesson pages share one layout, so two pages whose <main> holds the same kinds of
 * element in the same colours give axe the same things to judge; the browser pass covers every kind any lesson has.
 */
function markupKinds(html: string): Set<string> {
  const main = /<main\b[\s\S]*<\/main>/.exec(html)?.[0] ?? html;
  const kinds = new Set<string>();
  for (const [, tag, attrs] of main.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const cls = /\sclass="([^"]*)"/.exec(attrs)?.[1].split(/\s+/).filter(Boolean).sort().join('.');
    const style = /\sstyle="([^"]*)"/.exec(attrs)?.[1];
    kinds.add(`${tag.toLowerCase()}${cls ? `.${cls}` : ''}${style ? `[${style}]` : ''}`);
  }
  return kinds;
}

/** The lessons a browser pass must visit so that axe sees every kind of markup: the first SHOT_LESSONS, then greedily the lesson adding most kinds not yet seen. */
function lessonsCoveringEveryKind(kinds: Map<string, Set<string>>): string[] {
  const chosen = LESSONS.slice(0, SHOT_LESSONS).map((l) => l.id);
  const seen = new Set(chosen.flatMap((id) => [...kinds.get(id)!]));
  for (;;) {
    const gain = (id: string) => [...kinds.get(id)!].filter((k) => !seen.has(k)).length;
    const best = LESSONS.map((l) => l.id).filter((id) => !chosen.includes(id)).sort((a, b) => gain(b) - gain(a))[0];
    if (!best || gain(best) === 0) return chosen;
    chosen.push(best);
    for (const k of kinds.get(best)!) seen.add(k);
  }
}

/** Each lesson page as the server sends it (over HTTP, no browser), fetched once for the tests that read them. */
let lessonPages: Promise<Map<string, { status: number; type: string; html: string }>> | undefined;
function fetchLessonPages(): Promise<Map<string, { status: number; type: string; html: string }>> {
  lessonPages ??= Promise.all(
    LESSONS.map(async (l) => {
      const res = await fetch(`${site.pg.url}/lessons/${l.id}/`);
      return [l.id, { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() }] as const;
    }),
  ).then((pages) => new Map(pages));
  return lessonPages;
}

test('every lesson page over HTTP: its title, a heading per step, as many run, apply and check blocks as its Markdown, no duplicate ids', { timeout: 60_000 }, async () => {
  assert.ok(LESSONS.length >= 3, `lessons found in site/lessons/: ${LESSONS.map((l) => l.id).join(', ')}`);
  const pages = await fetchLessonPages();
  for (const lesson of LESSONS) {
    const { status, type, html } = pages.get(lesson.id)!;
    const where = `/lessons/${lesson.id}/`;
    assert.equal(status, 200, `${where} answered ${status}`);
    assert.match(type, /^text\/html/, where);
    assert.match(html, /^<!DOCTYPE html>\s*<html lang="en"/i, where);
    assert.equal(htmlText(/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? ''), `${lesson.title} · Mesh Playground`, `${where}: <title>`);
    assert.deepEqual([...html.matchAll(/<h1\b[^>]*>([\s\S]*?)<\/h1>/g)].map((m) => htmlText(m[1])), [lesson.title], `${where}: one <h1>, the title`);
    for (const step of lesson.steps.filter((s) => s.slug !== 'intro')) assert.match(html, new RegExp(`<h2 id="${step.slug}"`), `${where}: a heading for step ${step.slug}`);
    const expected = { run: 0, apply: 0, check: 0 };
    for (const b of lesson.steps.flatMap((s) => s.blocks)) expected[b.kind]++;
    const onPage = {
      run: html.match(/ data-kind="run"/g)?.length ?? 0,
      apply: html.match(/ data-kind="apply"/g)?.length ?? 0,
      check: html.match(/<div class="check" /g)?.length ?? 0,
    };
    assert.deepEqual(onPage, expected, `${where}: blocks on the page vs in the Markdown`);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], `${where}: duplicate ids`);
    for (const img of html.match(/<img\b[^>]*>/g) ?? []) assert.match(img, /\salt="/, `${where}: an image without alt: ${img}`);
  }
});

test('lesson pages (a set covering every kind of markup any lesson has; all with PLAYGROUND_SCREENSHOTS=all), the lesson index and the 404 page: screenshots at 1366 and 375 px, axe clean; no lesson page scrolls sideways at 375 px', { timeout: 1_200_000 }, async () => {
  const kinds = new Map([...(await fetchLessonPages())].map(([id, { html }]) => [id, markupKinds(html)]));
  const sample = SHOOT_ALL ? LESSONS.map((l) => l.id) : lessonsCoveringEveryKind(kinds);
  // The set really covers every kind (and the measure is not empty: a broken parse would make one lesson enough).
  const covered = new Set(sample.flatMap((id) => [...kinds.get(id)!]));
  assert.deepEqual([...new Set([...kinds.values()].flatMap((k) => [...k]))].filter((k) => !covered.has(k)), []);
  assert.ok(covered.size > 20 && [...covered].some((k) => k.startsWith('div.runnable')), `kinds of markup found: ${[...covered].slice(0, 10).join(' ')}`);
  console.log(`axe and screenshots on ${sample.length} of ${LESSONS.length} lessons: ${sample.join(', ')}`);
  // One learner (one session) visits every page: a session per page would deploy the sample apps dozens of times.
  const page = await freshPage(site.browser, WIDE);
  const problems: string[] = [];
  const pages = [
    ...LESSONS.map((l, i) => ({ name: l.id, path: `/lessons/${l.id}/`, session: true, axe: sample.includes(l.id), shoot: SHOOT_ALL || i < SHOT_LESSONS })),
    { name: 'index', path: '/lessons/', session: false, axe: true, shoot: true },
    { name: '404', path: '/no-such-lesson/', session: false, axe: true, shoot: true },
  ];
  for (const p of pages) {
    // Pages axe skips are only checked at 375 px for sideways scrolling (their content is what could overflow).
    for (const [label, viewport] of p.axe ? ([['1366', WIDE], ['375', PHONE]] as const) : ([['375', PHONE]] as const)) {
      await page.setViewportSize(viewport);
      const res = await page.goto(`${site.pg.url}${p.path}`, { waitUntil: 'load' });
      assert.equal(res?.status(), p.name === '404' ? 404 : 200, `${p.path} answered ${res?.status()}`);
      if (p.session) await waitForSession(page);
      // The desktop layout in the light theme, the phone layout in the dark one: axe sees both layouts and both
      // themes' colours (the themes change colours only), and a person looking at the shots sees both.
      if (p.axe) {
        const theme = label === '1366' ? 'light' : 'dark';
        await page.evaluate((t) => void (document.documentElement.dataset.theme = t), theme);
        if (p.shoot) await shoot(page, `${p.name}-${label}`);
        problems.push(...(await seriousA11yViolations(page)).map((v) => `${p.path} ${label} px ${theme}: ${v}`));
      }
      if (label === '375') problems.push(...(await sidewaysOverflow(page)).map((o) => `${p.path} at 375 px scrolls sideways: ${o}`));
    }
  }
  await page.context().close();
  assert.deepEqual(problems, []);
});

test('a lesson page ships at most 10 KB of gzipped JS before interaction', { timeout: 120_000 }, async () => {
  const lesson = LESSONS[0];
  const figures = await initialJsGzipBytes(site.browser, `${site.pg.url}/lessons/${lesson.id}/`);
  recordJsFigures({ lesson: figures });
  const { total, files } = figures;
  console.log(`JS before interaction, lesson page: ${(total / 1024).toFixed(1)} KB gzipped (budget ${LESSON_JS_BUDGET_BYTES / 1024} KB)`);
  assert.ok(total > 0, 'no script measured: the measurement is broken');
  assert.ok(total <= LESSON_JS_BUDGET_BYTES, `the lesson page ships ${total} gzipped bytes: ${JSON.stringify(files)}`);
});

test('after a reload the blocks that ran show their output, passed checks stay passed, the step is done; the index names the step reached', { timeout: 300_000 }, async () => {
  // The first lesson's first step that has a check: run everything up to it, then its check until it passes.
  const lesson = LESSONS[0];
  const target = lesson.steps.findIndex((s) => s.blocks.some((b) => b.kind === 'check'));
  assert.ok(target >= 0, `${lesson.id} has a check`);
  const step = lesson.steps[target];
  const page = await freshPage(site.browser, WIDE);
  await page.goto(`${site.pg.url}/lessons/${lesson.id}/`);
  await waitForSession(page);
  const counters = { run: 0, apply: 0, check: 0 };
  let checkIndex = -1;
  for (const s of lesson.steps.slice(0, target + 1)) {
    for (const b of s.blocks) {
      if (b.kind === 'run') await runBlock(page, counters.run++, 90_000);
      else if (b.kind === 'apply') await applyBlock(page, counters.apply++);
      else if (s === step && checkIndex < 0) checkIndex = counters.check++;
      else counters.check++;
    }
  }
  // Retried as the lesson harness does: a check may need the mesh a few seconds to converge (every second, as
  // e2e/lesson-walk.ts does, for up to 45 s).
  let verdict = await clickCheck(page, checkIndex);
  for (let i = 0; !verdict.passed && i < 45; i++) {
    await page.waitForTimeout(1000);
    verdict = await clickCheck(page, checkIndex);
  }
  assert.equal(verdict.passed, true, `${lesson.id} step "${step.slug}": ${verdict.text}`);
  const firstOutput = counters.run ? ((await page.locator('[data-kind=run] .runnable-output').first().textContent()) ?? '') : '';

  await page.reload();
  await waitForSession(page);
  const box = page.locator('.check').nth(checkIndex);
  await page.waitForFunction((i) => document.querySelectorAll('.check .check-result')[i]?.getAttribute('data-passed') === 'true', checkIndex, { timeout: 30_000, polling: 250 });
  assert.match((await box.locator('.check-result').textContent()) ?? '', /Passed/);
  if (counters.run) {
    const block = page.locator('[data-kind=run]').first();
    assert.equal(await block.locator('.runnable-output').isVisible(), true, 'the output of a block that ran is shown again');
    assert.equal((await block.locator('.runnable-output').textContent())?.slice(-200), firstOutput.slice(-200));
    assert.match((await block.locator('.runnable-state').textContent()) ?? '', /\(earlier\)/);
  }
  assert.match((await page.getAttribute(`[data-step-item="${step.slug}"]`, 'class')) ?? '', /\bdone\b/, 'the sidebar marks the step done');
  assert.ok(Number(await page.locator('#lesson-progress').evaluate((el) => (el as HTMLProgressElement).value)) >= 1, 'the progress bar counts the passed check');
  assert.match((await page.textContent('#lesson-progress-label')) ?? '', /^[1-9]\d* of \d+ checks passed$/);
  await shoot(page, `${lesson.id}-restored-1366`);

  // The index: a progress bar and the step reached by its title, never its slug.
  await page.goto(`${site.pg.url}/lessons/`);
  const card = `[data-lesson="${lesson.id}"]`;
  await page.waitForFunction((sel) => /reached|completed/.test(document.querySelector(`${sel} [data-progress]`)?.textContent ?? ''), card, { timeout: 15_000, polling: 250 });
  const label = (await page.textContent(`${card} [data-progress]`)) ?? '';
  if (!/completed/.test(label)) {
    assert.ok(label.includes(`“${step.title}”`), `the index names the step by its title: ${label}`);
    if (step.title !== step.slug) assert.ok(!label.includes(`“${step.slug}”`), label);
  }
  assert.ok(Number(await page.locator(`${card} [data-bar]`).evaluate((el) => (el as HTMLProgressElement).value)) >= 1);
  // Grouped by topic: the lesson sits in its topic's section.
  assert.equal(await page.locator(`section[data-topic] ${card}`).count(), 1);
  await shoot(page, 'index-progress-1366');
  await page.context().close();
});

test('search: "mTLS" finds mutual TLS (synonyms), "fault" never matches "default", a step result links to its heading', { timeout: 120_000 }, async () => {
  const page = await freshPage(site.browser, WIDE);
  await page.goto(`${site.pg.url}/lessons/`);
  const index = (await (await page.request.get(`${site.pg.url}/search-index.json`)).json()) as SearchEntry[];
  const results = async (query: string) => {
    await page.fill('#site-search', '');
    await page.fill('#site-search', query);
    await page.waitForSelector('#search-results:not([hidden])', { timeout: 10_000 });
    return page.locator('#search-results a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  };

  // mTLS: what the page shows is the matcher's answer, and it holds headings that say "mutual TLS" (not "mTLS").
  const mtls = await results('mTLS');
  assert.deepEqual(mtls, searchEntries(index, 'mTLS').map((e) => e.href));
  const saysMutualTls = index.filter((e) => /mutual tls/i.test(`${e.title} ${e.text}`) && !/\bmtls\b/i.test(`${e.title} ${e.text}`));
  assert.ok(saysMutualTls.length > 0, 'the index has entries that say "mutual TLS" only');
  assert.ok(mtls.some((h) => saysMutualTls.some((e) => e.href === h)), `"mTLS" finds an entry that says "mutual TLS": ${mtls.join(' ')}`);
  // The mTLS lesson, once it exists, is the first answer.
  const mtlsLesson = index.find((e) => e.kind === 'lesson' && /\bmutual tls\b|\bmtls\b/i.test(e.title));
  if (mtlsLesson) assert.equal(mtls[0], mtlsLesson.href);

  // Whole words: nothing found for "fault" only because it says "default".
  for (const href of await results('fault')) {
    const e = index.find((x) => x.href === href)!;
    assert.match(`${e.title} ${e.text}`, /\bfault|\bchaos|\binject(ing)? faults/i, `"fault" matched ${href} (${e.title})`);
  }

  // A step heading that exists now: its result links to the heading's anchor, and following it lands there.
  const lesson = LESSONS[0];
  const step = lesson.steps.find((s) => s.slug !== 'intro')!;
  const href = `/lessons/${lesson.id}/#${step.slug}`;
  assert.ok((await results(step.title)).includes(href), `"${step.title}" finds ${href}`);
  await page.locator(`#search-results a[href="${href}"]`).click();
  await page.waitForURL((u) => u.pathname === `/lessons/${lesson.id}/` && u.hash === `#${step.slug}`, { timeout: 15_000 });
  await page.context().close();
});

test('unknown URLs: a page answers 404 with the site\'s page, an API path keeps its JSON error', async () => {
  const page = await freshPage(site.browser, WIDE);
  const html = await page.request.get(`${site.pg.url}/no/such/page?x=1`);
  assert.equal(html.status(), 404);
  assert.match(html.headers()['content-type'] ?? '', /^text\/html/);
  assert.match(await html.text(), /Page not found/);
  const api = await page.request.get(`${site.pg.url}/api/no-such-operation`);
  assert.equal(api.status(), 404);
  assert.match(api.headers()['content-type'] ?? '', /^application\/json/);
  assert.equal(((await api.json()) as { reason: string }).reason, 'NotFound');
  await page.context().close();
});

test('the topology at 375 px: nothing clipped or scrolling the page sideways, call edges from live traffic with request counts', { timeout: 240_000 }, async () => {
  const page = await freshPage(site.browser, PHONE);
  await page.goto(`${site.pg.url}/playground/`);
  await waitForSession(page);
  await page.waitForSelector('[data-testid=topology]', { timeout: 60_000 });
  // Traffic through the mesh: curl → productpage → details and reviews.
  for (let i = 0; i < 3; i++) {
    const res = await page.request.post(`${site.pg.url}/api/session/terminal`, { data: { line: 'curl -s http://productpage:9080/productpage' } });
    assert.equal(res.status(), 200, await res.text());
  }
  // The view refreshes every few seconds: wait until it has counted all three calls.
  const edgeRow = () =>
    page.locator('[data-testid=call-edges] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')).find(([from, to]) => from === 'productpage-v1' && /details/.test(to)),
    );
  let edge = await edgeRow().catch(() => undefined);
  for (let i = 0; i < 60 && !(edge && Number(edge[2]) >= 3); i++) {
    await page.waitForTimeout(1000);
    edge = await edgeRow().catch(() => undefined);
  }
  assert.ok(edge, 'a productpage-v1 → details edge is shown');
  assert.ok(Number(edge[2]) >= 3, `it counts the requests: ${JSON.stringify(edge)}`);
  // Every metric column names its unit.
  const headers = await page.locator('[data-testid=golden-metrics] th, [data-testid=call-edges] th').allTextContents();
  for (const h of headers.filter((t) => /^(p\d|success|requests|failed)/i.test(t))) assert.match(h, /\((ms|%|count)\)$/, h);
  assert.deepEqual(await sidewaysOverflow(page), []);
  await page.locator('[data-testid=topology]').screenshot({ path: `${SHOTS}topology-375.png` });
  await page.context().close();
});
