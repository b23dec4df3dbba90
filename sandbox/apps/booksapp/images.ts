// The books app's images: buoyantio/booksapp runs the rake task its args name (`prod:webapp`, `prod:authors`,
// `prod:books`, as booksapp.yml passes them), buoyantio/booksapp-traffic the traffic generator; both under the
// ghcr.io spelling of run.linkerd.io/booksapp.yml and the docker.io one of the repository's own manifests.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { SHELL_ONLY, spellings, type UpstreamImage } from '../upstream-image.js';
import { authorsApp, booksApp } from './services.js';
import { trafficWorkload } from './traffic.js';
import { booksWebapp } from './webapp.js';

const REGISTRIES = ['ghcr.io/', ''];

const TASKS: Record<string, (ctx: WorkloadContext) => Workload> = { webapp: booksWebapp, authors: authorsApp, books: booksApp };

function booksappImage(ctx: WorkloadContext): Workload {
  const task = ctx.args[0] ?? '';
  const app = TASKS[task.replace(/^(prod|dev):/, '')];
  if (app) {
    const w = app(ctx);
    const env = task.startsWith('dev:') ? 'development' : 'production';
    return { ...w, start: async () => (await w.start(), ctx.log(`== Sinatra has taken the stage for ${env} (rake ${task}; data kept in memory, DATABASE_URL is not used)`)) };
  }
  // `bundle exec rake <task>` with an unknown task: rake's error, exit 1.
  return {
    start: async () => {
      ctx.log(`rake aborted!\nDon't know how to build task '${task || 'default'}' (See the list of available tasks with \`rake --tasks\`)`);
      setImmediate(() => ctx.exit(1));
    },
    stop: async () => undefined,
  };
}

export const BOOKSAPP_IMAGES: UpstreamImage[] = [
  { names: spellings(REGISTRIES, 'buoyantio/booksapp'), tags: ['v0.0.5', 'v0.0.3'], factory: (ctx) => booksappImage(ctx), tools: SHELL_ONLY },
  { names: spellings(REGISTRIES, 'buoyantio/booksapp-traffic'), tags: ['v0.0.3'], factory: (ctx) => trafficWorkload(ctx), tools: SHELL_ONLY },
];
