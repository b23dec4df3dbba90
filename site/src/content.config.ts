// Lessons are content: Markdown files in site/lessons/ with a schema'd front matter.
import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';

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
  }),
});

export const collections = { lessons };
