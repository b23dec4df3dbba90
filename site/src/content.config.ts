// Lessons are content: Markdown files in site/lessons/ with a schema'd front matter (lesson-front-matter.ts).
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { lessonFrontMatter } from './lib/lessons/lesson-front-matter.ts';

const lessons = defineCollection({
  loader: glob({ pattern: '[0-9][0-9]-*.md', base: './lessons' }),
  schema: lessonFrontMatter,
});

export const collections = { lessons };
