#!/usr/bin/env node
// The `playground` command. The project runs its TypeScript directly through tsx (no build step for the server),
// except `playground generator` (a Job pod's or `--transport process` generator): it runs the prebuilt bundle
// (dist/loadgen/, `npm run build`; located by prebuilt/bundles.js) so a generator compiles nothing and stays small;
// without a current bundle it says so on stderr and falls back to tsx.
import { pathToFileURL } from 'node:url';
import { locateBundle, warnBundleFallback } from '../prebuilt/bundles.js';

const args = process.argv.slice(2);
const bundle = args[0] === 'generator' ? locateBundle('generator', 'generator-main') : null;
if (bundle?.ok) {
  const { generatorMain } = await import(pathToFileURL(bundle.file).href);
  process.exitCode = await generatorMain(args.slice(1));
} else {
  if (bundle) warnBundleFallback(bundle);
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../playground-server/cli.ts');
  process.exitCode = await main(args);
}
