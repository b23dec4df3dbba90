// Lesson checks and progress: results are recorded in the store, so a restart loses none.
import type { Dispatcher } from '../api/dispatcher.js';
import { sessionOf, type OpDeps } from './deps.js';

export function registerLessonOps(d: Dispatcher, deps: OpDeps): void {
  d.register('listChecks', async () => ({ items: deps.checks.list() }));

  d.register('runCheck', async (params, ctx) => {
    const session = sessionOf(ctx);
    const outcome = await deps.checks.run(params.check, { session, cluster: deps.cluster, signal: ctx.signal }, params.args);
    const result = { check: params.check, lesson: params.lesson ?? null, passed: outcome.passed, hint: outcome.hint, details: outcome.details ?? {}, checkedAt: new Date().toISOString() };
    await deps.store.recordCheck(session.id, result);
    return result;
  });

  d.register('getProgress', async (_params, ctx) => {
    const session = sessionOf(ctx);
    const [lessons, checks] = await Promise.all([deps.store.lessonProgress(session.id), deps.store.checkResults(session.id)]);
    return { lessons, checks };
  });

  d.register('updateProgress', async (params, ctx) => {
    const session = sessionOf(ctx);
    const progress = { lesson: params.lesson, step: params.step, completed: params.completed ?? false, updatedAt: new Date().toISOString() };
    await deps.store.saveLessonProgress(session.id, progress);
    return progress;
  });
}
