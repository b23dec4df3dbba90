// The static site: pages rendered at build time, React islands only where a learner interacts.
import { defineConfig, passthroughImageService } from 'astro/config';
import react from '@astrojs/react';
import { remarkLessonBlocks } from './src/lib/lessons/remark-lesson-blocks.ts';

export default defineConfig({
  outDir: '../dist/site',
  integrations: [react()],
  // Lesson Markdown: runnable blocks, manifests and Check buttons become interactive markup at build time.
  markdown: { remarkPlugins: [remarkLessonBlocks], shikiConfig: { themes: { light: 'github-light', dark: 'github-dark-default' } } },
  // No image processing: the site ships no raster images, so sharp (a native install) is not needed.
  image: { service: passthroughImageService() },
  // Monaco's and monaco-yaml's workers split their code, which only ES-module workers allow.
  vite: { worker: { format: 'es' } },
  telemetry: false,
});
