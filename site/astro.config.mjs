// The static site: pages rendered at build time, React islands only where a learner interacts.
import { defineConfig, passthroughImageService } from 'astro/config';
import react from '@astrojs/react';

export default defineConfig({
  outDir: '../dist/site',
  integrations: [react()],
  // No image processing: the site ships no raster images, so sharp (a native install) is not needed.
  image: { service: passthroughImageService() },
  telemetry: false,
});
