// Where the prebuilt generator lives. `npm run build` bundles the generator's entries into plain JS under
// dist/loadgen/ (scripts/build-generator-bundle.ts), so worker threads, `playground generator` processes and
// `--transport process` never compile TypeScript at run time (tsx costs ~50 MB of RSS and seconds of CPU per
// generator). Plain JS, not TypeScript, so that bin/playground.js can use it before any loader is registered.
// Paths come from this file's URL, never from the working directory: everything works from any cwd.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundle's folder, relative to the package root. */
export const GENERATOR_BUNDLE_DIR = 'dist/loadgen';
/** What `npm run build` writes beside the bundles: the project files they were built from (for staleness). */
export const GENERATOR_BUNDLE_INPUTS = 'bundle-inputs.json';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a package-relative path (under `root`, this package by default). */
export function packagePath(relative, root = PACKAGE_ROOT) {
  return join(root, relative);
}

/**
 * The bundle of one generator entry ('generator-worker' or 'generator-main'), or why it cannot be used:
 * `missing` (never built) or `stale` (a source it was built from changed since). Checked with a few stat()s.
 */
export function locateGeneratorBundle(entry, root = PACKAGE_ROOT) {
  const file = packagePath(`${GENERATOR_BUNDLE_DIR}/${entry}.mjs`, root);
  if (!existsSync(file)) return { ok: false, file, reason: 'missing', detail: `${GENERATOR_BUNDLE_DIR}/${entry}.mjs does not exist` };
  const builtAt = statSync(file).mtimeMs;
  let inputs = [];
  try {
    inputs = JSON.parse(readFileSync(packagePath(`${GENERATOR_BUNDLE_DIR}/${GENERATOR_BUNDLE_INPUTS}`, root), 'utf8')).inputs ?? [];
  } catch {
    return { ok: false, file, reason: 'stale', detail: `${GENERATOR_BUNDLE_DIR}/${GENERATOR_BUNDLE_INPUTS} is missing or unreadable` };
  }
  for (const input of inputs) {
    let changedAt;
    try {
      changedAt = statSync(packagePath(input, root)).mtimeMs;
    } catch {
      continue; // a source not shipped (e.g. an installed package without sources): the bundle stands alone
    }
    if (changedAt > builtAt) return { ok: false, file, reason: 'stale', detail: `${input} changed after ${GENERATOR_BUNDLE_DIR}/${entry}.mjs was built` };
  }
  return { ok: true, file };
}

/** The one-line explanation printed (once per process) and put in the result's notes when the bundle is not used. */
export function bundleFallbackMessage(located) {
  return `generator bundle ${located.reason} (${located.detail}): run \`npm run build\`; until then generators compile TypeScript at run time (slower start, ~50 MB more memory and extra CPU per generator)`;
}

let warned = false;
/** Warn on stderr once per process that generators fall back to run-time TypeScript. */
export function warnBundleFallback(located) {
  if (warned) return;
  warned = true;
  process.stderr.write(`playground: ${bundleFallbackMessage(located)}\n`);
}

/** tsx's loader and its register API, resolved from this package (not from the cwd). */
export function tsxLoaderUrl() {
  return import.meta.resolve('tsx');
}
export function tsxApiUrl() {
  return import.meta.resolve('tsx/esm/api');
}
