// The package's prebuilt bundles, and whether one can be used. `npm run build` (scripts/build-bundles.ts) bundles the
// entries that run in threads and processes of their own — the load generator's worker and process, the sandbox's
// data-plane worker — into plain JS under dist/, so they start without compiling TypeScript at run time (a thread
// that boots through tsx costs ~25-50 MB more RSS and more CPU; scripts/measure-data-plane-start.ts measures the
// data plane's). Beside each bundle folder, bundle-inputs.json lists the project files it was built from; a bundle
// older than any of them is stale. Plain JS, not TypeScript, so that bin/playground.js can use it before any loader is registered. Imports nothing
// from the project, so the server and the sandbox may both use it (like http1/). Paths come from this file's URL,
// never from the working directory: everything works from any cwd and from an installed package.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `npm run build` writes beside each bundle folder's files: the project files they were built from. */
export const BUNDLE_INPUTS = 'bundle-inputs.json';

/**
 * Every prebuilt bundle: its folder (package-relative), its entries (output name → the source it bundles) and what a
 * missing or stale bundle costs, said in the fallback warning.
 */
export const PREBUILT_BUNDLES = {
  generator: {
    dir: 'dist/loadgen',
    entries: {
      'generator-worker': 'playground-server/loadgen/generator-worker.ts',
      'generator-main': 'playground-server/loadgen/generator-main.ts',
    },
    fallback: 'generators compile TypeScript at run time (slower start, ~50 MB more memory and extra CPU per generator)',
  },
  'data-plane': {
    dir: 'dist/mesh',
    entries: { 'proxy-worker': 'sandbox/mesh/proxy/proxy-worker.ts' },
    fallback: "each sandbox's sidecar worker compiles TypeScript at run time (slower first start, ~25 MB more memory and extra CPU per sandbox)",
  },
};

const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Absolute path of a package-relative path (under `root`, this package by default). */
export function packagePath(relative, root = PACKAGE_ROOT) {
  return join(root, relative);
}

/**
 * One entry of a prebuilt bundle, or why it cannot be used: `missing` (never built) or `stale` (a source it was
 * built from changed since). Checked with a few stat()s. `root`: the package root (this package by default).
 */
export function locateBundle(bundle, entry, root = PACKAGE_ROOT) {
  const { dir } = PREBUILT_BUNDLES[bundle];
  const output = `${dir}/${entry}.mjs`;
  const file = packagePath(output, root);
  if (!existsSync(file)) return { ok: false, bundle, file, reason: 'missing', detail: `${output} does not exist` };
  const builtAt = statSync(file).mtimeMs;
  let inputs = [];
  try {
    inputs = JSON.parse(readFileSync(packagePath(`${dir}/${BUNDLE_INPUTS}`, root), 'utf8')).inputs ?? [];
  } catch {
    return { ok: false, bundle, file, reason: 'stale', detail: `${dir}/${BUNDLE_INPUTS} is missing or unreadable` };
  }
  for (const input of inputs) {
    let changedAt;
    try {
      changedAt = statSync(packagePath(input, root)).mtimeMs;
    } catch {
      continue; // a source not shipped (e.g. an installed package without sources): the bundle stands alone
    }
    if (changedAt > builtAt) return { ok: false, bundle, file, reason: 'stale', detail: `${input} changed after ${output} was built` };
  }
  return { ok: true, bundle, file };
}

/** The one-line explanation of a fallback to run-time TypeScript (warned once per process, and put in notes). */
export function bundleFallbackMessage(located) {
  return `${located.bundle} bundle ${located.reason} (${located.detail}): run \`npm run build\`; until then ${PREBUILT_BUNDLES[located.bundle].fallback}`;
}

const warned = new Set();
/** Warn on stderr, once per process and bundle, that its entries fall back to run-time TypeScript. */
export function warnBundleFallback(located) {
  if (warned.has(located.bundle)) return;
  warned.add(located.bundle);
  process.stderr.write(`playground: ${bundleFallbackMessage(located)}\n`);
}

/** tsx's loader and its register API, resolved from this package (not from the cwd). */
export function tsxLoaderUrl() {
  return import.meta.resolve('tsx');
}
export function tsxApiUrl() {
  return import.meta.resolve('tsx/esm/api');
}

/**
 * The code of an `eval: true` worker that runs a TypeScript entry (an absolute file URL) through tsx: tsx's hooks
 * are per thread, so they are registered inside the worker.
 */
export function tsxWorkerSource(entryUrl) {
  return `import(${JSON.stringify(tsxApiUrl())}).then(({ register }) => { register(); return import(${JSON.stringify(entryUrl)}); })`;
}
