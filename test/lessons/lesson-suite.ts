// One test per lesson of the given topics, each through the API in a fresh session (lesson-api.ts), on one
// sandbox and server per test file; the files are split by topic so `npm test` runs two topics at a time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, type ServerFixture } from '../server/fixture.js';
import { lessonFiles, runLessonThroughApi } from './lesson-api.js';

const LESSONS_AT_ONCE = 2;

export function lessonSuite(topics: string[]): void {
  // LESSONS=10-request-routing,11-traffic-shifting runs only those (while writing a lesson).
  const only = process.env.LESSONS?.split(',').map((s) => s.trim()).filter(Boolean);
  const lessons = lessonFiles().filter((l) => topics.includes(String(l.frontMatter.topic)) && (!only || only.includes(l.id)));
  // Lessons run side by side (each in its own session, i.e. its own namespace): most of a lesson's time is waiting for
  // pods, faults and checks, so two at a time halve a topic's wall time without crowding the two cores.
  describe(`lessons (${topics.join(', ')}) through the API: each check fails before its step and passes after`, { concurrency: LESSONS_AT_ONCE }, () => {
    let fx: ServerFixture;
    before(async () => {
      fx = await startFixture();
    });
    after(async () => {
      await fx?.close();
    });
    test('the topic has lessons', () => assert.ok(lessons.length > 0, `no lesson has topic ${topics.join(' or ')}`));
    for (const lesson of lessons) {
      test(`${lesson.id}`, { timeout: 240_000 }, async (t) => {
        const lines: string[] = [];
        const started = Date.now();
        try {
          const record = await runLessonThroughApi(fx.url, lesson, (m) => lines.push(m));
          assert.ok(record.checks.length > 0, `${lesson.id} has no check`);
          // LESSON_LOG=1 prints what ran and each check's verdict (while writing a lesson), and the run's time.
          if (process.env.LESSON_LOG) for (const line of lines) t.diagnostic(line);
          t.diagnostic(`${lesson.id}: ${((Date.now() - started) / 1000).toFixed(1)} s through the API`);
        } catch (err) {
          // A new error: some (a fetch's TimeoutError) have a read-only message.
          throw new Error(`${(err as Error).name === 'Error' ? '' : `${(err as Error).name}: `}${(err as Error).message}\n--- what ran ---\n${lines.slice(-40).join('\n')}`, { cause: err });
        }
      });
    }
  });
}
