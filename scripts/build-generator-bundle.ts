// `npm run build:generator` (part of `npm run build`): bundles the load generator's two entries — the worker-thread
// entry and the process entry (`playground generator`, `--transport process`, Job pods) — into plain JS under
// dist/loadgen/ with esbuild, so generators start without a TypeScript loader. Beside them, bundle-inputs.json lists
// the project files each bundle was built from; generator-bundle.js treats a bundle older than any of them as stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { GENERATOR_BUNDLE_DIR, GENERATOR_BUNDLE_INPUTS, packagePath } from '../playground-server/loadgen/generator-bundle.js';

const ENTRIES = ['generator-worker', 'generator-main'] as const;

/**
 * Modules hdr-histogram-js loads but a generator never runs: pako (its browser fallback; on Node it deflates with
 * node:zlib), the WebAssembly build (we build JS histograms) and the log reader/writer (whose module creates an
 * Intl.NumberFormat at load: ICU's data, ~7 MB of RSS and ~0.2 s of CPU).
 */
const UNUSED_IN_GENERATORS = /^(pako|@assemblyscript\/loader|\.\/generated-wasm|\.\/HistogramLogWriter|\.\/HistogramLogReader)$/;
const leaveOutUnused: Plugin = {
  name: 'leave-out-unused',
  setup(b) {
    b.onResolve({ filter: UNUSED_IN_GENERATORS }, (args) => ({ path: args.path, namespace: 'unused-in-generators' }));
    b.onLoad({ filter: /.*/, namespace: 'unused-in-generators' }, (args) => ({
      // Any export is a function that throws, naming the module, if a generator ever calls it.
      contents: `const fail = (k) => () => { throw new Error(${JSON.stringify(`generator bundle: ${args.path} is left out of the generator bundle`)} + ' (' + String(k) + ')'); };
module.exports = new Proxy({}, { get(_, k) { return k === '__esModule' || typeof k === 'symbol' ? undefined : fail(k); } });`,
      loader: 'js',
    }));
  },
};

/** Build both bundles into dist/loadgen/; resolves with the bundle files and their sizes in bytes. */
export async function buildGeneratorBundle(): Promise<{ file: string; bytes: number }[]> {
  const root = packagePath('.');
  const outdir = packagePath(GENERATOR_BUNDLE_DIR);
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES.map((e) => `playground-server/loadgen/${e}.ts`),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // hdr-histogram-js is CommonJS and requires node builtins: give the ESM bundle a real `require`.
    banner: { js: "import { createRequire as __playgroundCreateRequire } from 'node:module'; const require = __playgroundCreateRequire(import.meta.url);" },
    metafile: true,
    plugins: [leaveOutUnused],
    logLevel: 'warning',
    legalComments: 'none',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith('node_modules/') && !p.includes('/node_modules/'))
    .map((p) => relative(root, packagePath(p)).split('\\').join('/'))
    .sort();
  writeFileSync(`${outdir}/${GENERATOR_BUNDLE_INPUTS}`, JSON.stringify({ inputs }, null, 2) + '\n');
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .map(([file, out]) => ({ file, bytes: out.bytes }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outputs = await buildGeneratorBundle();
  for (const o of outputs) process.stdout.write(`generator bundle: ${o.file} (${(o.bytes / 1024).toFixed(0)} KiB)\n`);
}
