// How a generator is started outside this thread: as a worker thread or as a child process, from the prebuilt
// bundle (dist/loadgen/, `npm run build`; located by prebuilt/bundles.js) when it is there and current. Without it —
// a source checkout that was never built, or sources edited since — generators fall back to compiling TypeScript
// with tsx, resolved from this package (never from the cwd, so every subcommand works from any directory); a
// warning says so once on stderr and `note` carries it into the result.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundleFallbackMessage, locateBundle, tsxLoaderUrl, tsxWorkerSource, warnBundleFallback } from '../../prebuilt/bundles.js';

export interface LaunchPlan<T> {
  launch: T;
  /** Set when generators compile TypeScript at run time (the bundle is missing or stale). */
  note?: string;
}

/** A worker thread running one generator with `workerData` as its spec. */
export function generatorWorker(workerData: unknown): LaunchPlan<Worker> {
  const located = locateBundle('generator', 'generator-worker');
  if (located.ok) return { launch: new Worker(pathToFileURL(located.file), { workerData }) };
  warnBundleFallback(located);
  const entry = new URL('./generator-worker.ts', import.meta.url).href;
  return { launch: new Worker(tsxWorkerSource(entry), { eval: true, workerData }), note: bundleFallbackMessage(located) };
}

/** The node arguments that run one generator as a process (`--interactive` etc. go after them). */
export function generatorProcessArgs(): LaunchPlan<string[]> {
  const located = locateBundle('generator', 'generator-main');
  if (located.ok) return { launch: [located.file] };
  warnBundleFallback(located);
  return { launch: ['--import', tsxLoaderUrl(), fileURLToPath(new URL('./generator-main.ts', import.meta.url))], note: bundleFallbackMessage(located) };
}
