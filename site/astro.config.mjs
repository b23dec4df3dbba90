// The static site: pages rendered at build time, React islands only where a learner interacts.
import { defineConfig, passthroughImageService } from 'astro/config';
import react from '@astrojs/react';
import { remarkLessonBlocks } from './src/lib/lessons/remark-lesson-blocks.ts';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The conformance page's data: the generated file, or another one (a test fixture) named by the environment.
const conformanceData = process.env.PLAYGROUND_CONFORMANCE_DATA
  ? resolve(process.env.PLAYGROUND_CONFORMANCE_DATA)
  : fileURLToPath(new URL('./src/data/conformance.json', import.meta.url));

export default defineConfig({
  outDir: '../dist/site',
  integrations: [react()],
  // Lesson Markdown: runnable blocks, manifests and Check buttons become interactive markup at build time.
  markdown: { remarkPlugins: [remarkLessonBlocks], shikiConfig: { themes: { light: 'github-light', dark: 'github-dark-default' } } },
  // No image processing: the site ships no raster images, so sharp (a native install) is not needed.
  image: { service: passthroughImageService() },
  // Monaco's and monaco-yaml's workers split their code, which only ES-module workers allow.
  vite: { worker: { format: 'es' }, define: { __PLAYGROUND_CONFORMANCE_DATA__: JSON.stringify(conformanceData) } },
  telemetry: false,
});
