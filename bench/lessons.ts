// `npm run bench -- lessons`: every lesson in a real browser (Debian's Chromium) against `playground up` — the time
// from opening the lesson page to its first check passing when each block before it is clicked in order (session
// start included: that is what a learner waits through), and the JavaScript a lesson page loads before any
// interaction, gzipped (goal ≤ 10 KB). One fresh learner (browser context, session) per lesson, one after another.
// LESSONS=01-meet-the-mesh,03-measuring-mesh-overhead limits the lessons.
import { launchChromium } from '../e2e/browser.js';
import { walkLesson } from '../e2e/lesson-walk.js';
import { startPlayground } from '../e2e/playground-process.js';
import { freshPage, initialJsGzipBytes, waitForSession } from '../e2e/site-helpers.js';
import { lessonFiles } from '../test/lessons/lesson-api.js';

const JS_GOAL_BYTES = 10 * 1024;
const only = process.env.LESSONS?.split(',').map((s) => s.trim()).filter(Boolean);
const lessons = lessonFiles().filter((l) => !only || only.includes(l.id));

interface Row {
  lesson: string;
  sessionReadyS: string;
  firstCheckS: string;
  jsKb: string;
  note: string;
}

const pg = await startPlayground();
const browser = await launchChromium();
const rows: Row[] = [];
try {
  for (const lesson of lessons) {
    const url = `${pg.url}/lessons/${lesson.id}/`;
    const js = await initialJsGzipBytes(browser, url);
    const page = await freshPage(browser);
    const row: Row = { lesson: lesson.id, sessionReadyS: '-', firstCheckS: '-', jsKb: (js.total / 1024).toFixed(1), note: js.total > JS_GOAL_BYTES ? 'JS over 10 KB' : '' };
    try {
      const opened = performance.now();
      await page.goto(url);
      await waitForSession(page);
      row.sessionReadyS = ((performance.now() - opened) / 1000).toFixed(1);
      const walk = await walkLesson(page, lesson, { checkBefore: false, untilFirstPass: true });
      if (walk.checks.length) row.firstCheckS = ((performance.now() - opened) / 1000).toFixed(1);
    } catch (err) {
      row.note = [row.note, `failed: ${(err as Error).message.split('\n')[0].slice(0, 120)}`].filter(Boolean).join('; ');
    } finally {
      await page.context().close();
    }
    rows.push(row);
    process.stdout.write(`${row.lesson}: first check ✔ at ${row.firstCheckS} s (session ready ${row.sessionReadyS} s), JS ${row.jsKb} KB gz${row.note ? ` — ${row.note}` : ''}\n`);
  }
} finally {
  await browser.close();
  await pg.stop();
}

const header: Row = { lesson: 'lesson', sessionReadyS: 'session ready (s)', firstCheckS: 'open → first ✔ (s)', jsKb: 'JS before interaction (KB gz)', note: '' };
const cols = (['lesson', 'sessionReadyS', 'firstCheckS', 'jsKb'] as const).map((k) => Math.max(...[header, ...rows].map((r) => r[k].length)));
const line = (r: Row) => `${r.lesson.padEnd(cols[0])}  ${r.sessionReadyS.padStart(cols[1])}  ${r.firstCheckS.padStart(cols[2])}  ${r.jsKb.padStart(cols[3])}  ${r.note}`.trimEnd();
process.stdout.write(`\n${line(header)}\n${rows.map(line).join('\n')}\n`);
process.stdout.write(`JS goal ≤ ${JS_GOAL_BYTES / 1024} KB gzipped: ${rows.every((r) => Number(r.jsKb) * 1024 <= JS_GOAL_BYTES) ? 'met on every lesson page' : 'NOT met on some pages'}. Times are wall-clock on a shared machine (session start included).\n`);
process.exitCode = rows.some((r) => r.note.includes('failed')) ? 1 : 0;
