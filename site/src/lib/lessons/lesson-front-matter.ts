// A lesson's front matter schema, in a plain module (not astro:content) so the build's content collection and the
// static lesson test (test/lessons/lesson-catalogue.test.ts) check the same rules.
import { z } from 'astro/zod';
import { LESSON_APIS, LESSON_TOPICS } from './lesson-topics.ts';

export const lessonFrontMatter = z.object({
  title: z.string().min(3).max(80),
  summary: z.string().min(10).max(300),
  /** Minutes a learner needs, about. */
  duration: z.number().int().min(1).max(120),
  /** Lesson ids (file names without .md) to do first. */
  prerequisites: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]),
  order: z.number().int().min(1),
  /** What the lesson teaches, for the lesson list and for picking one browser walk-through per topic in tests. */
  topic: z.enum(LESSON_TOPICS),
  /** The APIs its manifests and commands use (each manifest block also says portable or sandbox-only). */
  apis: z.array(z.enum(LESSON_APIS)).min(1),
  /** The upstream tasks it mirrors (Istio's and Linkerd's docs, the Gateway API's guides). */
  upstream: z.array(z.object({ title: z.string().min(3).max(120), url: z.string().url().startsWith('https://') })).default([]),
});

export type LessonFrontMatter = z.infer<typeof lessonFrontMatter>;
