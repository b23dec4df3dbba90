// The data-plane worker (every sidecar of a sandbox) runs the prebuilt bundle dist/mesh/proxy-worker.mjs when it is
// current: a sandbox's first meshed pod starts it from there with no fallback warning. When the bundle is missing or
// stale it compiles the TypeScript entry with tsx instead, and says so once per process on stderr with the fix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSandbox } from '../../sandbox/cluster.js';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import { ProxyHost } from '../../sandbox/mesh/proxy/proxy-host.js';
import { locateBundle, packagePath } from '../../prebuilt/bundles.js';
import { buildDataPlaneBundle } from '../../scripts/build-bundles.js';
import { INJECT_LABEL } from '../../sandbox/mesh/constants.js';
import { MeshHarness } from './harness.js';

const IDLE_IMAGE = 'test/data-plane-bundle-idle';
const roots: string[] = [];
let stderr = '';
const write = process.stderr.write.bind(process.stderr);

before(async () => {
  // `npm run build` makes the bundle; a checkout whose bundle is missing or stale gets it built here (esbuild, < 1 s).
  if (!locateBundle('data-plane', 'proxy-worker').ok) await buildDataPlaneBundle();
  registerImage(IDLE_IMAGE, () => ({ start: async () => undefined, stop: async () => undefined }));
  // The fallback warning goes to this process's stderr: keep a copy (and still show it).
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
});
after(() => {
  process.stderr.write = write;
  unregisterImage(IDLE_IMAGE);
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

test("a sandbox's first meshed pod starts the data plane from the current bundle, with no fallback warning", async () => {
  const sandbox = await startSandbox({ serveApi: false });
  try {
    const { api } = sandbox;
    api.create(api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bundled', labels: { [INJECT_LABEL]: 'enabled' } } });
    api.create(api.type('', 'pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'idle', namespace: 'bundled' }, spec: { containers: [{ name: 'main', image: IDLE_IMAGE }] } });
    let module: string | undefined;
    for (let i = 0; i < 200 && module === undefined; i++) {
      module = await sandbox.mesh!.dataPlaneModule();
      if (module === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(module, pathToFileURL(packagePath('dist/mesh/proxy-worker.mjs')).href, 'the worker runs the prebuilt bundle');
    assert.doesNotMatch(stderr, /data-plane bundle/);
  } finally {
    await sandbox.stop();
  }
});

/** A package root whose dist/mesh/proxy-worker.mjs was built before src/a.ts last changed. */
function staleRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'data-plane-bundle-'));
  roots.push(root);
  mkdirSync(join(root, 'dist/mesh'), { recursive: true });
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'dist/mesh/proxy-worker.mjs'), "throw new Error('a stale bundle must not run');\n");
  writeFileSync(join(root, 'dist/mesh/bundle-inputs.json'), JSON.stringify({ inputs: ['src/a.ts'] }));
  writeFileSync(join(root, 'src/a.ts'), '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(root, 'dist/mesh/proxy-worker.mjs'), old, old);
  return root;
}

test('a stale bundle: the worker compiles the TypeScript entry with tsx and the warning, with the fix, is printed once', async () => {
  const h = await MeshHarness.start();
  const root = staleRoot();
  const hosts = [new ProxyHost(h.cp, { packageRoot: root }), new ProxyHost(h.cp, { packageRoot: root })];
  try {
    for (const host of hosts) assert.match(await host.boot(), /\/sandbox\/mesh\/proxy\/proxy-worker\.ts$/, 'the worker runs the TypeScript entry');
    // It works: it compiled the control plane's configuration (synced() waits for the worker to run it).
    await hosts[0].synced();
    const warnings = stderr.split('\n').filter((l) => l.includes('data-plane bundle'));
    assert.deepEqual(warnings, [
      'playground: data-plane bundle stale (src/a.ts changed after dist/mesh/proxy-worker.mjs was built): run `npm run build`; ' +
        "until then each sandbox's sidecar worker compiles TypeScript at run time (slower first start, ~25 MB more memory and extra CPU per sandbox)",
    ]);
  } finally {
    for (const host of hosts) host.stop();
    await h.stop();
  }
});

test('a missing bundle is said so, naming the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'data-plane-bundle-'));
  roots.push(root);
  const located = locateBundle('data-plane', 'proxy-worker', root);
  assert.deepEqual(located, { ok: false, bundle: 'data-plane', file: join(root, 'dist/mesh/proxy-worker.mjs'), reason: 'missing', detail: 'dist/mesh/proxy-worker.mjs does not exist' });
});
