// Lessons are content: Markdown files in site/lessons/ with a schema'd front matter.
import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';
import { LESSON_APIS, LESSON_TOPICS } from './lib/lessons/lesson-topics.ts';

const lessons = defineCollection({
  loader: glob({ pattern: '[0-9][0-9]-*.md', base: './lessons' }),
  schema: z.object({
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
  }),
});

export const collections = { lessons };
