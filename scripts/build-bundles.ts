// `npm run build:bundles` (part of `npm run build`): bundles every prebuilt entry listed in prebuilt/bundles.js into
// plain JS with esbuild — the load generator's worker-thread and process entries (`playground generator`,
// `--transport process`, Job pods) into dist/loadgen/, the sandbox's data-plane worker (every sidecar of a sandbox)
// into dist/mesh/ — so they start without a TypeScript loader. Beside each bundle, bundle-inputs.json lists the
// project files it was built from; prebuilt/bundles.js treats a bundle older than any of them as stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { isMainModule } from '../playground-server/loadgen/main-module.js';
import { BUNDLE_INPUTS, PREBUILT_BUNDLES, packagePath, type BundleName } from '../prebuilt/bundles.js';

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

/** Plugins per bundle: what each leaves out. */
const PLUGINS: Record<BundleName, Plugin[]> = { generator: [leaveOutUnused], 'data-plane': [] };

export interface BuiltFile {
  file: string;
  bytes: number;
}

/** Build one bundle's entries into its folder; resolves with the bundle files and their sizes in bytes. */
export async function buildBundle(name: BundleName): Promise<BuiltFile[]> {
  const { dir, entries } = PREBUILT_BUNDLES[name];
  const root = packagePath('.');
  const outdir = packagePath(dir);
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(entries).map(([out, source]) => ({ out, in: source })),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Some dependencies are CommonJS and require node builtins: give the ESM bundle a real `require`.
    banner: { js: "import { createRequire as __playgroundCreateRequire } from 'node:module'; const require = __playgroundCreateRequire(import.meta.url);" },
    metafile: true,
    plugins: PLUGINS[name],
    logLevel: 'warning',
    legalComments: 'none',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith('node_modules/') && !p.includes('/node_modules/'))
    .map((p) => relative(root, packagePath(p)).split('\\').join('/'))
    .sort();
  writeFileSync(`${outdir}/${BUNDLE_INPUTS}`, JSON.stringify({ inputs }, null, 2) + '\n');
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .map(([file, out]) => ({ file, bytes: out.bytes }));
}

/** The load generator's two entries into dist/loadgen/. */
export const buildGeneratorBundle = (): Promise<BuiltFile[]> => buildBundle('generator');
/** The sandbox's data-plane worker into dist/mesh/. */
export const buildDataPlaneBundle = (): Promise<BuiltFile[]> => buildBundle('data-plane');

if (isMainModule(import.meta.url)) {
  for (const name of Object.keys(PREBUILT_BUNDLES) as BundleName[])
    for (const o of await buildBundle(name)) process.stdout.write(`${name} bundle: ${o.file} (${(o.bytes / 1024).toFixed(0)} KiB)\n`);
}
